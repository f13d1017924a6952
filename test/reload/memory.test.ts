import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime } from '../../src/index.ts';
import { createProject } from '../support/project.ts';
import { settledHeap } from '../support/heap.ts';



test('1,000 reloads of a module that allocates 5 MB at top level: old versions are collected', async (t) => {
  const big = (n: number) => `// version ${n}\nexport const big = new Array(5 * 1024 * 1024 / 8).fill(${n});\nexport function size(): number { return big.length; }\n`;
  const p = createProject({
    'src/big.ts': big(0),
    'src/main.ts': `import { size } from './big.ts';\nexport const run = () => size();\n`,
  });
  const rt = createRuntime({ root: p.dir, cacheDir: false });
  t.after(async () => {
    await rt.close();
    p.cleanup();
  });
  const main = await rt.import<Record<string, () => number>>('src/main.ts');
  // Warm up so one-time allocations (caches, compiled code) are in the baseline.
  for (let i = 1; i <= 20; i++) {
    p.write('src/big.ts', big(i));
    assert.equal((await rt.reload(['src/big.ts'])).status, 'committed');
  }
  const before = await settledHeap();
  for (let i = 21; i <= 1020; i++) {
    p.write('src/big.ts', big(i));
    const result = await rt.reload(['src/big.ts']);
    assert.equal(result.status, 'committed');
  }
  assert.equal(main.run?.(), 5 * 1024 * 1024 / 8);
  const after = await settledHeap();
  const growthMb = (after - before) / 1024 / 1024;
  t.diagnostic(`heap growth after 1,000 reloads: ${growthMb.toFixed(1)} MB`);
  assert.ok(growthMb < 20, `heap grew by ${growthMb.toFixed(1)} MB`);
  // The version tracker agrees: nearly all replaced versions were finalized. Finalizers run
  // after a GC, on later turns: collect and yield until they did (bounded), no fixed wait.
  let retained = rt.retainedVersions();
  for (let round = 0; round < 50 && retained.length >= 10; round++) {
    await settledHeap();
    retained = rt.retainedVersions();
  }
  t.diagnostic(`replaced versions still alive: ${retained.length}`);
  assert.ok(retained.length < 10, `retained versions: ${retained.map((v) => `${v.module}@${v.version}`).slice(0, 5).join(', ')}`);
});

test('a retained old version is reported by module and version', async (t) => {
  const p = createProject({
    'src/leaky.ts': `export const payload = { v: 1 };\n(globalThis as any).__hold = () => payload;\n`,
    'src/main.ts': `import './leaky.ts';\n`,
  });
  const rt = createRuntime({ root: p.dir, cacheDir: false });
  t.after(async () => {
    await rt.close();
    p.cleanup();
    delete (globalThis as any).__hold;
  });
  await rt.import('src/main.ts');
  const held = (globalThis as any).__hold;
  p.write('src/leaky.ts', `export const payload = { v: 2 };\n`);
  assert.equal((await rt.reload(['src/leaky.ts'])).status, 'committed');
  await settledHeap();
  const retained = rt.retainedVersions();
  assert.ok(retained.some((v) => v.module === p.path('src/leaky.ts') && v.version === 1), JSON.stringify(retained));
  assert.ok(held);
});
