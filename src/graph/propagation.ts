/**
 * Which importers must re-run when a module gets a new version. Live bindings
 * and stable functions make most importers see the new code without
 * re-running; an importer re-runs only when it captured a changed value while
 * it evaluated (a top-level read of a non-function export whose value changed),
 * or it re-exports `*` from a module whose export names changed.
 *
 * Re-exports are seen through: the importers of a module that passes a changed
 * value on (`export { value as v } from`, `export *`, `export * as ns`) are
 * judged as if they imported the changed module, and an
 * `accept('./re-exporter')` boundary gets its callback. The re-exporter itself
 * re-runs only when an importer below it does (the re-run importer must read
 * the new value through a new version of it; committed code reads the old).
 */
import type { ModuleVersion, ModuleNode } from '../runner/module-node.ts';
import type { Resolver } from '../runner/resolver.ts';

export type RerunReason =
  | { kind: 'captured-value'; name: string }
  | { kind: 'export-names-changed' }
  /** Re-exports a changed value to an importer that re-runs: staged code must read it through a staged version. */
  | { kind: 'passes-on'; name: string };

export type Effect =
  /** `importer` accepts `dependency` (`import.meta.hot.accept(dep, cb)`): it does not re-run, its callback runs after the commit. */
  | { kind: 'boundary'; importer: ModuleVersion; dependency: ModuleNode }
  /** `importer` must re-run because of what it read from `dependency`. */
  | { kind: 'rerun'; importer: ModuleNode; dependency: ModuleNode; reason: RerunReason };

/** What a new version changed, as its importers can observe it. */
interface Change {
  /** Exports whose value is not the same (functions included: a dep-accept boundary wants to know). */
  touched: Set<string>;
  /** Exports an importer may have captured stale: a changed non-function value, an added or removed name. */
  captured: Set<string>;
  namesChanged: boolean;
}

/**
 * The effects of replacing `before` by `after` on the committed importers of `node`,
 * looking through modules that only re-export. `skip`: importers already re-running.
 */
export function propagate(node: ModuleNode, before: ModuleVersion, after: ModuleVersion, resolver: Resolver, skip: (importer: ModuleNode) => boolean): Effect[] {
  const effects: Effect[] = [];
  const seen = new Set<ModuleNode>([node]);
  const rerunning = new Set<ModuleNode>();
  /** `via`: the re-exporters between `node` and `dependency`, each with what it re-exported. */
  const walk = (dependency: ModuleNode, change: Change, via: { module: ModuleNode; from: ModuleNode; name: string }[]): void => {
    for (const importer of dependency.importers) {
      const current = importer.current;
      if (skip(importer) || rerunning.has(importer) || !current) continue;
      if (acceptsDependency(current, dependency)) {
        effects.push({ kind: 'boundary', importer: current, dependency });
        continue;
      }
      // Only functions changed (forwarded) and no name came or went: nobody captured a stale value.
      const reason = change.captured.size > 0 || change.namesChanged ? rerunReason(current, dependency, change, resolver) : undefined;
      if (reason) {
        for (const step of via) {
          if (rerunning.has(step.module) || skip(step.module)) continue;
          rerunning.add(step.module);
          effects.push({ kind: 'rerun', importer: step.module, dependency: step.from, reason: { kind: 'passes-on', name: step.name } });
        }
        rerunning.add(importer);
        effects.push({ kind: 'rerun', importer, dependency, reason });
        continue;
      }
      if (seen.has(importer)) continue;
      const onward = passOn(current, dependency, change, resolver);
      const [name] = onward.touched;
      if (name === undefined) continue;
      seen.add(importer);
      walk(importer, onward, [...via, { module: importer, from: dependency, name }]);
    }
  };
  // Every importer re-running already (a 1,000-module re-run: each module's one importer): nothing to look at.
  let open = false;
  for (const importer of node.importers) {
    if (importer.current && !skip(importer)) {
      open = true;
      break;
    }
  }
  if (!open) return effects;
  walk(node, changeOf(before, after), []);
  return effects;
}

