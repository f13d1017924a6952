// Layers import one way: errors/shared → transform, watch → resources → runner → graph → reload →
// runtime → plugins → control → cli. The library door (index.ts) sits above control and
// below cli. This test reads every import of src/ (type-only ones included) and fails
// on one that points up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

const LAYERS: [prefix: string, rank: number][] = [
  ['errors.ts', 0],
  ['shared/', 0],
  ['transform/', 1],
  ['watch/', 1],
  ['resources/', 1.5],
  ['runner/', 2],
  ['graph/', 3],
  ['reload/', 4],
  ['runtime/', 5],
  ['plugins/', 6],
  ['versions/', 6.5],
  ['control/', 7],
  // The config shape names options of every layer below the CLI (versions, control).
  ['define-config.ts', 7.4],
  ['index.ts', 7.5],
  ['cli/', 8],
];

export function layerOf(file: string): { name: string; rank: number } {
  const rel = relative(SRC, file).split(sep).join('/');
  const found = LAYERS.find(([prefix]) => rel === prefix || rel.startsWith(prefix));
  if (!found) throw new Error(`${rel} is in no layer: add its directory to LAYERS in test/engine/layering.test.ts`);
  return { name: found[0], rank: found[1] };
}

/** Relative specifiers of `import … from`, `export … from`, `import '…'` and `import('…')`. */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  const pattern = /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const match of source.matchAll(pattern)) {
    const specifier = match[1] ?? match[2] ?? match[3];
    if (specifier?.startsWith('.')) out.push(specifier);
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

test('no module of a lower layer imports a higher one', () => {
  const violations: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = layerOf(file);
    for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), specifier);
      const to = layerOf(target);
      if (to.rank > from.rank) violations.push(`${relative(SRC, file)} (${from.name}) imports ${relative(SRC, target)} (${to.name})`);
    }
  }
  assert.deepEqual(violations, []);
});

test('the import reader sees every form of import, so the rule above can fail', () => {
  const source = `import { a } from '../runtime/runtime.ts';\nimport type { B } from "../control/x.ts";\nexport { c } from './c.ts';\nexport * from '../cli/y.ts';\nimport '../plugins/side.ts';\nconst m = await import('../cli/lazy.ts');\nimport { readFileSync } from 'node:fs';\n`;
  assert.deepEqual(importsOf(source), ['../runtime/runtime.ts', '../control/x.ts', './c.ts', '../cli/y.ts', '../plugins/side.ts', '../cli/lazy.ts']);
  assert.equal(layerOf(join(SRC, 'runner/module-graph.ts')).rank < layerOf(join(SRC, 'reload/plan.ts')).rank, true);
});
