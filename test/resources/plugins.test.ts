/**
 * Plugin versions use the same resource scope as module versions: what a
 * plugin's setup creates is released when the plugin version is torn down.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostFixture, waitFor } from '../plugins/helpers.ts';

const g = globalThis as any;
const activeTimeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

const ticker = (v: number, fail = false): string => `export default {
  name: 'ticker',
  async setup(ctx) {
    const g = globalThis as any;
    setInterval(() => g.__pluginTicks.push(${v}), 2);
    await new Promise((resolve) => setTimeout(resolve, 1));
    process.on('hotswap-test-plugin', () => g.__pluginEvents.push(${v}));
    ${fail ? "throw new Error('setup failed');" : ''}
    ctx.tool('version', () => ${v});
  },
};
`;

test('a plugin setup\'s interval and process listener, 20 reloads and a failed one: one of each alive, the newest', async (t) => {
  g.__pluginTicks = [];
  g.__pluginEvents = [];
  const listenersBefore = process.listenerCount('hotswap-test-plugin');
  const timersBefore = activeTimeouts();
  const { project, runtime, host } = await hostFixture(t, { 'plugins/ticker.ts': ticker(0) });
  const file = project.path('plugins/ticker.ts');
  for (let v = 1; v <= 20; v++) {
    project.write('plugins/ticker.ts', ticker(v));
    assert.equal((await runtime.reload([file])).status, 'committed');
  }
  project.write('plugins/ticker.ts', ticker(21, true));
  assert.equal((await runtime.reload([file])).status, 'failed');
  assert.equal(await host.tools.call('version'), 20);
  // A retired version is torn down once its calls drain: wait for that state.
  await waitFor(() => process.listenerCount('hotswap-test-plugin') === listenersBefore + 1 && activeTimeouts() === timersBefore + 1, 20_000, 'old plugin versions to be torn down');
  process.emit('hotswap-test-plugin' as 'message', undefined, undefined);
  assert.deepEqual(g.__pluginEvents, [20]);
  g.__pluginTicks = [];
  await waitFor(() => g.__pluginTicks.length >= 5, 20_000, 'ticks');
  assert.deepEqual([...new Set(g.__pluginTicks)], [20]);
});
