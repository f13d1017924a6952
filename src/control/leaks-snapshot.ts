/** GET /api/leaks: the runtime's leak report with project-relative paths. `?gc=1` collects garbage first. */
import type { EventFeed } from './event-feed.ts';

export interface LeaksSnapshot {
  /** Whether a full GC ran first (a version listed without one may just not be collected yet). */
  collected: boolean;
  versions: { module: string; version: number; replacedForMs: number }[];
  resources: { module: string; version: number; kind: string; label: string; stack: string | null; releasedForMs: number }[];
}

export async function leaksSnapshot(feed: EventFeed, gc: boolean): Promise<LeaksSnapshot> {
  const report = await feed.runtime.leaks({ gc });
  return {
    collected: report.collected,
    versions: report.versions.map((v) => ({ module: feed.rel(v.module), version: v.version, replacedForMs: v.replacedForMs })),
    resources: report.resources.map((r) => ({ module: feed.rel(r.module), version: r.version, kind: r.kind, label: r.label, stack: r.stack ?? null, releasedForMs: r.releasedForMs })),
  };
}
