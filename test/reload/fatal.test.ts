// A dispose-first module whose new version fails and whose old version fails to start
// again leaves no good version: a sticky, loud `fatal` state until the next good save.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime, type ReloadResult } from '../../src/index.ts';
import { Reporter } from '../../src/cli/reporter.ts';
import { EventFeed } from '../../src/control/event-feed.ts';
import { statusSnapshot } from '../../src/control/snapshots.ts';
import { createProject } from '../support/project.ts';

type Ns = Record<string, any>;

// The old version refuses to start once the state it keeps in `data` is poisoned.
const OLD = `import.meta.hot?.disposeFirst();\nconst data = (import.meta.hot?.data ?? {}) as { poisoned?: boolean };\nif (data.poisoned) throw new Error('state poisoned');\nexport const serve = () => 'v1';\n`;
const POISONING = `import.meta.hot?.disposeFirst();\nconst data = (import.meta.hot?.data ?? {}) as { poisoned?: boolean };\ndata.poisoned = true;\nthrow new Error('new version broke');\n`;
const FIXED = `import.meta.hot?.disposeFirst();\nconst data = (import.meta.hot?.data ?? {}) as { poisoned?: boolean };\ndata.poisoned = false;\nexport const serve = () => 'v3';\n`;

test('dispose-first module: new version throws and the old one fails to restart → fatal, until the next good save', async (t) => {
  const p = createProject({
    'src/server.ts': OLD,
    'src/main.ts': `import { serve } from './server.ts';\nexport const run = () => serve();\n`,
  });
  const rt = createRuntime({ root: p.dir, cacheDir: false });
  t.after(async () => { await rt.close(); p.cleanup(); });
  const events: ReloadResult[] = [];
  rt.on('reload', (r) => events.push(r));
  const feed = new EventFeed({ runtime: rt });
  t.after(() => feed.close());
  const main = await rt.import<Ns>('src/main.ts');
  assert.equal(main.run(), 'v1');
  assert.equal(rt.status().state, 'running');

  p.write('src/server.ts', POISONING);
  const result = await rt.reload(['src/server.ts']);
  assert.equal(result.status, 'failed');
  if (result.status !== 'failed') return;
  assert.ok(result.fatal, 'the result is fatal, not "restored"');
  assert.equal(result.restored, false);
  assert.deepEqual(result.fatal.modules, [p.path('src/server.ts')]);
  assert.match(result.fatal.message, /no good version of src\/server\.ts/);
  assert.match(result.fatal.message, /state poisoned/);
  assert.equal(result.fatal.error.code, 'HS_FATAL');
  assert.match(result.error.message, /new version broke/, 'the error is the new version\'s');

  const status = rt.status();
  assert.equal(status.state, 'fatal');
  assert.deepEqual(status.fatal?.modules, [p.path('src/server.ts')]);
  assert.equal(rt.stats().state, 'fatal');

  // The event stream (the 'reload' event, and the control API's events) and /api/status (the dashboard) say so.
  assert.equal(events.at(-1), result);
  const streamed = feed.recent().findLast((e) => e.type === 'reload:failed');
  assert.deepEqual((streamed?.data as { fatal?: { modules: string[] } } | undefined)?.fatal?.modules, ['src/server.ts']);
  const snapshot = statusSnapshot(feed);
  assert.equal(snapshot.state, 'fatal');
  assert.ok(snapshot.problems.some((line) => /no good version of src\/server\.ts/.test(line)), snapshot.problems.join('\n'));
  // The reporter says it loudly, and never that the last good version keeps serving.
  let out = '';
  new Reporter({ format: 'pretty', verbose: false, root: p.dir, stream: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream }).reload(result);
  assert.match(out, /FATAL/);
  assert.match(out, /no good version of src\/server\.ts/);
  assert.doesNotMatch(out, /keeps serving/);

  // Still fatal after an unrelated failure-free no-op.
  assert.equal((await rt.reload(['src/main.ts'])).status, 'skipped');
  assert.equal(rt.status().state, 'fatal', 'sticky');

  p.write('src/server.ts', FIXED);
  const fixed = await rt.reload(['src/server.ts']);
  assert.equal(fixed.status, 'committed', fixed.status === 'failed' ? fixed.error.message : '');
  assert.equal(main.run(), 'v3');
  assert.equal(rt.status().state, 'running', 'the next good save clears it');
  assert.equal(rt.status().fatal, undefined);
  assert.notEqual(statusSnapshot(feed).state, 'fatal');
});
