/**
 * Atomic swap and drain: calls never find a tool missing, never straddle
 * versions, and an old version is torn down only after its last call.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deferred, hostFixture, nextEvent } from './helpers.ts';

/** A tool that answers with the tag written in its source, after yielding to the event loop. */
function counterPlugin(tag: number): string {
  return `export default {
  name: 'counter',
  setup(ctx) {
    ctx.tool('tag', async (args, call) => {
      await new Promise((resolve) => setImmediate(resolve));
      return { tag: ${tag}, version: call.version };
    });
    ctx.onDispose(() => { globalThis.__counterTeardowns = (globalThis.__counterTeardowns ?? 0) + 1; });
  },
};
`;
}

test('200 concurrent callers while the tool is reloaded 100 times: no failures, one version per call, no call starts on a replaced version', async (t) => {
  const { project, runtime, host } = await hostFixture(t, { 'plugins/counter.ts': counterPlugin(0) });
  const file = project.path('plugins/counter.ts');
  (globalThis as Record<string, unknown>)['__counterTeardowns'] = 0;
  // The live version, updated inside the commit step (host events are emitted synchronously there).
  let live = 1;
  host.on('plugin:reloaded', (e) => (live = e.version));

  const RELOADS = 100;
  const CALLERS = 200;
  let stop = false;
  const failures: unknown[] = [];
  const answers: { startedOn: number; endedOn: number; tag: number; version: number }[] = [];
  const caller = async (): Promise<void> => {
    while (!stop) {
      const startedOn = live;
      try {
        const answer = (await host.tools.call('tag')) as { tag: number; version: number };
        answers.push({ startedOn, endedOn: live, ...answer });
      } catch (error) {
        failures.push(error);
      }
    }
  };
  const callers = Array.from({ length: CALLERS }, caller);

  for (let i = 1; i <= RELOADS; i++) {
    project.write('plugins/counter.ts', counterPlugin(i));
    const result = await runtime.reload([file]);
    assert.equal(result.status, 'committed', `reload ${i}: ${result.status === 'failed' ? result.error.message : result.status}`);
    assert.equal(live, i + 1);
    // A reload resolves through microtasks only: yield once so that calls waiting in the event loop finish and new ones start.
    await new Promise((resolve) => setImmediate(resolve));
  }
  stop = true;
  await Promise.all(callers);
  await host.settled();

  assert.deepEqual(failures, [], 'no call failed (no "not found", no swap-caused error)');
  assert.ok(answers.length >= CALLERS * RELOADS / 2, `enough calls overlapped the reloads (${answers.length})`);
  const versionsSeen = new Set(answers.map((a) => a.version));
  assert.ok(versionsSeen.size > RELOADS / 2, `calls were answered by many versions (${versionsSeen.size})`);
  for (const a of answers) {
    assert.equal(a.tag, a.version - 1, 'the handler and the registration that served a call belong to one version');
    assert.ok(a.version >= a.startedOn, `a call that started while v${a.startedOn} was live was answered by v${a.version}`);
    assert.ok(a.version <= a.endedOn, 'no call was answered by a version that was not committed yet');
  }
  const spanned = answers.filter((a) => a.endedOn > a.startedOn);
  assert.ok(spanned.some((a) => a.version === a.startedOn), 'some calls were in flight across a commit and finished on the version they started on');
  t.diagnostic(`${answers.length} calls, ${spanned.length} in flight across a commit, ${versionsSeen.size} versions answered`);
  const [stats] = host.stats();
  assert.equal(stats?.version, RELOADS + 1);
  assert.equal(stats?.reloads, RELOADS);
  assert.equal(stats?.errors, 0);
  assert.equal(stats?.calls, answers.length);
  assert.deepEqual(stats?.draining, [], 'every replaced version drained');
  assert.equal((globalThis as Record<string, unknown>)['__counterTeardowns'], RELOADS, 'each replaced version was torn down once');
});

