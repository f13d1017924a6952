/**
 * End to end: the real CLI runs a copy of examples/agent-host; the test talks
 * to it over HTTP while editing a tool, a prompt and an extension, breaks one
 * on purpose, and waits for reload events on stderr (never for a fixed time).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyExample, spawnCli } from './helpers.ts';

interface Reply {
  reply: string;
  toolCalls: { tool: string; plugin: string; version: number }[];
}

test('agent-host under `hotswap run`: edit a tool, a prompt and an extension, break one, keep serving', async (t) => {
  const app = copyExample(t, 'agent-host');
  const cli = spawnCli(t, ['run', '--log-format', 'json', '--no-control', 'src/main.ts'], { cwd: app.dir, env: { PORT: '0' } });
  const listening = await cli.waitForLine('stdout', /^listening on http:\/\/127\.0\.0\.1:\d+$/);
  const base = listening.slice('listening on '.length);
  const say = async (message: string): Promise<Reply> => {
    const response = await fetch(`${base}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message }) });
    assert.equal(response.status, 200);
    return (await response.json()) as Reply;
  };
  const committed = (file: string) => (e: Record<string, unknown>) => e['status'] === 'committed' && (e['updated'] as { file: string }[]).some((u) => u.file === app.path(file));

  // Started: every plugin loaded before the server listened.
  assert.match(await cli.waitForLine('stderr', /^\[agent-host\] plugin tone v1 loaded$/), /tone/);
  assert.match(await (await fetch(`${base}/`)).text(), /<title>agent-host · hotswap<\/title>/);
  assert.deepEqual(await say('calc 2+3'), { reply: '2+3 = 5 :)', toolCalls: [{ tool: 'calculator', plugin: 'calculator', version: 1, input: '2+3', output: '2+3 = 5' }] });
  assert.equal((await say('note add milk')).reply, 'Noted (1 in total). :)');

  // A tool.
  let mark = cli.stderr.length;
  app.edit('tools/echo.ts', (s) => s.replace('answer(quote(input))', 'answer(quote(input).toUpperCase())'));
  await cli.waitForReload(committed('tools/echo.ts'), mark);
  assert.deepEqual(await say('echo hot swap'), { reply: 'HOT SWAP :)', toolCalls: [{ tool: 'echo', plugin: 'echo', version: 2, input: 'hot swap', output: 'HOT SWAP' }] });

  // A prompt: read at every reply, so the next reply has it.
  assert.match((await say('hello')).reply, /^I'm Pip, a small deterministic assistant\. Try: /);
  mark = cli.stderr.length;
  app.edit('prompts/system.md', (s) => s.replace("persona: I'm Pip, a small deterministic assistant.", "persona: I'm Pip, now with a new prompt."));
  await cli.waitForLine('stderr', /^\[agent-host\] asset .*prompts\/system\.md changed$/, mark);
  assert.match((await say('hello there')).reply, /^I'm Pip, now with a new prompt\. Try: /);

  // An extension.
  mark = cli.stderr.length;
  app.edit('extensions/tone.ts', (s) => s.replace("const MOOD = ':)';", "const MOOD = '(hot)';"));
  await cli.waitForReload(committed('extensions/tone.ts'), mark);
  assert.equal((await say('calc 6*7')).reply, '6*7 = 42 (hot)');

  // State kept in a plugin survives an edit of that plugin (migrate).
  mark = cli.stderr.length;
  app.edit('tools/notes.ts', (s) => s.replace('Your notes:', 'Notes so far:'));
  await cli.waitForReload(committed('tools/notes.ts'), mark);
  assert.equal((await say('notes')).reply, 'Notes so far:\n- milk (hot)');

  // Broken on purpose, twice: a syntax error, then a calculator that computes wrong (its smoke test catches it).
  mark = cli.stderr.length;
  app.edit('tools/calculator.ts', (s) => s.replace('evaluate(input)}', 'evaluate(input)'));
  // (Wait for the failure this edit causes: a reload that retries the file before the rename lands may fail first.)
  const failedWith = (code: string) => (e: Record<string, unknown>) => e['status'] === 'failed' && (e['error'] as { code: string }).code === code;
  const syntax = await cli.waitForReload(failedWith('HS_SYNTAX'), mark);
  assert.deepEqual((syntax['error'] as { location: { file: string } }).location.file, app.path('tools/calculator.ts'));
  assert.equal((await say('calc 1+1')).reply, '1+1 = 2 (hot)', 'the last good calculator keeps serving');

  mark = cli.stderr.length;
  app.edit('tools/calculator.ts', (s) => s.replace('evaluate(input)', 'evaluate(input) + 1}'));
  const smoke = await cli.waitForReload(failedWith('HS_PLUGIN_SMOKE'), mark);
  assert.match((smoke['error'] as { text: string }).text, /Plugin "calculator" smoke failed: Error: calc 2\+3\*4 answered "2\+3\*4 = 15"/);
  await cli.waitForLine('stderr', /^\[agent-host\] plugin calculator failed in smoke, v1 keeps serving/, mark);
  assert.equal((await say('calc 1+1')).reply, '1+1 = 2 (hot)', 'still the last good calculator');

  mark = cli.stderr.length;
  app.edit('tools/calculator.ts', (s) => s.replace('evaluate(input) + 1}', 'evaluate(input)}').replace('${input.replace', 'v2 ${input.replace'));
  await cli.waitForReload(committed('tools/calculator.ts'), mark);
  assert.deepEqual((await say('calc 1+1')).toolCalls.map((c) => [c.plugin, c.version]), [['calculator', 2]]);
  assert.equal((await say('calc 1+1')).reply, 'v2 1+1 = 2 (hot)');

  const plugins = (await (await fetch(`${base}/api/plugins`)).json()) as { name: string; version: number; failures: number; reloads: number }[];
  assert.deepEqual(plugins.map((p) => [p.name, p.version, p.reloads, p.failures]), [
    ['calculator', 2, 1, 2],
    ['clock', 1, 0, 0],
    ['echo', 2, 1, 0],
    ['notes', 2, 1, 0],
    ['normalize', 1, 0, 0],
    ['tone', 2, 1, 0],
  ]);

  const exit = await cli.stop();
  assert.ok(exit.signal === 'SIGTERM' || exit.code === 0, `exited (${JSON.stringify(exit)})`);
});

test('agent-host --terminal: one reply per stdin line, plugin commands, exit 0 at the end of input', async (t) => {
  const app = copyExample(t, 'agent-host');
  const cli = spawnCli(t, ['run', '--no-control', 'src/main.ts', '--terminal'], { cwd: app.dir, input: 'calc 2*21\nnote add tea\n/notes\n/nope\nhello\n' });
  const exit = await cli.exited;
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.deepEqual(cli.stdout, [
    '2*21 = 42 :)',
    'Noted (1 in total). :)',
    '- tea',
    'error: No command "nope"',
    "I'm Pip, a small deterministic assistant. Try: calc 2+3 · time · echo hello · note add buy milk :)",
  ]);
});
