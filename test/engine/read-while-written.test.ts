// A file still being written when its reload reads it (size/mtime moved during the read, or
// before staging) is read again: the first half of a two-part write never goes live
// (issue 10, point 7). In-memory files and a fake clock: the write lands exactly mid-read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryEngine } from './memory-engine.ts';

type Ns = Record<string, any>;

const FIRST = `export const value = () => 'first half';\n`;
const WHOLE = `${FIRST}export const more = () => 'second half';\n`;

test('the second part of a write that lands while the file is read is staged, not the first', async (t) => {
  const { rt, fs } = memoryEngine(t, {
    'src/value.ts': `export const value = () => 'v1';\nexport const more = () => 'v1';\n`,
    'src/main.ts': `import * as m from './value.ts';\nexport const run = () => [m.value(), (m as any).more?.()];\n`,
  });
  const main = await rt.import<Ns>('src/main.ts');
  const file = fs.set('src/value.ts', FIRST);
  fs.afterRead.set(file, () => fs.set('src/value.ts', WHOLE));
  const result = await rt.reload(['src/value.ts']);
  assert.equal(result.status, 'committed');
  assert.deepEqual(main.run(), ['first half', 'second half'], 'the complete file went live');
  assert.equal(fs.reads.filter((f) => f === file).length >= 2, true, 'read again');
});

test('a file that changes between its read and staging is read again before it is staged', async (t) => {
  const { rt, fs } = memoryEngine(t, {
    'src/a.ts': `export const a = () => 'a1';\n`,
    'src/b.ts': `export const b = () => 'b1';\n`,
    'src/main.ts': `import { a } from './a.ts';\nimport { b } from './b.ts';\nexport const run = () => [a(), b()];\n`,
  });
  const main = await rt.import<Ns>('src/main.ts');
  fs.set('src/a.ts', `export const a = () => 'a2';\n`);
  const b = fs.set('src/b.ts', `export const b = () => 'b2';\n`);
  // a.ts is written again while b.ts is being read (after a.ts was read, before anything is staged).
  fs.afterRead.set(b, () => fs.set('src/a.ts', `export const a = () => 'a3';\n`));
  const result = await rt.reload(['src/a.ts', 'src/b.ts']);
  assert.equal(result.status, 'committed');
  assert.deepEqual(main.run(), ['a3', 'b2']);
});
