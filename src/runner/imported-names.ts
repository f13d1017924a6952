/**
 * Named imports are required, as Node's linker requires them: an importer whose
 * named import the target does not export fails with HS_MISSING_EXPORT, at start
 * and on reload. (A member read off a namespace is not an import: see
 * namespaceWarnings in reload/validate.ts.)
 */
import { ERROR_CODES, HotswapError, relativePath } from '../errors.ts';
import type { ModuleVersion, ModuleNode } from './module-node.ts';
import { importLocation } from './import-location.ts';

type FrameFor = (location: { file: string; line: number; column: number } | undefined) => string | undefined;

/**
 * Checked when the import is evaluated (Node checks before anything evaluates: here the
 * target's own top level has already run). A target still evaluating in a cycle is checked
 * against its static names; an `export *` in it may add names known only later: those pass.
 */
export function checkImportedNames(importer: ModuleVersion, specifier: string, names: readonly string[], target: ModuleVersion, root: string, frameFor: FrameFor): void {
  if (target.isCommonJs) return;
  const evaluated = target.status === 'evaluated';
  if (!evaluated && target.transformed.imports.some((r) => r.reexports?.some((x) => x.imported === '*' && x.exported === '*'))) return;
  const available = evaluated ? target.exportNameSet() : new Set(target.staticExportNames());
  for (const name of names) {
    if (!available.has(name)) throw missingExportError(importer, specifier, name, target.node, root, frameFor, 'does not export it');
  }
}

/** A package or builtin: its namespace has exactly the names Node would link (for CommonJS, the ones it detected). */
export function checkExternalNames(importer: ModuleVersion, specifier: string, names: readonly string[], namespace: object, root: string, frameFor: FrameFor): void {
  for (const name of names) {
    if (name in namespace) continue;
    const location = importLocation(importer, specifier, name);
    throw new HotswapError(ERROR_CODES.MISSING_EXPORT, `${relativePath(importer.node.id, root)} imports "${name}" from "${specifier}", which does not export it`, {
      location,
      frame: frameFor(location),
      hint: `Check the package's exports (a CommonJS package may need \`import pkg from '${specifier}'\` and \`pkg.${name}\`).`,
    });
  }
}

export function missingExportError(importer: ModuleVersion, specifier: string, name: string, target: ModuleNode, root: string, frameFor: FrameFor, what: string): HotswapError {
  const location = importLocation(importer, specifier, name);
  return new HotswapError(ERROR_CODES.MISSING_EXPORT, `${relativePath(importer.node.id, root)} imports "${name}" from "${specifier}", which ${what}`, {
    location,
    frame: frameFor(location),
    hint: `Export "${name}" from ${relativePath(target.id, root)}, or change the import; the last good version keeps serving.`,
  });
}
