/**
 * One version story: a failed attempt gives its number back, so the next good
 * version of a plugin's file shows the number the plugin version beside it
 * shows, and the plugin line names its file's version too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyExample, spawnCli } from '../plugins/helpers.ts';
import { createProject } from '../support/project.ts';
import { startCli } from '../support/cli.ts';

test('a plugin that failed twice: plugin v2 beside its file @v2, and the plugin line names both', async (t) => {
  const app = copyExample(t, 'agent-host');
  const cli = spawnCli(t, ['run', '--no-control', 'src/main.ts'], { cwd: app.dir, env: { PORT: '0' } });
  await cli.waitForLine('stdout', /^listening on /);
  let mark = cli.stderr.length;
  // evaluates, then its smoke test fails: a staged version that never commits
  app.edit('tools/calculator.ts', (s) => s.replace('evaluate(input)}', 'evaluate(input) + 1}'));
  await cli.waitForLine('stderr', /^\[agent-host\] plugin calculator failed in smoke/, mark);
  mark = cli.stderr.length;
  // throws at top level: a staged version that fails to evaluate
  app.edit('tools/calculator.ts', (s) => `throw new Error('not yet');\n${s}`);
  await cli.waitForLine('stderr', /HS_EVALUATION.*not yet/, mark);
  mark = cli.stderr.length;
  app.edit('tools/calculator.ts', (s) => s.replace(`throw new Error('not yet');\n`, '').replace('evaluate(input) + 1}', 'evaluate(input)}'));
  const plugin = await cli.waitForLine('stderr', /^\[agent-host\] plugin calculator v\d+ live/, mark);
  const module = await cli.waitForLine('stderr', /^\[hotswap\] ↻ tools\/calculator\.ts@v\d+/, mark);
  assert.match(module, /tools\/calculator\.ts@v2 /, `the failed attempts did not consume numbers: ${module}`);
  assert.match(plugin, /plugin calculator v2 live \(was v1, module; file tools\/calculator\.ts@v2\)$/, 'the plugin line names both counters, and they agree');
});

test('a module whose reload failed: the next good version takes the next number, and its stack maps to its own source', async (t) => {
  const p = createProject({
    'src/main.ts': `import { value } from './value.ts';\nsetInterval(() => value, 1000);\nconsole.log('ready');\n`,
    'src/value.ts': `export const value = 1;\n`,
  });
  const cli = startCli(['run', '--no-control', 'src/main.ts'], { cwd: p.dir });
  t.after(async () => {
    await cli.stop();
    p.cleanup();
  });
  await cli.waitForLine('stdout', /ready/);
  for (let attempt = 0; attempt < 3; attempt++) {
    const mark = cli.stderr.length;
    p.writeAtomic('src/value.ts', `throw new Error('attempt ${attempt}');\nexport const value = 1;\n`);
    await cli.waitForLine('stderr', new RegExp(`attempt ${attempt}`), 30_000, mark);
  }
  const mark = cli.stderr.length;
  // the good version reuses the failed attempts' number (and script name): its stack maps to its own source
  p.writeAtomic('src/value.ts', `export const value = 2;\nsetTimeout(() => { throw new Error('from v2'); }, 1);\n`);
  await cli.waitForLine('stderr', /↻ src\/value\.ts@v2 /, 30_000, mark);
  await cli.waitForLine('stderr', /src\/value\.ts:2:26 HS_APP_UNCAUGHT: .*from v2/, 30_000, mark);
});
