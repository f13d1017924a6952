import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createProject } from '../support/project.ts';

const DIST_BIN = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));

test('the compiled build (dist/, what npm installs) runs an app', { skip: existsSync(DIST_BIN) ? false : 'dist/ is not built: run npm run build (CI does; npm pack does it through prepack)' }, (t) => {
  const p = createProject({
    'src/lib.ts': `export const twice = (n: number): number => n * 2;\n`,
    'src/main.ts': `import { twice } from './lib.ts';\nconsole.log('result', twice(21), process.argv[2]);\n`,
  });
  t.after(() => p.cleanup());
  const run = spawnSync(process.execPath, [DIST_BIN, 'run', '--no-watch', '--no-control', 'src/main.ts', 'arg'], { cwd: p.dir, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), 'result 42 arg');
});
