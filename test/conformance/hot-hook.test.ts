/**
 * Conformance: scenarios from hot-hook's own tests (github.com/Julien-R44/hot-hook,
 * packages/hot_hook/tests/loader.spec.ts and dependency_tree.spec.ts), translated
 * to hotswap's semantics.
 *
 * Deliberate difference throughout: hot-hook reloads only files reached through a
 * dynamic `import()` below a declared boundary and asks for a full restart for any
 * other change. hotswap needs neither: a statically imported module is reloaded in
 * place, and only importers that captured a changed value re-run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { committed, scenario } from './helpers.ts';

const handler = (response: string): string => `export default function handle() { return '${response}'; }\n`;

test('hot-hook loader "Works fine": a handler imported per request answers with the new code after each save', async (t) => {
  const s = scenario(t, {
    'app.js': handler('Hello World!'),
    'main.js': `export const request = async () => (await import('./app.js')).default();\n`,
  });
  const main = await s.start();
  assert.equal(await main.request(), 'Hello World!');
  committed(await s.edit({ 'app.js': handler('Hello World! Updated') }));
  assert.equal(await main.request(), 'Hello World! Updated');
  committed(await s.edit({ 'app.js': handler('Hello World! Updated new') }));
  assert.equal(await main.request(), 'Hello World! Updated new');
});

test('hot-hook loader "send full reload message": a statically imported handler is reloaded in place, no restart', async (t) => {
  const s = scenario(t, {
    'app.js': handler('Hello World!'),
    'main.js': `import handle from './app.js';\nLOG('server started');\nexport const routes = { '/': handle };\n`,
  });
  const main = await s.start();
  const route = main.routes['/'];
  committed(await s.edit({ 'app.js': handler('Hello World! Updated') }));
  assert.equal(route(), 'Hello World! Updated', 'the handler registered at startup runs the new code');
  assert.deepEqual(s.log, ['server started'], 'the server module did not restart');
});

test('hot-hook loader "Can define hardcoded boundaries": no boundary is needed, the entry keeps running', async (t) => {
  const s = scenario(t, {
    'app.js': handler('v1'),
    'main.js': `import * as app from './app.js';\nLOG('listening');\nexport const request = () => app.default();\n`,
  });
  const main = await s.start();
  committed(await s.edit({ 'app.js': handler('v2') }));
  committed(await s.edit({ 'app.js': handler('v3') }));
  assert.equal(main.request(), 'v3');
  assert.deepEqual(s.log, ['listening']);
});

test('hot-hook loader "ignore node_modules by default": a package file is loaded natively and never reloaded', async (t) => {
  const s = scenario(t, {
    'node_modules/app/package.json': JSON.stringify({ name: 'app', type: 'module', exports: './app.js' }),
    'node_modules/app/app.js': handler('Hello World!'),
    'main.js': `import handle from 'app';\nexport const request = () => handle();\n`,
  });
  const main = await s.start();
  s.p.writeAtomic('node_modules/app/app.js', handler('Hello World! Updated'));
  const result = await s.rt.reload([s.p.path('node_modules/app/app.js')]);
  assert.equal(result.status, 'skipped');
  assert.equal(main.request(), 'Hello World!');
  assert.ok(!s.rt.modules().some((m) => m.file.includes('node_modules')), 'packages are not in the runner\'s graph');
});

test('hot-hook loader "send invalidated message when file is invalidated": the reload result names what changed', async (t) => {
  const s = scenario(t, {
    'config/test.js': handler('Hello'),
    'main.js': `export const request = async () => (await import('./config/test.js')).default();\n`,
  });
  const main = await s.start();
  await main.request();
  const result = committed(await s.edit({ 'config/test.js': handler('Hello Updated') }));
  assert.deepEqual(result.files, [s.p.path('config/test.js')]);
  assert.deepEqual(result.updated.map((u) => u.file), [s.p.path('config/test.js')]);
  assert.equal(await main.request(), 'Hello Updated');
});

/** hot-hook's dependency-tree scenario as a project: app → start/index → controllers → models, presenter → utils. */
const TREE = {
  'app.js': `import './start/index.js';\nimport './models/user.js';\n`,
  'start/index.js': `export const routes = { users: () => import('../controllers/users_controller.js') };\nexport const loaded = import('../controllers/users_controller.js');\n`,
  'controllers/users_controller.js': `import { User } from '../models/user.js';\nimport { present } from '../user_presenter.js';\nexport const show = () => present(new User());\n`,
  'models/user.js': `export class User { name = 'ada'; }\n`,
  'user_presenter.js': `import { upper } from './utils/index.js';\nexport const present = (user) => upper(user.name);\n`,
  'utils/index.js': `export const upper = (s) => s.toUpperCase();\n`,
};

const versions = (s: ReturnType<typeof scenario>): Record<string, number | undefined> =>
  Object.fromEntries(s.rt.modules().map((m) => [m.file.slice(s.p.dir.length + 1), m.version]));

test('hot-hook dependency_tree "scenario 2": editing a presenter re-runs only it; its dependencies keep their version', async (t) => {
  // Difference: hot-hook also invalidates the importers up to the boundary (users_controller);
  // hotswap re-runs an importer only when it captured a changed value (present is a function).
  const s = scenario(t, TREE);
  await s.start('app.js');
  const start = await s.rt.import<Record<string, any>>('start/index.js');
  await start.loaded;
  const before = versions(s);
  const result = committed(await s.edit({ 'user_presenter.js': `import { upper } from './utils/index.js';\nexport const present = (user) => upper(user.name) + '!';\n` }));
  const after = versions(s);
  assert.deepEqual(result.rerun, []);
  for (const [file, version] of Object.entries(before)) {
    assert.equal(after[file], file === 'user_presenter.js' ? (version ?? 0) + 1 : version, file);
  }
  assert.equal((await start.routes.users()).show(), 'ADA!');
});

test('hot-hook dependency_tree "should not increase the version of a file if it is not reloadable": editing a controller leaves the model alone', async (t) => {
  const s = scenario(t, TREE);
  await s.start('app.js');
  const start = await s.rt.import<Record<string, any>>('start/index.js');
  await start.loaded;
  const model = versions(s)['models/user.js'];
  committed(await s.edit({ 'controllers/users_controller.js': `import { User } from '../models/user.js';\nimport { present } from '../user_presenter.js';\nexport const show = () => 'user: ' + present(new User());\n` }));
  assert.equal(versions(s)['models/user.js'], model);
  assert.equal((await start.routes.users()).show(), 'user: ADA');
});
