/**
 * Issue 9, cases 6 and 7 end to end: a throwing accept callback reaches the
 * CLI's stderr and the event stream like a throwing dispose handler, and a
 * removed namespace member is a warning there, naming the reader.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCli } from '../support/cli.ts';
import { createProject } from '../support/project.ts';
import { inProcess, sseReader, writeFiles } from '../control/helpers.ts';

const FILES = {
  'src/dep.js': `export const value = 1;\nexport function optional() { return 'opt'; }\n`,
  'src/main.js': [
    `import { value } from './dep.js';\nimport * as dep from './dep.js';\n`,
    `import.meta.hot.accept('./dep.js', () => { throw new Error('accept boom ' + value); });\n`,
    `export const probe = () => typeof dep.optional;\n`,
    `setInterval(() => {}, 1000);\nconsole.log('ready');\n`,
  ].join(''),
};

test('hotswap run: a throwing accept callback and a removed namespace member are reported on stderr', async (t) => {
  const p = createProject(FILES);
  const cli = startCli(['run', '--no-control', 'src/main.js'], { cwd: p.dir });
  t.after(async () => {
    await cli.stop();
    p.cleanup();
  });
  await cli.waitForLine('stdout', /ready/);
  p.writeAtomic('src/dep.js', `export const value = 2;\n`);
  const error = await cli.waitForLine('stderr', /HS_HOT_CALLBACK/);
  assert.match(error, /An accept handler of src\/main\.js threw: Error: accept boom 2/, 'the callback reads the new value (live binding)');
  const warning = await cli.waitForLine('stderr', /warning:/);
  assert.match(warning, /src\/main\.js:2 reads "optional" off its namespace import of "\.\/dep\.js", which src\/dep\.js no longer exports/);
  assert.ok(cli.stderr.some((l) => /↻ src\/dep\.js@v2/.test(l)), 'the reload committed');
});

test('event stream: the throwing accept callback is an error event, the warning rides on reload:committed', async () => {
  const main = FILES['src/main.js'].replace(`setInterval(() => {}, 1000);\n`, '').replaceAll('./dep.js', './dep.ts');
  const ctx = await inProcess({ files: { 'package.json': '{ "type": "module" }', 'dep.ts': FILES['src/dep.js'], 'main.ts': main } });
  try {
    const stream = sseReader(await ctx.request('/api/events'));
    writeFiles(ctx.dir, { 'dep.ts': `export const value = 2;\n` });
    assert.equal((await ctx.runtime.reload(['dep.ts'])).status, 'committed');
    const error = await stream.next((m) => m.event === 'error');
    assert.equal((error.data['error'] as { code: string }).code, 'HS_HOT_CALLBACK');
    const done = await stream.next((m) => m.event === 'reload:committed');
    assert.deepEqual(done.data['warnings'], [
      { path: 'main.ts', message: 'main.ts:2 reads "optional" off its namespace import of "./dep.ts", which dep.ts no longer exports: it reads undefined now' },
    ]);
    await stream.cancel();
  } finally {
    await ctx.close();
  }
});
