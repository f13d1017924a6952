import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { renameSync } from 'node:fs';
import { createRuntime, type ReloadResult, type Runtime } from '../../src/index.ts';
import { createProject, waitFor } from '../support/project.ts';

type Ns = Record<string, any>;

const files = {
  'src/greet.ts': `export function greet(name: string): string { return 'hello ' + name; }\n`,
  'src/handlers.ts': `import { greet } from './greet.ts';\nexport function hello(): string { return greet('bob'); }\n`,
  'src/main.ts': `import { hello } from './handlers.ts';\nexport const run = () => hello();\n`,
};

async function start(t: TestContext) {
  const p = createProject(files);
  const rt = createRuntime({ root: p.dir, cacheDir: false, watch: { settleMs: 30 } });
  const results: ReloadResult[] = [];
  rt.on('reload', (r) => results.push(r));
  t.after(async () => {
    await rt.close();
    p.cleanup();
  });
  const main = await rt.import<Ns>('src/main.ts');
  await rt.ready();
  return { p, rt, main, results };
}

function nextResult(rt: Runtime, predicate: (r: ReloadResult) => boolean = () => true): Promise<ReloadResult> {
  return new Promise((resolve) => {
    const off = rt.on('reload', (r) => {
      if (!predicate(r)) return;
      off();
      resolve(r);
    });
  });
}

test('deleting an imported file keeps the last good version; restoring it recovers', async (t) => {
  const { p, rt, main } = await start(t);
  const failed = nextResult(rt, (r) => r.status !== 'skipped');
  p.remove('src/greet.ts');
  const result = await failed;
  assert.equal(result.status, 'failed');
  assert.equal(result.status === 'failed' && result.error.code, 'HS_FILE_DELETED');
  assert.equal(result.status === 'failed' && result.error.location?.file, p.path('src/handlers.ts'));
  assert.equal(main.run(), 'hello bob', 'still serving the last good version');
  const recovered = nextResult(rt, (r) => r.status === 'committed');
  p.write('src/greet.ts', files['src/greet.ts']);
  await recovered;
  assert.equal(main.run(), 'hello bob');
  p.write('src/greet.ts', files['src/greet.ts'].replace('hello', 'hi'));
  await waitFor(() => main.run() === 'hi bob', 20_000, 'the restored file to reload');
});

test('renaming a file and then fixing the import reloads, and the old module is pruned', async (t) => {
  const { p, rt, main } = await start(t);
  const failed = nextResult(rt, (r) => r.status === 'failed');
  renameSync(p.path('src/greet.ts'), p.path('src/welcome.ts'));
  await failed;
  assert.equal(main.run(), 'hello bob');
  const committed = nextResult(rt, (r) => r.status === 'committed');
  p.write('src/handlers.ts', files['src/handlers.ts'].replace('./greet.ts', './welcome.ts'));
  const result = await committed;
  assert.equal(result.status, 'committed');
  assert.ok(result.status === 'committed' && result.pruned.includes(p.path('src/greet.ts')), 'greet.ts is gone from the graph');
  p.write('src/welcome.ts', files['src/greet.ts'].replace('hello', 'welcome'));
  await waitFor(() => main.run() === 'welcome bob', 20_000, 'the renamed file to reload');
});

test('50 saves to one file in a burst: every committed reload serves a later save than the one before, and the last content wins', async (t) => {
  const { p, rt, main, results } = await start(t);
  // What each committed reload serves, read as it is reported (before the next one runs).
  const served: number[] = [];
  rt.on('reload', (r) => {
    if (r.status === 'committed') served.push(Number(/save (\d+)/.exec(main.run())?.[1]));
  });
  for (let i = 1; i <= 50; i++) {
    p.write('src/greet.ts', `export function greet(name: string): string { return 'save ${i} ' + name; }\n`);
    await new Promise((r) => setTimeout(r, 2));
  }
  await waitFor(() => main.run() === 'save 50 bob', 20_000, 'the last save to be serving');
  // The new code serves from its commit; its reload is reported when the transaction ends (the
  // replaced version is disposed a turn later): wait for that before reading the reports.
  await rt.settled();
  t.diagnostic(`reloads for 50 saves: ${results.length} (${served.length} committed)`);
  assert.ok(served.length >= 1);
  assert.equal(served.at(-1), 50, 'the last committed reload serves the last save');
  assert.deepEqual(served, [...served].sort((a, b) => a - b), 'no reload ever served an older save than the one before');
  assert.equal(new Set(served).size, served.length, 'no save was committed twice');
  assert.equal(results.filter((r) => r.status === 'failed').length, 0);
});

test('an editor atomic save (write temp, rename over) is one change', async (t) => {
  const { p, rt, main, results } = await start(t);
  p.writeAtomic('src/greet.ts', files['src/greet.ts'].replace('hello', 'atomic'));
  await waitFor(() => main.run() === 'atomic bob', 20_000, 'the atomic save to be serving');
  await rt.settled();
  assert.equal(results.filter((r) => r.status === 'failed').length, 0, JSON.stringify(results.map((r) => r.status)));
});

test('a save that leaves the content unchanged reloads nothing', async (t) => {
  const { p, rt, main } = await start(t);
  const skipped = nextResult(rt);
  p.write('src/greet.ts', files['src/greet.ts']);
  const result = await skipped;
  assert.equal(result.status, 'skipped');
  assert.equal(main.run(), 'hello bob');
});
