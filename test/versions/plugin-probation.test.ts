/**
 * Errors of plugin handlers count for the plugin file's version: a plugin
 * applied with a tool that throws on most calls is rolled back to its last
 * stable version in probation, and the next calls succeed (in process, real
 * runtime, plugin host and files).
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { createPluginHost } from '../../src/plugins/plugin-host.ts';
import { createRuntime } from '../../src/runtime/runtime.ts';
import { attachVersions } from '../../src/versions/attach-versions.ts';
import { tempDir, waitUntil, writeFiles } from '../control/helpers.ts';

const PLUGIN = (body: string): string => `let n = 0;\nexport default {\n  name: 'dice',\n  setup(ctx) {\n    ctx.tool('roll', () => {\n      n++;\n${body}\n    });\n  },\n};\n`;

test('a plugin whose tool throws on most calls is rolled back in probation', async () => {
  const dir = tempDir('hotswap-versions-');
  writeFiles(dir, { 'package.json': '{ "type": "module" }', 'tools/dice.ts': PLUGIN("      return 'six';") });
  const runtime = createRuntime({ root: dir, cacheDir: false, watch: false });
  const versions = attachVersions(runtime, { windowMs: 300, minCalls: 5, maxErrorRate: 0.5 });
  const store = versions.service.store;
  assert.ok(store);
  const host = createPluginHost({ runtime, dirs: ['tools'], logger: false });
  try {
    await host.start();
    assert.equal(await host.tools.call('roll', {}), 'six');
    await waitUntil(() => store.latest('tools/dice.ts')?.state === 'stable', 'the first version to become stable');

    const applied = await versions.apply({ module: 'tools/dice.ts', code: PLUGIN("      if (n % 5 !== 0) throw new Error('snake eyes');\n      return 'one';") });
    assert.equal(applied.status, 'committed', JSON.stringify(applied.error));
    const bad = store.latest('tools/dice.ts');
    const restored = await waitUntil(async () => {
      for (let i = 0; i < 5; i++) await Promise.resolve(host.tools.call('roll', {})).catch(() => {});
      const latest = store.latest('tools/dice.ts');
      return latest?.trigger === 'auto-rollback' ? latest : undefined;
    }, 'the automatic rollback');
    assert.equal(restored.parentId, bad?.id);
    assert.equal(store.get(bad?.id as number)?.state, 'rolled-back');
    for (let i = 0; i < 5; i++) assert.equal(await host.tools.call('roll', {}), 'six');
  } finally {
    await host.close();
    await runtime.close();
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
  }
});
