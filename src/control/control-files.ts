/**
 * The rendezvous between a running process and the CLI: `.hotswap/control.json`
 * says where the control server listens (no secrets in it), `.hotswap/token`
 * holds the admin token and `.hotswap/panel-token` the read-only one, both
 * mode 0600 so only the user who runs the process can read them.
 */
import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensureStateDir, stateDirOf } from '../shared/state-dir.ts';

export interface ControlInfo {
  pid: number;
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  /** ISO time the server started. */
  started: string;
  /** Project directory of the running process. */
  project: string;
}

export interface ControlPaths {
  dir: string;
  info: string;
  token: string;
  panelToken: string;
}

export function controlPaths(project: string): ControlPaths {
  const dir = stateDirOf(project);
  return { dir, info: join(dir, 'control.json'), token: join(dir, 'token'), panelToken: join(dir, 'panel-token') };
}

/** Writes the tokens (0600) and then control.json: a reader that finds control.json finds the tokens too. */
export function writeControlFiles(project: string, info: ControlInfo, tokens: { admin: string; read: string }): void {
  const paths = controlPaths(project);
  ensureStateDir(project);
  writeSecret(paths.token, tokens.admin);
  writeSecret(paths.panelToken, tokens.read);
  writeAtomic(paths.info, `${JSON.stringify(info, null, 2)}\n`, 0o644);
}

/**
 * Removes control.json and the token files if they still belong to this process (another run
 * may have taken over): a token is only good while its process runs, so none outlives it.
 */
export function removeControlInfo(project: string, pid: number = process.pid): void {
  const { info, token, panelToken } = controlPaths(project);
  try {
    const current = readControlInfo(project);
    if (current && current.pid !== pid) return;
    rmSync(info, { force: true });
    rmSync(token, { force: true });
    rmSync(panelToken, { force: true });
  } catch {
    // best effort: this runs while the process exits
  }
}

export function readControlInfo(project: string): ControlInfo | undefined {
  const { info } = controlPaths(project);
  if (!existsSync(info)) return undefined;
  const data = JSON.parse(readFileSync(info, 'utf8')) as Partial<ControlInfo>;
  if (typeof data.pid !== 'number' || typeof data.url !== 'string') return undefined;
  return { pid: data.pid, url: data.url, started: String(data.started ?? ''), project: String(data.project ?? project) };
}

export function readToken(project: string, kind: 'admin' | 'read' = 'admin'): string | undefined {
  const paths = controlPaths(project);
  const file = kind === 'admin' ? paths.token : paths.panelToken;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Finds the nearest directory at or above `from` that has a `.hotswap/control.json`. */
export function findControlProject(from: string): string | undefined {
  let dir = from;
  for (;;) {
    if (existsSync(controlPaths(dir).info)) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Whether a process with this pid exists (EPERM: it does, owned by another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function writeSecret(file: string, value: string): void {
  writeAtomic(file, `${value}\n`, 0o600);
}

// Write beside, then rename: a reader never sees half a file, and a token file is never world-readable for a moment.
function writeAtomic(file: string, content: string, mode: number): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, content, { mode });
  chmodSync(temp, mode); // the umask may have narrowed or (for 0644) kept it; make it exact
  renameSync(temp, file);
}
