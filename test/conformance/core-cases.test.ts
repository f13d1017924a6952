/**
 * Issue 9, cases 1 and 3, fixed in the core (issue 8's branch: invalidation
 * chains, and issue 10's pending retries). The tests are bounded: a runaway
 * loop is cut by the fixture itself (a global flag), so a regression fails
 * instead of hanging the test file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { committed, failed, scenario, type Scenario } from './helpers.ts';

/** Reloads other than the empty ones `settle` itself queues. */
const counted = (s: Scenario): number => s.reloads.filter((r) => r.files.length > 0).length;

/** Wait until the reload queue is idle: two drains in a row see the same number of reloads. */
async function settle(s: Scenario): Promise<number> {
  let seen = -1;
  while (seen !== counted(s)) {
    seen = counted(s);
    await s.rt.reload([]);
    await new Promise((r) => setImmediate(r));
  }
  return seen;
}

// The fixture's accept callbacks stop invalidating once the test raises this flag: the cut-off
// for a runaway loop (which would otherwise starve the event loop and hang the test file).
const STOP_AFTER = 200;

test('case 1: invalidate() in an import cycle ends in a finite update where the parent has the new value', async (t) => {
  const s = scenario(t, {
    'index.js': `import { read } from './parent.js';\nexport { read };\n`,
    'parent.js': `import { value } from './child.js';\nexport const read = () => value;\nexport const captured = value;\nimport.meta.hot.accept(() => { if (!globalThis.__hs_stop_case1) import.meta.hot.invalidate(); });\n`,
    'child.js': `import './parent.js';\nexport const value = 1;\nimport.meta.hot.accept(() => { if (!globalThis.__hs_stop_case1) import.meta.hot.invalidate(); });\n`,
  });
  const off = s.rt.on('reload', () => {
    if (counted(s) >= STOP_AFTER) (globalThis as Record<string, unknown>)['__hs_stop_case1'] = true;
  });
  t.after(() => {
    off();
    delete (globalThis as Record<string, unknown>)['__hs_stop_case1'];
  });
  const main = await s.start('index.js');
  committed(await s.edit({ 'child.js': `import './parent.js';\nexport const value = 2;\nimport.meta.hot.accept(() => { if (!globalThis.__hs_stop_case1) import.meta.hot.invalidate(); });\n` }));
  const total = await settle(s);
  assert.ok(total < 20, `the update is finite (${total} reloads; the fixture cut it off at ${STOP_AFTER})`);
  assert.equal(main.read(), 2, 'the parent ends with the new value');
  const timer = await new Promise<string>((resolve) => setTimeout(() => resolve('fired'), 1));
  assert.equal(timer, 'fired', 'timers still fire');
});

test('case 1: modules that invalidate on every update end on their own (or a guard stops them with a clear error), never a hang', async (t) => {
  const s = scenario(t, {
    'main.js': `import './a.js';\nimport.meta.hot.accept(() => { if (!globalThis.__hs_stop_case1b) import.meta.hot.invalidate(); });\n`,
    'a.js': `import './main.js';\nexport const n = 1;\nimport.meta.hot.accept(() => { if (!globalThis.__hs_stop_case1b) import.meta.hot.invalidate(); });\n`,
  });
  let cut = false;
  const off = s.rt.on('reload', () => {
    if (counted(s) >= STOP_AFTER) cut = (globalThis as Record<string, unknown>)['__hs_stop_case1b'] = true;
  });
  t.after(() => {
    off();
    delete (globalThis as Record<string, unknown>)['__hs_stop_case1b'];
  });
  await s.start();
  await s.edit({ 'a.js': `import './main.js';\nexport const n = 2;\nimport.meta.hot.accept(() => { if (!globalThis.__hs_stop_case1b) import.meta.hot.invalidate(); });\n` });
  await settle(s);
  assert.equal(cut, false, `the runtime ended the chain itself (before the fixture's cut-off at ${STOP_AFTER} reloads)`);
  const reported = [...s.errors.map((e) => e.message), ...s.reloads.flatMap((r) => (r.status === 'failed' ? [r.error.message] : []))];
  for (const message of reported) assert.match(message, /invalidat/i, 'a guard that stopped the chain says so');
  const timer = await new Promise<string>((resolve) => setTimeout(() => resolve('fired'), 1));
  assert.equal(timer, 'fired', 'timers still fire');
});

test('case 3: a module whose reload failed goes live when the fix is in its importer (only the importer is reported changed)', async (t) => {
  const s = scenario(t, {
    'child.js': `export const used = 1;\nexport const other = 'a';\n`,
    'main.js': `import { used, other } from './child.js';\nexport const read = () => [used, other];\n`,
  });
  const main = await s.start();
  const broken = failed(await s.edit({ 'child.js': `export const other = 'b';\n` }));
  assert.equal(broken.error.code, 'HS_MISSING_EXPORT');
  assert.deepEqual(main.read(), [1, 'a']);
  const fixed = committed(await s.edit({ 'main.js': `import { other } from './child.js';\nexport const read = () => [other];\n` }));
  assert.ok(fixed.updated.some((u) => u.file === s.p.path('child.js')), 'the saved child.js went live in the same transaction');
  assert.deepEqual(main.read(), ['b']);
  assert.equal(s.rt.modules().find((m) => m.file === s.p.path('child.js'))?.error, undefined, 'no stale error in modules()');
});

test('case 3 variant: the fix is an importer that switches to the export the saved file now has', async (t) => {
  const s = scenario(t, {
    'helper.js': `export const helper = () => 'h1';\n`,
    'main.js': `import { helper } from './helper.js';\nexport const run = () => helper();\n`,
  });
  const main = await s.start();
  failed(await s.edit({ 'helper.js': `export const renamed = () => 'h2';\n` }));
  const fixed = committed(await s.edit({ 'main.js': `import { renamed } from './helper.js';\nexport const run = () => renamed();\n` }));
  assert.ok(fixed.updated.some((u) => u.file === s.p.path('helper.js')));
  assert.equal(main.run(), 'h2');
});
