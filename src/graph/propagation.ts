/**
 * Which importers must re-run when a module gets a new version. Live bindings
 * and stable functions make most importers see the new code without
 * re-running; an importer re-runs only when it captured a changed value while
 * it evaluated (a top-level read of a non-function export whose value changed),
 * or it re-exports `*` from a module whose export names changed.
 */
import type { ModuleVersion, ModuleNode } from '../runner/module-node.ts';
import type { Resolver } from '../runner/resolver.ts';

export type RerunReason = { kind: 'captured-value'; name: string } | { kind: 'export-names-changed' };

export function rerunReason(importer: ModuleVersion, dependency: ModuleNode, before: ModuleVersion, after: ModuleVersion, resolver: Resolver): RerunReason | undefined {
  for (const record of importer.transformed.imports) {
    if (!resolvesTo(resolver, record.specifier, importer.node.id, dependency.id)) continue;
    if (record.kind === 'reexport' && record.names.includes('*') && !sameNames(before.exportNames(), after.exportNames())) {
      return { kind: 'export-names-changed' };
    }
    if (!record.topLevel) continue;
    const names = record.names.includes('*') ? union(before.exportNames(), after.exportNames()) : record.names;
    for (const name of names) {
      const old = before.rawExport(name);
      const next = after.rawExport(name);
      if (Object.is(old, next)) continue;
      if (typeof old === 'function' && typeof next === 'function') continue;
      return { kind: 'captured-value', name };
    }
  }
  return undefined;
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

function sameNames(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((n) => set.has(n));
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])];
}
