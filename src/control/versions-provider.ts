/**
 * The version store as a control-plane provider: its health and probation in
 * `/api/stats` and `status.problems`, its events on the event stream. The CLI
 * registers it next to `attachVersions` (the versions layer never imports the
 * control plane).
 */
import type { Versions } from '../versions/attach-versions.ts';
import type { VersionEvent } from '../versions/version-service.ts';
import { registerControlProvider } from './providers.ts';

/** Register the provider for these versions; returns the disposer. */
export function registerVersionsProvider(versions: Versions): () => void {
  const { service } = versions;
  return registerControlProvider({
    name: 'versions',
    stats: () => ({ available: service.store !== undefined, problems: service.problems(), probation: service.probation.watched().map((w) => ({ id: w.id, module: service.rel(w.file), ...w.sample() })) }),
    problems: () => service.problems(),
    subscribe: (emit) => service.on((event) => emit(event.type, { text: describeEvent(event), ...event })),
  });
}

/** One line for the dashboard feed and `hotswap logs`. */
function describeEvent(event: VersionEvent): string {
  switch (event.type) {
    case 'recorded':
      return `recorded ${event.versions.map((v) => `${v.module}@${v.seq}`).join(', ')} (${event.versions[0]?.trigger ?? ''})`;
    case 'stable':
      return `${event.version.module}@${event.version.seq} is stable after probation (${event.version.errors}/${event.version.calls} calls failed)`;
    case 'failing':
      return `${event.version.module}@${event.version.seq} is failing in probation (${event.sample.errors}/${event.sample.calls} calls failed)`;
    case 'rolled-back':
    case 'started-on-stable':
    case 'error':
      return event.message;
  }
}
