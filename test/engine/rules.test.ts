// Unit tests of the engine's rules on in-memory projects: which importers re-run,
// what validation refuses, and the module records they are computed from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReloadResult } from '../../src/index.ts';
import { transformModule } from '../../src/transform/transform-module.ts';
import { memoryEngine } from './memory-engine.ts';

type Ns = Record<string, any>;

const reran = (result: ReloadResult): string[] => (result.status === 'committed' ? result.rerun.map((r) => r.file.slice(r.file.lastIndexOf('/') + 1)) : [`(${result.status})`]);

test('re-run rules: a top-level read of a changed value re-runs the importer; reads inside functions and changed functions do not', async (t) => {
  const { rt, fs } = memoryEngine(t, {
    'src/config.ts': `export const port = 1;\nexport function describe() { return 'one'; }\n`,
    'src/captures.ts': `import { port } from './config.ts';\nexport const url = 'x:' + port;\n`,
    'src/reads-late.ts': `import { port } from './config.ts';\nexport const url = () => 'x:' + port;\n`,
    'src/calls.ts': `import { describe } from './config.ts';\nexport const text = () => describe();\n`,
    'src/main.ts': `import { url } from './captures.ts';\nimport { url as late } from './reads-late.ts';\nimport { text } from './calls.ts';\nexport const run = () => [url, late(), text()];\n`,
  });
  const main = await rt.import<Ns>('src/main.ts');
  fs.set('src/config.ts', `export const port = 1;\nexport function describe() { return 'two'; }\n`);
  const fnOnly = await rt.reload(['src/config.ts']);
  assert.deepEqual(reran(fnOnly), [], 'a changed function is forwarded: nobody re-runs');
  assert.deepEqual(main.run(), ['x:1', 'x:1', 'two']);

  fs.set('src/config.ts', `export const port = 2;\nexport function describe() { return 'two'; }\n`);
  const value = await rt.reload(['src/config.ts']);
  assert.deepEqual(reran(value), ['captures.ts'], 'only the importer that read port at top level');
  assert.match(value.status === 'committed' ? (value.rerun[0]?.reason ?? '') : '', /read "port" of src\/config\.ts at top level/);
  assert.deepEqual(main.run(), ['x:2', 'x:2', 'two']);
});

test('re-run rules: export * re-runs when the names change; accept(dep) is a boundary; self-accept stops propagation', async (t) => {
  const { rt, fs } = memoryEngine(t, {
    'src/parts.ts': `export const a = 1;\n`,
    'src/barrel.ts': `export * from './parts.ts';\n`,
    'src/boundary.ts': `import { a } from './parts.ts';\nexport const seen: unknown[] = [];\nexport const first = a;\nimport.meta.hot?.accept('./parts.ts', (mod) => seen.push(mod.a));\n`,
    'src/self.ts': `export const v = 1;\nimport.meta.hot?.accept();\n`,
    'src/uses-self.ts': `import { v } from './self.ts';\nexport const captured = v;\n`,
    'src/main.ts': `import * as barrel from './barrel.ts';\nimport { seen } from './boundary.ts';\nimport { captured } from './uses-self.ts';\nexport const run = () => [Object.keys(barrel).sort().join(), seen.join(), captured];\n`,
  });
  const main = await rt.import<Ns>('src/main.ts');
  fs.set('src/parts.ts', `export const a = 2;\nexport const b = 3;\n`);
  const names = await rt.reload(['src/parts.ts']);
  assert.deepEqual(reran(names).sort(), ['barrel.ts'], 'barrel re-exports * (names changed); boundary accepts parts.ts');
  assert.deepEqual(main.run(), ['a,b', '2', 1]);

  fs.set('src/self.ts', `export const v = 2;\nimport.meta.hot?.accept();\n`);
  assert.deepEqual(reran(await rt.reload(['src/self.ts'])), [], 'a self-accepting module takes its own update');
});

test('validation: a removed export, a function turned value and a deleted import are refused before the swap', async (t) => {
  const { rt, fs } = memoryEngine(t, {
    'src/api.ts': `export function handler() { return 'ok'; }\nexport const extra = 1;\n`,
    'src/main.ts': `import { handler, extra } from './api.ts';\nexport const run = () => handler() + extra;\n`,
  });
  const main = await rt.import<Ns>('src/main.ts');
  const code = (r: ReloadResult): string => (r.status === 'failed' ? `${r.phase} ${r.error.code}` : r.status);

  fs.set('src/api.ts', `export function handler() { return 'ok'; }\n`);
  assert.equal(code(await rt.reload(['src/api.ts'])), 'validate HS_MISSING_EXPORT');
  fs.set('src/api.ts', `export const handler = 'not a function';\nexport const extra = 1;\n`);
  assert.equal(code(await rt.reload(['src/api.ts'])), 'validate HS_EXPORT_KIND_CHANGED');
  fs.delete('src/api.ts');
  assert.equal(code(await rt.request({ removed: ['src/api.ts'] })), 'validate HS_FILE_DELETED');
  assert.equal(main.run(), 'ok1', 'every refused reload left the last good version serving');
});

test('module records: which imports are read at top level, their names and members', () => {
  const { imports, exports } = transformModule(
    '/p/m.ts',
    `import { a, b } from './x.ts';\nimport * as ns from './y.ts';\nimport def from './z.ts';\nexport * from './w.ts';\nexport const top = a + 1;\nexport function later() { return b + ns.member + def; }\nexport let counter = 0;\n`,
    { defaultFormat: 'esm' },
  );
  const bySpecifier = Object.fromEntries(imports.map((r) => [r.specifier, r]));
  assert.deepEqual(bySpecifier['./x.ts']?.names, ['a', 'b']);
  assert.equal(bySpecifier['./x.ts']?.topLevel, true, 'a is read while the module evaluates');
  assert.equal(bySpecifier['./y.ts']?.topLevel, false, 'ns is read only inside a function');
  assert.deepEqual(bySpecifier['./y.ts']?.members, ['member']);
  assert.equal(bySpecifier['./z.ts']?.topLevel, false);
  assert.equal(bySpecifier['./w.ts']?.kind, 'reexport');
  assert.deepEqual(exports.map((e) => [e.name, e.local, e.mutable]), [['top', true, false], ['later', true, false], ['counter', true, true]]);
});
