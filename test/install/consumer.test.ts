/**
 * hotswap used the way its users will use it: `npm pack`, the tarball installed
 * into a fresh project of its own (no pinned Node, `"type": "module"`, a small
 * TypeScript HTTP server, a hotswap.config.ts that imports `defineConfig` from
 * the package), then `npx hotswap run`, an edit, and `npx hotswap doctor`.
 *
 * The package is built and packed from a copy of the repository, so the
 * repository's own dist/ (which other tests' CLI processes may be running) is
 * never rewritten under them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { REPO } from '../support/cli.ts';
import { createProject, type TempProject } from '../support/project.ts';
import { startConsumer, findOldNode, waitForBody } from './consumer-helpers.ts';

const PACKAGE_NAME = 'hotswap-node';
/** The Node that runs this test: the consumer's `npx hotswap` runs on whatever Node is first on PATH. */
const PATH_WITH_THIS_NODE = `${dirname(process.execPath)}${delimiter}${process.env['PATH'] ?? ''}`;

function run(command: string, args: string[], cwd: string): { stdout: string; stderr: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, PATH: PATH_WITH_THIS_NODE, npm_config_update_notifier: 'false' } });
  assert.equal(result.status, 0, `${command} ${args.join(' ')} failed in ${cwd}\n${result.stdout}\n${result.stderr}`);
  return { stdout: result.stdout, stderr: result.stderr };
}

/** Copies what the package is built from, builds it there and packs it (scripts off: built just before). */
function packTarball(work: string): string {
  const source = join(work, 'package-source');
  mkdirSync(source);
  for (const entry of ['package.json', 'bin', 'src', 'client.d.ts', 'LICENSE', 'README.md', 'tsconfig.json', 'tsconfig.build.json']) {
    cpSync(join(REPO, entry), join(source, entry), { recursive: true });
  }
  symlinkSync(join(REPO, 'node_modules'), join(source, 'node_modules'), 'dir');
  run(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], source);
  rmSync(join(source, 'node_modules'));
  run('npm', ['pack', '--ignore-scripts', '--pack-destination', work], source);
  const tarball = readdirSync(work).find((f) => f.startsWith(`${PACKAGE_NAME}-`) && f.endsWith('.tgz'));
  assert.ok(tarball, `npm pack left no ${PACKAGE_NAME}-*.tgz in ${work}`);
  return join(work, tarball);
}

function createConsumer(): TempProject {
  const project = createProject({
    'src/greeting.ts': `export const greeting: string = 'hello v1';\n`,
    'src/routes.ts': `import { greeting } from './greeting.ts';\nexport function handle(path: string): string {\n  return path === '/' ? greeting : 'not found';\n}\n`,
    'src/main.ts': [
      `import { createServer } from 'node:http';`,
      `import { handle } from './routes.ts';`,
      `const server = createServer((req, res) => res.end(handle(req.url ?? '/')));`,
      `server.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', () => {`,
      `  const address = server.address();`,
      `  if (address && typeof address === 'object') console.log(\`listening on http://127.0.0.1:\${address.port}\`);`,
      `});`,
      ``,
    ].join('\n'),
    'hotswap.config.ts': `import { defineConfig } from '${PACKAGE_NAME}';\n\nexport default defineConfig({ settleMs: 20 });\n`,
  });
  // Its own package.json: a module project with a script, and no Node pinned.
  project.write('package.json', JSON.stringify({ name: 'consumer-app', private: true, type: 'module', scripts: { dev: 'hotswap run src/main.ts' } }, null, 2));
  return project;
}

test('the packed tarball installs into a fresh project: npx hotswap run reloads an edit, doctor passes, old Node is refused', { timeout: 300_000 }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'hotswap-pack-'));
  const consumer = createConsumer();
  t.after(() => {
    consumer.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  const tarball = packTarball(work);
  const install = run('npm', ['install', '--no-audit', '--no-fund', '--save-dev', tarball], consumer.dir);
  const warnings = `${install.stdout}\n${install.stderr}`.split('\n').filter((l) => /npm warn/i.test(l));
  assert.deepEqual(warnings.filter((l) => /prepare|script|hotswap/i.test(l)), [], 'npm warned about the package itself');
  assert.ok(existsSync(join(consumer.dir, 'node_modules', PACKAGE_NAME, 'LICENSE')), 'the tarball carries LICENSE');

  const app = startConsumer(consumer.dir, PATH_WITH_THIS_NODE);
  t.after(() => app.stop());
  const base = await app.listening;
  assert.equal(await (await fetch(`${base}/`)).text(), 'hello v1');

  consumer.writeAtomic('src/greeting.ts', `export const greeting: string = 'hello v2';\n`);
  assert.equal(await waitForBody(`${base}/`, 'hello v2'), 'hello v2');

  const doctor = spawnSync('npx', ['--no-install', 'hotswap', 'doctor'], { cwd: consumer.dir, encoding: 'utf8', env: { ...process.env, PATH: PATH_WITH_THIS_NODE } });
  assert.equal(doctor.status, 0, `doctor failed:\n${doctor.stdout}\n${doctor.stderr}`);

  // .hotswap/ is private to the user and ignored by git without any setup.
  const state = join(consumer.dir, '.hotswap');
  assert.equal(statSync(state).mode & 0o777, 0o700);
  assert.ok(existsSync(join(state, '.gitignore')));
  const stopped = await app.stop();
  assert.equal(stopped.signal ?? 'SIGTERM', 'SIGTERM');
  assert.equal(existsSync(join(state, 'token')), false, 'the admin token outlived its process');
  assert.equal(existsSync(join(state, 'panel-token')), false, 'the panel token outlived its process');

  const old = findOldNode();
  if (!old) {
    t.diagnostic('no Node older than 22.13 on this machine: the refusal on an old Node was not exercised');
    return;
  }
  const refused = spawnSync(old.path, [join(consumer.dir, 'node_modules', PACKAGE_NAME, 'bin', 'hotswap.js'), 'run', 'src/main.ts'], { cwd: consumer.dir, encoding: 'utf8' });
  assert.equal(refused.status, 1);
  const lines = refused.stderr.trim().split('\n');
  assert.equal(lines.length, 1, refused.stderr);
  assert.match(lines[0] ?? '', /needs Node\.js >= 22\.13\.0, but this is Node\.js v\d+/);
  assert.match(lines[0] ?? '', /Install a current LTS/);
  t.diagnostic(`refused on ${old.version} (${old.path})`);
});
