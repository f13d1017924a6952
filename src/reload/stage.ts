/**
 * Phase 2, stage: evaluate the new versions beside the live ones, changed
 * modules first, then the importers that must re-run (worklist). Dispose-first
 * modules (`disposeFirst()`) go last: their old version is disposed just before
 * the new one evaluates. The entry is not one: a server it opens takes over its
 * old version's socket (src/resources/server-handover.ts).
 */
import { propagate } from '../graph/propagation.ts';
import type { ModuleNode } from '../runner/module-node.ts';
import type { TransactionDeps, TransactionState } from './transaction-state.ts';

export async function stage(deps: TransactionDeps, tx: TransactionState): Promise<void> {
  const { registry } = deps;
  const { staging } = tx;
  tx.phase = 'stage';
  const isDisposeFirst = (node: ModuleNode): boolean => node.current?.hotState.disposeFirst === true;
  const queue: ModuleNode[] = [];
  const lastQueue: ModuleNode[] = [];
  const enqueue = (node: ModuleNode): number => (isDisposeFirst(node) ? lastQueue : queue).push(node);
  for (const node of staging.rerun) enqueue(node);
  while (queue.length > 0 || lastQueue.length > 0) {
    const node = (queue.length > 0 ? queue.shift() : lastQueue.shift()) as ModuleNode;
    if (node.staged) continue;
    if (isDisposeFirst(node) && node.current) {
      tx.disposedFirst.push(node.current);
      await registry.disposeVersion(node.current, 'replaced');
    }
    const version = registry.versionFor(node, staging, []);
    await version.evaluation;
    const before = node.current;
    // A version that never finished evaluating (a fatal restore) has no values anyone could have captured.
    if (!before || before.status !== 'evaluated' || before.hotState.selfAccept) continue;
    for (const effect of propagate(node, before, version, registry.resolver, (n) => staging.rerun.has(n))) {
      if (effect.kind === 'boundary') {
        tx.boundaries.push({ importer: effect.importer, dependency: effect.dependency });
        continue;
      }
      const { importer, reason, dependency } = effect;
      staging.rerun.add(importer);
      tx.rerunReasons.push({ importer, dependency, reason });
      enqueue(importer);
    }
  }
  // Versions pulled in by staging (new files) finish evaluating before validation.
  for (const created of staging.created) await created.evaluation;
  tx.timings.stage = deps.clock.monotonic() - tx.t0;
}
