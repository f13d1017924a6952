/**
 * Which files in a plugin directory are plugins: the module files directly
 * inside it. Helpers go in a subdirectory (or elsewhere), or start with `_`;
 * declaration and test files are skipped.
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

const PLUGIN_EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs', '.cts', '.cjs']);

export function isPluginFile(file: string, dirs: readonly string[]): boolean {
  if (!dirs.includes(dirname(file))) return false;
  const name = basename(file);
  if (name.startsWith('_') || name.startsWith('.')) return false;
  if (/\.d\.[cm]?ts$/.test(name) || /\.(test|spec)\.[cm]?[jt]s$/.test(name)) return false;
  return PLUGIN_EXTENSIONS.has(extname(name));
}

/** Plugin files in `dirs`, sorted (load order is deterministic). A missing directory has none. */
export function discoverPluginFiles(dirs: readonly string[]): string[] {
  const files: string[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      const file = join(dir, name);
      if (isPluginFile(file, dirs)) files.push(file);
    }
  }
  return files;
}
