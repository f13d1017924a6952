/**
 * Issue 9, cases 2, 4, 5, 6 and 7: each class of bug with the case and
 * variants of its shape. (Cases 1 and 3 are in core-cases.test.ts; the first
 * evaluation of cases 4 and 5 is also checked against node in differential.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { committed, failed, scenario } from './helpers.ts';

// ── case 2: a value captured through a re-export is refreshed ──────────────────

const PARENT_SHAPES: Record<string, { parent: string; name: string }> = {
  'export { value as childValue } from': { parent: `export { value as childValue } from './child.js';\n`, name: 'childValue' },
  'export * from': { parent: `export * from './child.js';\n`, name: 'value' },
  'import then export { value }': { parent: `import { value } from './child.js';\nexport { value };\n`, name: 'value' },
  'two levels: export * of export { as }': { parent: `export * from './mid.js';\n`, name: 'childValue' },
};

for (const [shape, { parent, name }] of Object.entries(PARENT_SHAPES)) {
  test(`case 2: a value captured through a re-export (${shape}) is refreshed, and only the capturing importer re-runs`, async (t) => {
    const s = scenario(t, {
      'child.js': `export const value = 1;\nexport function fn() { return 'f1'; }\n`,
      'mid.js': `export { value as childValue, fn } from './child.js';\n`,
      'parent.js': parent,
      'index.js': `import { ${name} } from './parent.js';\nLOG('index ran');\nexport const captured = ${name};\n`,
      'reader.js': `import * as parent from './parent.js';\nLOG('reader ran');\nexport const read = () => parent.${name};\n`,
      'main.js': `export { captured } from './index.js';\nexport { read } from './reader.js';\n`,
    });
    const main = await s.start();
    assert.deepEqual([main.captured, main.read()], [1, 1]);
    s.clear();
    const result = committed(await s.edit({ 'child.js': `export const value = 2;\nexport function fn() { return 'f1'; }\n` }));
    assert.deepEqual([main.captured, main.read()], [2, 2], 'the captured value is the new one; the live read too');
    assert.deepEqual(s.log, ['index ran'], 'the importer that reads inside a function did not re-run');
    assert.ok(result.rerun.some((r) => r.file === s.p.path('index.js') && r.reason.includes(`"${name}"`)), JSON.stringify(result.rerun));
  });
}

test('case 2: an accept("./parent.js", cb) boundary gets its callback when a value re-exported through parent changes', async (t) => {
  const s = scenario(t, {
    'child.js': `export const value = 1;\n`,
    'parent.js': `export { value as childValue } from './child.js';\n`,
    'main.js': `import { childValue } from './parent.js';\nLOG('main ran ' + childValue);\nexport let seen = childValue;\nimport.meta.hot.accept('./parent.js', (parent) => { seen = parent.childValue; LOG('accepted ' + parent.childValue); });\n`,
  });
  const main = await s.start();
  const result = committed(await s.edit({ 'child.js': `export const value = 2;\n` }));
  assert.deepEqual(s.log, ['main ran 1', 'accepted 2'], 'the boundary did not re-run; its callback got the new value');
  assert.equal(main.seen, 2);
  assert.deepEqual(result.rerun, []);
});

test('case 2: a namespace re-export (export * as ns) read at top level re-runs its reader', async (t) => {
  const s = scenario(t, {
    'child.js': `export const value = 1;\n`,
    'parent.js': `export * as ns from './child.js';\n`,
    'main.js': `import { ns } from './parent.js';\nexport const captured = ns.value;\n`,
  });
  const main = await s.start();
  committed(await s.edit({ 'child.js': `export const value = 2;\n` }));
  assert.equal(main.captured, 2);
});

test('case 2: a function changed behind a re-export re-runs nobody (stable forwarder), an export name added through export * re-runs the star re-exporter', async (t) => {
  const s = scenario(t, {
    'child.js': `export function greet() { return 'hi'; }\n`,
    'parent.js': `export * from './child.js';\n`,
    'main.js': `import * as parent from './parent.js';\nimport { greet } from './parent.js';\nLOG('main ran');\nconst held = greet;\nexport const call = () => held();\nexport const names = () => Object.keys(parent).sort().join(',');\n`,
  });
  const main = await s.start();
  s.clear();
  const first = committed(await s.edit({ 'child.js': `export function greet() { return 'hello'; }\n` }));
  assert.deepEqual([first.rerun, s.log, main.call()], [[], [], 'hello']);
  const second = committed(await s.edit({ 'child.js': `export function greet() { return 'hello'; }\nexport const extra = 1;\n` }));
  assert.ok(second.rerun.some((r) => r.file === s.p.path('parent.js')), JSON.stringify(second.rerun));
  assert.equal(main.names(), 'extra,greet');
});

// ── case 4: reassigned function/class declaration exports stay live ────────────

test('case 4: a reassigned default function export follows every assignment, in the first version and after a reload', async (t) => {
  const s = scenario(t, {
    'f.js': `export default function f() { return 1; }\nf = () => 2;\nexport function setF() { f = () => 3; }\n`,
    'main.js': `import f, { setF } from './f.js';\nexport const run = () => { const a = f(); setF(); return [a, f()]; };\n`,
  });
  const main = await s.start();
  assert.deepEqual(main.run(), [2, 3], 'Node gives [2, 3]: the value at the end of evaluation, then the one setF() assigned');
  assert.deepEqual(main.run(), [3, 3]);
  committed(await s.edit({ 'f.js': `export default function f() { return 10; }\nf = () => 20;\nexport function setF() { f = () => 30; }\n` }));
  assert.deepEqual(main.run(), [20, 30], 'the new version starts from its own end-of-evaluation value and follows setF()');
});

test('case 4: named function and class declarations reassigned inside a function, read through a namespace', async (t) => {
  const s = scenario(t, {
    'lib.js': `export function handler() { return 'a'; }\nexport class Shape { kind() { return 'a'; } }\nexport function swap() { handler = () => 'b'; Shape = class { kind() { return 'b'; } }; }\n`,
    'main.js': `import * as lib from './lib.js';\nconst held = lib.handler;\nexport const run = () => { const before = [lib.handler(), new lib.Shape().kind()]; lib.swap(); return [...before, lib.handler(), new lib.Shape().kind(), held()]; };\n`,
  });
  const main = await s.start();
  // `held` is the stable forwarder: it follows the binding (Node's `held` would keep the old function).
  assert.deepEqual(main.run(), ['a', 'a', 'b', 'b', 'b']);
});

// ── case 5: hoisted exported functions called from inside a cycle ─────────────

test('case 5: a hoisted function called inside a cycle at start, and when both files of the cycle are saved together', async (t) => {
  const s = scenario(t, {
    'main.js': `import { value } from './child.js';\nexport function hoisted() { return 'h:' + value; }\n`,
    'child.js': `import { hoisted } from './main.js';\nexport const value = 1;\nLOG(hoisted());\n`,
  });
  await s.start();
  assert.deepEqual(s.log, ['h:1']);
  s.clear();
  committed(
    await s.edit({
      'main.js': `import { value } from './child.js';\nexport function hoisted() { return 'H:' + value; }\n`,
      'child.js': `import { hoisted } from './main.js';\nexport const value = 2;\nLOG(hoisted());\n`,
    }),
  );
  assert.deepEqual(s.log, ['H:2'], 'the staged child calls the staged hoisted function, which reads the staged value');
});

test('case 5: a hoisted function that reads a package import and a default import inside a cycle', async (t) => {
  const s = scenario(t, {
    'main.js': `import { sep } from 'node:path';\nimport label from './label.js';\nimport './child.js';\nexport function describe() { return label + sep; }\n`,
    'label.js': `export default 'label';\n`,
    'child.js': `import { describe } from './main.js';\nLOG(describe());\n`,
  });
  await s.start();
  assert.deepEqual(s.log, ['label/']);
});

// ── case 6: a throwing accept callback is reported like a throwing dispose handler ──

test('case 6: throwing accept(dep, cb), self-accept and rejecting async callbacks reach runtime "error" and in-module listeners; the reload commits', async (t) => {
  const s = scenario(t, {
    'dep.js': `export const value = 1;\n`,
    'self.js': `export const v = 1;\nimport.meta.hot.accept(() => { throw new Error('self boom'); });\n`,
    'main.js': [
      `import { value } from './dep.js';\nimport './self.js';\n`,
      `import.meta.hot.accept('./dep.js', () => { throw new TypeError('dep boom'); });\n`,
      `import.meta.hot.on('hotswap:error', (e) => LOG('listener ' + e.error.code));\n`,
      `export const v = value;\n`,
    ].join(''),
    'async.js': `import './dep.js';\nimport.meta.hot.accept('./dep.js', async () => { throw new RangeError('async boom'); });\n`,
    'entry.js': `import './main.js';\nimport './async.js';\n`,
  });
  await s.start('entry.js');
  committed(await s.edit({ 'dep.js': `export const value = 2;\n` }));
  committed(await s.edit({ 'self.js': `export const v = 2;\nimport.meta.hot.accept(() => { throw new Error('self boom'); });\n` }));
  // The async callback's rejection is reported when it settles.
  while (s.errors.length < 3) await new Promise((r) => setTimeout(r, 5));
  const messages = s.errors.map((e) => `${e.code} ${e.message}`);
  assert.ok(messages.some((m) => /HS_HOT_CALLBACK An accept handler of main\.js threw: TypeError: dep boom/.test(m)), messages.join('\n'));
  assert.ok(messages.some((m) => /HS_HOT_CALLBACK An accept handler of async\.js threw: RangeError: async boom/.test(m)), messages.join('\n'));
  assert.ok(messages.some((m) => /HS_HOT_CALLBACK An accept handler of self\.js threw: Error: self boom/.test(m)), messages.join('\n'));
  assert.ok(s.log.filter((l) => l === 'listener HS_HOT_CALLBACK').length >= 2, 'in-module hotswap:error listeners still hear it');
});

// ── case 7: a namespace member that may not exist is a warning, named imports still fail ──

test('case 7: typeof ns.x on a member that never existed starts fine, removing it later commits with a warning naming the reader', async (t) => {
  const s = scenario(t, {
    'engine.js': `export function engineStart() { return 'start'; }\n`,
    'route.js': `import * as engine from './engine.js';\nexport const status = () => (typeof engine.engineStatus === 'function' ? engine.engineStatus() : 'no status');\n`,
    'other.js': `export const other = 1;\n`,
    'main.js': `export { status } from './route.js';\nexport { other } from './other.js';\n`,
  });
  const main = await s.start();
  assert.equal(main.status(), 'no status');
  committed(await s.edit({ 'engine.js': `export function engineStart() { return 'start'; }\nexport function engineStatus() { return 'ok'; }\n` }));
  assert.equal(main.status(), 'ok');
  const removed = committed(await s.edit({ 'engine.js': `export function engineStart() { return 'start'; }\n` }));
  assert.equal(main.status(), 'no status');
  assert.equal(removed.warnings?.length, 1);
  assert.equal(removed.warnings?.[0]?.file, s.p.path('route.js'));
  assert.match(removed.warnings?.[0]?.message ?? '', /^route\.js:1 reads "engineStatus" .*engine\.js no longer exports/);
  committed(await s.edit({ 'other.js': `export const other = 2;\n` }));
  assert.equal(main.other, 2, 'unrelated saves never wait behind it');
});

test('case 7: a named import of a removed export still fails the reload; a staged reader of a removed member only warns', async (t) => {
  const s = scenario(t, {
    'lib.js': `export const a = 1;\nexport const b = 2;\n`,
    'named.js': `import { b } from './lib.js';\nexport const useB = () => b;\n`,
    'ns.js': `import * as lib from './lib.js';\nexport const maybeA = () => lib.a;\n`,
    'main.js': `export * from './named.js';\nexport * from './ns.js';\n`,
  });
  const main = await s.start();
  const refused = failed(await s.edit({ 'lib.js': `export const a = 1;\n` }));
  assert.equal(refused.error.code, 'HS_MISSING_EXPORT');
  assert.match(refused.error.message, /named\.js imports "b" from "\.\/lib\.js"/);
  assert.equal(main.useB(), 2, 'the last good version keeps serving');
  const both = committed(await s.edit({ 'lib.js': `export const b = 3;\n`, 'ns.js': `import * as lib from './lib.js';\nexport const maybeA = () => lib.a ?? 'gone';\n` }));
  assert.deepEqual([main.useB(), main.maybeA()], [3, 'gone']);
  assert.equal(both.warnings?.[0]?.file, s.p.path('ns.js'));
});

test('case 7: the same rule at start: a named import of a missing export fails the start with a located HS_MISSING_EXPORT', async (t) => {
  const s = scenario(t, {
    'lib.js': `export const a = 1;\n`,
    'main.js': `import * as lib from './lib.js';\nimport { a, missing } from './lib.js';\nexport const probe = typeof lib.missing;\nLOG('main ran');\n`,
  });
  await assert.rejects(s.start(), (error: any) => {
    assert.equal(error.code, 'HS_MISSING_EXPORT');
    assert.match(error.message, /main\.js imports "missing" from "\.\/lib\.js", which does not export it/);
    assert.deepEqual([error.location?.line, error.location?.file], [2, s.p.path('main.js')]);
    return true;
  });
  assert.deepEqual(s.log, [], 'the importer never ran');
});

// ── also known: two files saved in one change set ─────────────────────────────

test('also known: a re-run module calls the new version of a function from another module of the same change set, and what it holds stays live', async (t) => {
  const s = scenario(t, {
    'lib.js': `export function format(n) { return 'v1:' + n; }\nexport const unit = 1;\n`,
    'user.js': `import { format, unit } from './lib.js';\nexport const label = format(unit);\nexport const held = format;\n`,
    'main.js': `export { label, held } from './user.js';\n`,
  });
  const main = await s.start();
  assert.equal(main.label, 'v1:1');
  committed(
    await s.edit({
      'lib.js': `export function format(n) { return 'v2:' + n; }\nexport const unit = 1;\n`,
      'user.js': `import { format, unit } from './lib.js';\nexport const label = format(unit) + '!';\nexport const held = format;\n`,
    }),
  );
  assert.equal(main.label, 'v2:1!', 'the staged user.js called the staged format');
  committed(await s.edit({ 'lib.js': `export function format(n) { return 'v3:' + n; }\nexport const unit = 1;\n` }));
  assert.equal(main.held(2), 'v3:2', 'the function staged code captured follows later versions');
});
