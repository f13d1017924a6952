/**
 * `hotswap run <entry> [args...]`: run the entry under the runner with hot
 * reload. The app's argv, exit code, signals and stdio behave as under plain
 * `node`; hotswap writes only to stderr.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ERROR_CODES, HotswapError } from '../errors.ts';
import { createRuntime, type Runtime } from '../runtime/runtime.ts';
import { startForApp } from '../control/attach.ts';
import { publishRuntime } from '../plugins/current-runtime.ts';
import { attachVersions } from '../versions/attach-versions.ts';
import { StableFallback } from '../versions/stable-fallback.ts';
import { diskReader } from '../runner/seams.ts';
import { registerVersionsProvider } from '../control/versions-provider.ts';
import { loadConfig, type HotswapConfig } from './config.ts';
import { crashReport, describeUncaught } from './app-error.ts';
import { Reporter, type LogFormat } from './reporter.ts';

export interface RunFlags {
  root?: string | string[];
  ignore?: string | string[];
  settle?: number | string;
  watch?: boolean;
  config?: string;
  verbose?: boolean;
  logFormat?: string;
  control?: boolean;
  controlPort?: number | string;
  cacheDir?: string;
  keepAlive?: boolean;
}

export interface RunningApp {
  runtime: Runtime;
  reporter: Reporter;
  config: HotswapConfig;
  project: string;
  /** Why the entry failed to start, while hotswap waits for a fix. */
  startError?: unknown;
}


export async function runCommand(entryArg: string | undefined, appArgs: string[], flags: RunFlags): Promise<void> {
  if (!entryArg) throw new HotswapError(ERROR_CODES.USAGE, 'Missing entry file', { hint: 'Usage: hotswap run [flags] <entry.ts> [app args...]' });
  const entry = resolve(entryArg);
  if (!existsSync(entry)) throw new HotswapError(ERROR_CODES.USAGE, `Entry file not found: ${entryArg}`, { hint: 'Check the path; it is resolved from the current directory.' });
  const logFormat = parseLogFormat(flags.logFormat);
  const project = findProjectDir(entry);
  const { config, source } = await loadConfig(project, flags.config);
  const enabled = process.env['HOTSWAP_ENABLED'] !== 'false' && process.env['HOTSWAP_ENABLED'] !== '0';
  const reporter = new Reporter({ format: logFormat, verbose: flags.verbose === true, root: project });
  const settleMs = parseNumber(flags.settle, 'settle') ?? config.settleMs;
  const roots = toList(flags.root) ?? config.roots;
  const watch = enabled && flags.watch !== false && config.watch !== false;
  const useVersions = enabled && config.versions !== false;
  // A module broken on disk at start runs its last stable version (from memory) until the file is fixed.
  const fallback = useVersions ? new StableFallback(diskReader) : undefined;
  const runtime = createRuntime({
    root: project,
    ...(fallback ? { reader: fallback.reader } : {}),
    ...(roots ? { roots: roots.map((r) => resolve(project, r)) } : {}),
    enabled,
    watch: watch ? { ...(settleMs === undefined ? {} : { settleMs }), ignore: [...(config.ignore ?? []), ...(toList(flags.ignore) ?? [])] } : false,
    // Hot reload off (production): nothing is written under the project, so no disk cache either.
    ...(flags.cacheDir ? { cacheDir: resolve(flags.cacheDir) } : enabled ? {} : { cacheDir: false as const }),
  });
  // The app can embed a plugin host in this runtime: createPluginHost() finds it through currentRuntime().
  publishRuntime(runtime);
  runtime.on('reload', (result) => reporter.reload(result));
  runtime.on('error', (error) => reporter.error(error, 'runtime'));
  // Before the app starts, so the start-up load is recorded; a store that cannot open only turns history off.
  if (enabled && config.versions !== false) {
    const log = { info: (m: string, d?: Record<string, unknown>) => reporter.info(m, d), warn: (m: string, d?: Record<string, unknown>) => reporter.info(`⚠ ${m}`, d) };
    const versions = attachVersions(runtime, config.versions ?? {}, log);
    runtime.on('close', registerVersionsProvider(versions));
    fallback?.attach(runtime, versions.service, log);
  }
  if (source && flags.verbose) reporter.info(`config from ${source}`);

  const keepAlive = watch && flags.keepAlive !== false && config.keepAlive !== false;
  installProcessHandlers(runtime, reporter, keepAlive);
  process.argv = [process.execPath, entry, ...appArgs];

  const app: RunningApp = { runtime, reporter, config, project };
  try {
    await (fallback ? fallback.start(runtime, () => runtime.import(entry)) : runtime.import(entry));
    if (flags.verbose) reporter.info(`started ${entryArg}${enabled ? (watch ? ' (watching)' : '') : ' (hot reload off: HOTSWAP_ENABLED=false)'}`);
  } catch (error) {
    app.startError = error;
    if (!watch) {
      reporter.error(error, 'start');
      process.exitCode = 1;
      await runtime.close();
      return;
    }
    reporter.startFailed(error);
  }
  if (flags.verbose && watch) watchForLeaks(runtime, reporter);
  // HOTSWAP_ENABLED=false: no control server (and so no token files); the app just runs.
  if (!enabled) return;
  // The CLI composes the layers: runtime (above), then the control plane on top of it.
  await startForApp(app, flags);
}

