/**
 * A module imported by several statements of one file is linked, awaited, checked and rebound
 * once: the later statements alias the first one's binding (issue 12: per-import work is a
 * large part of a re-run). What must not change: every imported name is still required (with
 * the location of the statement that names it), evaluation order is that of the first import,
 * and direct calls through any of the statements reach the current code after a reload.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime, isHotswapError } from '../../src/index.ts';
import { transformModule } from '../../src/transform/transform-module.ts';
import { createProject } from '../support/project.ts';

type Ns = Record<string, any>;

const LIB = (rev: number): string => `export const REV = ${rev};\nexport function f(): string { return 'f${rev}'; }\nexport function g(): string { return 'g${rev}'; }\nexport class K { v = ${rev}; }\n`;
const MAIN = [
  `import { f } from './lib.ts';`,
  `import { other } from './other.ts';`,
  `import { g, K } from './lib.ts';`,
  `import * as lib from './lib.ts';`,
  `import def, { REV } from './lib.ts';`,
  `export const seen = REV;`,
  `export const calls = () => [f(), g(), lib.f(), new K().v, other()];`,
  `export const hasDefault = def;`,
  ``,
].join('\n');

/** lib (with a default export), other and a main importing lib by several statements; closed after the test. */
function setup(t: { after(fn: () => unknown): void }, main = MAIN) {
  const p = createProject({ 'src/lib.ts': `${LIB(1)}export default 'd';\n`, 'src/other.ts': `export const other = (): string => 'o';\n`, 'src/main.ts': main });
  const rt = createRuntime({ root: p.dir, cacheDir: false });
  t.after(async () => {
    await rt.close();
    p.cleanup();
  });
  return { p, rt };
}

test('the transform links and awaits a module imported by several statements once, with every name', () => {
  const out = transformModule('/p/src/main.ts', MAIN, { defaultFormat: 'esm' });
  assert.equal(out.code.match(/__hotswap_link__\("\.\/lib\.ts"\)/g)?.length, 1, 'one link');
  // One import call (awaited only if the runner hands back a promise: see runner-fixups.ts).
  const awaits = out.code.match(/__hotswap_import__\("\.\/lib\.ts"[^)]*\)/g) ?? [];
  assert.equal(awaits.length, 1, 'one import');
  for (const name of ['f', 'g', 'K', 'default', 'REV']) assert.match(awaits[0] as string, new RegExp(`"${name}"`), `the first import checks "${name}" too`);
  assert.equal(out.code.match(/__hotswap_import__\("\.\/other\.ts"/g)?.length, 1);
  assert.equal(out.code.match(/__hotswap_calls__\(/g)?.length, 6, 'a call companion per module (two here): at the link, the import and the rebind, once each');
});

test('every import statement of one module keeps working, through reloads of it', async (t) => {
  const { p, rt } = setup(t);
  const main = await rt.import<Ns>('src/main.ts');
  assert.equal(main.seen, 1);
  assert.equal(main.hasDefault, 'd');
  assert.deepEqual(main.calls(), ['f1', 'g1', 'f1', 1, 'o']);
  for (let rev = 2; rev <= 3; rev++) {
    p.write('src/lib.ts', `${LIB(rev)}export default 'd';\n`);
    assert.equal((await rt.reload(['src/lib.ts'])).status, 'committed');
    assert.equal(main.seen, rev, 'main re-ran');
    assert.deepEqual(main.calls(), [`f${rev}`, `g${rev}`, `f${rev}`, rev, 'o'], 'each statement reaches the new code');
  }
});

test('a name missing from a later import of the same module fails, located at that statement', async (t) => {
  const { rt } = setup(t, MAIN.replace('import { g, K }', 'import { g, nope }').replace('new K().v', 'nope'));
  await assert.rejects(rt.import('src/main.ts'), (error: unknown) => {
    assert.ok(isHotswapError(error), String(error));
    assert.equal(error.code, 'HS_MISSING_EXPORT');
    assert.match(error.message, /imports "nope" from "\.\/lib\.ts"/);
    assert.equal(error.location?.line, 3, 'the statement that names it');
    return true;
  });
});

test('a name a later import adds, removed by a reload of its module, fails validation and keeps the old version', async (t) => {
  const { p, rt } = setup(t);
  const main = await rt.import<Ns>('src/main.ts');
  p.write('src/lib.ts', `${LIB(2).replace(/export class K[^\n]*\n/, '')}export default 'd';\n`);
  const result = await rt.reload(['src/lib.ts']);
  assert.equal(result.status, 'failed');
  assert.ok(result.status === 'failed' && isHotswapError(result.error) && result.error.code === 'HS_MISSING_EXPORT', JSON.stringify(result));
  assert.equal(result.status === 'failed' ? result.error.location?.line : 0, 3);
  assert.deepEqual(main.calls(), ['f1', 'g1', 'f1', 1, 'o'], 'the old versions keep serving');
});

test('modules evaluate in the order of their first import, whatever imports them again later', async (t) => {
  const log = 'globalThis.__order ??= []; globalThis.__order.push';
  const p = createProject({
    'src/a.ts': `${log}('a');\nexport const a = 1;\n`,
    'src/b.ts': `${log}('b');\nexport const b = 2;\n`,
    'src/main.ts': `import './a.ts';\nimport { b } from './b.ts';\nimport { a } from './a.ts';\nimport * as again from './b.ts';\n${log}('main');\nexport const sum = a + b + again.b;\n`,
  });
  const rt = createRuntime({ root: p.dir, cacheDir: false });
  t.after(async () => {
    delete (globalThis as Ns)['__order'];
    await rt.close();
    p.cleanup();
  });
  const main = await rt.import<Ns>('src/main.ts');
  assert.equal(main.sum, 5);
  assert.deepEqual((globalThis as Ns)['__order'], ['a', 'b', 'main']);
});
