/**
 * An entry re-run whose new version throws asynchronously while it starts (a server
 * that cannot listen: EADDRINUSE) is a failed reload, loudly; the old version runs
 * again (issue 10, point 3). Real CLI, real ports, events only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { createProject } from '../support/project.ts';
import { get, startCli } from '../support/cli.ts';

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

const main = `import { createServer } from 'node:http';
import { port } from './port.ts';
const server = createServer((_req, res) => res.end('serving on ' + port + '\\n'));
server.listen(port, '127.0.0.1', () => console.log('listening ' + port));
import.meta.hot?.dispose(() => new Promise<void>((resolve) => server.close(() => resolve())));
`;

test('an entry re-run that cannot listen (EADDRINUSE) is reported as failed and the old version serves again', async (t) => {
  const blocker = createServer();
  const busy = await listen(blocker);
  const probe = createServer();
  const free = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
  const p = createProject({ 'src/port.ts': `export const port = ${free};\n`, 'src/main.ts': main });
  const cli = startCli(['run', '--log-format', 'json', '--no-control', 'src/main.ts'], { cwd: p.dir });
  t.after(async () => {
    await cli.stop();
    blocker.close();
    p.cleanup();
  });
  await cli.waitForLine('stdout', new RegExp(`listening ${free}`));

  const mark = cli.stderr.length;
  const stdoutMark = cli.stdout.length;
  p.write('src/port.ts', `export const port = ${busy};\n`);
  const event = await cli.waitForReload((e) => e['status'] !== 'skipped', mark);
  assert.equal(event['status'], 'failed', `the reload must not say committed: ${JSON.stringify(event)}`);
  assert.match(JSON.stringify(event['error']), /EADDRINUSE/);
  // The entry is not disposed before its new version runs (its server hands over, issue 11), so
  // the old version never stopped: nothing had to be started again, and it keeps serving.
  assert.equal(event['restored'], false, JSON.stringify(event));
  assert.equal(cli.stdout.slice(stdoutMark).some((l) => l.startsWith('listening')), false, 'nothing had to listen again');
  assert.equal(await get(`http://127.0.0.1:${free}/`), `serving on ${free}\n`, 'the old version keeps serving');

  const mark2 = cli.stderr.length;
  const free2 = await (async () => {
    const s = createServer();
    const port = await listen(s);
    await new Promise((resolve) => s.close(resolve));
    return port;
  })();
  p.write('src/port.ts', `export const port = ${free2};\n`);
  const fixed = await cli.waitForReload((e) => e['status'] !== 'skipped', mark2);
  assert.equal(fixed['status'], 'committed', JSON.stringify(fixed));
  assert.equal(await get(`http://127.0.0.1:${free2}/`), `serving on ${free2}\n`);
});

test('an unhandled rejection right after the entry re-ran fails the reload and reverts what it committed', async (t) => {
  const entry = `import { createServer } from 'node:http';
import { mode } from './mode.ts';
const captured = mode;
const server = createServer((_req, res) => res.end(captured + '\\n'));
server.listen(0, '127.0.0.1', () => console.log('listening ' + (server.address() as { port: number }).port + ' ' + captured));
import.meta.hot?.dispose(() => new Promise<void>((resolve) => server.close(() => resolve())));
if (captured === 'bad') void Promise.reject(new Error('could not start: ' + captured));
`;
  const p = createProject({ 'src/mode.ts': `export const mode = 'good';\n`, 'src/main.ts': entry });
  const cli = startCli(['run', '--log-format', 'json', '--no-control', 'src/main.ts'], { cwd: p.dir });
  t.after(async () => {
    await cli.stop();
    p.cleanup();
  });
  await cli.waitForLine('stdout', /listening \d+ good/);
  const mark = cli.stderr.length;
  const stdoutMark = cli.stdout.length;
  p.write('src/mode.ts', `export const mode = 'bad';\n`);
  const event = await cli.waitForReload((e) => e['status'] !== 'skipped', mark);
  assert.equal(event['status'], 'failed', JSON.stringify(event));
  assert.equal(event['phase'], 'prepare', 'the start is watched before the swap');
  assert.match(JSON.stringify(event['error']), /main\.ts failed while starting: Error: could not start: bad/);
  // The old entry was never stopped (its server hands over, issue 11); the socket the failed
  // version took over went back to it, so the first port answers with the reverted mode.
  const line = await cli.waitForLine('stdout', /listening \d+ good/, 30_000);
  const port = /listening (\d+)/.exec(line)?.[1];
  assert.equal(await get(`http://127.0.0.1:${port}/`), 'good\n', 'mode.ts was reverted with the entry, which keeps serving');
  void stdoutMark;
  const mark2 = cli.stderr.length;
  p.write('src/mode.ts', `export const mode = 'better';\n`);
  assert.equal((await cli.waitForReload((e) => e['status'] !== 'skipped', mark2))['status'], 'committed');
});
