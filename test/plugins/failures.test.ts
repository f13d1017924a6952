/**
 * Failure isolation: a new version that fails in setup, health or smoke never
 * replaces the live one; a new plugin that fails stays unloaded; the others
 * keep serving.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReloadResult } from '../../src/index.ts';
import { hostFixture, nextEvent } from './helpers.ts';

function adder(tag: string, extra = '', body = 'return a + b;'): string {
  return `export default {
  name: 'adder',
  setup(ctx) {
    ctx.tool('add', ({ a, b }) => { ${body} });
    ctx.tool('tag', () => ${JSON.stringify(tag)});
    ctx.onDispose(() => (globalThis.__adderDisposed ??= []).push(${JSON.stringify(tag)}));
  },
  ${extra}
};
`;
}

const ADDER_SMOKE = `async smoke(probe) {
    const sum = await probe.call('add', { a: 2, b: 3 });
    if (sum !== 5) throw new Error('2 + 3 gave ' + sum);
  },`;

function failedWith(result: ReloadResult, code: string, text: RegExp): void {
  assert.equal(result.status, 'failed', `expected a failed reload, got ${result.status}`);
  if (result.status !== 'failed') return;
  assert.equal(result.error.code, code, result.error.message);
  assert.match(result.error.message, text);
}

const cases: { name: string; source: string; code: string; text: RegExp; phase: string }[] = [
  { name: 'setup throws', source: adder('v2', '', 'return a + b;').replace("ctx.tool('tag'", "throw new Error('setup broke'); ctx.tool('tag'"), code: 'HS_PLUGIN_SETUP', text: /Plugin "adder" setup failed: Error: setup broke/, phase: 'setup' },
  { name: 'setup rejects', source: adder('v2').replace('setup(ctx) {', 'async setup(ctx) { await Promise.reject(new Error("async setup broke"));'), code: 'HS_PLUGIN_SETUP', text: /async setup broke/, phase: 'setup' },
  { name: 'health returns false', source: adder('v2', 'health() { return false; },'), code: 'HS_PLUGIN_HEALTH', text: /"adder" v2 reported unhealthy/, phase: 'health' },
  { name: 'health throws', source: adder('v2', 'async health() { throw new Error("db down"); },'), code: 'HS_PLUGIN_HEALTH', text: /health failed: Error: db down/, phase: 'health' },
  { name: 'smoke fails against the staged version', source: adder('v2', ADDER_SMOKE, 'return a - b;'), code: 'HS_PLUGIN_SMOKE', text: /smoke failed: Error: 2 \+ 3 gave -1/, phase: 'smoke' },
];

for (const c of cases) {
  test(`new version whose ${c.name}: the old version keeps serving and the error names the plugin`, async (t) => {
    const { project, runtime, host } = await hostFixture(t, {
      'plugins/adder.ts': adder('v1', ADDER_SMOKE),
      'plugins/other.ts': `export default { name: 'other', setup(ctx) { ctx.tool('ping', () => 'pong'); } };\n`,
    });
    (globalThis as Record<string, unknown>)['__adderDisposed'] = [];
    const failed = nextEvent(host, 'plugin:failed');
    project.write('plugins/adder.ts', c.source);
    failedWith(await runtime.reload([project.path('plugins/adder.ts')]), c.code, c.text);

    const event = await failed;
    assert.equal(event.name, 'adder');
    assert.equal(event.phase, c.phase);
    assert.equal(event.serving, 1, 'the event says which version keeps serving');
    assert.equal(await host.tools.call('tag'), 'v1');
    assert.equal(await host.tools.call('add', { a: 2, b: 3 }), 5);
    assert.equal(await host.tools.call('ping'), 'pong');
    assert.deepEqual((globalThis as Record<string, unknown>)['__adderDisposed'], c.phase === 'setup' ? [] : ['v2'], 'the staged version was torn down, the live one was not');

    project.write('plugins/adder.ts', adder('v3', ADDER_SMOKE));
    assert.equal((await runtime.reload([project.path('plugins/adder.ts')])).status, 'committed', 'the fix goes live');
    assert.equal(await host.tools.call('tag'), 'v3');
  });
}

test('a setup that never settles fails after timeoutMs and the old version keeps serving', async (t) => {
  const { project, runtime, host } = await hostFixture(t, { 'plugins/adder.ts': adder('v1') }, { timeoutMs: 50 });
  project.write('plugins/adder.ts', adder('v2').replace('setup(ctx) {', 'async setup(ctx) { await new Promise(() => {});'));
  failedWith(await runtime.reload([project.path('plugins/adder.ts')]), 'HS_PLUGIN_SETUP', /setup did not finish within 50 ms/);
  assert.equal(await host.tools.call('tag'), 'v1');
});

test('a syntax error in a plugin file keeps the old version and counts a failure for the plugin', async (t) => {
  const { project, runtime, host } = await hostFixture(t, { 'plugins/adder.ts': adder('v1') });
  project.write('plugins/adder.ts', adder('v2').replace('setup(ctx) {', 'setup(ctx) { const = ;'));
  const result = await runtime.reload([project.path('plugins/adder.ts')]);
  assert.equal(result.status, 'failed');
  assert.equal(await host.tools.call('tag'), 'v1');
  const stats = host.stats()[0];
  assert.equal(stats?.failures, 1);
  assert.equal(stats?.lastError?.phase, 'evaluate');
  assert.equal(stats?.lastError?.code, 'HS_SYNTAX');
});

test('a plugin that fails at start stays unloaded and reported; the others load; fixing it loads it', async (t) => {
  const { project, runtime, host, logs } = await hostFixture(t, {
    'plugins/a-broken.ts': `export default { name: 'broken', setup(ctx) { ctx.tool('x', () => 1); throw new Error('not today'); } };\n`,
    'plugins/b-fine.ts': `export default { name: 'fine', setup(ctx) { ctx.tool('ping', () => 'pong'); } };\n`,
    'plugins/c-invalid.ts': `export const notAPlugin = 1;\n`,
  });
  assert.deepEqual(host.stats().map((s) => [s.name, s.status, s.version]), [['broken', 'failed', undefined], ['fine', 'enabled', 1], ['c-invalid', 'failed', undefined]]);
  assert.equal(host.tools.has('x'), false, 'nothing of the failed setup was registered');
  assert.equal(await host.tools.call('ping'), 'pong');
  assert.equal(host.stats()[2]?.lastError?.code, 'HS_PLUGIN_INVALID');
  assert.match(logs.map((l) => l.message).join('\n'), /Plugin "broken" setup failed: Error: not today/);
  assert.match(logs.map((l) => l.message).join('\n'), /c-invalid.ts is in a plugin directory but does not export a plugin/);

  const loaded = nextEvent(host, 'plugin:loaded');
  project.write('plugins/a-broken.ts', `export default { name: 'broken', setup(ctx) { ctx.tool('x', () => 1); } };\n`);
  assert.equal((await runtime.reload([project.path('plugins/a-broken.ts')])).status, 'committed');
  assert.equal((await loaded).name, 'broken');
  assert.equal(await host.tools.call('x'), 1);
});

test('two plugins claiming one tool: the one already live keeps it, the newcomer fails with HS_PLUGIN_CONFLICT', async (t) => {
  const { project, runtime, host } = await hostFixture(t, {
    'plugins/a.ts': `export default { name: 'a', setup(ctx) { ctx.tool('shared', () => 'a'); } };\n`,
    'plugins/b.ts': `export default { name: 'b', setup(ctx) { ctx.tool('mine', () => 'b'); } };\n`,
  });
  project.write('plugins/b.ts', `export default { name: 'b', setup(ctx) { ctx.tool('mine', () => 'b2'); ctx.tool('shared', () => 'b'); } };\n`);
  const result = await runtime.reload([project.path('plugins/b.ts')]);
  assert.equal(result.status, 'failed');
  if (result.status === 'failed') assert.match(result.error.message, /Plugin "b" .* claims tool "shared", which plugin "a" .* also claims/);
  assert.equal(await host.tools.call('shared'), 'a');
  assert.equal(await host.tools.call('mine'), 'b', 'b keeps its previous version');
});

test('a setup error points at the plugin file, line and column, with a code frame', async (t) => {
  const { project, runtime } = await hostFixture(t, { 'plugins/adder.ts': adder('v1') });
  project.write('plugins/adder.ts', `export default {\n  name: 'adder',\n  setup(ctx) {\n    throw new Error('boom');\n  },\n};\n`);
  const result = await runtime.reload([project.path('plugins/adder.ts')]);
  assert.equal(result.status, 'failed');
  if (result.status !== 'failed') return;
  assert.deepEqual(result.error.location, { file: project.path('plugins/adder.ts'), line: 4, column: 11 });
  assert.match(result.error.frame ?? '', /> 4 \|\s+throw new Error\('boom'\);/);
});
