/**
 * Usage errors in one style (`[hotswap] ✗ HS_USAGE: ...` and a hint), flags
 * echoed as typed, and help that does not call --no-* flags "default: true".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProject } from '../support/project.ts';
import { startCli } from '../support/cli.ts';
import { describeUncaught } from '../../src/cli/app-error.ts';
import { codeFrame } from '../../src/shared/code-frame.ts';
import { formatError } from '../../src/errors.ts';

const CASES: { args: string[]; message: RegExp }[] = [
  { args: ['run', '--bogus-flag', 'src/main.ts'], message: /^\[hotswap\] ✗ HS_USAGE: Unknown flag --bogus-flag$/ },
  { args: ['run', '--bogus-flag=3', 'src/main.ts'], message: /^\[hotswap\] ✗ HS_USAGE: Unknown flag --bogus-flag$/ },
  { args: ['run', '--no-watchh', 'src/main.ts'], message: /^\[hotswap\] ✗ HS_USAGE: Unknown flag --no-watchh$/ },
  { args: ['status', '--very-bogus'], message: /^\[hotswap\] ✗ HS_USAGE: Unknown flag --very-bogus$/ },
  { args: ['run', '--log-format'], message: /^\[hotswap\] ✗ HS_USAGE: --log-format needs a value: --log-format <format>$/ },
  { args: ['run', '--log-format', 'xml', 'src/main.ts'], message: /^\[hotswap\] ✗ HS_USAGE: Unknown --log-format "xml"$/ },
  { args: ['run'], message: /^\[hotswap\] ✗ HS_USAGE: Missing argument: hotswap run <entry> \[\.\.\.args\]$/ },
  { args: ['reload', 'a.ts', 'b.ts'], message: /^\[hotswap\] ✗ HS_USAGE: Unexpected argument: b\.ts$/ },
  { args: ['frobnicate'], message: /^\[hotswap\] ✗ HS_USAGE: Unknown command "frobnicate"$/ },
];

for (const { args, message } of CASES) {
  test(`usage error in one style: hotswap ${args.join(' ')}`, async (t) => {
    const p = createProject({ 'src/main.ts': `console.log('never');\n` });
    t.after(() => p.cleanup());
    const cli = startCli(args, { cwd: p.dir });
    assert.equal((await cli.exited).code, 2);
    assert.match(cli.stderr[0] ?? '', message, cli.stderr.join('\n'));
    assert.match(cli.stderr[1] ?? '', /^ {10}hint: /, 'the hint follows, indented');
    const all = cli.stderr.join('\n');
    assert.doesNotMatch(all, /error:|[a-z][A-Z]\w*`|`--\w*[A-Z]/, 'no second prefix and no camel-cased flag');
    assert.equal(cli.stdout.join(''), '', 'nothing on stdout');
  });
}

test('an unknown flag before the entry of run: the hint says app flags go after the entry', async (t) => {
  const p = createProject({ 'src/main.ts': `console.log('never');\n` });
  t.after(() => p.cleanup());
  const cli = startCli(['run', '--port', '3000', 'src/main.ts'], { cwd: p.dir });
  assert.equal((await cli.exited).code, 2);
  assert.equal(cli.stderr[0], '[hotswap] ✗ HS_USAGE: Unknown flag --port');
  assert.match(cli.stderr[1] ?? '', /Flags for the app go after the entry: hotswap run <entry> --port \.\.\.$/);
});

test('--help does not show "(default: true)" for --no-* flags', async (t) => {
  const p = createProject({});
  t.after(() => p.cleanup());
  const cli = startCli(['run', '--help'], { cwd: p.dir });
  assert.equal((await cli.exited).code, 0);
  const help = cli.stdout.join('\n');
  for (const flag of ['--no-watch', '--no-keep-alive', '--no-control']) {
    const line = cli.stdout.find((l) => l.trimStart().startsWith(flag));
    assert.ok(line, `${flag} is listed:\n${help}`);
    assert.doesNotMatch(line, /default/, line);
  }
  assert.ok(cli.stdout.every((l) => !l.endsWith(' ')), 'no trailing spaces');
});

test('HS_INTERNAL is kept for faults inside hotswap, with a line asking to report it', () => {
  let thrown: unknown;
  try {
    codeFrame(undefined as unknown as string, 1, 1); // a TypeError inside hotswap's own code
  } catch (error) {
    thrown = error;
  }
  const project = { root: '/nonexistent-project', roots: ['/nonexistent-project'] };
  const internal = describeUncaught(thrown, 'uncaughtException', project);
  assert.equal(internal.code, 'HS_INTERNAL');
  assert.match(formatError(internal), /please report it/);
  const app = describeUncaught(new Error('from somewhere else'), 'uncaughtException', { root: '/x', roots: ['/x'] });
  assert.equal(describeUncaught('a string', 'unhandledRejection', project).code, 'HS_APP_UNCAUGHT', 'a non-Error value is the app\'s');
  // this test file is no hotswap source: an error thrown here is not hotswap's
  assert.equal(app.code, 'HS_APP_UNCAUGHT');
  assert.doesNotMatch(formatError(app), /please report/);
});
