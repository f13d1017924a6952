/**
 * Assets (prompt and data files): ctx.asset returns the current content, a
 * plugin whose setup read a changed asset is set up again, and a JSON file
 * that stops parsing keeps its last good content. Edits are atomic saves
 * (temp file, then rename), so no file event sees a half-written file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostFixture, nextEvent } from './helpers.ts';

const reader = `export default {
  name: 'reader',
  setup(ctx) {
    ctx.tool('prompt', () => ctx.asset('prompts/system.md'));
    ctx.tool('config', () => ctx.asset('prompts/config.json'));
    ctx.tool('described', () => 'ok', { description: ctx.asset('prompts/described.md').trim() });
  },
};
`;

const files = {
  'plugins/reader.ts': reader,
  'prompts/system.md': 'You are Ada.\n',
  'prompts/config.json': '{ "greeting": "hello" }\n',
  'prompts/described.md': 'Says ok.\n',
};

test('ctx.asset returns the current content of a text asset after it changes on disk', async (t) => {
  const { project, host } = await hostFixture(t, files, { watch: true, assetsDir: '.' });
  assert.equal(await host.tools.call('prompt'), 'You are Ada.\n');
  const changed = nextEvent(host, 'asset:changed');
  project.writeAtomic('prompts/system.md', 'You are Grace.\n');
  assert.deepEqual(await changed, { file: project.path('prompts/system.md') });
  assert.equal(await host.tools.call('prompt'), 'You are Grace.\n');
  assert.equal(host.stats()[0]?.version, 1, 'read at call time only: no new version needed');
});

test('a tool description read in setup is refreshed: the plugin is set up again when the asset changes', async (t) => {
  const { project, host } = await hostFixture(t, files, { watch: true, assetsDir: '.' });
  assert.equal(host.tools.list().find((tool) => tool.name === 'described')?.description, 'Says ok.');
  const reloaded = nextEvent(host, 'plugin:reloaded');
  project.writeAtomic('prompts/described.md', 'Says ok, politely.\n');
  const event = await reloaded;
  assert.equal(event.reason, 'asset');
  assert.equal(event.version, 2);
  assert.equal(host.tools.list().find((tool) => tool.name === 'described')?.description, 'Says ok, politely.');
  assert.deepEqual(host.stats()[0]?.assets, ['prompts/described.md'], 'only assets read in setup are tracked for re-setup');
});

test('a JSON asset is parsed; broken JSON keeps the last good content and reports the error; the fix is picked up', async (t) => {
  const { project, host, logs } = await hostFixture(t, files, { watch: true, assetsDir: '.' });
  assert.deepEqual(await host.tools.call('config'), { greeting: 'hello' });

  const failed = nextEvent(host, 'asset:error');
  project.writeAtomic('prompts/config.json', '{ "greeting": "hi", }\n');
  const error = await failed;
  assert.equal(error.file, project.path('prompts/config.json'));
  assert.equal(error.error.code, 'HS_ASSET');
  assert.match(error.error.text, /prompts\/config\.json is not valid JSON/);
  assert.deepEqual(error.error.location && { file: error.error.location.file, line: error.error.location.line }, { file: project.path('prompts/config.json'), line: 1 });
  assert.deepEqual(await host.tools.call('config'), { greeting: 'hello' }, 'the last good content is still served');
  assert.ok(logs.some((l) => /not valid JSON.*last good content is still served/.test(l.message)));

  const changed = nextEvent(host, 'asset:changed');
  project.writeAtomic('prompts/config.json', '{ "greeting": "hi" }\n');
  await changed;
  assert.deepEqual(await host.tools.call('config'), { greeting: 'hi' });
});

test('without a watcher, refreshAssets() re-reads assets on demand', async (t) => {
  const { project, host } = await hostFixture(t, files, { assetsDir: '.' });
  assert.equal(await host.tools.call('prompt'), 'You are Ada.\n');
  project.write('prompts/system.md', 'You are Linus.\n');
  assert.equal(await host.tools.call('prompt'), 'You are Ada.\n', 'nothing watches: the cached content');
  await host.refreshAssets();
  assert.equal(await host.tools.call('prompt'), 'You are Linus.\n');
});

test('asset paths are relative to the plugin file unless assetsDir is set; a missing asset fails setup', async (t) => {
  const { project, runtime, host } = await hostFixture(t, {
    'plugins/near.ts': `export default { name: 'near', setup(ctx) { ctx.tool('near', () => ctx.asset('near.txt')); } };\n`,
    'plugins/near.txt': 'next to the plugin',
  });
  assert.equal(await host.tools.call('near'), 'next to the plugin');
  project.write('plugins/near.ts', `export default { name: 'near', setup(ctx) { ctx.asset('missing.md'); } };\n`);
  const result = await runtime.reload([project.path('plugins/near.ts')]);
  assert.equal(result.status, 'failed');
  if (result.status === 'failed') assert.match(result.error.message, /HS_ASSET: Asset plugins\/missing\.md cannot be read: ENOENT/);
  assert.equal(await host.tools.call('near'), 'next to the plugin');
});
