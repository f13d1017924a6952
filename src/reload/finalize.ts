/**
 * Phase 5, finalize (after a commit): accept callbacks run with the new
 * modules, the replaced versions are disposed (their dispose handlers run,
 * their timers are cleared), and modules nothing imports any more are pruned.
 */
import { ERROR_CODES, HotswapError, relativePath } from '../errors.ts';
import { describeRerun } from '../graph/propagation.ts';
import type { ModuleNode, ModuleVersion } from '../runner/module-node.ts';
import type { ModuleRegistry } from '../runner/module-registry.ts';
import type { ReloadCommitted } from './reload-result.ts';
import type { TransactionDeps, TransactionState } from './transaction-state.ts';

export async function finalize(deps: TransactionDeps, tx: TransactionState, replaced: readonly ModuleVersion[]): Promise<ReloadCommitted> {
  const { registry, clock } = deps;
  const started = clock.monotonic();
  for (const old of replaced) {
    for (const callback of old.hotState.selfAcceptCallbacks) safeCall(registry, old.node, deps.root, () => callback(old.node.live));
  }
  for (const { importer, dependency } of tx.boundaries) {
    for (const accept of importer.hotState.depAccepts) {
      if (!accept.deps.includes(dependency.id) || !accept.callback) continue;
      const modules = accept.deps.map((d) => registry.graph.get(d)?.live);
      safeCall(registry, importer.node, deps.root, () => accept.callback?.(modules));
    }
  }
  for (const old of replaced) {
    const disposing = registry.disposeVersion(old, 'replaced');
    if (disposing) await disposing;
  }
  // Only nodes that lost an importer in this transaction (and what they import, transitively) can be orphans.
  const candidates = new Set<ModuleNode>(tx.missing);
  const addCandidate = (dep: ModuleNode): void => void candidates.add(dep);
  for (const old of replaced) old.imports.forEach(addCandidate);
  const pruned = await registry.graph.prune(candidates, tx.missing, deps.entry, async (version) => registry.disposeVersion(version, 'pruned'));
  tx.timings.dispose = clock.monotonic() - started;
  tx.timings.total = clock.monotonic() - tx.t0;
  registry.emitHotEvent('hotswap:afterUpdate', { files: tx.base.files });
  return {
    ...tx.base,
    status: 'committed',
    updated: tx.staging.created.map((v) => ({ file: v.node.id, version: v.version })),
    rerun: describeReruns(tx, deps.root),
    pruned,
    timings: tx.timings,
    ...(tx.warnings.length > 0 ? { warnings: tx.warnings } : {}),
  };
}

/** Why each importer re-ran, as the result says it (a 1,000-module re-run names the same few dependencies 3,000 times). */
function describeReruns(tx: TransactionState, root: string): { file: string; reason: string }[] {
  const paths = new Map<ModuleNode, string>();
  return tx.rerunReasons.map(({ importer, dependency, reason }) => {
    let path = paths.get(dependency);
    if (path === undefined) paths.set(dependency, (path = relativePath(dependency.id, root)));
    return { file: importer.id, reason: describeRerun(reason, path) };
  });
}

function safeCall(registry: ModuleRegistry, node: ModuleNode, root: string, fn: () => unknown): void {
  // Reported like a throwing dispose handler: runtime 'error' (CLI stderr, event stream) and in-module listeners.
  const report = (error: unknown): void => {
    const reported = new HotswapError(ERROR_CODES.HOT_CALLBACK, `An accept handler of ${relativePath(node.id, root)} threw: ${String(error)}`, {
      cause: error,
      hint: 'The update is committed; fix the accept callback and save again.',
    });
    registry.reportHotCallbackError(reported);
    registry.emitHotEvent('hotswap:error', { files: [node.id], error: reported });
  };
  try {
    const result = fn();
    if (result instanceof Promise) result.catch(report);
  } catch (error) {
    report(error);
  }
}
