/**
 * Conformance: scenarios from dynohot's own test suite (github.com/laverdet/dynohot,
 * __tests__/*.ts), translated to hotswap's semantics. Each names its source test.
 *
 * Where hotswap deliberately differs, the scenario says how and why. The recurring one:
 * dynohot (like Vite) reports an update that reaches no `accept` boundary as
 * "unaccepted" and applies nothing; hotswap needs no boundary: the changed module
 * re-runs, importers see new values through live bindings and stable functions,
 * and only importers that captured a changed value at top level re-run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { committed, failed, scenario } from './helpers.ts';

// ── accept.ts ──────────────────────────────────────────────────────────────────

test('dynohot accept.ts "accept handlers should run top down": callbacks for one dependency run in registration order', async (t) => {
  const s = scenario(t, {
    'child.js': `export const v = 1;\n`,
    'main.js': `import './child.js';\nimport.meta.hot.accept('./child.js', () => LOG('first'));\nimport.meta.hot.accept('./child.js', () => LOG('second'));\n`,
  });
  await s.start();
  committed(await s.edit({ 'child.js': `export const v = 2;\n` }));
  assert.deepEqual(s.log, ['first', 'second']);
});

test('dynohot accept.ts "only run affected handlers"', async (t) => {
  const s = scenario(t, {
    'left.js': `export const v = 1;\n`,
    'right.js': `export const v = 1;\n`,
    'main.js': `import './left.js';\nimport './right.js';\nimport.meta.hot.accept('./left.js', () => LOG('left'));\nimport.meta.hot.accept('./right.js', () => LOG('right'));\n`,
  });
  await s.start();
  committed(await s.edit({ 'left.js': `export const v = 2;\n` }));
  assert.deepEqual(s.log, ['left']);
});

test('dynohot accept.ts "should be able to accept a cycle root": an edit inside a cycle below an accepting module commits', async (t) => {
  const s = scenario(t, {
    'left.js': `import './right.js';\nexport const fromLeft = 'l';\n`,
    'right.js': `import './left.js';\nLOG('right ran');\nexport const fromRight = 'r1';\n`,
    'main.js': `import * as left from './left.js';\nimport * as right from './right.js';\nimport.meta.hot.accept('./left.js');\nexport const read = () => right.fromRight;\n`,
  });
  const main = await s.start();
  committed(await s.edit({ 'right.js': `import './left.js';\nLOG('right ran');\nexport const fromRight = 'r2';\n` }));
  assert.equal(main.read(), 'r2');
  assert.deepEqual(s.log, ['right ran', 'right ran']);
});

test('dynohot accept.ts "catch error from accept": the update commits and the throw is reported', async (t) => {
  // Difference: in dynohot a throwing accept handler passes the update on to the next boundary up
  // (main's handler runs too). In hotswap the boundary took the update (the throw is reported on
  // runtime "error"); its importers are unaffected because the boundary module did not change.
  const s = scenario(t, {
    'child2.js': `export const v = 1;\n`,
    'child.js': `import './child2.js';\nimport.meta.hot.accept('./child2.js', () => { LOG('seen1'); throw new Error('uh oh'); });\n`,
    'main.js': `import './child.js';\nimport.meta.hot.accept('./child.js', () => LOG('seen2'));\n`,
  });
  await s.start();
  committed(await s.edit({ 'child2.js': `export const v = 2;\n` }));
  assert.deepEqual(s.log, ['seen1']);
  assert.equal(s.errors[0]?.code, 'HS_HOT_CALLBACK');
});

test('dynohot accept.ts "catch error from self-accept": the update commits and the throw is reported', async (t) => {
  const s = scenario(t, {
    'child.js': `export const v = 1;\nimport.meta.hot.accept(() => { throw new Error('uh oh'); });\n`,
    'main.js': `import * as child from './child.js';\nexport const read = () => child.v;\n`,
  });
  const main = await s.start();
  committed(await s.edit({ 'child.js': `export const v = 2;\nimport.meta.hot.accept(() => { throw new Error('uh oh'); });\n` }));
  assert.equal(main.read(), 2);
  assert.match(s.errors[0]?.message ?? '', /accept handler of child\.js threw: Error: uh oh/);
});

// ── dispose.ts ─────────────────────────────────────────────────────────────────

test('dynohot dispose.ts "dispose handlers should run bottom up": hotswap runs them in registration order', async (t) => {
  // Difference: dynohot runs a module's dispose handlers last-registered first; Vite keeps only one.
  // hotswap runs all of them in the order they were registered, like event listeners.
  const s = scenario(t, {
    'main.js': `import.meta.hot.accept();\nimport.meta.hot.dispose(() => LOG('first'));\nimport.meta.hot.dispose(() => LOG('second'));\n`,
  });
  await s.start();
  committed(await s.edit({ 'main.js': `import.meta.hot.accept();\n` }));
  assert.deepEqual(s.log, ['first', 'second']);
});

test('dynohot dispose.ts "dispose handlers should run even if invalidated"', async (t) => {
  const s = scenario(t, {
    'main.js': `import './child.js';\n`,
    'child.js': `import.meta.hot.accept(() => { import.meta.hot.invalidate(); });\nimport.meta.hot.dispose(() => LOG('disposed'));\n`,
  });
  await s.start();
  committed(await s.edit({ 'child.js': `import.meta.hot.accept(() => { import.meta.hot.invalidate(); });\nimport.meta.hot.dispose(() => LOG('disposed'));\nLOG('v2');\n` }));
  assert.deepEqual(s.log, ['v2', 'disposed']);
});

test('dynohot dispose.ts "do not throw from dispose, alright": the commit stands, the throw is reported', async (t) => {
  // Difference: dynohot reports a fatal error; in hotswap the new version is already committed
  // when dispose handlers run, so the throw is reported on runtime "error" and the app keeps going.
  const s = scenario(t, { 'main.js': `import.meta.hot.accept();\nimport.meta.hot.dispose(() => { throw new Error('dispose boom'); });\nexport const v = 1;\n` });
  const main = await s.start();
  committed(await s.edit({ 'main.js': `import.meta.hot.accept();\nexport const v = 2;\n` }));
  assert.equal(main.v, 2);
  assert.match(s.errors[0]?.message ?? '', /dispose handler of main\.js threw/);
});

// ── invalidate.ts ──────────────────────────────────────────────────────────────

test('dynohot invalidate.ts "invalidate should work": an invalidate() outside an update re-runs the importers', async (t) => {
  const s = scenario(t, {
    'child.js': `import.meta.hot.accept();\nexport const invalidate = () => import.meta.hot.invalidate();\n`,
    'main.js': `import { invalidate } from './child.js';\nLOG('main ran');\nexport { invalidate };\n`,
  });
  const main = await s.start();
  main.invalidate();
  while (s.log.length < 2) await s.rt.reload([]);
  assert.deepEqual(s.log, ['main ran', 'main ran']);
  assert.ok(s.reloads.some((r) => r.status === 'committed' && r.files.includes(s.p.path('main.js'))));
});

// ── link.ts ────────────────────────────────────────────────────────────────────

test('dynohot link.ts "as default": export { name as default }', async (t) => {
  const s = scenario(t, {
    'child.js': `const name = 'child';\nexport { name as default };\n`,
    'main.js': `import name from './child.js';\nexport const got = name;\n`,
  });
  assert.equal((await s.start()).got, 'child');
});

test('dynohot link.ts "link error is recoverable from parent": a removed export fails, an importer that stops using it commits', async (t) => {
  const s = scenario(t, {
    'child.js': `export const symbol = null;\n`,
    'main.js': `import { symbol } from './child.js';\nimport.meta.hot.accept();\nexport const v = symbol;\n`,
  });
  await s.start();
  assert.equal(failed(await s.edit({ 'child.js': `export {};\n` })).error.code, 'HS_MISSING_EXPORT');
  committed(await s.edit({ 'main.js': `import {} from './child.js';\nexport const v = 'fixed';\n` }));
});

test('dynohot link.ts "infinite re-export": `export * from` itself, then a named import of a name it lacks, fails at start', async (t) => {
  // dynohot throws a SyntaxError; Node's linker too. hotswap: HS_MISSING_EXPORT, located.
  const s = scenario(t, {
    'child.js': `export * from './child.js';\n`,
    'main.js': `import { symbol } from './child.js';\n`,
  });
  await assert.rejects(s.start(), { code: 'HS_MISSING_EXPORT' });
});

test('dynohot link.ts "circular indirect export": a module re-exports its own binding under another name', async (t) => {
  const s = scenario(t, {
    'circular.js': `export { name as indirect } from './circular.js';\nexport const name = 'n';\n`,
    'main.js': `import { name, indirect } from './circular.js';\nexport const got = [name, indirect];\n`,
  });
  assert.deepEqual((await s.start()).got, ['n', 'n']);
});

test('dynohot link.ts "duplicate named export" and "duplicate re-export" are syntax errors', async (t) => {
  const s = scenario(t, {
    'dup.js': `export const name = 1;\nexport const name = 2;\n`,
    'dep.js': `export const id = 1;\n`,
    'barrel.js': `export { id, id } from './dep.js';\n`,
    'main.js': `import './dup.js';\n`,
  });
  await assert.rejects(s.start(), { code: 'HS_SYNTAX' });
  await assert.rejects(s.start('barrel.js'), { code: 'HS_SYNTAX' });
});

test('dynohot link.ts "hoisted functions run correctly": a hoisted export called from inside the cycle', async (t) => {
  const s = scenario(t, {
    'main.js': `import { value } from './child.js';\nexport function hoisted() { return value; }\n`,
    'child.js': `import { hoisted } from './main.js';\nexport const value = 1;\nLOG(hoisted());\n`,
  });
  await s.start();
  assert.deepEqual(s.log, [1]);
});

test('dynohot link.ts "exported named module namespace": export * as ns of a module that re-exports', async (t) => {
  const s = scenario(t, {
    'child.js': `export const name = 'leaf';\n`,
    'indirect.js': `export { name } from './child.js';\n`,
    'ns-export.js': `export * as ns from './indirect.js';\n`,
    'main.js': `import { ns } from './ns-export.js';\nexport const got = ns.name;\n`,
  });
  assert.equal((await s.start()).got, 'leaf');
});

test('dynohot link.ts "hoisted function with dynamic import": called from inside the cycle, it imports lazily', async (t) => {
  const s = scenario(t, {
    'main.js': `import './first.js';\nexport function fn() { return import('./extra.js'); }\n`,
    'first.js': `import { fn } from './main.js';\nLOG((await fn()).extra);\n`,
    'extra.js': `export const extra = 'extra';\n`,
  });
  await s.start();
  assert.deepEqual(s.log, ['extra']);
});

test('dynohot link.ts "re-export from adapter module": export * from a native module leaves out default', async (t) => {
  const s = scenario(t, {
    'utility.js': `export * from 'node:events';\n`,
    'main.js': `import * as utility from './utility.js';\nexport const got = [utility.default, typeof utility.EventEmitter, typeof utility.once];\n`,
  });
  assert.deepEqual((await s.start()).got, [undefined, 'function', 'function']);
});

test('dynohot link.ts "explicit shadowed export" and "named export of module namespace"', async (t) => {
  const s = scenario(t, {
    'one.js': `export const id = 1;\n`,
    'two.js': `export * from './one.js';\nexport const id = 2;\nimport * as ns from './one.js';\nexport { ns };\n`,
    'main.js': `import * as two from './two.js';\nexport const got = [two.id, two.ns.id];\n`,
  });
  assert.deepEqual((await s.start()).got, [2, 1]);
});

// ── prune.ts ───────────────────────────────────────────────────────────────────

test('dynohot prune.ts "removing module node should work": a dependency no longer imported is pruned', async (t) => {
  const s = scenario(t, {
    'previous.js': `import.meta.hot.prune(() => LOG('pruned'));\n`,
    'child.js': `import './previous.js';\n`,
    'main.js': `import './child.js';\nimport.meta.hot.accept('./child.js');\n`,
  });
  await s.start();
  const result = committed(await s.edit({ 'child.js': `export {};\n` }));
  assert.deepEqual(s.log, ['pruned']);
  assert.deepEqual(result.pruned, [s.p.path('previous.js')]);
});

test('dynohot prune.ts "dispose and prune runs together": a pruned module runs both, dispose first', async (t) => {
  // Difference: dynohot interleaves them last-registered first; hotswap runs every dispose
  // handler, then every prune handler, each in registration order.
  const s = scenario(t, {
    'child.js': `import.meta.hot.dispose(() => LOG('dispose 1'));\nimport.meta.hot.prune(() => LOG('prune 1'));\nimport.meta.hot.dispose(() => LOG('dispose 2'));\nimport.meta.hot.prune(() => LOG('prune 2'));\n`,
    'main.js': `import './child.js';\nimport.meta.hot.accept();\n`,
  });
  await s.start();
  committed(await s.edit({ 'main.js': `import.meta.hot.accept();\n` }));
  assert.deepEqual(s.log, ['dispose 1', 'dispose 2', 'prune 1', 'prune 2']);
});

// ── reload.ts ──────────────────────────────────────────────────────────────────

test('dynohot reload.ts "simple test": a self-accepting importer that captured a value re-runs with the new one', async (t) => {
  const s = scenario(t, {
    'child.js': `export const counter = 1;\n`,
    'main.js': `import { counter } from './child.js';\nLOG(counter);\nimport.meta.hot.accept();\n`,
  });
  await s.start();
  committed(await s.edit({ 'child.js': `export const counter = 2;\n` }));
  assert.deepEqual(s.log, [1, 2]);
});

test('dynohot reload.ts "unaccepted should not run": hotswap applies the update without a boundary', async (t) => {
  // Difference: dynohot reports "unaccepted" and applies nothing. hotswap commits: main imports
  // child for its side effects only and captured nothing, so main does not re-run.
  const s = scenario(t, {
    'child.js': `LOG('child v1');\n`,
    'main.js': `import './child.js';\nLOG('main');\n`,
  });
  await s.start();
  committed(await s.edit({ 'child.js': `LOG('child v2');\n` }));
  assert.deepEqual(s.log, ['child v1', 'main', 'child v2']);
});

test('dynohot reload.ts "accepted with unupdated accepted": accept([a, b]) with only a updated', async (t) => {
  const s = scenario(t, {
    'updated.js': `export const v = 1;\n`,
    'unupdated.js': `export const v = 1;\n`,
    'main.js': `import './updated.js';\nimport './unupdated.js';\nimport.meta.hot.accept(['./updated.js', './unupdated.js'], ([a, b]) => LOG([a.v, b.v]));\nLOG('main ran');\n`,
  });
  await s.start();
  committed(await s.edit({ 'updated.js': `export const v = 2;\n` }));
  assert.deepEqual(s.log, ['main ran', [2, 1]], 'main did not re-run; the callback got both namespaces');
});

test('dynohot reload.ts "unaccepted dynamic should not run" / "accepted dynamic": a dynamic importer reads the new version', async (t) => {
  const s = scenario(t, {
    'child.js': `export const counter = 1;\n`,
    'main.js': `const { counter } = await import('./child.js');\nLOG('main ' + counter);\nimport.meta.hot.accept('./child.js', async () => { LOG('accepted ' + (await import('./child.js')).counter); });\nexport const load = async () => (await import('./child.js')).counter;\n`,
  });
  const main = await s.start();
  committed(await s.edit({ 'child.js': `export const counter = 2;\n` }));
  assert.equal(await main.load(), 2);
  while (s.log.length < 2) await new Promise((r) => setImmediate(r));
  assert.deepEqual(s.log, ['main 1', 'accepted 2'], 'main did not re-run (a dynamic import captures nothing)');
});

test('dynohot reload.ts "unchanged declined import": an unchanged declining module does not block', async (t) => {
  const s = scenario(t, {
    'accepted.js': `export const v = 1;\n`,
    'declined.js': `import.meta.hot.decline();\n`,
    'main.js': `import * as a from './accepted.js';\nimport './declined.js';\nimport.meta.hot.accept('./accepted.js');\nexport const read = () => a.v;\n`,
  });
  const main = await s.start();
  committed(await s.edit({ 'accepted.js': `export const v = 2;\n` }));
  assert.equal(main.read(), 2);
});

test('dynohot reload.ts "declined with accept import": a declining module that accepts its dependency takes the update', async (t) => {
  const s = scenario(t, {
    'accepted.js': `export const v = 1;\n`,
    'declined.js': `import './accepted.js';\nimport.meta.hot.accept('./accepted.js', () => LOG('accepted'));\nimport.meta.hot.decline();\n`,
    'main.js': `import './declined.js';\n`,
  });
  await s.start();
  committed(await s.edit({ 'accepted.js': `export const v = 2;\n` }));
  assert.deepEqual(s.log, ['accepted']);
  assert.equal((await s.edit({ 'declined.js': `import.meta.hot.decline();\n` })).status, 'declined', 'editing the declining module itself asks for a restart');
});

test('dynohot reload.ts "errors are recoverable": a throwing save fails, the fix commits and the boundary callback runs once', async (t) => {
  const s = scenario(t, {
    'accepted.js': `export const counter = 1;\n`,
    'main.js': `import * as a from './accepted.js';\nimport.meta.hot.accept('./accepted.js', (m) => LOG('accepted ' + m.counter));\nexport const read = () => a.counter;\n`,
  });
  const main = await s.start();
  const broken = failed(await s.edit({ 'accepted.js': `export const counter = 2;\nthrow new Error('boom');\n` }));
  assert.equal(broken.error.code, 'HS_EVALUATION');
  assert.equal(main.read(), 1, 'the last good version keeps serving');
  committed(await s.edit({ 'accepted.js': `export const counter = 3;\n` }));
  assert.deepEqual([main.read(), s.log], [3, ['accepted 3']]);
});

test('dynohot reload.ts "common dependency": an update under two importers, only one accepting', async (t) => {
  // Difference: dynohot reports "unaccepted" (right has no boundary). hotswap commits: left and
  // right import child for side effects, so neither re-runs, and main's accept('./left.js') is
  // not involved because left did not change.
  const s = scenario(t, {
    'child.js': `LOG('child 1');\n`,
    'left.js': `import './child.js';\n`,
    'right.js': `import './child.js';\n`,
    'main.js': `import './left.js';\nimport './right.js';\nimport.meta.hot.accept('./left.js', () => LOG('left accepted'));\n`,
  });
  await s.start();
  committed(await s.edit({ 'child.js': `LOG('child 2');\n` }));
  assert.deepEqual(s.log, ['child 1', 'child 2']);
});

test('dynohot reload.ts "new module node should work": an update that imports a new file loads it', async (t) => {
  const s = scenario(t, {
    'child.js': `export const v = 1;\n`,
    'main.js': `import * as child from './child.js';\nimport.meta.hot.accept('./child.js');\nexport const read = () => child.v;\n`,
  });
  const main = await s.start();
  s.p.write('new-child.js', `export const fresh = 'fresh';\n`);
  const result = committed(await s.edit({ 'child.js': `import { fresh } from './new-child.js';\nexport const v = fresh;\n` }));
  assert.equal(main.read(), 'fresh');
  assert.ok(result.updated.some((u) => u.file === s.p.path('new-child.js')));
});

test('dynohot reload.ts "dangling rejection in sync case" and dynamic.ts "dynamic import with error throws"', async (t) => {
  const s = scenario(t, {
    'left.js': `await undefined;\nthrow new Error('async');\n`,
    'right.js': `throw new Error('sync');\n`,
    'main.js': `import './right.js';\nimport './left.js';\n`,
    'dyn.js': `const module = await import('./right.js');\n`,
  });
  await assert.rejects(s.start(), (e: any) => e.cause?.message === 'sync');
  await assert.rejects(s.start('dyn.js'), (e: any) => e.cause?.message === 'sync');
});

test('dynohot dynamic.ts "lazy dynamic import with error is recoverable"', async (t) => {
  const s = scenario(t, {
    'error.js': `throw new Error('lazy');\n`,
    'main.js': `const lazy = import('./error.js');\nawait lazy.catch(() => LOG('caught'));\nexport const load = async () => (await import('./error.js')).ok;\n`,
  });
  const main = await s.start();
  assert.deepEqual(s.log, ['caught']);
  s.p.writeAtomic('error.js', `export const ok = 'recovered';\n`);
  // The failed version is not kept: the next import evaluates the file as it is now.
  assert.equal(await main.load(), 'recovered');
});
