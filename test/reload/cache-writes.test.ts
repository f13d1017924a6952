import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRuntime } from '../../src/index.ts';
import { createProject, waitFor } from '../support/project.ts';
import { settledHeap } from '../support/heap.ts';

// The transform cache writes its disk entries after the reload that made them, a few per turn
// of the event loop. Both tests run with the disk cache on, as `hotswap run` does (the other
// memory tests run with `cacheDir: false` and never saw these).

/** Cache entries (`.json`) under `dir` whose code contains `marker`. */
function entriesWith(dir: string, marker: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.json') && readFileSync(join(dir, f), 'utf8').includes(marker));
}

test('reloads in a loop that never yields to the event loop: heap after GC stays flat with the disk cache on', async (t) => {
  // ~40 KB of code and two source maps per version: the queued writes each held one.
  const rows = (k: number): string => Array.from({ length: 400 }, (_, i) => `  { id: ${i} + ${k}, label: 'row-${i}-padding-padding-padding-padding-padding' },`).join('\n');
  const source = (k: number): string => `// version ${k}\nexport const rows = [\n${rows(k)}\n];\nexport function first(): number {\n  return rows[0]?.id ?? -1;\n}\n`;
  const p = createProject({
    'src/rows.ts': source(0),
    'src/main.ts': `import { first } from './rows.ts';\nexport const current = (): number => first();\n`,
  });
  const cacheDir = p.path('.hotswap/cache');
  const rt = createRuntime({ root: p.dir, cacheDir, watch: false });
  t.after(async () => {
    await rt.close();
    p.cleanup();
  });
  const main = await rt.import<{ current(): number }>('src/main.ts');
  const reload = async (k: number): Promise<void> => {
    p.write('src/rows.ts', source(k));
    assert.equal((await rt.reload(['src/rows.ts'])).status, 'committed');
    assert.equal(main.current(), k);
  };
  for (let k = 1; k <= 20; k++) await reload(k);
  // Last-resort GCs: every version compiles new code, which V8's compilation cache keeps until
  // memory pressure or old age (not hotswap's to hold); this measures what is held besides.
  const before = await settledHeap({ lastResort: true });
  for (let k = 21; k <= 520; k++) await reload(k);
  const after = await settledHeap({ lastResort: true });
  const growthMb = (after - before) / 1048576;
  t.diagnostic(`heap after GC: ${(before / 1048576).toFixed(1)} → ${(after / 1048576).toFixed(1)} MB over 500 reloads`);
  // Before the fix every reload's transform waited in the write queue (~120 KB each, ~60 MB here).
  assert.ok(growthMb < 10, `heap grew by ${growthMb.toFixed(1)} MB`);
  // The queue still writes what matters for the next start: the current source.
  await waitFor(() => entriesWith(cacheDir, '// version 520').length === 1, 20_000, 'the cache entry of the last version');
});

test('a module that loads a new module at top level and then fails does not stop the cache writes', async (t) => {
  const p = createProject({
    'src/main.ts': `import { a } from './a.ts';\nimport { b } from './b.ts';\nexport const get = (): number => a() + b();\n`,
    'src/a.ts': `export const a = (): number => 1;\n`,
    'src/b.ts': `export const b = (): number => 10;\n`,
    'src/late.ts': `export const late = 1;\n`,
  });
  const cacheDir = p.path('.hotswap/cache');
  const rt = createRuntime({ root: p.dir, cacheDir, watch: false });
  t.after(async () => {
    await rt.close();
    p.cleanup();
  });
  const main = await rt.import<{ get(): number }>('src/main.ts');
  assert.equal(main.get(), 11);
  // a.ts's own entry is written first; late.ts is transformed inside a.ts's top level (its resource
  // scope records timers then), and a.ts is discarded when it throws right after.
  p.write('src/a.ts', `await new Promise((r) => setTimeout(r, 20));\nawait import('./late.ts');\nthrow new Error('broken on purpose');\nexport const a = (): number => 2;\n`);
  assert.equal((await rt.reload(['src/a.ts'])).status, 'failed');
  p.write('src/b.ts', `// b, second version\nexport const b = (): number => 20;\n`);
  assert.equal((await rt.reload(['src/b.ts'])).status, 'committed');
  assert.equal(main.get(), 21);
  // Before the fix the discarded scope cleared the queue's turn: nothing was written again until close.
  await waitFor(() => entriesWith(cacheDir, 'b, second version').length === 1, 20_000, 'the cache entry of b.ts written while the process runs');
});
