/**
 * Editor temp/backup/swap files, sed's temp file, a README.tmp, a doctor probe:
 * none of them is a reload. Nothing is printed or counted for a change set that
 * touches no loaded module or watched asset, and there is never an empty `↻` line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { copyExample, spawnCli, REPO } from '../plugins/helpers.ts';
import { createProject } from '../support/project.ts';
import { startCli } from '../support/cli.ts';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Noise as editors and tools leave it (names from vim, emacs, JetBrains, VS Code tools, sed, nano, gedit). */
const NOISE = ['sedAb12Cd', '.echo.ts.swp', '.echo.ts.swo', 'echo.ts~', '#echo.ts#', 'echo.ts___jb_tmp___', 'echo.ts.tmp.4711.9f3c2a', 'README.tmp', '4913', 'notes.txt', '_draft.ts', 'hotswap-doctor-1234-abcd.txt'];

function cliJson(args: string[], cwd: string): unknown {
  const run = spawnSync(process.execPath, [join(REPO, 'src/cli/bin.ts'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(run.status, 0, run.stderr);
  return args.includes('logs') ? run.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown) : JSON.parse(run.stdout);
}

test('a plugin-host app: new non-module files under the project make no reload, no line, no count, no event', async (t) => {
  const app = copyExample(t, 'agent-host');
  const cli = spawnCli(t, ['run', 'src/main.ts'], { cwd: app.dir, env: { PORT: '0' } });
  await cli.waitForLine('stdout', /^listening on /);
  await cli.waitForLine('stderr', /dashboard http/);
  const before = (cliJson(['status', '--json'], app.dir) as { stats: { reloads: number } }).stats.reloads;
  const mark = cli.stderr.length;
  // in a plugin directory, where a new .ts file would be loaded, and at the project root
  for (const name of NOISE) writeFileSync(app.path(`tools/${name}`), 'noise\n');
  for (const name of ['README.tmp', 'notes.txt', 'hotswap-doctor-1-2.txt']) writeFileSync(app.path(name), 'noise\n');
  // then a real edit: file events arrive in order, so every noise event was handled before its reload
  app.edit('tools/echo.ts', (s) => s.replace('answer(quote(input))', 'answer(quote(input).toUpperCase())'));
  await cli.waitForLine('stderr', /^\[hotswap\] ↻ tools\/echo\.ts@v\d+ /, mark);
  const lines = cli.stderr.slice(mark).filter((l) => l.startsWith('[hotswap]'));
  assert.deepEqual(lines.filter((l) => l.includes('↻')).length, 1, lines.join('\n'));
  assert.ok(lines.every((l) => !/↻\s+[\d.]+ ms/.test(l)), `no empty reload line:\n${lines.join('\n')}`);
  assert.ok(cli.stderr.slice(mark).every((l) => !NOISE.some((n) => l.includes(n))), cli.stderr.slice(mark).join('\n'));
  const after = (cliJson(['status', '--json'], app.dir) as { stats: { reloads: number } }).stats.reloads;
  assert.equal(after, before + 1, 'only the edit counts');
  const events = cliJson(['logs', '--json', '--limit', '1000'], app.dir) as { data: unknown }[];
  const text = JSON.stringify(events);
  for (const name of NOISE) assert.ok(!text.includes(name), `${name} is not in the event feed`);
});

test('a plain app: a temp file beside a broken module does not show up in the failure line', async (t) => {
  const p = createProject({
    'src/main.ts': `import { greet } from './greet.ts';\nsetInterval(() => greet(), 1000);\nconsole.log('ready');\n`,
    'src/greet.ts': `export function greet(): string {\n  return 'hi';\n}\n`,
  });
  const cli = startCli(['run', '--no-control', 'src/main.ts'], { cwd: p.dir });
  t.after(async () => {
    await cli.stop();
    p.cleanup();
  });
  await cli.waitForLine('stdout', /ready/);
  let mark = cli.stderr.length;
  p.writeAtomic('src/greet.ts', `export function greet(): string {\n  return 'hi;\n}\n`);
  await cli.waitForLine('stderr', /✗ reload #\d+ failed \(src\/greet\.ts\)/, 30_000, mark);
  mark = cli.stderr.length;
  // sed -i writes its result to a temp file in the same directory, then renames it over
  p.write('src/sedX9y8Z7', `export function greet(): string {\n  return 'hi';\n}\n`);
  p.write('src/README.tmp', 'notes');
  p.write('src/.greet.ts.swp', 'swap');
  p.write('src/notes.md', 'not a module');
  // still broken: the failure line names the file that failed, not the noise around it
  p.writeAtomic('src/greet.ts', `export function greet(): string {\n  return 'hi;;\n}\n`);
  const failure = await cli.waitForLine('stderr', /✗ reload #\d+ failed/, 30_000, mark);
  assert.match(failure, /failed \(src\/greet\.ts\);/);
  p.writeAtomic('src/greet.ts', `export function greet(): string {\n  return 'hello';\n}\n`);
  await cli.waitForLine('stderr', /↻ src\/greet\.ts@v\d+/, 30_000, mark);
  const after = cli.stderr.slice(mark).join('\n');
  assert.doesNotMatch(after, /sedX9y8Z7|README\.tmp|\.swp|notes\.md/, after);
  assert.equal(cli.stderr.slice(mark).filter((l) => l.includes('failed')).length, 1, after);
});

test('an edit that makes an importer re-run says which modules lost their state', async (t) => {
  const p = createProject({
    'src/main.ts': `import { take } from './store.ts';\nsetInterval(() => take(), 1000);\nconsole.log('ready');\n`,
    'src/config.ts': `export const limit = 3;\n`,
    'src/store.ts': `import { limit } from './config.ts';\nconst cap = limit;\nconst items = new Map<number, number>();\nexport function take(): number {\n  items.set(items.size, cap);\n  return items.size;\n}\n`,
  });
  const cli = startCli(['run', '--no-control', 'src/main.ts'], { cwd: p.dir });
  t.after(async () => {
    await cli.stop();
    p.cleanup();
  });
  await cli.waitForLine('stdout', /ready/);
  const mark = cli.stderr.length;
  p.writeAtomic('src/config.ts', `export const limit = 4;\n`);
  const line = await cli.waitForLine('stderr', /↻ src\/config\.ts@v2/, 30_000, mark);
  assert.match(line, /re-ran src\/store\.ts \(state reset: not kept in import\.meta\.hot\.data\)/);
});

test('hotswap doctor does not disturb the running app it checks', async (t) => {
  const p = createProject({
    'main.ts': `import { value } from './value.ts';\nsetInterval(() => value, 1000);\nconsole.log('ready');\n`,
    'value.ts': `export const value = 1;\n`,
  });
  const cli = startCli(['run', 'main.ts'], { cwd: p.dir });
  t.after(async () => {
    await cli.stop();
    p.cleanup();
  });
  await cli.waitForLine('stdout', /ready/);
  await cli.waitForLine('stderr', /dashboard http/);
  const before = (cliJson(['status', '--json'], p.dir) as { stats: { reloads: number } }).stats.reloads;
  const mark = cli.stderr.length;
  const doctor = spawnSync(process.execPath, [join(REPO, 'src/cli/bin.ts'), 'doctor'], { cwd: p.dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(doctor.status, 0, doctor.stdout + doctor.stderr);
  assert.match(doctor.stdout, /✓ watcher sees changes in \./);
  // a real edit after the probe came and went: its reload is the only one
  p.writeAtomic('value.ts', `export const value = 2;\n`);
  await cli.waitForLine('stderr', /↻ value\.ts@v2/, 30_000, mark);
  assert.equal(cli.stderr.slice(mark).filter((l) => l.startsWith('[hotswap]')).length, 1, cli.stderr.slice(mark).join('\n'));
  assert.equal((cliJson(['status', '--json'], p.dir) as { stats: { reloads: number } }).stats.reloads, before + 1);
  assert.ok(!JSON.stringify(cliJson(['logs', '--json', '--limit', '1000'], p.dir)).includes('hotswap-doctor'), 'the probe is not in the event feed');
});
