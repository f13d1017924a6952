import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runtimeProject } from '../support/runtime-project.ts';

type Ns = Record<string, any>;

// As in Node, modules without top-level await evaluate in one go, in a re-run too: an import of a
// module that finished is not awaited (runner-fixups.ts, __hotswap_import__), and a module counts as
// evaluated when its last line ran (ModuleRegistry#evaluate), so no microtask runs in between.
test('a re-run evaluates its modules in one go: a microtask one of them queues runs after the others', async (t) => {
  const { p, rt } = runtimeProject(t, {
    'src/log.ts': `export const log: string[] = [];\nexport const rev = 1;\n`,
    'src/b.ts': `import { log, rev } from './log.ts';\nlog.push('b' + rev);\nqueueMicrotask(() => log.push('micro'));\nexport const b = 1;\n`,
    'src/c.ts': `import { log, rev } from './log.ts';\nlog.push('c' + rev);\nexport const c = 1;\n`,
    'src/main.ts': `import { log, rev } from './log.ts';\nimport { b } from './b.ts';\nimport { c } from './c.ts';\nlog.push('main' + rev + (b + c));\nexport const seen = [...log];\nexport { log };\n`,
  });
  const main = await rt.import<Ns>('src/main.ts');
  assert.deepEqual(main.seen, ['b1', 'c1', 'main12']);
  p.write('src/log.ts', `export const log: string[] = [];\nexport const rev = 2;\n`);
  assert.equal((await rt.reload(['src/log.ts'])).status, 'committed');
  assert.deepEqual(main.seen, ['b2', 'c2', 'main22'], 'every module re-ran before the microtask b queued');
  assert.deepEqual(main.log, ['b2', 'c2', 'main22', 'micro']);
});

test('a module that exports then: imported statically (not awaited), edited, and imported by a module staged beside it', async (t) => {
  const { p, rt } = runtimeProject(t, {
    'src/lib.ts': `export function then(_resolve: (v: unknown) => void): void {}\nexport const x = 1;\n`,
    'src/main.ts': `import * as lib from './lib.ts';\nexport const seen = typeof lib.then + ' ' + lib.x;\nexport { lib };\n`,
  });
  const main = await rt.import<Ns>('src/main.ts');
  assert.equal(main.seen, 'function 1');
  p.write('src/lib.ts', `export function then(_resolve: (v: unknown) => void): void {}\nexport const x = 2;\n`);
  const result = await rt.reload(['src/lib.ts']);
  assert.equal(result.status, 'committed');
  assert.equal(main.seen, 'function 2', 'main re-ran against the new version');
});
