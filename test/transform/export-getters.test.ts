/**
 * Export getters are defined through the runner's shared helper (`__hotswap_export__`), not a
 * descriptor literal per export and evaluation (issue 12). The rewrite keeps every line where
 * it was, and the module behaves as before: live `let` bindings, re-exports, default exports,
 * errors located at the right line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime } from '../../src/index.ts';
import { transformModule } from '../../src/transform/transform-module.ts';
import { createProject } from '../support/project.ts';

type Ns = Record<string, any>;

const SOURCE = `import { base } from './base.ts';\nexport { base as again } from './base.ts';\nexport const A: number = base + 1;\nexport let counter = 0;\nexport function bump(): number { return ++counter; }\nexport default class Box { size = A; }\nexport function fail(): never {\n  throw new Error('line 8');\n}\n`;

test('the transform serves constant exports through one reader per module, defines getters for the others through the runner helper, and hands the values over at the end', () => {
  const out = transformModule('/p/src/mod.ts', SOURCE, { defaultFormat: 'esm' });
  assert.doesNotMatch(out.code, /Object\.defineProperty\(__vite_ssr_exports__/, 'no descriptor literal left');
  // A let export and a re-export keep a getter each; constant local exports share the module's reader.
  for (const name of ['counter', 'again']) assert.match(out.code, new RegExp(`__hotswap_export__\\(__vite_ssr_exports__, "${name}", \\(\\) => `), name);
  const reader = out.code.split('\n').find((line) => line.startsWith('__hotswap_exports__(__vite_ssr_exports__, (n) => { switch (n) {')) ?? '';
  for (const name of ['A', 'bump', 'default', 'fail']) {
    assert.match(reader, new RegExp(`case "${name}": return `), name);
    assert.doesNotMatch(out.code, new RegExp(`__hotswap_export__\\(__vite_ssr_exports__, "${name}"`), `${name} has no getter of its own`);
  }
  assert.doesNotMatch(reader, /case "(counter|again)"/);
  const done = out.code.trimEnd().split('\n').at(-1) ?? '';
  assert.match(done, /^;__hotswap_done__\(__vite_ssr_exports__, /, 'the last line hands the values over');
  for (const name of ['A', 'counter', 'bump', 'fail']) assert.match(done, new RegExp(`"${name}", ${name}\\b`), name);
  assert.doesNotMatch(done, /"again"/, 'a re-export is read through its getter (not a local binding)');
  // A source that names the runner's identifiers is left as the transform wrote it.
  const named = transformModule('/p/src/named.ts', `export const __vite_ssr_import_note = 1;\nexport const B = 2;\n`, { defaultFormat: 'esm' });
  assert.match(named.code, /Object\.defineProperty\(__vite_ssr_exports__, "B"/);
});

test('modules with rewritten export getters keep live bindings, re-exports, defaults and error lines', async (t) => {
  const p = createProject({ 'src/base.ts': `export const base = 1;\n`, 'src/mod.ts': SOURCE, 'src/main.ts': `export * as mod from './mod.ts';\nimport Box, { A, again } from './mod.ts';\nexport const seen = [A, again, new Box().size];\n` });
  const rt = createRuntime({ root: p.dir, cacheDir: false });
  t.after(async () => {
    await rt.close();
    p.cleanup();
  });
  const main = await rt.import<Ns>('src/main.ts');
  assert.deepEqual(main.seen, [2, 1, 2]);
  assert.deepEqual(Object.keys(main.mod).sort(), ['A', 'again', 'bump', 'counter', 'default', 'fail']);
  assert.equal(main.mod.bump(), 1);
  assert.equal(main.mod.counter, 1, 'a let export reads its current value');
  assert.throws(() => main.mod.fail(), (error: Error) => /mod\.ts:8:\d+/.test(String(error.stack)), 'the throw is located at line 8 of mod.ts');
  p.write('src/base.ts', `export const base = 10;\n`);
  assert.equal((await rt.reload(['src/base.ts'])).status, 'committed');
  assert.deepEqual(main.seen, [11, 10, 11], 'a re-run reads the new values');
  assert.equal(main.mod.counter, 0, 'the re-run module starts its let binding afresh');
});

test('constant exports read before their module finished (a cycle) come from its reader: hoisted functions work, a const in its TDZ throws, export * never shadows them', async (t) => {
  const p = createProject({
    // a imports b, b calls a's hoisted function and reads a's const while a has not finished.
    'src/a.ts': `import { fromB } from './b.ts';\nexport function hoisted(): string { return 'hoisted'; }\nexport const LATE = 'late';\nexport const seen = fromB;\nexport * from './star.ts';\nexport const shared = 'mine';\n`,
    'src/b.ts': `import { hoisted, LATE } from './a.ts';\nlet tdz = 'no error';\ntry { void LATE; } catch (error) { tdz = (error as Error).name; }\nexport const fromB = [hoisted(), tdz];\nexport const later = (): string => LATE;\n`,
    'src/star.ts': `export const shared = 'star';\nexport const onlyStar = 'star only';\n`,
    'src/main.ts': `import * as a from './a.ts';\nimport { later } from './b.ts';\nexport const out = [a.seen, a.shared, a.onlyStar, later(), Object.keys(a).sort()];\n`,
  });
  const rt = createRuntime({ root: p.dir, cacheDir: false });
  t.after(async () => {
    await rt.close();
    p.cleanup();
  });
  const main = await rt.import<Ns>('src/main.ts');
  assert.deepEqual(main.out, [['hoisted', 'ReferenceError'], 'mine', 'star only', 'late', ['LATE', 'hoisted', 'onlyStar', 'seen', 'shared']]);
  p.write('src/star.ts', `export const shared = 'star 2';\nexport const onlyStar = 'star only 2';\n`);
  assert.equal((await rt.reload(['src/star.ts'])).status, 'committed');
  assert.deepEqual(main.out.slice(0, 4), [['hoisted', 'ReferenceError'], 'mine', 'star only 2', 'late'], 'main re-ran and reads the new star export; the local one still wins');
});
