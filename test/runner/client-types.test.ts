import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createProject } from '../support/project.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

test('hotswap-node/client types make import.meta.hot type-check in a user project (and misuse fails)', (t) => {
  const p = createProject({
    'src/ok.ts': `/// <reference path="${REPO}client.d.ts" />\nimport.meta.hot?.accept((m) => m);\nimport.meta.hot?.dispose((data) => { data.x = 1; });\nconst n: number = import.meta.hot?.data['count'] ?? 0;\nexport { n };\n`,
    'src/bad.ts': `/// <reference path="${REPO}client.d.ts" />\nimport.meta.hot?.accept(42);\nexport {};\n`,
    'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', target: 'es2023', noEmit: true, types: [], skipLibCheck: false } }),
  });
  t.after(() => p.cleanup());
  const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
  const ok = spawnSync(process.execPath, [tsc, '-p', p.dir, '--pretty', 'false'], { encoding: 'utf8' });
  const errors = ok.stdout.split('\n').filter((l) => l.includes('error TS'));
  assert.ok(errors.every((l) => l.includes('bad.ts')), `only bad.ts has errors:\n${ok.stdout}`);
  assert.ok(errors.some((l) => l.includes('bad.ts(2,')), `accept(42) is a type error:\n${ok.stdout}`);
});
