// The transaction on in-memory sources and a fake clock: nothing here touches the
// project's files (its root does not exist on disk) or waits on real time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { ReloadResult } from '../../src/index.ts';
import { memoryEngine, VIRTUAL_ROOT } from './memory-engine.ts';

type Ns = Record<string, any>;

test('load, edit and reload a project that exists only in memory, on a fake clock', async (t) => {
  const { rt, fs, clock } = memoryEngine(t, {
    'src/greet.ts': `export function greet(name: string): string {\n  return 'hello ' + name;\n}\n`,
    'src/main.ts': `import { greet } from './greet';\nexport const run = () => greet('bob');\n`,
  });
  const main = await rt.import<Ns>('src/main.ts');
  assert.equal(main.run(), 'hello bob');
  assert.equal(existsSync(VIRTUAL_ROOT), false, 'nothing was written to disk');
  assert.ok(fs.reads.includes(fs.path('src/greet.ts')), 'extensionless import resolved through the reader');

  fs.set('src/greet.ts', `export function greet(name: string): string {\n  return 'hi ' + name;\n}\n`);
  clock.advance(5_000);
  const result = await rt.reload(['src/greet.ts']);
  assert.equal(result.status, 'committed');
  assert.equal(main.run(), 'hi bob');
  assert.equal(result.startedAt, clock.now(), 'startedAt comes from the injected clock');
  assert.equal(result.status === 'committed' && result.timings.total, 0, 'no fake time passed during the reload');
  assert.equal(rt.modules().find((m) => m.file === fs.path('src/greet.ts'))?.lastReloadAt, clock.now());

  // A syntax error: located, framed from the in-memory text, the last good version serves.
  fs.set('src/greet.ts', `export function greet(name: string): string {\n  return 'x' + ;\n}\n`);
  const failed = await rt.reload(['src/greet.ts']);
  assert.equal(failed.status, 'failed');
  if (failed.status === 'failed') {
    assert.equal(failed.phase, 'stage');
    assert.equal(failed.error.code, 'HS_SYNTAX');
    assert.equal(failed.error.location?.line, 2);
    assert.match(failed.error.frame ?? '', /> +2 \| +return 'x' \+ ;/);
  }
  assert.equal(main.run(), 'hi bob');
});

test('an in-place save read mid-write (empty) waits on the clock for the content, without real time passing', async (t) => {
  const { rt, fs, clock } = memoryEngine(t, {
    'src/value.ts': `export const value = () => 1;\n`,
    'src/main.ts': `import { value } from './value.ts';\nexport const run = () => value();\n`,
  });
  const main = await rt.import<Ns>('src/main.ts');
  const file = fs.set('src/value.ts', `export const value = () => 2;\n`);
  fs.pending.set(file, ['', '', '']);
  const result = await rt.reload(['src/value.ts']);
  assert.equal(result.status, 'committed');
  assert.equal(main.run(), 2, 'the content written after the truncation is the one staged');
  assert.deepEqual(clock.sleeps, [1, 1, 1], 'waited one fake millisecond per empty read');
  assert.equal(result.status === 'committed' && result.timings.total, 3);
});

test('an entry that never started, saved in place and read mid-write (empty), starts with the written content, not as an empty module', async (t) => {
  const { rt, fs, clock } = memoryEngine(t, {
    'src/main.ts': `export const run = () => ;\n`,
  });
  await assert.rejects(rt.import('src/main.ts'), (error: { code?: string }) => error.code === 'HS_SYNTAX');
  const file = fs.set('src/main.ts', `export const run = () => 'started';\n`);
  fs.pending.set(file, ['', '']);
  const result = await rt.reload(['src/main.ts']);
  assert.equal(result.status, 'committed');
  const main = await rt.import<Ns>('src/main.ts');
  assert.equal(typeof main.run, 'function', 'the entry that runs is the written one, not an empty module');
  assert.equal(main.run(), 'started');
  assert.deepEqual(clock.sleeps, [1, 1], 'waited one fake millisecond per empty read');
});

test('a file whose last read was empty is taken as empty at once (no wait for content that may never come)', async (t) => {
  const { rt, fs, clock } = memoryEngine(t, {
    'src/empty.ts': ``,
    'src/main.ts': `import * as e from './empty.ts';\nexport const keys = () => Object.keys(e).length;\n`,
  });
  const main = await rt.import<Ns>('src/main.ts');
  assert.equal(main.keys(), 0);
  fs.set('src/empty.ts', ``);
  const result = await rt.reload(['src/empty.ts']);
  assert.notEqual(result.status, 'failed');
  assert.deepEqual(clock.sleeps, [], 'no wait');
});

test('request() sources win over the reader and are never read from it', async (t) => {
  const { rt, fs } = memoryEngine(t, {
    'src/value.ts': `export const value = () => 'stored';\n`,
    'src/main.ts': `import { value } from './value.ts';\nexport const run = () => value();\n`,
  });
  const main = await rt.import<Ns>('src/main.ts');
  const file = fs.path('src/value.ts');
  const readsBefore = fs.reads.filter((f) => f === file).length;
  const result = await rt.request({ sources: new Map([[file, `export const value = () => 'given';\n`]]), trigger: 'apply' });
  assert.equal(result.status, 'committed');
  assert.equal(result.trigger, 'apply');
  assert.equal(main.run(), 'given');
  assert.equal(fs.reads.filter((f) => f === file).length, readsBefore, 'the reader was not asked for a given file');
});

test('a failure in each phase carries that phase', async (t) => {
  const { rt, fs } = memoryEngine(t, {
    'src/dep.ts': `export const a = 1;\nexport function f() { return 1; }\n`,
    'src/main.ts': `import { a, f } from './dep.ts';\nexport const run = () => a + f();\n`,
  });
  await rt.import('src/main.ts');
  const results: ReloadResult[] = [];
  // validate: an export an importer uses is gone
  fs.set('src/dep.ts', `export function f() { return 1; }\n`);
  results.push(await rt.reload(['src/dep.ts']));
  // prepare: a participant refuses
  fs.set('src/dep.ts', `export const a = 2;\nexport function f() { return 1; }\n`);
  const dispose = rt.addParticipant({ name: 'refuser', prepare: () => { throw new Error('not today'); } });
  results.push(await rt.reload(['src/dep.ts']));
  dispose();
  assert.deepEqual(results.map((r) => (r.status === 'failed' ? [r.phase, r.error.code] : r.status)), [['validate', 'HS_MISSING_EXPORT'], ['prepare', 'HS_EVALUATION']]);
});

test('participants see prepare with the staged versions, then commit', async (t) => {
  const { rt, fs } = memoryEngine(t, {
    'src/value.ts': `export const value = () => 1;\n`,
    'src/main.ts': `import { value } from './value.ts';\nexport const run = () => value();\n`,
  });
  const main = await rt.import<Ns>('src/main.ts');
  const seen: string[] = [];
  rt.addParticipant({ name: 'observer', prepare: (tx) => void seen.push(`prepare ${tx.staged.map((s) => s.version).join()}`), commit: () => void seen.push('commit'), abort: () => void seen.push('abort') });
  fs.set('src/value.ts', `export const value = () => 2;\n`);
  assert.equal((await rt.reload(['src/value.ts'])).status, 'committed');
  assert.equal(main.run(), 2);
  assert.deepEqual(seen, ['prepare 2', 'commit']);
});
