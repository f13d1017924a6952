/**
 * Conformance: scenarios from Vite's module runner specs (github.com/vitejs/vite,
 * packages/vite/src/node/ssr/runtime/__tests__/server-runtime.spec.ts and
 * server-hmr.spec.ts), translated to hotswap's semantics. Their cyclic and
 * live-binding fixtures are in differential.test.ts, checked against node itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { committed, failed, scenario } from './helpers.ts';

test('vite server-runtime "exports is not modifiable": assigning an export throws', async (t) => {
  // Difference: Vite seals the namespace; hotswap's namespace object stays extensible (names
  // come and go across versions) and configurable, so adding or deleting a key is not refused.
  const s = scenario(t, { 'main.js': `export const test = 'value';\nexport let counter = 0;\n` });
  const mod = await s.start();
  assert.throws(() => { mod.test = 'I am modified'; }, TypeError);
  assert.throws(() => { mod.counter = 1; }, TypeError);
  assert.equal(mod.test, 'value');
  assert.equal(Object.prototype.toString.call(mod), '[object Module]');
});

test('vite server-runtime "throws the same error": a failed import is evaluated again on the next import', async (t) => {
  // Difference: Vite caches the failed module and rethrows the same error object. hotswap keeps
  // nothing of a failed first load, so the next import runs the file as it is on disk now.
  const s = scenario(t, { 'main.js': `throw new Error('has error');\n` });
  const first = await s.start().catch((e: unknown) => e);
  const second = await s.start().catch((e: unknown) => e);
  assert.notEqual(first, second);
  assert.equal((second as { cause?: Error }).cause?.message, 'has error');
  s.write({ 'main.js': `export const ok = true;\n` });
  assert.equal((await s.start()).ok, true);
});

test('vite server-runtime "dynamic import doesn\'t produce duplicates": every specifier form gives the same namespace', async (t) => {
  const s = scenario(t, {
    'dep.js': `export const x = 1;\n`,
    'main.js': [
      `import * as fromStatic from './dep.js';\n`,
      `export const forms = async () => [await import('./dep.js'), await import('./dep'), await import(import.meta.dirname + '/dep.js'), await import(new URL('./dep.js', import.meta.url).href)];\n`,
      `export { fromStatic };\n`,
    ].join(''),
  });
  const main = await s.start();
  for (const ns of await main.forms()) assert.equal(ns, main.fromStatic);
});

test('vite server-runtime "importing native node package": builtins are the ones Node loaded', async (t) => {
  const s = scenario(t, { 'main.js': `export { readdirSync, existsSync } from 'node:fs';\n` });
  const mod = await s.start();
  assert.equal(mod.readdirSync, fs.readdirSync);
  assert.equal(mod.existsSync, fs.existsSync);
});

test('vite server-runtime "correctly resolves module url": import.meta.url, filename, dirname', async (t) => {
  const s = scenario(t, { 'fixtures/basic.js': `export const meta = { url: import.meta.url, filename: import.meta.filename, dirname: import.meta.dirname };\n` });
  const { meta } = await s.start('fixtures/basic.js');
  assert.deepEqual(meta, { url: `file://${s.p.path('fixtures/basic.js')}`, filename: s.p.path('fixtures/basic.js'), dirname: s.p.path('fixtures') });
});

test('vite server-runtime "no maximum call stack error": entry ⇔ entry-cyclic, then a dynamic import from the cycle', async (t) => {
  const s = scenario(t, {
    'entry.js': `export { setupCyclic } from './entry-cyclic.js';\nexport function importAction(id) { return import(id); }\n`,
    'entry-cyclic.js': `import { importAction } from './entry.js';\nexport async function setupCyclic() { return (await importAction('./action.js')).action; }\n`,
    'action.js': `export const action = 'action';\n`,
  });
  const mod = await s.start('entry.js');
  assert.equal(await mod.setupCyclic(), 'action');
});

test('vite server-hmr "does not expose partial exports during concurrent updates": callers see the complete old version until the commit', async (t) => {
  const gate = `__hs_gate_${process.pid}`;
  const g = globalThis as Record<string, unknown>;
  let release!: () => void;
  g[gate] = new Promise<void>((resolve) => (release = resolve));
  t.after(() => delete g[gate]);
  const s = scenario(t, {
    'shared.js': `export const a = 'a1';\nexport const b = 'b1';\n`,
    'core.js': `export * from './shared.js';\n`,
    'main.js': `import * as core from './core.js';\nexport const read = () => core.a + core.b;\n`,
  });
  const main = await s.start();
  s.write({ 'shared.js': `export const a = 'a2';\nawait globalThis.${gate};\nexport const b = 'b2';\n` });
  const reloading = s.rt.reload([s.p.path('shared.js')]);
  // While the new version waits half-evaluated, the live module is the whole old one.
  for (let i = 0; i < 20; i++) {
    assert.equal(main.read(), 'a1b1');
    await new Promise((r) => setImmediate(r));
  }
  release();
  committed(await reloading);
  assert.equal(main.read(), 'a2b2');
});

test('vite server-runtime "importing external esm library checks exports": a named import a package lacks fails the start', async (t) => {
  const s = scenario(t, {
    'node_modules/esm-external/package.json': JSON.stringify({ name: 'esm-external', type: 'module', exports: './index.js' }),
    'node_modules/esm-external/index.js': `export const hello = 'world';\n`,
    'bad.js': `import { nonExisting } from 'esm-external';\nexport const r = nonExisting;\n`,
    'main.js': `import { hello } from 'esm-external';\nexport const result = hello;\n`,
  });
  await assert.rejects(s.start('bad.js'), /nonExisting/);
  assert.equal((await s.start()).result, 'world', 'a later correct import of the same package works');
});

test('vite server-runtime "this of the exported function should be undefined", also through the stable forwarder after a reload', async (t) => {
  const s = scenario(t, {
    'importee.js': `export function foo() { return this; }\n`,
    'main.js': `import { foo } from './importee.js';\nexport const call = () => foo();\n`,
  });
  const main = await s.start();
  assert.equal(main.call(), undefined);
  committed(await s.edit({ 'importee.js': `export function foo() { return this === undefined ? 'undefined' : 'bound'; }\n` }));
  assert.equal(main.call(), 'undefined');
});

test('vite server-runtime "has-error": a throw at top level of a reloaded module keeps the last good version, with the cause', async (t) => {
  const s = scenario(t, { 'dep.js': `export const v = 1;\n`, 'main.js': `import * as dep from './dep.js';\nexport const read = () => dep.v;\n` });
  const main = await s.start();
  const result = failed(await s.edit({ 'dep.js': `export const v = 2;\nthrow new Error('has error');\n` }));
  assert.equal((result.error.cause as Error).message, 'has error');
  assert.equal(result.error.location?.line, 2);
  assert.equal(main.read(), 1);
});
