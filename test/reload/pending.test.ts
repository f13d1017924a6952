// A broken module never swallows a valid save: what can commit on its own commits, the
// broken module stays pending (blamed alone) and is retried when anything changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime, type ReloadResult } from '../../src/index.ts';
import { createProject } from '../support/project.ts';
import { runtimeProject } from '../support/runtime-project.ts';

type Ns = Record<string, any>;

const setup = runtimeProject;

const errorOf = (rt: ReturnType<typeof createRuntime>, file: string): string | undefined => rt.modules().find((m) => m.file === file)?.error;
const updatedIn = (r: ReloadResult | undefined): string[] => (r?.status === 'committed' ? r.updated.map((u) => u.file.slice(u.file.lastIndexOf('/') + 1)).sort() : []);

const APP = {
  'lib/counter.ts': `export const count = () => 1;\n`,
  'lib/handlers.ts': `export const handle = () => 'v1';\n`,
  'main.ts': `import { count } from './lib/counter.ts';\nimport { handle } from './lib/handlers.ts';\nexport const run = () => [count(), handle()];\n`,
};

test('a broken module and a valid one in one change set: the valid one commits, only the broken one is blamed', async (t) => {
  const { p, rt } = setup(t, APP);
  const main = await rt.import<Ns>('main.ts');
  const events: ReloadResult[] = [];
  rt.on('reload', (r) => events.push(r));
  p.write('lib/counter.ts', `export const count = () => ;\n`);
  p.write('lib/handlers.ts', `export const handle = () => 'v2';\n`);
  const result = await rt.reload(['lib/counter.ts', 'lib/handlers.ts']);
  assert.equal(result.status, 'failed');
  assert.equal(result.status === 'failed' && result.error.location?.file, p.path('lib/counter.ts'));
  assert.deepEqual(main.run(), [1, 'v2'], 'the valid save went live, the broken module keeps its last good version');
  assert.deepEqual(updatedIn(result.status === 'failed' ? result.partial : undefined), ['handlers.ts']);
  assert.deepEqual(events.map((e) => e.status), ['failed', 'committed'], 'the event stream shows both');
  assert.match(errorOf(rt, p.path('lib/counter.ts')) ?? '', /Syntax error/, 'counter.ts is blamed');
  assert.equal(errorOf(rt, p.path('lib/handlers.ts')), undefined, 'handlers.ts is not blamed for counter.ts');

  p.write('lib/counter.ts', `export const count = () => 2;\n`);
  const fixed = await rt.reload(['lib/counter.ts']);
  assert.deepEqual(updatedIn(fixed), ['counter.ts']);
  assert.deepEqual(main.run(), [2, 'v2']);
  assert.equal(rt.status().state, 'running');
});

test('a valid save that needs the broken module waits for it, and both go live when it is fixed', async (t) => {
  const { p, rt } = setup(t, APP);
  const main = await rt.import<Ns>('main.ts');
  p.write('lib/counter.ts', `export const count = () => ;\nexport const extra = 'x';\n`);
  p.write('lib/handlers.ts', `import { extra } from './counter.ts';\nexport const handle = () => 'v2' + extra;\n`);
  assert.equal((await rt.reload(['lib/counter.ts', 'lib/handlers.ts'])).status, 'failed');
  assert.deepEqual(main.run(), [1, 'v1']);
  // Only counter.ts is saved again (fixed); handlers.ts is pending and retried with it.
  p.write('lib/counter.ts', `export const count = () => 2;\nexport const extra = 'x';\n`);
  const fixed = await rt.reload(['lib/counter.ts']);
  assert.deepEqual(updatedIn(fixed), ['counter.ts', 'handlers.ts']);
  assert.deepEqual(main.run(), [2, 'v2x']);
  assert.deepEqual(rt.status().failing, []);
});

test('while a module is broken, an unrelated save, an add and a delete still commit; the pending module is retried silently', async (t) => {
  const { p, rt } = setup(t, { ...APP, 'lib/other.ts': `export const o = 1;\n` });
  const main = await rt.import<Ns>('main.ts');
  p.write('lib/counter.ts', `export const count = () => ;\n`);
  assert.equal((await rt.reload(['lib/counter.ts'])).status, 'failed');
  p.write('lib/handlers.ts', `export const handle = () => 'v2';\n`);
  p.write('lib/new.ts', `export const n = 1;\n`);
  p.remove('lib/other.ts');
  const result = await rt.request({ changed: ['lib/handlers.ts'], added: ['lib/new.ts'], removed: ['lib/other.ts'] });
  assert.equal(result.status, 'committed', result.status === 'failed' ? result.error.message : '');
  assert.deepEqual(updatedIn(result), ['handlers.ts']);
  assert.deepEqual(result.status === 'committed' && result.pending?.map((f) => f.file), [p.path('lib/counter.ts')], 'the still-broken module is reported pending');
  assert.deepEqual(main.run(), [1, 'v2']);
  assert.match(errorOf(rt, p.path('lib/counter.ts')) ?? '', /Syntax error/, 'still blamed, still pending');
});

