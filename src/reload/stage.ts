/**
 * Phase 2, stage: evaluate the new versions beside the live ones, changed
 * modules first, then the importers that must re-run (worklist). Dispose-first
 * modules (the entry, `disposeFirst()`) go last: their old version is disposed
 * just before the new one evaluates.
 */
import { relativePath } from '../errors.ts';
import { acceptsDependency, rerunReason } from '../graph/propagation.ts';
import type { ModuleNode, ModuleVersion } from '../runner/module-node.ts';
import type { TransactionDeps, TransactionState } from './transaction-state.ts';

export async function stage(deps: TransactionDeps, tx: TransactionState): Promise<void> {
  const { registry, root } = deps;
  const { staging } = tx;
  tx.phase = 'stage';
  const isDisposeFirst = (node: ModuleNode): boolean => node === deps.entry || node.current?.hotState.disposeFirst === true;
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
    // Same export names, and every changed value a function (forwarded): no importer can have captured a stale value.
    const valuesKept = sameExportValues(before, version);
    for (const importer of node.importers) {
      if (staging.rerun.has(importer) || !importer.current) continue;
      if (acceptsDependency(importer.current, node)) {
        tx.boundaries.push({ importer: importer.current, dependency: node });
        continue;
      }
      if (valuesKept) continue;
      const reason = rerunReason(importer.current, node, before, version, registry.resolver);
      if (!reason) continue;
      staging.rerun.add(importer);
      const why = reason.kind === 'captured-value' ? `read "${reason.name}" of ${relativePath(node.id, root)} at top level` : `re-exports * from ${relativePath(node.id, root)}, whose export names changed`;
      tx.rerunReasons.push({ file: importer.id, reason: why });
      enqueue(importer);
    }
  }
  // Versions pulled in by staging (new files) finish evaluating before validation.
  for (const created of staging.created) await created.evaluation;
  tx.timings.stage = deps.clock.monotonic() - tx.t0;
}

function sameExportValues(before: ModuleVersion, after: ModuleVersion): boolean {
  const names = before.exportNames();
  const next = after.exportNames();
  if (names.length !== next.length) return false;
  for (const name of next) {
    const old = before.rawExport(name);
    const value = after.rawExport(name);
    if (!Object.is(old, value) && !(typeof old === 'function' && typeof value === 'function')) return false;
  }
  return names.every((n) => next.includes(n));
}
