import assert from 'node:assert/strict';
import { test } from 'node:test';
import { transformModule } from '../../src/transform/transform-module.ts';

const exportsOf = (source: string): Record<string, { mutable: boolean; declares?: string }> =>
  Object.fromEntries(transformModule('/p/m.ts', source, { defaultFormat: 'esm' }).exports.map((e) => [e.name, { mutable: e.mutable, ...(e.declares ? { declares: e.declares } : {}) }]));

test('a constant export records whether its declaration binds a class or a plain function', () => {
  const records = exportsOf(`export function f() {}\nexport class C {}\nexport const a = () => 1, b = 2, K = class {};\nconst q = function () {};\nexport { q as alias, f as h };\n`);
  assert.deepEqual(records, {
    f: { mutable: false, declares: 'function' },
    C: { mutable: false, declares: 'class' },
    a: { mutable: false, declares: 'function' },
    b: { mutable: false },
    K: { mutable: false, declares: 'class' },
    alias: { mutable: false, declares: 'function' },
    h: { mutable: false, declares: 'function' },
  });
});

test('a binding the module may reassign records no kind (decided from the value at run time)', () => {
  const records = exportsOf(`export let m = function () {};\nfunction g() {}\ng = () => 3;\nexport class D {}\nD = class {};\nexport { g };\n`);
  assert.equal(records['m']?.declares, undefined);
  assert.equal(records['g']?.declares, undefined);
  assert.equal(records['D']?.declares, undefined);
});

test('default exports: class, function, arrow, and a value', () => {
  assert.equal(exportsOf('export default class {}')['default']?.declares, 'class');
  assert.equal(exportsOf('export default class Named {}')['default']?.declares, 'class');
  assert.equal(exportsOf('export default function named() {}')['default']?.declares, 'function');
  assert.equal(exportsOf('export default () => 1')['default']?.declares, 'function');
  assert.equal(exportsOf('const x = 1;\nexport default x')['default']?.declares, undefined);
});
