/**
 * Differential check: for small programs with cycles, re-exports, default
 * exports, hoisting, TDZ, `export *` conflicts and top-level await, the
 * runner's first evaluation prints exactly what `node` prints for the same
 * files. Both run as child processes on the pinned Node (process.execPath);
 * a thrown error is printed as one line (`THROWS Name: message`, or
 * `THROWS link error` for a named import Node refuses at link time).
 *
 * Programs marked `source` are translated from a peer's own test fixtures;
 * the others are hotswap's own. Where hotswap deliberately differs from Node,
 * there is no program here: the difference and its reason are listed in
 * test/conformance/README.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createProject } from '../support/project.ts';

const run = promisify(execFile);
const NODE_DRIVER = fileURLToPath(new URL('./support/node-driver.mjs', import.meta.url));
const RUNNER_DRIVER = fileURLToPath(new URL('./support/runner-driver.ts', import.meta.url));

interface Program {
  name: string;
  /** A peer's test this program is translated from, if any. */
  source?: string;
  files: Record<string, string>;
  /** Expected output (both must print it: guards against both being wrong the same way). */
  expect: string;
}

const PROGRAMS: Program[] = [
  {
    name: 'modules without top-level await evaluate in one go: a microtask one queues runs after its siblings and importer',
    files: {
      'main.js': `import { log } from './log.js';\nimport { b } from './b.js';\nimport { c } from './c.js';\nlog.push('main' + (b + c));\nconsole.log(log.join(' '));\nqueueMicrotask(() => console.log(log.join(' ')));\n`,
      'log.js': `export const log = [];\n`,
      'b.js': `import { log } from './log.js';\nlog.push('b');\nqueueMicrotask(() => log.push('micro'));\nexport const b = 1;\n`,
      'c.js': `import { log } from './log.js';\nlog.push('c');\nexport const c = 1;\n`,
    },
    expect: 'b c main2\nb c main2 micro\n',
  },
  {
    name: 'a module that exports then is imported statically as any other (its namespace is never awaited)',
    files: {
      'main.js': `import * as lib from './lib.js';\nimport { then, x } from './lib.js';\nimport { y } from './other.js';\nconsole.log(typeof lib.then, typeof then, x, y);\n`,
      'lib.js': `export function then(resolve) { /* never calls resolve */ }\nexport const x = 1;\n`,
      'other.js': `import * as lib from './lib.js';\nexport const y = typeof lib.then + ' ' + lib.x;\n`,
    },
    expect: 'function function 1 function 1\n',
  },
  {
    name: 'issue 9 case 5: a hoisted exported function called from inside a cycle',
    source: 'dynohot __tests__/link.ts "hoisted functions run correctly"',
    files: {
      'main.js': `import { value } from './child.js';\nexport function hoisted() { return 'h:' + value; }\nconsole.log('main', hoisted());\n`,
      'child.js': `import { hoisted } from './main.js';\nexport const value = 1;\nconsole.log(hoisted());\n`,
    },
    expect: 'h:1\nmain h:1\n',
  },
  {
    name: 'an anonymous default function and a generator are hoisted too: callable from inside the cycle, named "default"',
    files: {
      'main.js': `import './child.js';\nexport default function () { return 'anon'; }\nexport function* gen() { yield 'g'; }\n`,
      'child.js': `import anon, { gen } from './main.js';\nconsole.log(anon(), anon.name, [...gen()].join(''));\n`,
    },
    expect: 'anon default g\n',
  },
  {
    name: 'a let export reassigned while a cycle partner reads it: the partner sees each assignment',
    files: {
      'main.js': `import { snapshot } from './child.js';\nexport let state = 'a';\nconsole.log(snapshot());\nstate = 'b';\nconsole.log(snapshot());\n`,
      'child.js': `import { state } from './main.js';\nexport function snapshot() { return 'state=' + state; }\n`,
    },
    expect: 'state=a\nstate=b\n',
  },
  {
    name: 'a hoisted function in a cycle that reads a binding still in its TDZ throws ReferenceError',
    files: {
      'main.js': `import './child.js';\nexport function read() { return later; }\nconst later = 'late';\nconsole.log('main', read());\n`,
      'child.js': `import { read } from './main.js';\ntry { read(); } catch (e) { console.log('child caught', e.name, e.message); }\n`,
    },
    expect: "child caught ReferenceError Cannot access 'later' before initialization\nmain late\n",
  },
  {
    name: 'a class declaration read from inside a cycle before it is evaluated is in its TDZ',
    files: {
      'main.js': `import './child.js';\nexport class Thing { static tag = 'thing'; }\nconsole.log('main', Thing.tag);\n`,
      'child.js': `import { Thing } from './main.js';\ntry { console.log(Thing.tag); } catch (e) { console.log(e.name, e.message); }\nexport function later() { return Thing.tag; }\n`,
    },
    expect: "ReferenceError Cannot access 'Thing' before initialization\nmain thing\n",
  },
  {
    name: 'circular evaluation order',
    source: 'dynohot __tests__/link.ts "circular evaluation order"',
    files: {
      'main.js': `import './first.js';\nimport './second.js';\nconsole.log('main');\n`,
      'first.js': `import './main.js';\nconsole.log('first');\n`,
      'second.js': `import './first.js';\nconsole.log('second');\n`,
    },
    expect: 'first\nsecond\nmain\n',
  },
  {
    name: 'a three-module cycle reading a binding in its TDZ throws (Vite returns undefined here)',
    source: 'vite playground/hmr-ssr/circular/*.js',
    files: {
      'main.js': `import { msg } from './mod-a.js';\nconsole.log(msg);\n`,
      'mod-a.js': `export const value = 'mod-a';\nimport { value as b } from './mod-b.js';\nexport const msg = 'mod-a -> ' + b;\n`,
      'mod-b.js': `import { value as c } from './mod-c.js';\nexport const value = 'mod-b -> ' + c;\n`,
      'mod-c.js': `import { value as a } from './mod-a.js';\nlet text;\ntry { text = a + ' (no error)'; } catch (e) { text = e.name; }\nexport const value = 'mod-c -> ' + text;\n`,
    },
    expect: 'mod-a -> mod-b -> mod-c -> ReferenceError\n',
  },
  ...['import-then-export', 'export-from', 'import-all-then-export', 'export-star'].map((shape, i): Program => ({
    name: `a cycle through an index that re-exports (${shape})`,
    source: `vite packages/vite/src/node/ssr/runtime/__tests__/fixtures/cyclic2/test${i + 1}`,
    files: {
      'dep1.js': `export const dep1 = { ok: true };\n`,
      'dep2.js': `import { dep1 } from './index.js';\nexport const dep2 = { ok: dep1.ok };\n`,
      'index.js': [
        `import { dep1 } from './dep1.js';\nexport { dep1 };\nimport { dep2 } from './dep2.js';\nexport { dep2 };\n`,
        `export { dep1 } from './dep1.js';\nexport { dep2 } from './dep2.js';\n`,
        `import { dep1 } from './dep1.js';\nimport { dep2 } from './dep2.js';\nexport { dep1 };\nexport { dep2 };\n`,
        `export * from './dep1.js';\nexport * from './dep2.js';\n`,
      ][i] as string,
      'main.js': `import * as index from './index.js';\nconsole.log(JSON.stringify({ ...index }));\n`,
    },
    expect: '{"dep1":{"ok":true},"dep2":{"ok":true}}\n',
  })),
  {
    name: 'a cycle of two captured values: the second reads the first in its TDZ',
    source: 'vite packages/vite/src/node/ssr/runtime/__tests__/fixtures/cyclic2/test6 (Vite: "dep1: dep2: undefined")',
    files: {
      'main.js': `import { dep1 } from './dep1.js';\nconsole.log(dep1);\n`,
      'dep1.js': `import { dep2 } from './dep2.js';\nexport const dep1 = 'dep1: ' + dep2;\n`,
      'dep2.js': `import { dep1 } from './dep1.js';\nexport const dep2 = 'dep2: ' + dep1;\n`,
    },
    expect: "THROWS ReferenceError: Cannot access 'dep1' before initialization\n",
  },
  ...[
    ['export default function f', `export default function f() { return 0; }\nf = () => 1;\nf = () => 2;\nexport function update() { f = () => 3; }\n`, '[2,3]'],
    ['export default f (a value: frozen at export)', `function f() { return 0; }\nf = () => 1;\nexport default f;\nf = () => 2;\nexport function update() { f = () => 3; }\n`, '[1,1]'],
    ['export { f as default }', `function f() { return 0; }\nf = () => 1;\nexport { f as default };\nf = () => 2;\nexport function update() { f = () => 3; }\n`, '[2,3]'],
    ['export default class C', `export default class C { static f = () => 0; }\nC = class { static f = () => 1; };\nC = class { static f = () => 2; };\nexport function update() { C = class { static f = () => 3; }; }\n`, '[2,3]'],
  ].map(([shape, dep, out], i): Program => ({
    name: `issue 9 case 4: live binding of a reassigned declaration (${shape})`,
    source: `vite packages/vite/src/node/ssr/runtime/__tests__/fixtures/live-binding/test${i + 1}`,
    files: {
      'dep.js': dep as string,
      'main.js': i === 3
        ? `import C, { update } from './dep.js';\nconst x = C.f();\nupdate();\nconsole.log(JSON.stringify([x, C.f()]));\n`
        : `import f, { update } from './dep.js';\nconst x = f();\nupdate();\nconsole.log(JSON.stringify([x, f()]));\n`,
    },
    expect: `${out}\n`,
  })),
  {
    name: 'reassigned named function and class declarations follow every assignment',
    files: {
      'dep.js': `export function handler() { return 'a'; }\nexport class Shape { kind() { return 'a'; } }\nexport function swap() { handler = () => 'b'; Shape = class { kind() { return 'b'; } }; }\n`,
      'main.js': `import { handler, Shape, swap } from './dep.js';\nconst before = [handler(), new Shape().kind()];\nswap();\nconsole.log(JSON.stringify([...before, handler(), new Shape().kind()]));\n`,
    },
    expect: '["a","a","b","b"]\n',
  },
  {
    name: '`export *` conflict: the ambiguous name is left out, a local export shadows',
    source: 'dynohot __tests__/link.ts "explicit shadowed export"',
    files: {
      'a.js': `export const x = 'a';\nexport const onlyA = 1;\nexport const shared = 's';\n`,
      'b.js': `export const x = 'b';\nexport const onlyB = 2;\nexport { shared } from './a.js';\n`,
      'c.js': `export const id = 'c';\n`,
      'barrel.js': `export * from './a.js';\nexport * from './b.js';\nexport * from './c.js';\nexport const id = 'own';\n`,
      'main.js': `import * as barrel from './barrel.js';\nconsole.log(Object.keys(barrel).sort().join(','), 'x' in barrel, barrel.id, barrel.shared);\n`,
    },
    expect: 'id,onlyA,onlyB,shared false own s\n',
  },
  {
    name: 'a named import of an `export *` conflict fails to link',
    files: {
      'a.js': `export const x = 'a';\n`,
      'b.js': `export const x = 'b';\n`,
      'barrel.js': `export * from './a.js';\nexport * from './b.js';\n`,
      'main.js': `import { x } from './barrel.js';\nconsole.log(x);\n`,
    },
    expect: 'THROWS link error\n',
  },
  {
    name: 'a named import of a missing export fails to link; the importer never runs',
    files: {
      'x.js': `export const a = 1;\n`,
      'main.js': `import { nope } from './x.js';\nconsole.log('main ran', nope);\n`,
    },
    expect: 'THROWS link error\n',
  },
  {
    name: 'default exports: expression, renamed binding, anonymous function and class',
    source: 'dynohot __tests__/link.ts "as default"',
    files: {
      'expr.js': `export default 6 * 7;\n`,
      'renamed.js': `const name = 'child';\nexport { name as default };\n`,
      'fn.js': `export default function () { return 'fn'; }\n`,
      'cls.js': `export default class { who() { return 'cls'; } }\n`,
      'main.js': `import expr from './expr.js';\nimport renamed from './renamed.js';\nimport fn from './fn.js';\nimport Cls from './cls.js';\nconsole.log(expr, renamed, fn(), fn.name, new Cls().who(), Cls.name);\n`,
    },
    expect: '42 child fn default cls default\n',
  },
  {
    name: 're-export chains: renamed, default as named, namespace as named',
    source: 'dynohot __tests__/link.ts "exported named module namespace", "named export of module namespace"',
    files: {
      'leaf.js': `export const name = 'leaf';\nexport default 'leaf-default';\n`,
      'mid.js': `export { name as renamed, default as fromDefault } from './leaf.js';\nexport * as ns from './leaf.js';\nimport * as again from './leaf.js';\nexport { again };\n`,
      'main.js': `import { renamed, fromDefault, ns, again } from './mid.js';\nconsole.log(renamed, fromDefault, ns.name, ns.default, again === ns);\n`,
    },
    expect: 'leaf leaf-default leaf leaf-default true\n',
  },
  {
    name: 'execution order with mixed `export *` and plain import',
    source: 'vite packages/vite/src/node/ssr/runtime/__tests__/fixtures/execution-order-re-export',
    files: {
      'dep1.js': `console.log('dep1');\nexport {};\n`,
      'dep2.js': `console.log('dep2');\nexport {};\n`,
      'main.js': `export * from './dep1.js';\nimport './dep2.js';\nconsole.log('main');\n`,
    },
    expect: 'dep1\ndep2\nmain\n',
  },
  {
    name: 'top-level await in a cycle',
    source: 'vite packages/vite/src/node/ssr/runtime/__tests__/fixtures/tla-circular',
    files: {
      'a.js': `import { b } from './b.js';\nawait Promise.resolve();\nexport const a = 'a';\nexport const getB = () => b;\n`,
      'b.js': `import { a } from './a.js';\nawait Promise.resolve();\nexport const b = 'b';\nexport const getA = () => a;\n`,
      'main.js': `import { a, getB } from './a.js';\nimport { b, getA } from './b.js';\nconsole.log(a, b, getA(), getB());\n`,
    },
    expect: 'a b a b\n',
  },
  {
    name: 'top-level await: a dependency finishes before its importer runs; a rejection fails the load',
    files: {
      'slow.js': `console.log('slow start');\nawait new Promise((r) => setTimeout(r, 5));\nexport const ready = 'ready';\nconsole.log('slow end');\n`,
      'user.js': `import { ready } from './slow.js';\nconsole.log('user', ready);\nexport const bad = await Promise.reject(new RangeError('rejected at top level')).catch((e) => e.name);\n`,
      'main.js': `import { bad } from './user.js';\nconsole.log('main', bad);\nawait Promise.reject(new TypeError('main rejects'));\n`,
    },
    expect: 'slow start\nslow end\nuser ready\nmain RangeError\nTHROWS TypeError: main rejects\n',
  },
  {
    name: 'an exported function called bare gets `this` undefined',
    source: 'vite server-runtime.spec.ts "this of the exported function should be undefined"',
    files: {
      'importee.js': `export function foo() { return this; }\n`,
      'main.js': `import { foo } from './importee.js';\nimport * as ns from './importee.js';\nconsole.log(foo() === undefined, ns.foo() === ns);\n`,
    },
    expect: 'true true\n',
  },
  {
    name: 'a throw at top level of a dependency fails the load with the same error',
    source: 'dynohot __tests__/reload.ts "dangling rejection in sync case"',
    files: {
      'left.js': `await undefined;\nthrow new Error('async');\n`,
      'right.js': `throw new Error('sync');\n`,
      'main.js': `import './right.js';\nimport './left.js';\n`,
    },
    expect: 'THROWS Error: sync\n',
  },
  {
    name: 'a `let` export is live across modules, including inside a cycle',
    files: {
      'counter.js': `import { log } from './main.js';\nexport let count = 0;\nexport function inc() { count++; log('inc'); }\n`,
      'main.js': `import { count, inc } from './counter.js';\nexport function log(what) { console.log(what, count); }\ninc();\ninc();\nconsole.log('final', count);\n`,
    },
    expect: 'inc 1\ninc 2\nfinal 2\n',
  },
];

async function output(script: string, dir: string): Promise<string> {
  const { stdout } = await run(process.execPath, [script, dir, 'main.js'], { cwd: dir, timeout: 60_000 });
  return stdout;
}

for (const program of PROGRAMS) {
  test(`differential: ${program.name}`, async (t) => {
    const p = createProject(program.files);
    t.after(() => p.cleanup());
    const [node, runner] = await Promise.all([output(NODE_DRIVER, p.dir), output(RUNNER_DRIVER, p.dir)]);
    assert.equal(node, program.expect, `node prints what the program expects (${program.source ?? 'own program'})`);
    assert.equal(runner, node, 'the runner prints exactly what node prints');
  });
}
