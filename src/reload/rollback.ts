/**
 * Phase 6, rollback (after a failure before or in commit): participants abort,
 * the staged versions are discarded and disposed, and every dispose-first
 * module gets its old version back, evaluated again from its last good code.
 * When that fails too, no good version serves the module: a fatal state,
 * reported loudly, never as "restored".
 */
import { ERROR_CODES, HotswapError, isHotswapError, relativePath } from '../errors.ts';
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
  const { restored, fatal } = await restoreDisposedFirst(deps, tx.disposedFirst, tx.id, (old) => old);
  // The phase that failed gets the time spent in it (stage, or validate when staging had finished).
  const elapsed = clock.monotonic() - tx.t0;
  if (tx.timings.stage === 0) tx.timings.stage = elapsed;
  else if (tx.timings.validate === 0) tx.timings.validate = elapsed - tx.timings.stage;
  tx.timings.total = elapsed;
  registry.emitHotEvent('hotswap:error', { files: tx.base.files, error });
  return { ...tx.base, status: 'failed', error, phase: tx.phase, restored, timings: tx.timings, ...(fatal ? { fatal } : {}) };
}

/**
 * After the commit, before the replaced versions are disposed: a dispose-first
 * module's new version threw asynchronously while it started (a server that cannot
 * listen). The reload failed: every version it committed is reverted to the one it
 * replaced (disposing the new ones), and the dispose-first modules' old code runs
 * again, as when a reload fails before its commit. Participants are not reverted.
 */
export async function revertStart(deps: TransactionDeps, tx: TransactionState, previous: ReadonlyMap<ModuleVersion, ModuleVersion | undefined>, caught: unknown): Promise<ReloadFailed> {
  const { registry, root, clock } = deps;
  const starting = tx.disposedFirst.map((old) => old.node);
  const names = starting.map((node) => relativePath(node.id, root)).join(', ');
  const message = caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught);
  const first = starting[0]?.id ?? root;
  const error = new HotswapError(ERROR_CODES.EVALUATION, `${names} failed while starting: ${message}`, {
    cause: caught,
    location: { file: first, line: 1, column: 1 },
    hint: 'It threw after its top level ran (a port still in use? close servers in import.meta.hot.dispose). Its last good version was started again.',
  });
  for (const [version, before] of previous) registry.graph.revert(version, before);
  for (const version of previous.keys()) await registry.disposeVersion(version, 'aborted');
  for (const node of starting) registry.graph.blame(node, error, [...previous.keys()].find((v) => v.node === node)?.hash);
  const { restored, fatal } = await restoreDisposedFirst(deps, tx.disposedFirst, tx.id, (old) => old);
  tx.timings.total = clock.monotonic() - tx.t0;
  registry.emitHotEvent('hotswap:error', { files: tx.base.files, error });
  return { ...tx.base, status: 'failed', error, phase: 'commit', restored, timings: tx.timings, ...(fatal ? { fatal } : {}) };
}

/** How long a re-run entry or dispose-first module's new version is watched for asynchronous throws after it ran, ms. */
export const START_WINDOW_MS = 100;

/** The first error thrown asynchronously by this transaction's code after `from` of them, once the start window passed. */
export async function startFailure(deps: TransactionDeps, from: number): Promise<unknown> {
  if (!deps.asyncErrors) return undefined;
  await deps.clock.sleep(START_WINDOW_MS);
  const errors = deps.asyncErrors();
  return errors.length > from ? (errors[from] ?? new Error('undefined thrown')) : undefined;
}

async function restoreDisposedFirst(deps: TransactionDeps, disposed: readonly ModuleVersion[], id: number, linkedOf: (old: ModuleVersion) => ModuleVersion): Promise<{ restored: boolean; fatal: FatalState | undefined }> {
  const { registry, root } = deps;
  const lost: { file: string; error: HotswapError }[] = [];
  for (const old of disposed) {
    const seen = deps.asyncErrors?.().length ?? 0;
    const restored = registry.createVersion(old.node, undefined, [], old);
    try {
      await restored.evaluation;
      registry.graph.restore(linkedOf(old), restored);
      // The old code must start too (its own listen may fail now).
      const late = await startFailure(deps, seen);
      if (late !== undefined) throw registry.toEvaluationError(late, restored);
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
