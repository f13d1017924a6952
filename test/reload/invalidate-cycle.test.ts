// invalidate() in an accept callback inside an import cycle: a finite update, and a guard
// that stops any runaway propagation with a clear error (issue 9, point 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime, type ReloadResult } from '../../src/index.ts';
import { createProject } from '../support/project.ts';

type Ns = Record<string, any>;

/** Fails the test (instead of hanging it) when reloads keep coming. */
function countReloads(rt: ReturnType<typeof createRuntime>, limit: number): ReloadResult[] {
  const results: ReloadResult[] = [];
  rt.on('reload', (r) => {
    results.push(r);
    if (results.length === limit) void rt.close();
  });
  return results;
}

const self = `import.meta.hot?.accept(() => import.meta.hot?.invalidate());\n`;

test('invalidate() in self-accept callbacks of a cycle: a finite update, the parent ends with the new value', async (t) => {
  const p = createProject({
    'index.js': `import { parentValue } from './parent.js';\nexport const run = () => parentValue();\n`,
    'parent.js': `import { value } from './child.js';\nconst captured = value;\nexport const parentValue = () => captured;\n${self}`,
    'child.js': `import './parent.js';\nexport const value = 1;\n${self}`,
  });
  const rt = createRuntime({ root: p.dir, cacheDir: false, watch: false });
  t.after(async () => { await rt.close(); p.cleanup(); });
  const results = countReloads(rt, 50);
  const main = await rt.import<Ns>('index.js');
  assert.equal(main.run(), 1);
  p.write('child.js', `import './parent.js';\nexport const value = 2;\n${self}`);
  await rt.reload(['child.js']);
  await rt.settled();
  assert.ok(results.length < 50, `reloads kept coming: ${results.length}`);
  assert.ok(results.length <= 4, `a short chain: ${results.map((r) => r.status).join(', ')}`);
  assert.equal(main.run(), 2, 'the parent re-ran and sees the new value');
  assert.ok(results.every((r) => r.status !== 'failed'), JSON.stringify(results.map((r) => r.status)));
});

test('a module that invalidates every time it is evaluated, in a cycle, stops with a clear error or settles', async (t) => {
  const p = createProject({
    'a.js': `import { b } from './b.js';\nexport const a = () => 'a' + b();\nimport.meta.hot?.invalidate('always');\n`,
    'b.js': `import { a } from './a.js';\nexport const b = () => 'b';\nexport const useA = () => a();\nimport.meta.hot?.invalidate('always');\n`,
    'main.js': `import { a } from './a.js';\nexport const run = () => a();\n`,
  });
  const rt = createRuntime({ root: p.dir, cacheDir: false, watch: false });
  t.after(async () => { await rt.close(); p.cleanup(); });
  const results = countReloads(rt, 200);
  const main = await rt.import<Ns>('main.js');
  p.write('b.js', `import { a } from './a.js';\nexport const b = () => 'B';\nexport const useA = () => a();\nimport.meta.hot?.invalidate('always');\n`);
  await rt.reload(['b.js']);
  await rt.settled();
  assert.ok(results.length < 200, `reloads kept coming: ${results.length}`);
  assert.equal(main.run(), 'aB');
});

test('a chain of invalidations longer than the guard is stopped with HS_RELOAD_LOOP, and a later save reloads normally', async (t) => {
  // m0 ← m1 ← … ← m119: each takes its updates and invalidates (asks its importer to re-run).
  const files: Record<string, string> = { 'main.js': `import { v } from './m119.js';\nexport const run = () => v;\n` };
  for (let i = 0; i < 120; i++) files[`m${i}.js`] = `${i === 0 ? 'export const v = 0;' : `import { v as prev } from './m${i - 1}.js';\nexport const v = prev;`}\n${self}`;
  const p = createProject(files);
  const rt = createRuntime({ root: p.dir, cacheDir: false, watch: false });
  t.after(async () => { await rt.close(); p.cleanup(); });
  const results = countReloads(rt, 1000);
  const main = await rt.import<Ns>('main.js');
  p.write('m0.js', `export const v = 1;\n${self}`);
  await rt.reload(['m0.js']);
  await rt.settled();
  const stopped = results.find((r) => r.status === 'failed');
  assert.ok(stopped && stopped.status === 'failed', `the chain was stopped (${results.length} reloads)`);
  assert.equal(stopped.error.code, 'HS_RELOAD_LOOP');
  assert.match(stopped.error.message, /stopped/);
  assert.ok(results.length <= 102, `${results.length} reloads`);
  p.write('m0.js', `export const v = 2;\nimport.meta.hot?.accept();\n`);
  assert.equal((await rt.reload(['m0.js'])).status, 'committed', 'a new save starts a new chain');
  assert.equal(typeof main.run(), 'number');
});
