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
 * Scratch, swap, backup and temp files of editors and tools, by file name. They come and go
 * around a save; a reload for one is noise at best and, for a file the app does not load,
 * a misleading line (an empty reload, a temp name in a failure).
 */
const SCRATCH_FILES: readonly RegExp[] = [
  /^\..+\.sw[a-px]$/, // vim swap: .main.ts.swp, .swo, .swn … and the .swx probe
  /^4913$/, // vim's write-permission probe (`:help backupcopy`)
  /~$/, // vim, emacs, nano backups: main.ts~
  /^#.*#$/, // emacs auto-save: #main.ts#
  /^\.#/, // emacs lock link: .#main.ts
  /___jb_(?:tmp|old)___$/, // JetBrains safe write: main.ts___jb_tmp___, main.ts___jb_old___
  /^sed[A-Za-z0-9]{6}$/, // sed -i's temp file: sed6J1zVc
  /\.tmp$/i, // generic temp files: README.tmp, Sublime's .subl5f2.tmp
  /\.tmp[.-]\d[\w.-]*$/i, // atomic writes of VS Code extensions and tools: main.ts.tmp.93809.4dbd82e0, main.ts.tmp-123
  /\.crswap$/, // VS Code for the Web (the browser's file system access): main.ts.crswap
  /\.(?:bak|orig|rej)$/, // backups, merge and patch leftovers
  /\.kate-swp$/, // Kate
  /^\.goutputstream-\w+$/, // gedit and other GIO writers
  /^\.DS_Store$/, // Finder
];

export function isEditorScratchFile(path: string): boolean {
  const name = basename(path);
  return SCRATCH_FILES.some((pattern) => pattern.test(name));
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
