// import.meta.hot is created on its first read (issue 12: most modules never read it). A module
// that reads it only after its top level ran, from a function, still gets a working context
// whose dispose handlers run when the version is replaced, and the same object on every read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryEngine } from './memory-engine.ts';

type Ns = Record<string, any>;

test('import.meta.hot read first from a function after evaluation: one context per version, its dispose handler runs', async (t) => {
  const log: string[] = [];
  (globalThis as Record<string, unknown>)['__lazyHotLog'] = log;
  t.after(() => delete (globalThis as Record<string, unknown>)['__lazyHotLog']);
  const source = (rev: number): string =>
    [
      `export const rev = ${rev};`,
      `export function later(): boolean {`,
      `  const hot = import.meta.hot;`,
      `  hot.dispose((data) => { data.from = ${rev}; (globalThis as any).__lazyHotLog.push('dispose ${rev}'); });`,
      `  return hot === import.meta.hot;`,
      `}`,
      `export const carried = () => import.meta.hot.data.from;`,
      ``,
    ].join('\n');
  const { rt, fs } = memoryEngine(t, { 'src/lazy.ts': source(1), 'src/plain.ts': `export const x = 1;\n` });
  const lazy = await rt.import<Ns>('src/lazy.ts');
  await rt.import<Ns>('src/plain.ts');
  assert.equal(lazy.later(), true, 'the same context on every read');

  fs.set('src/lazy.ts', source(2));
  const first = await rt.reload(['src/lazy.ts']);
  assert.equal(first.status, 'committed');
  assert.deepEqual(log, ['dispose 1'], 'the handler registered after evaluation ran when the version was replaced');
  assert.equal(lazy.carried(), 1, 'data passed on through import.meta.hot.data');

  // A version that never read import.meta.hot is replaced with nothing to run.
  fs.set('src/lazy.ts', source(3));
  fs.set('src/plain.ts', `export const x = 2;\n`);
  const second = await rt.reload(['src/lazy.ts', 'src/plain.ts']);
  assert.equal(second.status, 'committed');
  assert.deepEqual(log, ['dispose 1'], 'version 2 registered no handler (later() was not called)');
});
