/**
 * A version store that cannot be opened never stops the app: `hotswap run`
 * serves without history and says so on stderr, in `status` and in `doctor`;
 * `history` explains why it has nothing.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, spawnCli, tempDir, writeFiles } from '../control/helpers.ts';
import { ENGINE, MAIN, USER } from './helpers.ts';

test('a corrupt versions.db: the app runs without history and every surface says so', async () => {
  const dir = tempDir('hotswap-versions-');
  writeFiles(dir, { 'package.json': '{ "type": "module" }', 'main.ts': MAIN, 'lib/engine.ts': ENGINE, 'lib/user.ts': USER });
  mkdirSync(join(dir, '.hotswap'));
  writeFileSync(join(dir, '.hotswap', 'versions.db'), 'not a database. '.repeat(100));
  const app = spawnCli(['run', 'main.ts'], { cwd: dir });
  try {
    const [, url] = (await app.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 'the app to listen')) as RegExpMatchArray & [string, string];
    await app.waitFor(/control http/, 'the control server');
    assert.equal(await (await fetch(`${url}/engineVersion`)).text(), 'v1');
    assert.match(app.stderr(), /the version store \.hotswap\/versions\.db cannot be opened \(.*\); running without history/);

    const status = await runCli(['status'], dir);
    assert.match(status.stdout, /problem {3}the version store .* cannot be opened .*running without history/);
    const history = await runCli(['history'], dir);
    assert.equal(history.code, 1);
    assert.match(history.stderr, /HS_VERSIONS_UNAVAILABLE: the version store .* cannot be opened/);
    const doctor = await runCli(['doctor'], dir);
    assert.equal(doctor.code, 1, doctor.stdout);
    assert.match(doctor.stdout, /✗ version store: \.hotswap\/versions\.db cannot be opened: /);
    assert.match(doctor.stdout, /→ hotswap runs without history until it opens/);
  } finally {
    await app.kill();
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
  }
});
