/** `type` of the nearest package.json: the format of `.js`/`.ts` files without import/export syntax. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function createPackageTypeLookup(read: (file: string) => string = (file) => readFileSync(file, 'utf8')): (file: string) => 'esm' | 'cjs' {
  const byDir = new Map<string, 'esm' | 'cjs'>();
  const lookup = (dir: string): 'esm' | 'cjs' => {
    const cached = byDir.get(dir);
    if (cached) return cached;
    let result: 'esm' | 'cjs';
    try {
      const pkg = JSON.parse(read(join(dir, 'package.json'))) as { type?: string };
      result = pkg.type === 'module' ? 'esm' : 'cjs';
    } catch {
      const parent = dirname(dir);
      result = parent === dir ? 'cjs' : lookup(parent);
    }
    byDir.set(dir, result);
    return result;
  };
  return (file) => lookup(dirname(file));
}
