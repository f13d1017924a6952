/**
 * The example app's assistant, in process: a runtime and a plugin host over a
 * copy of examples/agent-host, driven through its chat function.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createPluginHost, createRuntime, type PluginHost } from '../../src/index.ts';
import { copyExample, nextEvent, type TempDir } from './helpers.ts';

type Chat = (host: PluginHost, message: string) => Promise<{ reply: string; toolCalls: { tool: string; version: number }[] }>;

async function startAgent(t: TestContext): Promise<{ app: TempDir; host: PluginHost; say: (message: string) => Promise<string> }> {
  const app = copyExample(t, 'agent-host');
  const runtime = createRuntime({ root: app.dir, cacheDir: false, watch: { settleMs: 20 } });
  const host = createPluginHost({ runtime, dirs: ['tools', 'extensions'], assetsDir: '.', control: false, logger: false });
  t.after(async () => {
    await host.close();
    await runtime.close();
  });
  await host.start();
  const { chat } = await runtime.import<{ chat: Chat }>('src/agent.ts');
  await runtime.ready();
  return { app, host, say: async (message) => (await chat(host, message)).reply };
}

test('the assistant calls tools, runs extensions and answers with its persona', async (t) => {
  const { host, say } = await startAgent(t);
  assert.deepEqual(host.stats().map((s) => `${s.name}@${s.version}`), ['calculator@1', 'clock@1', 'echo@1', 'notes@1', 'normalize@1', 'tone@1']);
  assert.equal(await say('calc 2 + 3 * (4 - 1)'), '2+3*(4-1) = 11 :)');
  assert.equal(await say('calc 2 +'), `I can't compute "2 +": the expression ends too early. :)`);
  assert.equal(await say('  echo   pls   thx '), 'please thanks :)', 'normalize (message:before) tidied and expanded, tone (message:after) signed');
  assert.equal(await say('note add buy milk'), 'Noted (1 in total). :)');
  assert.equal(await say('notes'), 'Your notes:\n- buy milk :)');
  assert.match(await say('time'), /^It is \d\d:\d\d:\d\d UTC on \d{4}-\d\d-\d\d\. :\)$/);
  assert.equal(await say('hello'), "I'm Pip, a small deterministic assistant. Try: calc 2+3 · time · echo hello · note add buy milk :)");
  assert.equal(host.tools.list().find((tool) => tool.name === 'calculator')?.description, 'Evaluates arithmetic: + - * / ^ and parentheses.', 'descriptions come from prompts/*.md');
});

test('editing prompts/system.md changes the next reply', async (t) => {
  const { app, host, say } = await startAgent(t);
  assert.match(await say('hello'), /^I'm Pip, a small deterministic assistant\./);
  const changed = nextEvent(host, 'asset:changed');
  app.edit('prompts/system.md', (s) => s.replace("persona: I'm Pip, a small deterministic assistant.", 'persona: Ahoy, I be Pip the pirate.'));
  await changed;
  assert.match(await say('hello'), /^Ahoy, I be Pip the pirate\. Try:/);
});

test('a broken prompts/abbreviations.json keeps its last good content', async (t) => {
  const { app, host, say } = await startAgent(t);
  assert.equal(await say('echo thx'), 'thanks :)');
  const failed = nextEvent(host, 'asset:error');
  app.edit('prompts/abbreviations.json', (s) => s.replace('"thx": "thanks",', '"thx": "thank you",,'));
  assert.match((await failed).error.text, /abbreviations\.json is not valid JSON/);
  assert.equal(await say('echo thx'), 'thanks :)', 'the last good content');
  const changed = nextEvent(host, 'asset:changed');
  app.edit('prompts/abbreviations.json', (s) => s.replace('"thank you",,', '"thank you",'));
  await changed;
  assert.equal(await say('echo thx'), 'thank you :)');
});

test('notes survive edits of the notes tool; a tool description edit sets the tool up again', async (t) => {
  const { app, host, say } = await startAgent(t);
  await say('note add first');
  const reloaded = nextEvent(host, 'plugin:reloaded', (e) => e.name === 'notes');
  app.edit('tools/notes.ts', (s) => s.replace('Noted (', 'Got it ('));
  assert.equal((await reloaded).version, 2);
  assert.equal(await say('note add second'), 'Got it (2 in total). :)');
  assert.equal(await say('notes'), 'Your notes:\n- first\n- second :)');

  const described = nextEvent(host, 'plugin:reloaded', (e) => e.name === 'echo' && e.reason === 'asset');
  app.edit('prompts/echo.md', (s) => s.replace('Repeats what you say.', 'Says it again.'));
  await described;
  assert.equal(host.tools.list().find((tool) => tool.name === 'echo')?.description, 'Says it again.');
});
