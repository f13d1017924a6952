/**
 * Disposal of a replaced, aborted or pruned version: its dispose (and prune) handlers run, its
 * resources are released (src/resources/) and its hot listeners come off. A throwing handler is
 * reported and never stops the others.
 */
import { ERROR_CODES, HotswapError, relativePath } from '../errors.ts';
import type { ModuleVersion } from './module-version.ts';

export type DisposeReason = 'replaced' | 'aborted' | 'pruned';

export interface DisposalDeps {
  root: string;
  onError(error: HotswapError): void;
  /** The version tracker's note that the version was replaced (leak reports). */
  replaced(version: ModuleVersion): void;
}

/** Undefined when it finished at once: most versions have nothing to run or release (a 1,000-module re-run disposes 1,000). */
export function disposeVersion(version: ModuleVersion, reason: DisposeReason, deps: DisposalDeps): Promise<void> | undefined {
  if (version.disposed) return undefined;
  const { hotState } = version;
  if (hotState.disposeCallbacks.length === 0 && (reason !== 'pruned' || hotState.pruneCallbacks.length === 0) && version.scope.releaseIfEmpty(releaseReason(reason))) {
    version.disposed = true;
    detach(version, reason, deps);
    return undefined;
  }
  return dispose(version, reason, deps);
}

async function dispose(version: ModuleVersion, reason: DisposeReason, deps: DisposalDeps): Promise<void> {
  version.disposed = true;
  const name = relativePath(version.node.id, deps.root);
  const callbacks = [...version.hotState.disposeCallbacks, ...(reason === 'pruned' ? version.hotState.pruneCallbacks : [])];
  const release = (): Promise<void> =>
    version.scope.release(releaseReason(reason), (error, resource) =>
      deps.onError(new HotswapError(ERROR_CODES.HOT_CALLBACK, `Releasing ${resource.label} of ${name} failed: ${String(error)}`, { cause: error })),
    );
  // A version that never went live gives a listening socket it shares back to the live server
  // first: its own dispose handler (`server.close()`) must not close the socket the live one serves.
  if (reason === 'aborted') await release();
  for (const callback of callbacks) {
    try {
      await callback(version.node.data);
    } catch (error) {
      deps.onError(new HotswapError(ERROR_CODES.HOT_CALLBACK, `A ${reason === 'pruned' ? 'prune' : 'dispose'} handler of ${name} threw: ${String(error)}`, { cause: error }));
    }
  }
  if (reason !== 'aborted') await release();
  detach(version, reason, deps);
}

/** Its hot listeners come off; a replaced or pruned version is reported to the version tracker (leak reports). */
function detach(version: ModuleVersion, reason: DisposeReason, deps: DisposalDeps): void {
  version.hot?.detach();
  if (reason !== 'aborted') deps.replaced(version);
}

function releaseReason(reason: DisposeReason): 'discarded' | 'removed' | 'replaced' {
  return reason === 'aborted' ? 'discarded' : reason === 'pruned' ? 'removed' : 'replaced';
}
