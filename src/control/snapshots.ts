/**
 * The JSON bodies of the read endpoints, computed from the runtime and the
 * event feed at request time (nothing here is cached, so nothing goes stale).
 */
import { ERROR_TEXT_LIMITS, type SerializedError } from '../errors.ts';
import { truncateText } from '../shared/code-frame.ts';
import type { EventFeed, ReloadSummary } from './event-feed.ts';
import type { Phase, PhaseSummary } from './phase-samples.ts';
import { controlProviders } from './providers.ts';

export type ControlState = 'running' | 'reloading' | 'degraded' | 'fatal';

export interface StatusSnapshot {
  enabled: boolean;
  state: ControlState;
  pid: number;
  /** Seconds since the process started. */
  uptime: number;
  project: string;
  roots: string[];
  reloading: { id: number; files: string[] } | null;
  lastReload: ReloadSummary | null;
  /** The error of the last failed reload (with its code frame), until a reload commits. */
  error: SerializedError | null;
  /** Why the state is `degraded`, one line each. */
  problems: string[];
}

export interface StatsSnapshot {
  reloads: number;
  succeeded: number;
  failed: number;
  skipped: number;
  modules: number;
  cache: { memoryHits: number; diskHits: number; misses: number; hitRate: number };
  versions: { alive: number; collected: number };
  /** Percentiles over the last committed reloads, ms. */
  phases: Record<Phase, PhaseSummary>;
  /** Stats of registered providers (the plugin host registers as `plugins`). */
  providers: Record<string, unknown>;
}

export interface ModuleSnapshot {
  path: string;
  file: string;
  version: number | null;
  importers: string[];
  imports: string[];
  lastReloadAt: number | null;
  error: string | null;
}

export interface GraphSnapshot {
  nodes: { id: string; version: number | null; error: string | null; changed: boolean; rerun: boolean }[];
  /** `from` imports `to`. */
  edges: { from: string; to: string }[];
  lastReload: ReloadSummary | null;
}

const MAX_PROBLEMS = 20;

export function statusSnapshot(feed: EventFeed): StatusSnapshot {
  const { runtime } = feed;
  const problems: string[] = [];
  const last = feed.lastReload;
  const fatal = runtime.status().fatal;
  if (fatal) problems.push(fatal.message);
  // before the first successful start there is no good version to serve: the app waits for a fix
  const started = runtime.modules().some((m) => m.version !== undefined);
  if (last?.status === 'failed') problems.push(`reload #${last.id} failed: ${last.error?.text ?? 'unknown error'}; ${started ? 'the last good version keeps serving' : 'the app has not started yet: it is waiting for a fix'}`);
  if (last?.status === 'declined') problems.push(`reload #${last.id} was declined: restart the process to apply ${last.files.join(', ')}`);
  for (const m of runtime.modules()) {
    if (m.version === undefined) problems.push(`${feed.rel(m.file)} is not loaded: its last load failed (fix it and save)`);
    else if (m.error !== undefined && last?.status !== 'failed') problems.push(`${feed.rel(m.file)}: ${truncateText(m.error, ERROR_TEXT_LIMITS.text)}`);
  }
  for (const provider of controlProviders()) problems.push(...(provider.problems?.() ?? []));
  const state: ControlState = fatal ? 'fatal' : feed.inFlight ? 'reloading' : problems.length > 0 ? 'degraded' : 'running';
  return {
    enabled: runtime.enabled,
    state,
    pid: process.pid,
    uptime: Math.round(process.uptime() * 1000) / 1000,
    project: runtime.root,
    roots: [...runtime.roots],
    reloading: feed.inFlight ? { id: feed.inFlight.id, files: feed.inFlight.files } : null,
    lastReload: last ?? null,
    error: feed.currentError ?? null,
    // Bounded: the status travels in every event stream's hello and after every reload.
    problems: problems.length > MAX_PROBLEMS ? [...problems.slice(0, MAX_PROBLEMS), `…and ${problems.length - MAX_PROBLEMS} more (GET /api/modules lists every module's error)`] : problems,
  };
}

export function statsSnapshot(feed: EventFeed): StatsSnapshot {
  const stats = feed.runtime.stats();
  const { memoryHits, diskHits, misses } = stats.cache;
  const lookups = memoryHits + diskHits + misses;
  const providers: Record<string, unknown> = {};
  for (const provider of controlProviders()) {
    if (!provider.stats) continue;
    try {
      providers[provider.name] = provider.stats() ?? null;
    } catch (error) {
      providers[provider.name] = { error: (error as Error).message };
    }
  }
  return {
    reloads: stats.reloads,
    succeeded: stats.committed,
    failed: stats.failed,
    skipped: stats.skipped,
    modules: stats.modules,
    cache: { memoryHits, diskHits, misses, hitRate: lookups === 0 ? 0 : Math.round(((memoryHits + diskHits) / lookups) * 1000) / 1000 },
    versions: { alive: stats.versionsAlive, collected: stats.versionsCollected },
    phases: feed.samples.summary(),
    providers,
  };
}

export function modulesSnapshot(feed: EventFeed): ModuleSnapshot[] {
  return feed.runtime
    .modules()
    .map((m) => ({
      path: feed.rel(m.file),
      file: m.file,
      version: m.version ?? null,
      importers: m.importers.map((f) => feed.rel(f)).sort(),
      imports: m.imports.map((f) => feed.rel(f)).sort(),
      lastReloadAt: m.lastReloadAt ?? null,
      error: m.error === undefined ? null : truncateText(m.error, ERROR_TEXT_LIMITS.text),
    }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

export function graphSnapshot(feed: EventFeed): GraphSnapshot {
  const last = feed.lastReload ?? null;
  const changed = new Set(last?.status === 'committed' ? last.updated.filter((p) => !last.rerun.includes(p)) : (last?.files ?? []));
  const rerun = new Set(last?.status === 'committed' ? last.rerun : []);
  const modules = modulesSnapshot(feed);
  const known = new Set(modules.map((m) => m.path));
  return {
    nodes: modules.map((m) => ({ id: m.path, version: m.version, error: m.error, changed: changed.has(m.path), rerun: rerun.has(m.path) })),
    edges: modules.flatMap((m) => m.imports.filter((to) => known.has(to)).map((to) => ({ from: m.path, to }))),
    lastReload: last,
  };
}
