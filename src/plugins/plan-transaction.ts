/**
 * What a runtime reload transaction means for the plugins: deleted plugin
 * files are unloaded, new ones loaded, and every plugin whose file or any
 * dependency got a new version is set up again.
 */
import { existsSync } from 'node:fs';
import { ERROR_CODES, HotswapError, isHotswapError } from '../errors.ts';
import type { TransactionView } from '../reload/participant.ts';
import type { Change, PluginRecord } from './plugin-record.ts';

export interface PlanDeps {
  runtime: { dependenciesOf(file: string): string[] };
  records: ReadonlyMap<string, PluginRecord>;
  /** Files that started the transaction (a deleted one is missing from disk now). */
  triggered: readonly string[];
  /** A plugin file this host picks up from file events. */
  wants(file: string): boolean;
  ensureRecord(file: string): PluginRecord;
  /** Record that a new plugin file failed to evaluate; returns the error to throw. */
  fail(record: PluginRecord, error: HotswapError): HotswapError;
}

export async function planTransaction(tx: TransactionView, deps: PlanDeps): Promise<Change[]> {
  // Namespaces are read only for plugin files: a 1,000-module re-run has no reason to build the others.
  const staged = new Map(tx.staged.map((s) => [s.file, s] as const));
  const gone = new Set([...tx.removed, ...deps.triggered.filter((f) => !existsSync(f))]);
  const changes: Change[] = [];

  // deleted: unloaded
  for (const record of deps.records.values()) {
    if (gone.has(record.file)) changes.push({ record, kind: 'unload', reason: 'module', namespace: undefined });
  }
  // created: loaded as a root of this transaction
  for (const file of tx.added) {
    if (!deps.wants(file) || deps.records.get(file)?.active) continue;
    const record = deps.ensureRecord(file);
    const namespace = await tx.load(file).catch((error: unknown) => {
      throw deps.fail(record, asHotswapError(error));
    });
    changes.push({ record, kind: 'load', reason: 'module', namespace });
  }
  // changed: the plugin file has a new version
  const planned = new Set(changes.map((c) => c.record.file));
  const above: PluginRecord[] = [];
  for (const file of new Set([...deps.records.keys(), ...[...staged.keys()].filter((f) => deps.wants(f))])) {
    const record = deps.records.get(file);
    if (planned.has(file) || gone.has(file) || record?.status === 'disabled') continue;
    const namespace = staged.get(file)?.namespace;
    if (namespace) {
      const known = record ?? deps.ensureRecord(file);
      changes.push({ record: known, kind: known.active ? 'reload' : 'load', reason: 'module', namespace });
    } else if (record && deps.runtime.dependenciesOf(file).some((d) => staged.has(d))) {
      above.push(record);
    }
  }
  // above a changed helper: re-run the plugin file and the modules between it and the helper,
  // so that setup sees the new helper before the swap (not only its handlers, after it)
  if (above.length > 0) {
    const chains = above.map((record) => [...modulesBetween(record.file, staged, deps.runtime), record.file]);
    const files = [...new Set(chains.flat())];
    const namespaces = await tx.rerun(files);
    for (const record of above) {
      changes.push({ record, kind: record.active ? 'reload' : 'load', reason: 'module', namespace: namespaces[files.indexOf(record.file)] });
    }
  }
  return changes;
}

/** Unchanged modules that `file` imports and that themselves import a staged one. */
function modulesBetween(file: string, staged: ReadonlyMap<string, unknown>, runtime: PlanDeps['runtime']): string[] {
  return runtime.dependenciesOf(file).filter((d) => !staged.has(d) && runtime.dependenciesOf(d).some((x) => staged.has(x)));
}

function asHotswapError(error: unknown): HotswapError {
  return isHotswapError(error) ? error : new HotswapError(ERROR_CODES.EVALUATION, String(error), { cause: error });
}
