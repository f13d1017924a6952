/**
 * Staged code reads a per-transaction staging namespace; at the commit each committed
 * version's import bindings are rebound to the modules' committed namespaces (issue 12:
 * only those are kept in sync). These tests hold what must survive that: committed code
 * reads the one namespace per module, a namespace that escaped staged code as a value
 * still behaves like a namespace and reads the committed version (never a later
 * transaction's staged one), and forwarders of plain functions stay usable as constructors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime } from '../../src/index.ts';
import { createProject } from '../support/project.ts';

type Ns = Record<string, any>;

const LIB = (rev: number): string => `export const REV = ${rev};\nexport function label(): string { return 'v${rev}'; }\nexport let count = ${rev * 10};\n`;
// main re-runs with every edit of lib (it reads REV at top level), and hands out its namespace binding.
const MAIN = `import * as lib from './lib.ts';\nimport { REV, label } from './lib.ts';\nexport const seen = REV;\nexport const held = lib;\nexport const binding = () => lib;\nexport const call = () => label();\n`;

function setup(t: { after(fn: () => unknown): void }) {
  const p = createProject({ 'src/lib.ts': LIB(1), 'src/main.ts': MAIN });
  const rt = createRuntime({ root: p.dir, cacheDir: false });
  t.after(async () => {
    await rt.close();
    p.cleanup();
  });
  return { p, rt };
}

test('after a commit, the import bindings of re-run code are the committed namespace of each module', async (t) => {
  const { p, rt } = setup(t);
  const main = await rt.import<Ns>('src/main.ts');
  const lib = await rt.import<Ns>('src/lib.ts');
  assert.equal(main.binding(), lib, 'loaded live: the committed namespace');
  for (let rev = 2; rev <= 4; rev++) {
    p.write('src/lib.ts', LIB(rev));
    const result = await rt.reload(['src/lib.ts']);
    assert.ok(result.status === 'committed' && result.updated.some((u) => u.file === p.path('src/main.ts')), 'main.ts re-ran');
    assert.equal(main.seen, rev);
    assert.equal(main.binding(), lib, `after reload ${rev - 1}: main's binding is lib's committed namespace, not a staging one`);
    assert.equal(main.call(), `v${rev}`);
  }
});

test('a namespace that escaped staged code as a value reads the committed version, and never a later transaction\'s staged one', async (t) => {
  const { p, rt } = setup(t);
  const main = await rt.import<Ns>('src/main.ts');
  p.write('src/lib.ts', LIB(2));
  assert.equal((await rt.reload(['src/lib.ts'])).status, 'committed');
  const held = main.held as Ns;
  assert.equal(held.REV, 2);
  assert.equal(held.label(), 'v2');
  assert.deepEqual(Object.keys(held).sort(), ['REV', 'count', 'label']);
  assert.equal(Object.prototype.toString.call(held), "[object Module]");
  assert.ok('REV' in held && !('nope' in held));
  assert.equal(Object.getPrototypeOf(held), null);
  assert.throws(() => {
    held.REV = 5;
  }, TypeError, 'read-only, like a module namespace');
  assert.equal(held.label, (await rt.import<Ns>('src/lib.ts')).label, 'functions are the stable forwarders');

  // While a later transaction stages lib v3, the held namespace (of the transaction before) shows v2.
  const seen: unknown[] = [];
  const remove = rt.addParticipant({
    name: 'observer',
    prepare() {
      seen.push(held.REV, held.label(), held.count);
    },
  });
  p.write('src/lib.ts', LIB(3));
  assert.equal((await rt.reload(['src/lib.ts'])).status, 'committed');
  remove();
  assert.deepEqual(seen, [2, 'v2', 20], 'during the next transaction: the committed version');
  assert.deepEqual([held.REV, held.label(), held.count], [3, 'v3', 30], 'after its commit: the new one');
});

test('a namespace held by a version whose transaction failed reads the committed version', async (t) => {
  const { p, rt } = setup(t);
  const main = await rt.import<Ns>('src/main.ts');
  p.write('src/lib.ts', LIB(2));
  assert.equal((await rt.reload(['src/lib.ts'])).status, 'committed');
  const held = main.held as Ns;
  // lib v3 evaluates, main re-runs against it, then validation fails (main imports a name v3 lacks).
  p.write('src/lib.ts', `export const REV = 3;\nexport let count = 30;\n`);
  assert.equal((await rt.reload(['src/lib.ts'])).status, 'failed');
  assert.deepEqual([held.REV, held.label(), main.seen, main.call()], [2, 'v2', 2, 'v2'], 'the last good versions serve');
});

test('a plain function export used as a constructor keeps instanceof across re-runs and edits, with and without prototype methods', async (t) => {
  const p = createProject({
    'src/rev.ts': `export const REV = 1;\n`,
    // No "prototype" in this module: its forwarders' prototype follows lazily.
    'src/point.ts': `import { REV } from './rev.ts';\nexport const seen = REV;\nexport function Point(this: any, x: number) { this.x = x; }\nexport const make = (x: number) => new (Point as any)(x);\nexport const arrow = () => 1;\n`,
    // Methods on the prototype: the forwarder's prototype follows at every commit.
    'src/shape.ts': `import { REV } from './rev.ts';\nexport const seen = REV;\nexport function Shape(this: any) { this.rev = REV; }\nShape.prototype.area = function () { return 'area v1'; };\n`,
    'src/main.ts': `import { Point, make, arrow } from './point.ts';\nimport { Shape } from './shape.ts';\nexport { Point, make, arrow, Shape };\nexport const isPoint = (x: unknown) => x instanceof Point;\n`,
  });
  const rt = createRuntime({ root: p.dir, cacheDir: false });
  t.after(async () => {
    await rt.close();
    p.cleanup();
  });
  const main = await rt.import<Ns>('src/main.ts');
  const early = new main.Point(1);
  for (let rev = 2; rev <= 3; rev++) {
    p.write('src/rev.ts', `export const REV = ${rev};\n`);
    assert.equal((await rt.reload(['src/rev.ts'])).status, 'committed');
  }
  const made = new main.Point(2);
  assert.equal(made.x, 2);
  assert.ok(made instanceof main.Point, 'made through the forwarder');
  assert.ok(main.isPoint(made), 'also from importer code');
  assert.ok(main.make(3) instanceof main.Point, 'made by the module itself, with the current function');
  assert.equal(Object.getPrototypeOf(made), main.Point.prototype, 'the forwarder constructed: its prototype follows');
  assert.equal(early.x, 1);
  assert.equal(main.arrow instanceof Function, true);
  assert.equal({} instanceof main.arrow, false, 'instanceof an arrow function forwarder is false, not a TypeError');

  const shape = new main.Shape();
  assert.equal(shape.area(), 'area v1');
  p.write('src/shape.ts', `import { REV } from './rev.ts';\nexport const seen = REV;\nexport function Shape(this: any) { this.rev = REV; }\nShape.prototype.area = function () { return 'area v2'; };\n`);
  assert.equal((await rt.reload(['src/shape.ts'])).status, 'committed');
  assert.equal(main.Shape.prototype.area(), 'area v2', 'the forwarder\'s prototype is the current one');
  assert.ok(new main.Shape() instanceof main.Shape);
});
