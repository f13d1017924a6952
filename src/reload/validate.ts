/**
 * Validation before commit: every import of a project module that will be
 * committed must find its name in the version it will see, and a function
 * export (whose stable forwarder callers may hold) must stay a function.
 */
import { ERROR_CODES, HotswapError, relativePath } from '../errors.ts';
import { missingExportError } from '../runner/imported-names.ts';
import { importLocation } from '../runner/import-location.ts';
import type { ModuleVersion, ModuleNode } from '../runner/module-node.ts';
import type { Resolver } from '../runner/resolver.ts';

export interface ValidationContext {
  resolver: Resolver;
  root: string;
  /** A code frame at a location (ModuleRegistry.frameFor). */
  frameFor(location: { file: string; line: number; column: number } | undefined): string | undefined;
  /** The version of a node that will be current after the commit. */
  after(node: ModuleNode): ModuleVersion | undefined;
}

export function validateImports(importer: ModuleVersion, ctx: ValidationContext): void {
  for (const record of importer.transformed.imports) {
    if (record.kind !== 'static' && record.kind !== 'reexport') continue;
    let target: ModuleNode | undefined;
    try {
      const resolved = ctx.resolver.resolve(record.specifier, importer.node.id);
      if (resolved.kind !== 'project') continue;
      target = importer.imports.get(resolved.path);
    } catch {
      continue;
    }
    const version = target ? ctx.after(target) : undefined;
    if (!target || !version || version.isCommonJs) continue;
    const names = version.exportNameSet();
    // Only named imports are required, as Node's linker requires them. A member read off a
    // namespace (`ns.x`, `typeof ns.x`) may be probed for and is never a failure (see namespaceWarnings).
    for (const name of record.names) {
      if (name === '*' || names.has(name)) continue;
      throw missingExportError(importer, record.specifier, name, target, ctx.root, ctx.frameFor, 'no longer exports it');
    }
  }
}

/** A namespace member the old version of its module exported and the new one does not. */
export interface NamespaceWarning {
  /** The module that reads the member (the reader). */
  file: string;
  message: string;
}

/**
 * Members read off a namespace (`ns.x`) that this transaction removes: each reader
 * gets `undefined` from now on, which may be intended (`typeof ns.x === 'function'`)
 * or not, so it is a warning naming the reader, never a failure.
 */
export function namespaceWarnings(changed: readonly ModuleVersion[], ctx: ValidationContext): NamespaceWarning[] {
  const warnings: NamespaceWarning[] = [];
  for (const instance of changed) {
    const before = instance.node.current;
    if (!before || before === instance || instance.isCommonJs) continue;
    const now = instance.exportNameSet();
    // The same code without `export *` shares one set of names across versions: nothing removed.
    if (now === before.exportNameSet()) continue;
    const removed = [...before.exportNameSet()].filter((n) => !now.has(n));
    if (removed.length === 0) continue;
    const readers = new Set<ModuleVersion>();
    for (const importer of instance.node.importers) {
      const version = ctx.after(importer);
      if (version) readers.add(version);
    }
    for (const created of changed) if (created.imports.has(instance.node.id)) readers.add(created);
    for (const reader of readers) {
      for (const record of reader.transformed.imports) {
        if (!record.members || !resolvesTo(ctx, record.specifier, reader.node.id, instance.node.id)) continue;
        for (const member of record.members.filter((m) => removed.includes(m))) {
          const location = importLocation(reader, record.specifier, '*');
          const where = location ? `${relativePath(location.file, ctx.root)}:${location.line}` : relativePath(reader.node.id, ctx.root);
          warnings.push({
            file: reader.node.id,
            message: `${where} reads "${member}" off its namespace import of "${record.specifier}", which ${relativePath(instance.node.id, ctx.root)} no longer exports: it reads undefined now`,
          });
        }
      }
    }
  }
  return warnings;
}

function resolvesTo(ctx: ValidationContext, specifier: string, from: string, target: string): boolean {
  try {
    const resolved = ctx.resolver.resolve(specifier, from);
    return resolved.kind === 'project' && resolved.path === target;
  } catch {
    return false;
  }
}

export function validateExportKinds(before: ModuleVersion, after: ModuleVersion, ctx: ValidationContext): void {
  const { root } = ctx;
  const afterNames = after.exportNameSet();
  for (const name of before.exportNameSet()) {
    // A function or class declaration is one in every run of it: nothing to read.
    if (after.declaredKind(name) !== undefined) continue;
    const old = before.rawExport(name);
    if (typeof old !== 'function' || !afterNames.has(name)) continue;
    const next = after.rawExport(name);
    if (typeof next === 'function' || before.isClassExport(name, old)) continue;
    throw new HotswapError(ERROR_CODES.EXPORT_KIND_CHANGED, `${relativePath(after.node.id, root)}: export "${name}" was a function and is now ${next === null ? 'null' : typeof next}`, {
      location: { file: after.node.id, line: 1, column: 1 },
      hint: 'Callers may hold this function (routers, event emitters): keep it a function, or give the new value another name.',
    });
  }
}
