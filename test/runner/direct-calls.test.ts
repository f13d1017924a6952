/**
 * Direct calls of named imports (`f()`) read their callee from the namespace's
 * call companion, which holds the committed function itself (issue 12, point 4).
 * These tests hold the semantics that must survive that shortcut: the call runs
 * the current version after a reload (the caller not re-running), `this` is
 * undefined, a function read as a value is still the stable forwarder, calls
 * are counted per version while the version is watched (probation), and the
 * namespaces of a committed module are redefined only where something changed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime } from '../../src/index.ts';
import { transformModule } from '../../src/transform/transform-module.ts';
import { createProject } from '../support/project.ts';

type Ns = Record<string, any>;

const LIB = (tag: string): string => `export const K = 3;\nexport function tiny(a: number): number { return a + ${tag === 'v1' ? 1 : 100}; }\nexport function who(this: unknown) { return this === undefined ? '${tag} undefined' : '${tag} bound'; }\nexport function fails(): never { throw new Error('${tag} fails'); }\nexport let counter = 0;\nexport function bump() { counter++; }\n`;
const MAIN = `import { tiny, who, fails, K, counter, bump } from './lib.ts';\nexport const loop = (n: number) => { let s = 0; for (let i = 0; i < n; i++) s = tiny(s) + K; return s; };\nexport const callWho = () => who();\nexport const heldNow = () => tiny;\nexport const callFails = () => fails();\nexport const count = () => { bump(); return counter; };\n`;

function setup(t: { after(fn: () => unknown): void }) {
  const p = createProject({ 'src/lib.ts': LIB('v1'), 'src/main.ts': MAIN });
  const rt = createRuntime({ root: p.dir, cacheDir: false });
  t.after(async () => {
    await rt.close();
    p.cleanup();
  });
  return { p, rt };
}

test('a direct call runs the current version after a reload of the callee, with this undefined', async (t) => {
  const { p, rt } = setup(t);
  const main = await rt.import<Ns>('src/main.ts');
  // Enough iterations for V8 to optimize (and inline) the call before the reload.
  assert.equal(main.loop(100_000), 400_000);
  assert.equal(main.callWho(), 'v1 undefined');
  const stable = main.heldNow();
  p.write('src/lib.ts', LIB('v2'));
  assert.equal((await rt.reload(['src/lib.ts'])).status, 'committed');
  assert.equal(main.loop(10), 1030, 'the optimized loop calls the new tiny');
  assert.equal(main.callWho(), 'v2 undefined');
  assert.equal(main.heldNow(), stable, 'a function read as a value is the same stable function in every version');
  assert.equal(stable(1), 101, 'and it runs the new code');
  assert.equal(main.count(), 1, 'a let export stays live');
  assert.equal(main.count(), 2);
});

test('a direct call into a module whose importer re-ran in the same reload reaches the committed code', async (t) => {
  const { p, rt } = setup(t);
  const main = await rt.import<Ns>('src/main.ts');
  p.write('src/lib.ts', LIB('v2'));
  p.write('src/main.ts', `${MAIN}export const rev = 2;\n`);
  assert.equal((await rt.reload(['src/lib.ts', 'src/main.ts'])).status, 'committed');
  const next = await rt.import<Ns>('src/main.ts');
  assert.equal(next.rev, 2);
  assert.equal(next.loop(10), 1030);
  p.write('src/lib.ts', LIB('v1'));
  assert.equal((await rt.reload(['src/lib.ts'])).status, 'committed');
  assert.equal(next.loop(10), 40, 'the namespace handed out by the earlier transaction follows later commits');
  assert.equal(main.loop, next.loop, 'the importer keeps one stable loop');
});

test('direct calls are counted for the version only while its calls are watched', async (t) => {
  const { rt } = setup(t);
  const main = await rt.import<Ns>('src/main.ts');
  const lib = rt.moduleVersion('src/lib.ts');
  assert.ok(lib);
  main.loop(5);
  assert.equal(lib.calls.calls, 0, 'not watched: a direct call calls the function itself');
  main.heldNow()(1);
  assert.equal(lib.calls.calls, 1, 'a call through the stable function (a value) is counted');
  lib.watchCalls(true);
  main.loop(5);
  assert.throws(() => main.callFails(), /v1 fails/);
  assert.equal(lib.calls.calls, 1 + 5 + 1);
  assert.equal(lib.calls.errors, 1, 'the error is attributed to the version that threw');
  lib.watchCalls(false);
  main.loop(5);
  assert.throws(() => main.callFails(), /v1 fails/);
  assert.equal(lib.calls.calls, 7);
  assert.equal(lib.calls.errors, 1);
});

test('a commit redefines only what changed in the namespaces importers hold', async (t) => {
  const { p, rt } = setup(t);
  const main = await rt.import<Ns>('src/main.ts');
  const ns = await rt.import<Ns>('src/lib.ts');
  const getter = Object.getOwnPropertyDescriptor(ns, 'counter')?.get;
  assert.equal(typeof getter, 'function');
  p.write('src/lib.ts', `${LIB('v2')}export const added = 1;\n`);
  assert.equal((await rt.reload(['src/lib.ts'])).status, 'committed');
  assert.equal(Object.getOwnPropertyDescriptor(ns, 'counter')?.get, getter, 'the let export keeps its getter: not redefined');
  assert.equal(ns.added, 1, 'a new export appears');
  assert.equal(ns.K, 3);
  p.write('src/lib.ts', LIB('v3').replace('export const K = 3;', 'export const K = 4;'));
  assert.equal((await rt.reload(['src/lib.ts'])).status, 'committed');
  assert.equal(ns.K, 4, 'a changed constant is redefined');
  assert.equal('added' in ns, false, 'a removed export is gone');
  assert.equal(main.loop(1), 104);
});

test('the transform reads the callee of a named import call from the call companion, and leaves sources that name the runner alone', () => {
  const plain = transformModule('/p/a.ts', `import { f } from './b.ts';\nimport * as ns from './b.ts';\nexport const g = () => f(1) + ns.f(2) + f.length;\n`, { defaultFormat: 'esm' });
  assert.match(plain.code, /\(0, __hotswap_callees_0__\.f\)\(1\)/);
  assert.match(plain.code, /__vite_ssr_import_1__\.f\(2\)/, 'a namespace member call keeps `this` the namespace');
  assert.match(plain.code, /__vite_ssr_import_0__\.f\.length/, 'a read that is not a call stays on the namespace');
  const unrewritten = transformModule('/p/a.ts', `import { f } from './b.ts';\nexport const g = () => f(1);\nexport const s = "(0, __vite_ssr_import_0__.f)(";\n`, { defaultFormat: 'esm' });
  assert.ok(unrewritten.code.includes('"(0, __vite_ssr_import_0__.f)("'), 'the string is left as written');
  assert.ok(!unrewritten.code.includes('__hotswap_callees_'), 'no companion for a source that mentions the runner names');
});

test('a source that mentions the runner names still runs, with its calls through the namespace', async (t) => {
  const p = createProject({
    'src/lib.ts': `export function f(a: number) { return a + 1; }\n`,
    'src/main.ts': `import { f } from './lib.ts';\nexport const s = "(0, __vite_ssr_import_0__.f)(";\nexport const call = () => f(1);\n`,
  });
  const rt = createRuntime({ root: p.dir, cacheDir: false });
  t.after(async () => {
    await rt.close();
    p.cleanup();
  });
  const main = await rt.import<Ns>('src/main.ts');
  assert.equal(main.s, '(0, __vite_ssr_import_0__.f)(');
  assert.equal(main.call(), 2);
  p.write('src/lib.ts', `export function f(a: number) { return a + 2; }\n`);
  assert.equal((await rt.reload(['src/lib.ts'])).status, 'committed');
  assert.equal(main.call(), 3);
});