/** A re-run reason as the reload result and the CLI print it. */
export function describeRerun(reason: RerunReason, dependency: string): string {
  switch (reason.kind) {
    case 'captured-value':
      return `read "${reason.name}" of ${dependency} at top level`;
    case 'export-names-changed':
      return `re-exports * from ${dependency}, whose export names changed`;
    case 'passes-on':
      return `re-exports a changed value of ${dependency} (as "${reason.name}") to an importer that re-runs`;
  }
}

function changeOf(before: ModuleVersion, after: ModuleVersion): Change {
  const beforeNames = before.exportNames();
  const afterNames = after.exportNames();
  const change: Change = { touched: new Set(), captured: new Set(), namesChanged: !sameNames(beforeNames, afterNames) };
  for (const name of union(beforeNames, afterNames)) {
    const old = before.rawExport(name);
    const next = after.rawExport(name);
    const present = beforeNames.includes(name) && afterNames.includes(name);
    if (present && Object.is(old, next)) continue;
    change.touched.add(name);
    if (!present || !(typeof old === 'function' && typeof next === 'function')) change.captured.add(name);
  }
  return change;
}

function rerunReason(importer: ModuleVersion, dependency: ModuleNode, change: Change, resolver: Resolver): RerunReason | undefined {
  for (const record of importer.transformed.imports) {
    if (!resolvesTo(resolver, record.specifier, importer.node.id, dependency.id)) continue;
    const exportsAll = record.reexports?.some((r) => r.imported === '*' && r.exported === '*') ?? (record.kind === 'reexport' && record.names.includes('*'));
    if (exportsAll && change.namesChanged) return { kind: 'export-names-changed' };
    if (!record.topLevel) continue;
    const names = record.names.includes('*') ? [...change.captured] : record.names;
    for (const name of names) if (change.captured.has(name)) return { kind: 'captured-value', name };
  }
  return undefined;
}

/** The change as the importer's own importers see it through its re-exports of `dependency`. */
function passOn(importer: ModuleVersion, dependency: ModuleNode, change: Change, resolver: Resolver): Change {
  const onward: Change = { touched: new Set(), captured: new Set(), namesChanged: false };
  for (const record of importer.transformed.imports) {
    if (!record.reexports || !resolvesTo(resolver, record.specifier, importer.node.id, dependency.id)) continue;
    for (const { imported, exported } of record.reexports) {
      if (imported === '*' && exported === '*') {
        // `export *` passes every name but `default`; a name the importer defines itself shadows it.
        const pass = (set: Set<string>, into: Set<string>): void => {
          for (const name of set) if (name !== 'default' && !importer.localExports.has(name)) into.add(name);
        };
        pass(change.touched, onward.touched);
        pass(change.captured, onward.captured);
      } else if (imported === '*') {
        // `export * as ns`: the namespace object stays the same, its members changed.
        if (change.touched.size > 0) onward.touched.add(exported);
        if (change.captured.size > 0) onward.captured.add(exported);
      } else {
        if (change.touched.has(imported)) onward.touched.add(exported);
        if (change.captured.has(imported)) onward.captured.add(exported);
      }
    }
  }
  return onward;
}

/** The module accepts updates of `dependency` itself (`import.meta.hot.accept(dep, cb)`). */
export function acceptsDependency(importer: ModuleVersion, dependency: ModuleNode): boolean {
  return importer.hotState.depAccepts.some((a) => a.deps.includes(dependency.id));
}

export function resolvesTo(resolver: Resolver, specifier: string, from: string, target: string): boolean {
  try {
    const r = resolver.resolve(specifier, from);
    return r.kind === 'project' && r.path === target;
  } catch {
    return false;
  }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((n) => set.has(n));
}

function union(a: readonly string[], b: readonly string[]): readonly string[] {
  if (a === b) return a;
  return [...new Set([...a, ...b])];
}
