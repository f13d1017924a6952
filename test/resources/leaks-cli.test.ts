/**
 * The leak report through the control plane: `hotswap status` (and its JSON,
 * which is GET /api/leaks) names a version user code keeps reachable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, saveFile, spawnCli, tempDir, writeFiles } from '../control/helpers.ts';

const kept = (v: number): string => `const g = globalThis as any;\n(g.__kept ??= []).push(() => ${v});\nexport const v = ${v};\n`;

test('hotswap status --gc names a retained version with its module; --json carries the report', async (t) => {
  const dir = tempDir('hotswap-leaks-');
  writeFiles(dir, {
    'package.json': '{ "type": "module" }',
    'src/kept.ts': kept(1),
    'src/main.ts': `import { v } from './kept.ts';\nsetInterval(() => v, 1000);\nconsole.log('started');\n`,
  });
  const app = spawnCli(['run', 'src/main.ts'], { cwd: dir });
  t.after(async () => {
    await app.kill();
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
  });
  await app.waitFor(/dashboard http:\/\/127\.0\.0\.1:\d+/, 'the control server');
  await app.waitFor(/started/, 'the app');
  saveFile(join(dir, 'src/kept.ts'), kept(2));
  await app.waitFor(/src\/kept\.ts@v2/, 'the reload');
  const human = await runCli(['status', '--gc'], dir);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /leak {6}src\/kept\.ts@v1 still reachable \d+s after it was replaced\n/);
  assert.doesNotMatch(human.stdout, /src\/main\.ts@v/, 'the entry was never replaced');
  const json = await runCli(['status', '--json'], dir);
  const body = JSON.parse(json.stdout) as { leaks: { versions: { module: string; version: number }[]; resources: unknown[] } };
  assert.deepEqual(body.leaks.versions.map((v) => `${v.module}@${v.version}`), ['src/kept.ts@1']);
});
