/**
 * Validation before commit: every import of a project module that will be
 * committed must find its name in the version it will see, and a function
 * export (whose stable forwarder callers may hold) must stay a function.
 */
import { ERROR_CODES, HotswapError, relativePath } from '../errors.ts';
import { importLocation } from '../runner/module-registry.ts';
import type { ModuleVersion, ModuleNode } from '../runner/module-node.ts';
import type { Resolver } from '../runner/resolver.ts';
import { isClass } from '../runner/stable-function.ts';

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
    const names = new Set(version.exportNames());
    // Members read off a namespace (`ns.x`) count only if the old version had them:
    // code may probe for an optional member that was never exported.
    const before = target.current && target.current !== version ? new Set(target.current.exportNames()) : undefined;
    const removedMembers = (record.members ?? []).filter((m) => before?.has(m));
    for (const name of [...record.names, ...removedMembers]) {
      if (name === '*' || names.has(name)) continue;
      const location = importLocation(importer, record.specifier);
      throw new HotswapError(
        ERROR_CODES.MISSING_EXPORT,
        `${relativePath(importer.node.id, ctx.root)} imports "${name}" from "${record.specifier}", which no longer exports it`,
        {
          location,
          frame: ctx.frameFor(location),
          hint: `Export "${name}" from ${relativePath(target.id, ctx.root)} again, or change the import; the last good version keeps serving.`,
        },
      );
    }
  }
}

export function validateExportKinds(before: ModuleVersion, after: ModuleVersion, root: string): void {
  for (const name of before.exportNames()) {
    const old = before.rawExport(name);
    const next = after.rawExport(name);
    if (typeof old !== 'function' || isClass(old) || typeof next === 'function' || !after.exportNames().includes(name)) continue;
    throw new HotswapError(ERROR_CODES.EXPORT_KIND_CHANGED, `${relativePath(after.node.id, root)}: export "${name}" was a function and is now ${next === null ? 'null' : typeof next}`, {
      location: { file: after.node.id, line: 1, column: 1 },
      hint: 'Callers may hold this function (routers, event emitters): keep it a function, or give the new value another name.',
    });
  }
}
