/**
 * `hotswap doctor`: checks what hot reload needs and says what to do about
 * each failure. Exit code 1 if any check fails. Checks run in order and each
 * is independent, so one failure never hides the next.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { formatError, isHotswapError } from '../../errors.ts';
import { connectControl } from '../../control/control-client.ts';
import { controlPaths, isProcessAlive, readControlInfo } from '../../control/control-files.ts';
import { ensureStateDir } from '../../shared/state-dir.ts';
import { createWatcher } from '../../watch/watcher.ts';
import { inspectVersionStore } from '../../versions/store-health.ts';
import { loadConfig, type HotswapConfig } from '../config.ts';
import { findProjectDir } from '../run-command.ts';
import { color, print } from './format.ts';

export interface DoctorFlags {
  config?: string;
  cwd?: string;
  /** How long to wait for the watcher to report the probe file, ms. @default 5000 */
  watchTimeout?: number | string;
}

export interface CheckResult {
  name: string;
  status: 'pass' | 'fail' | 'skip';
  detail: string;
  /** What to do about a failure. */
  fix?: string;
}

export async function doctorCommand(flags: DoctorFlags): Promise<void> {
  const project = findProjectDir(join(resolve(flags.cwd ?? process.cwd()), 'package.json'));
  const results = await runChecks(project, flags);
  print(`hotswap doctor · ${project}`);
  for (const r of results) {
    const mark = r.status === 'pass' ? color('green', '✓') : r.status === 'fail' ? color('red', '✗') : color('gray', '-');
    print(`${mark} ${r.name}: ${r.detail}`);
    if (r.status === 'fail' && r.fix) print(`    ${color('yellow', '→')} ${r.fix}`);
  }
  const failed = results.filter((r) => r.status === 'fail').length;
  print(failed === 0 ? color('green', 'all checks passed') : color('red', `${failed} check${failed === 1 ? '' : 's'} failed`));
  if (failed > 0) process.exitCode = 1;
}

export async function runChecks(project: string, flags: DoctorFlags): Promise<CheckResult[]> {
  const results: CheckResult[] = [checkNode()];
  const { result: configResult, config } = await checkConfig(project, flags.config);
  results.push(configResult);
  results.push(checkWritable('.hotswap/ writable', controlPaths(project).dir, project));
  results.push(checkWritable('transform cache writable', join(controlPaths(project).dir, 'cache'), project));
  const roots = (config?.roots ?? [project]).map((r) => resolve(project, r));
  const timeout = Number(flags.watchTimeout ?? 5000);
  for (const root of roots) results.push(await checkWatcher(root, project, config?.ignore ?? [], timeout));
  results.push(checkVersions(project, config));
  results.push(await checkControl(project));
  return results;
}

function checkNode(): CheckResult {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { engines?: { node?: string } };
  const range = pkg.engines?.node ?? '>=22.13';
  const min = /(\d+)\.(\d+)/.exec(range);
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  const ok = !min || major > Number(min[1]) || (major === Number(min[1]) && minor >= Number(min[2]));
  return ok
    ? { name: 'node', status: 'pass', detail: `v${process.versions.node} (needs ${range})` }
    : { name: 'node', status: 'fail', detail: `v${process.versions.node} is too old (needs ${range})`, fix: `Install Node ${range.replace('>=', '')} or newer (e.g. nvm install 22).` };
}

async function checkConfig(project: string, explicit: string | undefined): Promise<{ result: CheckResult; config: HotswapConfig | undefined }> {
  try {
    const { config, source } = await loadConfig(project, explicit);
    const { parseControlConfig } = await import('../../control/schemas.ts');
    const control = parseControlConfig(config.control);
    if ('error' in control) {
      return { config, result: { name: 'config', status: 'fail', detail: control.error, fix: 'control: { port?: number, allowOrigins?: string[] } or control: false' } };
    }
    return { config, result: { name: 'config', status: 'pass', detail: source ? `loaded ${rel(source, project)}` : 'none (defaults)' } };
  } catch (error) {
    return { config: undefined, result: { name: 'config', status: 'fail', detail: formatError(error, project).split('\n')[0] ?? String(error), fix: 'Fix the config file (it must `export default { ... }` with known keys), or pass --config <file>.' } };
  }
}

function checkVersions(project: string, config: HotswapConfig | undefined): CheckResult {
  const name = 'version store';
  if (config?.versions === false) return { name, status: 'skip', detail: 'history is off (versions: false in the config)' };
  const file = config?.versions && config.versions.file ? resolve(project, config.versions.file) : join(controlPaths(project).dir, 'versions.db');
  const health = inspectVersionStore(file, rel(file, project));
  return health.ok ? { name, status: 'pass', detail: health.detail } : { name, status: 'fail', detail: health.detail, fix: health.fix };
}

