/**
 * HOTSWAP_ENABLED=false (production): the app runs under the runner with no
 * watcher, no control server and nothing written under the project.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { startCli } from '../support/cli.ts';
import { createProject } from '../support/project.ts';

const SERVER = [
  `import { createServer } from 'node:http';`,
  `import { message } from './message.ts';`,
  `const server = createServer((_req, res) => res.end(message));`,
  `server.listen(0, '127.0.0.1', () => {`,
  `  const address = server.address();`,
  `  if (address && typeof address === 'object') console.log('listening on http://127.0.0.1:' + address.port);`,
  `});`,
  ``,
].join('\n');

/** inotify instances the process holds: fs.watch opens one; nothing else in a plain app does. */
function inotifyCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:inotify';
    } catch {
      return false;
    }
  }).length;
}

for (const enabled of [false, true]) {
  test(`HOTSWAP_ENABLED=${enabled}: ${enabled ? 'watcher, control server and .hotswap/ (the control case)' : 'no watcher, no control server, no .hotswap/ writes'}`, { skip: process.platform !== 'linux' && 'reads /proc' }, async (t) => {
    const p = createProject({ 'src/message.ts': `export const message = 'v1';\n`, 'src/main.ts': SERVER });
    const cli = startCli(['run', 'src/main.ts'], { cwd: p.dir, env: { HOTSWAP_ENABLED: String(enabled) } });
    // after hooks run in the order they were added: the process stops before its files go
    t.after(() => cli.stop());
    t.after(() => p.cleanup());
    const listening = await cli.waitForLine('stdout', /^listening on /);
    const base = listening.slice('listening on '.length);
    assert.equal(await (await fetch(base)).text(), 'v1');
    const pid = cli.child.pid as number;
    if (enabled) {
      await cli.waitForLine('stderr', /dashboard/);
      assert.ok(inotifyCount(pid) > 0, 'the watcher holds an inotify instance');
      assert.ok(existsSync(p.path('.hotswap/control.json')));
      return;
    }
    assert.equal(inotifyCount(pid), 0, 'a watcher is running');
    assert.equal(existsSync(p.path('.hotswap')), false, '.hotswap/ was created');
    assert.equal(cli.stderr.some((l) => /control|dashboard|token/.test(l)), false, cli.stderr.join('\n'));
    const stopped = await cli.stop();
    assert.equal(stopped.signal ?? 'SIGTERM', 'SIGTERM');
    assert.equal(existsSync(p.path('.hotswap')), false, '.hotswap/ was created on exit');
  });
}