test('a module whose reload failed goes live when the fix is in its importer (issue 9, point 3)', async (t) => {
  const { p, rt } = setup(t, {
    'child.ts': `export const a = 1;\nexport const b = 2;\n`,
    'main.ts': `import { a, b } from './child.ts';\nexport const run = () => a + b;\n`,
  });
  const main = await rt.import<Ns>('main.ts');
  p.write('child.ts', `export const a = 10;\n`);
  const failed = await rt.reload(['child.ts']);
  assert.equal(failed.status === 'failed' && failed.error.code, 'HS_MISSING_EXPORT');
  p.write('main.ts', `import { a } from './child.ts';\nexport const run = () => a;\n`);
  const fixed = await rt.reload(['main.ts']);
  assert.deepEqual(updatedIn(fixed), ['child.ts', 'main.ts'], 'the saved child.ts goes live in the same transaction');
  assert.equal(main.run(), 10);
  assert.deepEqual(rt.status().failing, [], 'no stale error');
});

test('while the entry is broken, a valid save of another module commits without restarting the entry; fixing the entry recovers', async (t) => {
  const g = globalThis as { __entryRuns?: number };
  g.__entryRuns = 0;
  t.after(() => delete g.__entryRuns);
  const entry = (tail: string) => `(globalThis as any).__entryRuns++;\nimport { handle } from './lib/handlers.ts';\nexport const run = () => handle();\n${tail}`;
  const { p, rt } = setup(t, { 'lib/handlers.ts': `export const handle = () => 'v1';\n`, 'main.ts': entry('') });
  const main = await rt.import<Ns>('main.ts');
  p.write('main.ts', entry(`throw new Error('entry broke');\n`));
  const broken = await rt.reload(['main.ts']);
  // The entry is not disposed first (its port is handed over, test/resources/): the old one never stopped.
  assert.equal(broken.status === 'failed' && !broken.restored, true, 'the old entry keeps serving, never disposed');
  assert.equal(main.run(), 'v1');
  const runs = g.__entryRuns;
  p.write('lib/handlers.ts', `export const handle = () => 'v2';\n`);
  const result = await rt.reload(['lib/handlers.ts']);
  assert.deepEqual(updatedIn(result), ['handlers.ts']);
  assert.equal(main.run(), 'v2');
  assert.equal(g.__entryRuns, runs, 'the broken entry was not disposed and retried for an unrelated edit');
  p.write('main.ts', entry(''));
  assert.deepEqual(updatedIn(await rt.reload(['main.ts'])), ['main.ts']);
  assert.deepEqual(rt.status().failing, []);
});

test('through the watcher: a broken and a valid save in one tick, then an atomic save while broken, then the fix: the last content written serves', async (t) => {
  const p = createProject(APP);
  const rt = createRuntime({ root: p.dir, cacheDir: false, watch: true });
  t.after(async () => {
    await rt.close();
    p.cleanup();
  });
  const main = await rt.import<Ns>('main.ts');
  await rt.ready();
  const next = (predicate: (r: ReloadResult) => boolean): Promise<ReloadResult> =>
    new Promise((resolve) => {
      const off = rt.on('reload', (r) => {
        if (!predicate(r)) return;
        off();
        resolve(r);
      });
    });
  const handlersServe = (text: string) => next((r) => r.status === 'committed' && r.updated.some((u) => u.file === p.path('lib/handlers.ts')) && main.run()[1] === text);

  let served = handlersServe('v2');
  p.write('lib/counter.ts', `export const count = () => ;\n`);
  p.write('lib/handlers.ts', `export const handle = () => 'v2';\n`);
  await served;
  assert.deepEqual(main.run(), [1, 'v2']);

  served = handlersServe('v3');
  p.writeAtomic('lib/handlers.ts', `export const handle = () => 'v3';\n`);
  await served;
  assert.deepEqual(main.run(), [1, 'v3'], 'an atomic save goes live while counter.ts is broken');

  const fixed = next((r) => r.status === 'committed' && r.updated.some((u) => u.file === p.path('lib/counter.ts')));
  p.write('lib/counter.ts', `export const count = () => 3;\n`);
  await fixed;
  assert.deepEqual(main.run(), [3, 'v3']);
  assert.deepEqual(rt.status().failing, []);
});
