/**
 * Plugin events read as people read them: `hotswap status` shows a plugin
 * table (no JSON dump, no stack), `hotswap logs` one line per plugin event.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { copyExample, spawnCli, REPO } from '../plugins/helpers.ts';

function cli(args: string[], cwd: string): string {
  const run = spawnSync(process.execPath, [join(REPO, 'src/cli/bin.ts'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}

test('status shows a plugin table and logs one line per plugin event', async (t) => {
  const app = copyExample(t, 'agent-host');
  const run = spawnCli(t, ['run', 'src/main.ts'], { cwd: app.dir, env: { PORT: '0' } });
  await run.waitForLine('stdout', /^listening on /);
  await run.waitForLine('stderr', /dashboard http/);
  let mark = run.stderr.length;
  app.edit('tools/echo.ts', (s) => s.replace('answer(quote(input))', 'answer(quote(input).toUpperCase())'));
  await run.waitForLine('stderr', /^\[agent-host\] plugin echo v2 live/, mark);
  mark = run.stderr.length;
  // a failure with a stack: the table shows one line for it, never the stack
  app.edit('tools/calculator.ts', (s) => s.replace('evaluate(input)}', 'evaluate(input) + 1}'));
  await run.waitForLine('stderr', /^\[agent-host\] plugin calculator failed in smoke/, mark);

  const status = cli(['status'], app.dir).split('\n');
  const header = status.findIndex((l) => /^ {2}plugins +plugin +version +status +calls +errors +reloads +failures +registers$/.test(l));
  assert.ok(header >= 0, status.join('\n'));
  const row = (name: string): string => status.find((l) => new RegExp(`^ {12}${name} `).test(l)) ?? '';
  assert.match(row('echo'), /^ +echo +v2 +enabled +\d+ +0 +1 +0 +tool echo$/);
  assert.match(row('calculator'), /^ +calculator +v1 +enabled +\d+ +0 +0 +1 +tool calculator$/);
  assert.ok(status.some((l) => /calculator: last failure in smoke: HS_PLUGIN_SMOKE /.test(l)), status.join('\n'));
  for (const line of status) {
    assert.ok(line.length <= 200, `a readable line, not a dump (${line.length} chars): ${line.slice(0, 120)}…`);
    assert.doesNotMatch(line, /"stack"|\{"|at file:/);
  }

  const logs = cli(['logs', '--limit', '200'], app.dir).split('\n');
  const pluginLines = logs.filter((l) => l.includes('◆'));
  assert.ok(pluginLines.some((l) => l.endsWith('◆ plugin echo v2 live (was v1; its code changed; file tools/echo.ts@v2)')), logs.join('\n'));
  assert.ok(pluginLines.some((l) => /◆ plugin echo v1 (had no calls running|drained \d+ calls?), torn down$/.test(l)), logs.join('\n'));
  assert.ok(pluginLines.some((l) => /◆ plugin calculator failed in smoke, v1 keeps serving: HS_PLUGIN_SMOKE Plugin "calculator" smoke failed/.test(l)), logs.join('\n'));
  for (const line of logs) assert.doesNotMatch(line, /\{"|plugins:plugin:/, 'no raw JSON');
});
