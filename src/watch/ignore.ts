import { basename, isAbsolute, resolve, sep } from 'node:path';

/** Directory names never watched, wherever they sit below a root. */
export const DEFAULT_IGNORES: readonly string[] = Object.freeze([
  'node_modules',
  '.git',
  '.hotswap',
  'dist',
  'build',
  'coverage',
  'out',
]);

/**
 * Editors' scratch files (chokidar used to skip the first three with its `atomic` option):
 * vim swap (`.a.ts.swp`, `.a.ts.swx`) and backup (`a.ts~`), Sublime (`.subl123.tmp`),
 * JetBrains safe write (`a.ts___jb_tmp___`, `a.ts___jb_old___`), Emacs lock links (`.#a.ts`),
 * and vim's write-permission probe `4913` (`:help backupcopy`).
 */
const EDITOR_SCRATCH_FILE = /^\..*\.sw[px]$|~$|^\.subl.*\.tmp$|___jb_(?:tmp|old)___$|^\.#|^4913$/;

export function isEditorScratchFile(path: string): boolean {
  return EDITOR_SCRATCH_FILE.test(basename(path));
}

/**
 * Builds the ignore test of the watcher (directory-watcher.ts). It also runs on directories,
 * so an ignored directory is never descended into.
 * - DEFAULT_IGNORES and string entries without a separator name a path segment. Segments are
 *   matched below the root only, so a project that itself lives under `~/build/` still works.
 * - An absolute string ignores that path and everything under it.
 * - A RegExp is tested on the absolute path.
 */
export function createIgnoreMatcher(
  roots: readonly string[],
  extra: readonly (string | RegExp)[] = [],
): (path: string) => boolean {
  const segments = new Set(DEFAULT_IGNORES);
  const prefixes: string[] = [];
  const patterns: RegExp[] = [];
  for (const entry of extra) {
    if (entry instanceof RegExp) patterns.push(entry);
    else if (isAbsolute(entry)) prefixes.push(resolve(entry));
    else segments.add(entry);
  }
  // longest first, so a nested root wins over its parent
  const sortedRoots = [...roots].map((root) => resolve(root)).sort((a, b) => b.length - a.length);

  return (path: string): boolean => {
    if (isEditorScratchFile(path)) return true;
    if (patterns.some((pattern) => pattern.test(path))) return true;
    if (prefixes.some((prefix) => path === prefix || path.startsWith(prefix + sep))) return true;
    const root = sortedRoots.find((candidate) => path.startsWith(candidate + sep));
    if (root === undefined) return false;
    return path.slice(root.length + 1).split(sep).some((segment) => segments.has(segment));
  };
}
