/**
 * Resources follow their code: one scope per module or plugin version (see
 * resource-scope.ts), the hooks that fill it, the server hand-over and the
 * leak report.
 */
import { installResourceHooks } from './resource-hooks.ts';
import { ResourceScope, type ScopeOwner } from './resource-scope.ts';

export { ResourceScope, outsideScopes, type ReleaseReason, type ScopeOwner, type TrackedResource } from './resource-scope.ts';
export { lingering, type LingeringResource } from './leak-registry.ts';

/** A scope for one version; the first call installs the hooks (timers, emitters, `listen`). */
export function createResourceScope(owner: ScopeOwner, isRecording: () => boolean): ResourceScope {
  installResourceHooks();
  return new ResourceScope(owner, isRecording);
}
