// A dynamic import at run time of a module not loaded yet is a live load: it goes through the
// one queue, so it never changes the graph while a transaction is staging.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deferred } from '../support/project.ts';
import { memoryEngine } from './memory-engine.ts';

type Ns = Record<string, any>;

test('import() at run time waits for the transaction in progress, then loads', async (t) => {
  const { rt, fs } = memoryEngine(t, {
    'src/lazy.ts': `export const lazy = () => 'lazy';\n`,
    'src/value.ts': `export const value = () => 1;\n`,
    'src/main.ts': `import { value } from './value.ts';\nexport const run = () => value();\nexport const load = async () => (await import('./lazy.ts')).lazy();\n`,
  });
  const main = await rt.import<Ns>('src/main.ts');
  const held = deferred();
  const entered = deferred();
  rt.addParticipant({ name: 'holder', prepare: async () => { entered.resolve(); await held.promise; } });
  fs.set('src/value.ts', `export const value = () => 2;\n`);
  const reload = rt.reload(['src/value.ts']);
  await entered.promise;
  let loaded = false;
  const loading = main.load().then((v: string) => ((loaded = true), v));
  try {
    // Let the import run as far as it can while the transaction is held.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    assert.equal(loaded, false, 'the live load waits for the transaction');
    assert.equal(rt.modules().find((m) => m.file === fs.path('src/lazy.ts'))?.version, undefined, 'no version of lazy.ts while the transaction stages');
  } finally {
    held.resolve();
  }
  assert.equal((await reload).status, 'committed');
  assert.equal(await loading, 'lazy');
  assert.equal(main.run(), 2);
});
