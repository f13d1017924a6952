/**
 * State across versions (migrate), and the lifecycle load → enable → disable → unload.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostFixture, nextEvent } from './helpers.ts';

function tally(tag: number, withMigrate: boolean): string {
  return `export default {
  name: 'tally',
  ${withMigrate ? 'migrate(previous, previousVersion) { return { ...previous, seen: [...(previous.seen ?? []), previousVersion] }; },' : ''}
  setup(ctx) {
    ctx.state.count ??= 0;
    ctx.tool('bump', () => ({ count: ++ctx.state.count, tag: ${tag} }));
    ctx.tool('seen', () => ctx.state.seen ?? []);
  },
};
`;
}

test('state survives 10 reloads through migrate, which gets the previous state and version', async (t) => {
  const { project, runtime, host } = await hostFixture(t, { 'plugins/tally.ts': tally(0, true) });
  const file = project.path('plugins/tally.ts');
  assert.deepEqual(await host.tools.call('bump'), { count: 1, tag: 0 });
  for (let i = 1; i <= 10; i++) {
    project.write('plugins/tally.ts', tally(i, true));
    assert.equal((await runtime.reload([file])).status, 'committed');
    assert.deepEqual(await host.tools.call('bump'), { count: i + 1, tag: i }, `after reload ${i} the count goes on`);
  }
  assert.deepEqual(await host.tools.call('seen'), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
});

test('a plugin without migrate starts every version with fresh state', async (t) => {
  const { project, runtime, host } = await hostFixture(t, { 'plugins/tally.ts': tally(0, false) });
  await host.tools.call('bump');
  assert.deepEqual(await host.tools.call('bump'), { count: 2, tag: 0 });
  project.write('plugins/tally.ts', tally(1, false));
  assert.equal((await runtime.reload([project.path('plugins/tally.ts')])).status, 'committed');
  assert.deepEqual(await host.tools.call('bump'), { count: 1, tag: 1 });
});

test('disable takes the registrations out, enable brings them back with migrated state, unload forgets the plugin', async (t) => {
  const { project, runtime, host } = await hostFixture(t, {
    'plugins/tally.ts': tally(0, true),
    'plugins/other.ts': `export default { name: 'other', setup(ctx) { ctx.tool('ping', () => 'pong'); } };\n`,
  });
  await host.tools.call('bump');
  await host.disable('tally');
  assert.equal(host.tools.has('bump'), false);
  await assert.rejects(host.tools.call('bump'), { code: 'HS_TOOL_NOT_FOUND' });
  assert.equal(await host.tools.call('ping'), 'pong', 'other plugins are untouched');
  assert.equal(host.stats().find((s) => s.name === 'tally')?.status, 'disabled');

  // An edit of a disabled plugin does not enable it.
  project.write('plugins/tally.ts', tally(1, true));
  assert.equal((await runtime.reload([project.path('plugins/tally.ts')])).status, 'committed');
  assert.equal(host.tools.has('bump'), false);

  const enabled = nextEvent(host, 'plugin:enabled');
  await host.enable('tally');
  assert.deepEqual(await enabled, { name: 'tally', file: project.path('plugins/tally.ts'), version: 2 });
  assert.deepEqual(await host.tools.call('bump'), { count: 2, tag: 1 }, 'the current code, with the state of v1');

  await host.unload('tally');
  assert.equal(host.tools.has('bump'), false);
  assert.deepEqual(host.stats().map((s) => s.name), ['other']);
  await assert.rejects(host.enable('tally'), { code: 'HS_PLUGIN_NOT_FOUND' });
  await host.load('plugins/tally.ts');
  assert.deepEqual(await host.tools.call('bump'), { count: 1, tag: 1 }, 'loaded again: a new plugin, fresh state');
});

test('stats per plugin: version, loads, reloads, failures, last error, calls, errors, in flight', async (t) => {
  const { project, runtime, host } = await hostFixture(t, {
    'plugins/flaky.ts': `export default { name: 'flaky', setup(ctx) { ctx.tool('ok', () => 1); ctx.tool('boom', () => { throw new Error('kaboom'); }); } };\n`,
  });
  const errorEvent = nextEvent(host, 'plugin:error');
  await host.tools.call('ok');
  await assert.rejects(host.tools.call('boom'), /kaboom/);
  assert.deepEqual(await host.tools.call('ok'), 1, 'the host keeps serving after a handler threw');
  const event = await errorEvent;
  assert.equal(event.name, 'flaky');
  assert.equal(event.kind, 'tool');
  assert.equal(event.target, 'boom');
  assert.match(event.error.text, /kaboom/);
  assert.equal(event.error.code, 'HS_PLUGIN_ERROR', 'the plugin\'s error, not an internal one');
  assert.match(event.error.detail ?? '', /Error: kaboom\n\s+at /, 'with its stack');

  project.write('plugins/flaky.ts', `export default { name: 'flaky', setup() { throw new Error('no'); } };\n`);
  assert.equal((await runtime.reload([project.path('plugins/flaky.ts')])).status, 'failed');
  const stats = host.stats()[0];
  assert.ok(stats);
  assert.equal(stats.version, 1);
  assert.equal(stats.status, 'enabled');
  assert.equal(stats.loads, 1);
  assert.equal(stats.reloads, 0);
  assert.equal(stats.failures, 1);
  assert.equal(stats.lastError?.code, 'HS_PLUGIN_SETUP');
  assert.equal(stats.lastError?.phase, 'setup');
  assert.equal(stats.calls, 3);
  assert.equal(stats.errors, 1);
  assert.equal(stats.inFlight, 0);
  assert.deepEqual(stats.registrations.tools, ['ok', 'boom']);
});