/** A tool whose calls wait for `globalThis.__gate` (or for the version's abort signal). */
function slowPlugin(tag: string): string {
  return `export default {
  name: 'slow',
  setup(ctx) {
    const log = (globalThis.__slowLog ??= []);
    ctx.tool('work', async (args, call) => {
      log.push('start ${tag}');
      const aborted = new Promise((resolve) => call.signal.addEventListener('abort', () => resolve('aborted')));
      const outcome = await Promise.race([globalThis.__gate.then(() => 'done'), aborted]);
      log.push('return ${tag} ' + outcome);
      return '${tag} ' + outcome;
    });
    ctx.onDispose(() => log.push('teardown ${tag}'));
  },
};
`;
}

test('a call that started on v1 finishes on v1 after v2 commits; v1 is torn down after it returns', async (t) => {
  const gate = deferred();
  const g = globalThis as Record<string, unknown>;
  g['__gate'] = gate.promise;
  g['__slowLog'] = [];
  const log = g['__slowLog'] as string[];
  const { project, runtime, host } = await hostFixture(t, { 'plugins/slow.ts': slowPlugin('v1') });

  const held = host.tools.call('work');
  assert.deepEqual(log, ['start v1']);
  project.write('plugins/slow.ts', slowPlugin('v2'));
  assert.equal((await runtime.reload([project.path('plugins/slow.ts')])).status, 'committed');

  assert.deepEqual(host.stats()[0]?.draining.map((d) => [d.version, d.inFlight]), [[1, 1]], 'v1 drains with one call in flight');
  assert.ok(!log.includes('teardown v1'), 'v1 is not torn down while its call runs');
  const next = host.tools.call('work');
  assert.equal(log.at(-1), 'start v2', 'a new call starts on v2 at once');

  const drained = nextEvent(host, 'plugin:drained', (e) => e.version === 1);
  gate.resolve();
  assert.equal(await held, 'v1 done', 'the held call finished on v1');
  assert.equal(await next, 'v2 done');
  assert.deepEqual(await drained, { name: 'slow', version: 1, timedOut: false, calls: 1 });
  assert.ok(log.indexOf('teardown v1') > log.indexOf('return v1 done'), `teardown after the call returned: ${log.join(', ')}`);
  assert.ok(!log.includes('teardown v2'), 'the live version is untouched');
});

test('a call that never returns: v1 is torn down after drainTimeoutMs with a warning naming it, and its signal aborts', async (t) => {
  const g = globalThis as Record<string, unknown>;
  g['__gate'] = new Promise(() => {});
  g['__slowLog'] = [];
  const log = g['__slowLog'] as string[];
  const { project, runtime, host, logs } = await hostFixture(t, { 'plugins/slow.ts': slowPlugin('v1') }, { drainTimeoutMs: 50 });
  // The drain timer is unref'd (it never keeps an app alive): stand in for the server that would.
  const keepAlive = setInterval(() => {}, 1000);
  t.after(() => clearInterval(keepAlive));

  const held = host.tools.call('work');
  const warned = nextEvent(host, 'plugin:drain-timeout');
  const drained = nextEvent(host, 'plugin:drained', (e) => e.version === 1);
  project.write('plugins/slow.ts', slowPlugin('v2'));
  assert.equal((await runtime.reload([project.path('plugins/slow.ts')])).status, 'committed');

  const warning = await warned;
  assert.equal(warning.version, 1);
  assert.match(warning.running.join(), /^tool work \(\d+ ms\)$/);
  assert.match(logs.find((l) => l.level === 'warn')?.message ?? '', /"slow" v1 .*still runs tool work/);
  assert.deepEqual(await drained, { name: 'slow', version: 1, timedOut: true, calls: 1 });
  assert.ok(log.includes('teardown v1'));
  assert.equal(await held, 'v1 aborted', 'the abandoned call saw its signal abort');
});
