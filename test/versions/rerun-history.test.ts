/**
 * Under the real `hotswap run`: a save that makes an importer re-run (it reads a changed
 * `const` at top level) adds one version, the saved module's. History, the API's `running`
 * flag and the rollback points show the importer's one version as what runs.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { saveFile } from '../control/helpers.ts';
import { apiHistory, history, startVersionApp } from './helpers.ts';

const ENGINE = (level: number): string => `export const LEVEL: number = ${level};\nexport function engineVersion(): string {\n  return 'v' + LEVEL;\n}\n`;
const USER = `import { LEVEL, engineVersion } from './engine.ts';\n// Read at top level: a new LEVEL re-runs this module.\nconst level = LEVEL;\nexport function userTag(): string {\n  return 'user:' + engineVersion() + ':' + level;\n}\n`;

test('a save that re-runs an importer records the saved module only; the importer still runs its version', async () => {
  const app = await startVersionApp({ 'lib/engine.ts': ENGINE(1), 'lib/user.ts': USER }, { windowMs: 60_000 });
  try {
    assert.equal((await app.call('userTag')).body, 'user:v1:1');
    const userStart = (await history(app, 'lib/user.ts'))[0];
    assert.ok(userStart, 'lib/user.ts has its start-up version');

    saveFile(join(app.dir, 'lib/engine.ts'), ENGINE(2));
    await app.app.waitFor(/re-ran .*lib\/user\.ts/, 'lib/user.ts to re-run');
    assert.equal((await app.call('userTag')).body, 'user:v2:2', 'the importer re-ran with the new LEVEL');

    const engine = await history(app, 'lib/engine.ts');
    assert.deepEqual(engine.map((r) => [r.seq, r.trigger]), [[2, 'watch'], [1, 'startup']]);
    const user = await apiHistory(app, 'lib/user.ts');
    assert.equal(user.length, 1, 'no version for a re-run with the same code');
    assert.equal(user[0]?.id, userStart.id);
    assert.equal((user[0] as unknown as { running: boolean }).running, true, 'its one version is what runs');
    const { stdout } = await app.cli('rollback');
    assert.match(stdout, /lib\/user\.ts@1/);
    assert.doesNotMatch(stdout, /lib\/user\.ts@2/);
  } finally {
    await app.close();
  }
});
