/**
 * Plugin files come and go: a deleted plugin is unregistered in one step, a
 * new one is loaded, and a helper shared by plugins reloads them together.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { hostFixture, nextEvent, taggedTool } from './helpers.ts';

test('deleting a plugin file unregisters all its registrations at once; recreating it registers them again', async (t) => {
  const plugin = `export default {
  name: 'multi',
  setup(ctx) {
    ctx.tool('one', () => 1);
    ctx.tool('two', () => 2);
    ctx.command('three', () => 3);
    ctx.on('ping', (n) => n + 1);
  },
};
`;
  const { project, host } = await hostFixture(t, { 'plugins/multi.ts': plugin, 'plugins/stay.ts': taggedTool('stay', 'stay', 's') }, { watch: true });
  assert.equal(await host.emit('ping', 1), 2);

  const unloaded = nextEvent(host, 'plugin:unloaded');
  rmSync(project.path('plugins/multi.ts'));
  assert.deepEqual(await unloaded, { name: 'multi', file: project.path('plugins/multi.ts'), version: 1 });
  assert.equal(host.tools.has('one'), false);
  assert.equal(host.tools.has('two'), false);
  assert.equal(host.commands.has('three'), false);
  assert.equal(await host.emit('ping', 1), 1, 'its hooks are gone too');
  assert.deepEqual(host.stats().map((s) => s.name), ['stay']);
  assert.equal(((await host.tools.call('stay')) as { tag: string }).tag, 's', 'the other plugin keeps serving');

  const loaded = nextEvent(host, 'plugin:loaded');
  project.write('plugins/multi.ts', plugin);
  assert.equal((await loaded).name, 'multi');
  assert.equal(await host.tools.call('one'), 1);
  assert.equal(await host.commands.run('three'), 3);
  assert.equal(await host.emit('ping', 1), 2);
});

test('a new file in a plugin directory is loaded; a file in a subdirectory or starting with "_" is not a plugin', async (t) => {
  const { project, host } = await hostFixture(t, { 'plugins/a.ts': taggedTool('a', 'a', 'a') }, { watch: true });
  const loaded = nextEvent(host, 'plugin:loaded');
  project.write('plugins/lib/helper.ts', 'export const x = 1;\n');
  project.write('plugins/_private.ts', 'export const y = 2;\n');
  project.write('plugins/b.ts', taggedTool('b', 'b', 'b'));
  assert.equal((await loaded).name, 'b');
  assert.equal(((await host.tools.call('b')) as { tag: string }).tag, 'b');
  assert.deepEqual(host.stats().map((s) => s.name), ['a', 'b']);
});

test('an edit of a helper shared by two plugins sets both up again in one transaction, against the new helper', async (t) => {
  const plugin = (name: string): string => `import { LABEL, label } from '../lib/label.ts';
export default {
  name: '${name}',
  setup(ctx) {
    // LABEL is read in setup (a tool description), label() at call time.
    ctx.tool('${name}', () => label('${name}'), { description: LABEL });
  },
};
`;
  const helper = (text: string): string => `export const LABEL = '${text}';\nexport function label(name: string): string { return '${text}:' + name; }\n`;
  const { project, runtime, host } = await hostFixture(t, {
    'lib/label.ts': helper('old'),
    'plugins/alpha.ts': plugin('alpha'),
    'plugins/beta.ts': plugin('beta'),
    'plugins/gamma.ts': taggedTool('gamma', 'gamma', 'g'),
  });
  const reloaded: { name: string; transaction: number | undefined }[] = [];
  host.on('plugin:reloaded', (e) => reloaded.push({ name: e.name, transaction: e.transaction }));

  project.write('lib/label.ts', helper('new'));
  const result = await runtime.reload([project.path('lib/label.ts')]);
  assert.equal(result.status, 'committed');
  if (result.status !== 'committed') return;
  assert.deepEqual(result.updated.map((u) => u.file).sort(), [project.path('lib/label.ts'), project.path('plugins/alpha.ts'), project.path('plugins/beta.ts')], 'one ReloadResult: the helper and both plugins');
  assert.deepEqual(reloaded, [{ name: 'alpha', transaction: result.id }, { name: 'beta', transaction: result.id }], 'gamma does not use the helper and is untouched');
  assert.deepEqual(host.tools.list().map((tool) => [tool.name, tool.description, tool.version]), [['alpha', 'new', 2], ['beta', 'new', 2], ['gamma', undefined, 1]], 'setup saw the new helper');
  assert.equal(await host.tools.call('alpha'), 'new:alpha');
  assert.equal(await host.tools.call('beta'), 'new:beta');
});

test('when one of the plugins above a shared helper fails with the new helper, neither changes', async (t) => {
  const plugin = (name: string, check: string): string => `import { LIMIT } from '../lib/limits.ts';
export default {
  name: '${name}',
  setup(ctx) {
    ${check}
    ctx.tool('${name}', () => LIMIT);
  },
};
`;
  const { project, runtime, host } = await hostFixture(t, {
    'lib/limits.ts': 'export const LIMIT = 10;\n',
    'plugins/loose.ts': plugin('loose', ''),
    'plugins/strict.ts': plugin('strict', "if (LIMIT > 50) throw new Error('LIMIT too high: ' + LIMIT);"),
  });
  project.write('lib/limits.ts', 'export const LIMIT = 100;\n');
  const result = await runtime.reload([project.path('lib/limits.ts')]);
  assert.equal(result.status, 'failed');
  if (result.status === 'failed') assert.match(result.error.message, /Plugin "strict" setup failed: Error: LIMIT too high: 100/);
  assert.equal(await host.tools.call('loose'), 10, 'the whole transaction was aborted: the helper too');
  assert.equal(await host.tools.call('strict'), 10);
  assert.deepEqual(host.stats().map((s) => s.version), [1, 1]);
});
