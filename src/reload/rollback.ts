/**
 * Phase 6, rollback (after a failure before or in commit): participants abort,
 * the staged versions are discarded and disposed, and every dispose-first
 * module gets its old version back, evaluated again from its last good code.
 * When that fails too, no good version serves the module: a fatal state,
 * reported loudly, never as "restored".
 */
import { ERROR_CODES, HotswapError, isHotswapError, relativePath } from '../errors.ts';
import type { ModuleRegistry } from '../runner/module-registry.ts';
import type { ModuleVersion } from '../runner/module-node.ts';
import type { FatalState, ReloadFailed } from './reload-result.ts';
import { findCulprits, sameError } from './isolate.ts';
import type { TransactionDeps, TransactionState } from './transaction-state.ts';

/** `blame`: the staged modules remember the error (a failure); false when the caller aborted a good transaction. */
export async function rollback(deps: TransactionDeps, tx: TransactionState, caught: unknown, blame = true): Promise<ReloadFailed> {
  const { registry, clock } = deps;
  const error = isHotswapError(caught) ? caught : new HotswapError(ERROR_CODES.EVALUATION, `Reload failed: ${String(caught)}`, { cause: caught });
  for (const participant of tx.prepared) {
    try {
      await participant.abort?.(tx.view);
    } catch {
      // abort must not mask the original error
    }
  }
  const created = [...tx.staging.created];
  if (blame) {
    tx.culprits = findCulprits(tx, error);
    tx.repeated = [...tx.culprits].every((node) => tx.retried.has(node) && sameError(node.lastError, error));
  }
  registry.graph.discard(created, tx.staging, tx.culprits, error, (node) => tx.staging.sources.get(node.id)?.hash);
  // A failed first load of a new file leaves nothing behind.
  for (const version of created) await registry.disposeVersion(version, 'aborted');
  const { restored, fatal } = await restoreDisposedFirst(registry, tx.disposedFirst, tx.id, deps.root);
  // The phase that failed gets the time spent in it (stage, or validate when staging had finished).
  const elapsed = clock.monotonic() - tx.t0;
  if (tx.timings.stage === 0) tx.timings.stage = elapsed;
  else if (tx.timings.validate === 0) tx.timings.validate = elapsed - tx.timings.stage;
  tx.timings.total = elapsed;
  registry.emitHotEvent('hotswap:error', { files: tx.base.files, error });
  return { ...tx.base, status: 'failed', error, phase: tx.phase, restored, timings: tx.timings, ...(fatal ? { fatal } : {}) };
}

async function restoreDisposedFirst(registry: ModuleRegistry, disposed: readonly ModuleVersion[], id: number, root: string): Promise<{ restored: boolean; fatal: FatalState | undefined }> {
  const lost: { file: string; error: HotswapError }[] = [];
  for (const old of disposed) {
    const restored = registry.createVersion(old.node, undefined, [], old);
    try {
      await restored.evaluation;
      registry.graph.restore(old, restored);
    } catch (caught) {
      const error = isHotswapError(caught) ? caught : new HotswapError(ERROR_CODES.EVALUATION, String(caught), { cause: caught });
      registry.graph.markFatal(old.node, error);
      lost.push({ file: old.node.id, error });
    }
  }
  const first = lost[0];
  if (!first) return { restored: disposed.length > 0, fatal: undefined };
  const names = lost.map((l) => relativePath(l.file, root)).join(', ');
  const fatal: FatalState = {
    modules: lost.map((l) => l.file),
    message: `The process is running no good version of ${names}: its new version failed and its last good version failed to start again (${first.error.message}). Fix it and save, or restart the process.`,
    error: new HotswapError(ERROR_CODES.FATAL, `No good version of ${names} is running`, { cause: first.error, hint: 'Fix the module and save (the next good save recovers), or restart the process.' }),
    reload: id,
  };
  return { restored: lost.length < disposed.length, fatal };
}
