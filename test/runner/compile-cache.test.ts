import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime } from '../../src/index.ts';
import { createProject } from '../support/project.ts';
import { settledHeap } from '../support/heap.ts';

// Every edit compiles new code. V8's compilation cache kept each distinct script (its source, top-level
// function and bytecode) until a last-resort GC, which a process far from its heap limit never runs:
// ordinary full GCs left every edited version's code on the heap.
test('300 edits of a 40 KB module: heap after full GCs stays flat (no compilation cache entry per edit)', async (t) => {
  const rows = (k: number): string => Array.from({ length: 400 }, (_, i) => `  { id: ${i} + ${k}, label: 'row-${i}-padding-padding-padding-padding-padding' },`).join('\n');
  const source = (k: number): string => `// version ${k}\nexport const rows = [\n${rows(k)}\n];\nexport function first(): number {\n  return rows[0]?.id ?? -1;\n}\n`;
  const p = createProject({
    'src/rows.ts': source(0),
    'src/main.ts': `import { first } from './rows.ts';\nexport const current = (): number => first();\n`,
  });
  const rt = createRuntime({ root: p.dir, cacheDir: false, watch: false });
  t.after(async () => {
    await rt.close();
    p.cleanup();
  });
  const main = await rt.import<{ current(): number }>('src/main.ts');
  const edit = async (k: number): Promise<void> => {
    p.write('src/rows.ts', source(k));
    assert.equal((await rt.reload(['src/rows.ts'])).status, 'committed');
    assert.equal(main.current(), k);
  };
  for (let k = 1; k <= 10; k++) await edit(k);
  const before = await settledHeap();
  for (let k = 11; k <= 310; k++) await edit(k);
  const after = await settledHeap();
  const growthMb = (after - before) / 1048576;
  t.diagnostic(`heap after full GCs: ${(before / 1048576).toFixed(1)} → ${(after / 1048576).toFixed(1)} MB over 300 edits`);
  // Before: ~55 KB per edit (~17 MB here).
  assert.ok(growthMb < 6, `heap grew by ${growthMb.toFixed(1)} MB`);
  // A stack trace of reloaded code still points at the .ts line.
  p.write('src/rows.ts', `${source(311)}export function fail(): never {\n  throw new Error('boom');\n}\n`);
  assert.equal((await rt.reload(['src/rows.ts'])).status, 'committed');
  const ns = await rt.import<{ fail(): never }>('src/rows.ts');
  assert.throws(() => ns.fail(), (error: Error) => /rows\.ts:\d+:\d+/.test(error.stack ?? '') && (error.stack ?? '').includes(`rows.ts:${7 + 400 + 1}:`));
});
