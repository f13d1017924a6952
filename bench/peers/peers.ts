/**
 * The tools `peer-compare.ts` runs the generated app under, each wired the way
 * its README says (installed as devDependencies of this repository; the app's
 * `node_modules` is a symlink to ours). Restarting watchers (node --watch, tsx
 * watch, nodemon) run the plain app; hot-reload peers get the entry annotation
 * their README asks for (see `accept` in fixtures/generate-app.ts).
 */
import { rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GenerateOptions } from '../fixtures/generate-app.ts';
import { hotswapScript, REPO_ROOT } from '../lib/util.ts';

export interface Peer {
  name: string;
  /** How it reloads: a restart of the process, or in-process module replacement. */
  kind: 'restart' | 'in-process';
  /** Entry annotation the generated app needs. */
  accept?: GenerateOptions['accept'];
  /** Extra files in the app (a runner script, package.json config). */
  prepare?(appDir: string): void;
  /** argv after `node` (the pinned Node 26), run with cwd = the app. */
  args(appDir: string): string[];
  /** Caches to delete before a cold start (relative to the app, or absolute). */
  caches(appDir: string): string[];
  /** Extra environment (e.g. a private temp dir for tsx's cache). */
  env?(appDir: string): NodeJS.ProcessEnv;
  /** Set when the peer cannot run here: the exact reason, shown in the table. */
  notRunnable?: string;
}

const bin = (path: string): string => join(REPO_ROOT, 'node_modules', path);

const VITE_RUNNER = `// Vite's module runner, as its docs wire a server-side app: a dev server in
// middleware mode (its watcher drives HMR) and a runner for the ssr environment.
import { createServer, createServerModuleRunner } from 'vite';

const server = await createServer({
  root: process.cwd(),
  configFile: false,
  logLevel: 'error',
  appType: 'custom',
  server: { middlewareMode: true, ws: false },
});
const runner = createServerModuleRunner(server.environments.ssr, { hmr: { logger: false } });
await runner.import('/src/main.ts');
`;

export const PEERS: Peer[] = [
  {
    name: 'hotswap',
    kind: 'in-process',
    // HOTSWAP_BENCH_NODE_FLAGS: flags for node itself (a profile: `--cpu-prof --cpu-prof-dir=/tmp/prof`); HOTSWAP_BENCH_FLAGS: for `hotswap run`.
    args: () => [...(process.env['HOTSWAP_BENCH_NODE_FLAGS']?.split(' ') ?? []), hotswapScript(), 'run', ...(process.env['HOTSWAP_BENCH_FLAGS']?.split(' ') ?? []), 'src/main.ts'],
    caches: () => ['.hotswap/cache'],
  },
  {
    name: 'node --watch',
    kind: 'restart',
    args: () => ['--watch', 'src/main.ts'],
    caches: () => [],
  },
  {
    name: 'tsx watch',
    kind: 'restart',
    args: () => [bin('tsx/dist/cli.mjs'), 'watch', 'src/main.ts'],
    // tsx caches transforms in $TMPDIR/tsx-<uid>: a private TMPDIR per app makes cold starts real
    caches: (appDir) => [join(appDir, '.tmp')],
    env: (appDir) => ({ TMPDIR: join(appDir, '.tmp') }),
  },
  {
    name: 'nodemon',
    kind: 'restart',
    // README: `nodemon --exec <cmd> <script>`; Node 26 runs .ts itself, so the exec is node; -e ts watches .ts files
    args: () => [bin('nodemon/bin/nodemon.js'), '--quiet', '-e', 'ts', '--watch', 'src', '--exec', 'node', 'src/main.ts'],
    caches: () => [],
  },
  {
    name: 'dynohot',
    kind: 'in-process',
    accept: 'deps',
    // README (TypeScript): chain a TS loader before dynohot. Its suggested @loaderkit/ts is not on the
    // npm registry reachable here, so tsx's ESM loader strips the types (dynohot refuses Node's own
    // type stripping: "is not ESM; hot module reloading is disabled").
    args: () => ['--import', 'tsx/esm', '--import', 'dynohot', 'src/main.ts'],
    notRunnable:
      'dynohot 1.2.1 refuses Node 26\'s own type stripping ("src/main.ts is not ESM; hot module reloading is disabled"); the TypeScript loader its README names, @loaderkit/ts, is not on the npm registry (404); chaining tsx\'s ESM loader in either order fails in dynohot\'s loader (AssertionError: assert.ok(moduleURL), dynohot/dist/loader/loader.js:220).',
    caches: () => [],
  },
  {
    name: 'hot-hook',
    kind: 'in-process',
    accept: 'dynamic',
    prepare(appDir) {
      const pkg = { name: 'bench-app', private: true, type: 'module', hotHook: { boundaries: ['./src/leaf.ts', './src/mod-0.ts'] } };
      writeFileSync(join(appDir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    },
    args: () => ['--import', 'hot-hook/register', 'src/main.ts'],
    caches: () => [],
  },
  {
    name: "Vite's module runner",
    kind: 'in-process',
    accept: 'self',
    prepare(appDir) {
      writeFileSync(join(appDir, 'vite-runner.mjs'), VITE_RUNNER);
    },
    args: () => ['vite-runner.mjs'],
    caches: () => ['node_modules/.vite'],
  },
];

/** Give the generated app our node_modules (peers resolve their register hooks from the app). */
export function linkNodeModules(appDir: string): void {
  rmSync(join(appDir, 'node_modules'), { force: true, recursive: true });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(appDir, 'node_modules'), 'dir');
}
