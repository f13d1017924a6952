/**
 * Plugin-host test helpers: a temp project with plugin files, a runtime and a
 * host over it, waiting on host events (never on time); a copy of an example
 * app, and the CLI running it.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createPluginHost, createRuntime, type PluginHost, type PluginHostEventName, type PluginHostEvents, type PluginHostOptions, type Runtime } from '../../src/index.ts';
import { createProject, type TempProject } from '../support/project.ts';

export { deferred, waitFor } from '../support/project.ts';

export interface HostFixture {
  project: TempProject;
  runtime: Runtime;
  host: PluginHost;
  /** Warnings and errors the host logged. */
  logs: { level: 'warn' | 'error'; message: string }[];
}

export interface FixtureOptions extends Partial<Omit<PluginHostOptions, 'runtime' | 'logger'>> {
  watch?: boolean;
  /** Don't call `host.start()`. */
  noStart?: boolean;
}

/** Files are written before the runtime starts; plugins live in `plugins/` unless `dirs` says otherwise. */
export async function hostFixture(t: TestContext, files: Record<string, string>, options: FixtureOptions = {}): Promise<HostFixture> {
  const project = createProject(files);
  const runtime = createRuntime({ root: project.dir, cacheDir: false, watch: options.watch ? { settleMs: 20 } : false });
  const logs: HostFixture['logs'] = [];
  const { watch: _watch, noStart, ...rest } = options;
  const host = createPluginHost({
    dirs: ['plugins'],
    drainTimeoutMs: 10_000,
    control: false,
    ...rest,
    runtime,
    logger: { warn: (message) => logs.push({ level: 'warn', message }), error: (message) => logs.push({ level: 'error', message }) },
  });
  t.after(async () => {
    await host.close();
    await runtime.close();
    project.cleanup();
  });
  if (!noStart) await host.start();
  if (options.watch) await runtime.ready();
  return { project, runtime, host, logs };
}

/** Resolves with the first event `event` matching `predicate`, emitted from now on. */
export function nextEvent<E extends PluginHostEventName>(host: PluginHost, event: E, predicate: (payload: PluginHostEvents[E]) => boolean = () => true, timeoutMs = 20_000): Promise<PluginHostEvents[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for host event ${event}`));
    }, timeoutMs);
    const off = host.on(event, (payload) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

/** A plugin file whose tool `name` answers with `tag` (and the version serving the call). */
export function taggedTool(plugin: string, tool: string, tag: string, extra = ''): string {
  return `export default {
  name: ${JSON.stringify(plugin)},
  setup(ctx) {
    ctx.tool(${JSON.stringify(tool)}, async (args, call) => ({ tag: ${JSON.stringify(tag)}, version: call.version, args }));
    ${extra}
  },
};
`;
}

// ─── the example app, copied and run ──────────────────────────────────────────

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Copy an example into `test-artifacts/` (git-ignored). Same depth as `examples/<name>`, so
 * the example's relative links into this repository (`tsconfig.json` extends and `paths`
 * alias `hotswap` → `../../src/index.ts`, `../../bin/hotswap.js`) work unchanged in the copy,
 * and packages resolve from the repository's node_modules. A copy under os.tmpdir() could
 * not resolve them.
 */
export function copyExample(t: TestContext, name: string): TempDir {
  const dir = join(REPO, 'test-artifacts', `${name}-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dirname(dir), { recursive: true });
  cpSync(join(REPO, 'examples', name), dir, { recursive: true, filter: (src) => !/[\\/](\.hotswap|node_modules)$/.test(src) });
  t.after(() => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 }));
  return {
    dir,
    path: (relative) => join(dir, relative),
    read: (relative) => readFileSync(join(dir, relative), 'utf8'),
    edit(relative, change) {
      const file = join(dir, relative);
      const before = readFileSync(file, 'utf8');
      const next = change(before);
      if (next === before) throw new Error(`the edit of ${relative} changed nothing`);
      // An editor's atomic save: no watcher event ever sees a half-written file.
      const temp = `${file}.tmp-${process.pid}`;
      writeFileSync(temp, next);
      renameSync(temp, file);
    },
  };
}

export interface TempDir {
  dir: string;
  path(relative: string): string;
  read(relative: string): string;
  /** Replace the file's content with `change(content)`; throws if `change` left it as it was. */
  edit(relative: string, change: (source: string) => string): void;
}

export interface CliProcess {
  stdout: string[];
  stderr: string[];
  /** The first line matching, among lines from `fromIndex` on (take `stderr.length` before an edit). */
  waitForLine(stream: 'stdout' | 'stderr', match: RegExp | ((line: string) => boolean), fromIndex?: number): Promise<string>;
  /** A `--log-format json` reload event matching, from `fromIndex` on. */
  waitForReload(predicate: (event: Record<string, unknown>) => boolean, fromIndex: number): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL if it has not exited within 10 s. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Run the CLI from this checkout's source (`src/cli/bin.ts`, what `bin/hotswap.js` runs when
 * there is no build): `bin/hotswap.js` prefers `dist/`, which in a working copy may be an older build.
 */
export function spawnCli(t: TestContext, args: string[], options: { cwd: string; env?: Record<string, string>; input?: string }): CliProcess {
  const child = spawn(process.execPath, [join(REPO, 'src/cli/bin.ts'), ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...options.env },
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  const lines = { stdout: [] as string[], stderr: [] as string[] };
  const wake = new Set<() => void>();
  for (const stream of ['stdout', 'stderr'] as const) {
    let buffer = '';
    const output = child[stream] as NodeJS.ReadableStream;
    output.setEncoding('utf8');
    output.on('data', (chunk: string) => {
      buffer += chunk;
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      lines[stream].push(...parts);
      for (const w of wake) w();
    });
  }
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      done = true;
      for (const w of wake) w();
      resolve({ code, signal });
    });
  });
  const transcript = (): string => `\n--- stdout\n${lines.stdout.join('\n')}\n--- stderr\n${lines.stderr.join('\n')}`;
  const waitForLine: CliProcess['waitForLine'] = (stream, match, fromIndex = 0) =>
    new Promise((resolve, reject) => {
      const test = typeof match === 'function' ? match : (line: string) => match.test(line);
      const timer = setTimeout(() => finish(new Error(`timed out waiting for a ${stream} line matching ${String(match)}${transcript()}`)), 30_000);
      const finish = (error: Error | undefined, line?: string): void => {
        clearTimeout(timer);
        wake.delete(check);
        if (error) reject(error);
        else resolve(line as string);
      };
      const check = (): void => {
        const line = lines[stream].slice(fromIndex).find(test);
        if (line !== undefined) finish(undefined, line);
        else if (done) finish(new Error(`the process exited before a ${stream} line matched ${String(match)}${transcript()}`));
      };
      wake.add(check);
      check();
    });
  const cli: CliProcess = {
    stdout: lines.stdout,
    stderr: lines.stderr,
    waitForLine,
    async waitForReload(predicate, fromIndex) {
      const line = await waitForLine('stderr', (l) => {
        const event = parseJson(l);
        return event?.['event'] === 'reload' && predicate(event);
      }, fromIndex);
      return parseJson(line) as Record<string, unknown>;
    },
    exited,
    async stop() {
      if (!done) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
  t.after(() => cli.stop());
  return cli;
}

function parseJson(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