function checkWritable(name: string, dir: string, project: string): CheckResult {
  const where = rel(dir, project);
  try {
    const stat = statSync(dir, { throwIfNoEntry: false });
    if (stat && !stat.isDirectory()) {
      return { name, status: 'fail', detail: `${where} exists but is not a directory`, fix: `Remove or rename the file ${dir}; hotswap creates the directory itself.` };
    }
    // through the one helper that makes .hotswap/ 0700 whatever the umask
    ensureStateDir(project, dir === controlPaths(project).dir ? undefined : relative(controlPaths(project).dir, dir));
    const probe = join(dir, `.doctor-${process.pid}-${randomBytes(4).toString('hex')}`);
    writeFileSync(probe, 'ok');
    rmSync(probe);
    return { name, status: 'pass', detail: where };
  } catch (error) {
    if (isHotswapError(error)) return { name, status: 'fail', detail: `cannot write in ${where}: ${error.message}`, fix: error.hint ?? `Remove ${dir} and start again.` };
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    const fix = code === 'ENOTDIR' || code === 'EEXIST' ? `A file is in the way on the path to ${dir}: remove it.` : `Make ${dir} writable for this user (chown/chmod), or move the project to a writable place.`;
    return { name, status: 'fail', detail: `cannot write in ${where} (${code})`, fix };
  }
}

/**
 * Creates a probe file in the root and waits until the watcher reports it; then removes it.
 * A running process does not react to it: it is no module and nothing a participant watches.
 */
async function checkWatcher(root: string, project: string, ignore: (string | RegExp)[], timeoutMs: number): Promise<CheckResult> {
  const name = `watcher sees changes in ${rel(root, project) || '.'}`;
  const stat = statSync(root, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) return { name, status: 'fail', detail: `${root} is not a directory`, fix: 'Fix "roots" in the config or --root: each must be an existing directory.' };
  const probe = join(root, `hotswap-doctor-${process.pid}-${randomBytes(4).toString('hex')}.txt`);
  let seen: () => void = () => {};
  const reported = new Promise<void>((done) => (seen = done));
  const watcher = createWatcher({
    roots: [root],
    ignore,
    settleMs: 10,
    onChange: (set) => {
      if ([...set.added, ...set.changed].includes(probe)) seen();
    },
    onError: () => {},
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await watcher.ready;
    const started = performance.now();
    writeFileSync(probe, 'hotswap doctor probe: safe to delete\n');
    const outcome = await Promise.race([reported.then(() => 'seen' as const), new Promise<'timeout'>((done) => (timer = setTimeout(() => done('timeout'), timeoutMs)))]);
    if (outcome === 'seen') return { name, status: 'pass', detail: `reported in ${Math.round(performance.now() - started)} ms` };
    return {
      name,
      status: 'fail',
      detail: `a file created in ${root} was not reported within ${timeoutMs} ms`,
      fix: 'File events do not arrive (network or container file system, or inotify limits): raise fs.inotify.max_user_watches, or set watch.usePolling.',
    };
  } catch (error) {
    return { name, status: 'fail', detail: `cannot watch ${root}: ${(error as Error).message}`, fix: 'Check permissions of the root and the inotify limits (fs.inotify.max_user_watches).' };
  } finally {
    clearTimeout(timer);
    await watcher.close();
    rmSync(probe, { force: true });
  }
}

async function checkControl(project: string): Promise<CheckResult> {
  const name = 'control server';
  let info;
  try {
    info = readControlInfo(project);
  } catch (error) {
    return { name, status: 'fail', detail: `.hotswap/control.json is unreadable: ${(error as Error).message}`, fix: 'Delete .hotswap/control.json; hotswap run writes it again.' };
  }
  if (!info) return { name, status: 'skip', detail: 'no running process (start one with hotswap run <entry>)' };
  if (!isProcessAlive(info.pid)) {
    return { name, status: 'fail', detail: `down: .hotswap/control.json names pid ${info.pid}, which has exited (a stale file)`, fix: 'Start the app with hotswap run <entry>, or delete the stale .hotswap/control.json.' };
  }
  try {
    const status = await connectControl(project).request<{ state: string }>('GET', '/api/status');
    return { name, status: 'pass', detail: `answers at ${info.url} (pid ${info.pid}, ${status.state})` };
  } catch (error) {
    return { name, status: 'fail', detail: `pid ${info.pid} is running but ${info.url} does not answer: ${(error as Error).message}`, fix: 'Check the process output for a control server error; restart it, or start it without --no-control.' };
  }
}

function rel(path: string, project: string): string {
  return path === project ? '.' : path.startsWith(`${project}/`) ? path.slice(project.length + 1) : path;
}
