/**
 * Phase 4, commit: one synchronous step. The module graph swaps every staged
 * version in, then each participant commits (a plugin host swaps its
 * registries). Nothing awaits in between, so no call ever sees half a reload.
 */
import { ERROR_CODES, HotswapError } from '../errors.ts';
import type { ModuleVersion } from '../runner/module-node.ts';
import type { TransactionDeps, TransactionState } from './transaction-state.ts';

/** Returns the replaced versions (finalize disposes them). */
export function commit(deps: TransactionDeps, tx: TransactionState): ModuleVersion[] {
  const { registry, clock } = deps;
  tx.phase = 'commit';
  const started = clock.monotonic();
  const replaced = registry.graph.commit(tx.staging.created, tx.staging, clock.now());
  // Replaced versions stop taking part now: their listeners come off, their servers' sockets pass to the new versions.
  for (const old of replaced) old.scope.retire();
  for (const participant of deps.participants) {
    try {
      participant.commit?.(tx.view);
    } catch (error) {
      registry.emitHotEvent('hotswap:error', { files: tx.base.files, error: new HotswapError(ERROR_CODES.HOT_CALLBACK, `Reload participant ${participant.name} threw in commit: ${String(error)}`, { cause: error }) });
    }
  }
  tx.timings.commit = clock.monotonic() - started;
  return replaced;
}