/**
 * --verbose: name replaced versions that stay reachable for a minute. Without
 * a forced GC an idle process may not have collected them yet, so this says
 * "may", and names each version once.
 */
function watchForLeaks(runtime: Runtime, reporter: Reporter): void {
  const reported = new Set<string>();
  const timer = setInterval(() => {
    for (const v of runtime.retainedVersions(60_000)) {
      const key = `${v.module}@${v.version}`;
      if (reported.has(key)) continue;
      reported.add(key);
      reporter.info(`v${v.version} of ${v.module} is still reachable ${Math.round(v.replacedForMs / 1000)} s after it was replaced: something may hold it (a listener or a cache filled at top level without a dispose handler)`);
    }
  }, 30_000);
  timer.unref();
}

function installProcessHandlers(runtime: Runtime, reporter: Reporter, keepAlive: boolean): void {
  const project = { root: runtime.root, roots: runtime.roots };
  // An app that listens for these itself owns its errors, as under node.
  const appHandles = (event: 'uncaughtException' | 'unhandledRejection'): boolean => process.listenerCount(event) > 1;
  if (keepAlive) {
    // Under hot reload a bug in freshly saved code must not take the process down:
    // report it as the app's (with the mapped stack) and keep the last good code serving.
    process.on('uncaughtException', (error, origin) => {
      if (!appHandles('uncaughtException')) reporter.error(describeUncaught(error, origin, project), origin);
    });
    process.on('unhandledRejection', (reason) => {
      if (!appHandles('unhandledRejection')) reporter.error(describeUncaught(reason, 'unhandledRejection', project), 'unhandledRejection');
    });
  } else {
    // Exit as node does, but print the original .ts location and line, not the transformed script's.
    process.on('uncaughtException', (error, origin) => {
      if (appHandles('uncaughtException')) return;
      process.stderr.write(crashReport(error, project));
      const described = describeUncaught(error, origin, project);
      if (described.code !== ERROR_CODES.APP_UNCAUGHT) reporter.error(described, origin);
      process.exit(1);
    });
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    let closing = false;
    const onSignal = (): void => {
      // If the app handles the signal itself, it owns the shutdown, as under node.
      if (process.listenerCount(signal) > 1) return;
      // A second signal while closing (npx forwards the one its process group got) must not cut the
      // shutdown short: dispose handlers and the token clean-up finish, bounded by forceExit.
      if (closing) return;
      closing = true;
      const exit = (): void => {
        process.off(signal, onSignal);
        process.kill(process.pid, signal);
      };
      const forceExit = setTimeout(exit, 5000);
      forceExit.unref();
      void runtime.close().finally(exit);
    };
    process.on(signal, onSignal);
  }
}

/** The entry's package directory: nearest package.json upwards, else the entry's directory. */
export function findProjectDir(entry: string): string {
  let dir = dirname(entry);
  for (;;) {
    if (existsSync(resolve(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return dirname(entry);
    dir = parent;
  }
}

function parseLogFormat(value: string | undefined): LogFormat {
  if (value === undefined || value === 'pretty') return 'pretty';
  if (value === 'json') return 'json';
  throw new HotswapError(ERROR_CODES.USAGE, `Unknown --log-format "${value}"`, { hint: 'Use --log-format pretty or --log-format json.' });
}

function parseNumber(value: number | string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new HotswapError(ERROR_CODES.USAGE, `--${name} must be a number of milliseconds, got "${value}"`);
  return n;
}

function toList(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value : [value];
}
