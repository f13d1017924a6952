/**
 * Two counters, each named where it is shown: a plugin's version counts its
 * versions that went live, a file's `@vN` counts every evaluation of the file
 * (failed attempts too). The plugin line names the file version beside its own,
 * so `plugin calculator v2` beside `tools/calculator.ts@v4` is one story.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyExample, spawnCli } from '../plugins/helpers.ts';

test('a plugin that failed twice: its plugin line names the file version hotswap prints', async (t) => {
  const app = copyExample(t, 'agent-host');
  const cli = spawnCli(t, ['run', '--no-control', 'src/main.ts'], { cwd: app.dir, env: { PORT: '0' } });
  await cli.waitForLine('stdout', /^listening on /);
  let mark = cli.stderr.length;
  // evaluates, then its smoke test fails: a file version that never went live
  app.edit('tools/calculator.ts', (s) => s.replace('evaluate(input)}', 'evaluate(input) + 1}'));
  await cli.waitForLine('stderr', /^\[agent-host\] plugin calculator failed in smoke/, mark);
  mark = cli.stderr.length;
  // throws at top level: another failed evaluation of the file
  app.edit('tools/calculator.ts', (s) => `throw new Error('not yet');\n${s}`);
  await cli.waitForLine('stderr', /HS_EVALUATION.*not yet/, mark);
  mark = cli.stderr.length;
  app.edit('tools/calculator.ts', (s) => s.replace(`throw new Error('not yet');\n`, '').replace('evaluate(input) + 1}', 'evaluate(input)}'));
  const plugin = await cli.waitForLine('stderr', /^\[agent-host\] plugin calculator v\d+ live/, mark);
  const module = await cli.waitForLine('stderr', /^\[hotswap\] ↻ tools\/calculator\.ts@v\d+/, mark);
  const fileVersion = /tools\/calculator\.ts@v(\d+)/.exec(module)?.[1];
  assert.ok(Number(fileVersion) > 2, `the failed attempts counted as file versions: ${module}`);
  assert.match(plugin, new RegExp(`plugin calculator v2 live \\(was v1, module; file tools/calculator\\.ts@v${fileVersion}\\)$`), 'the plugin line names both counters');
});
