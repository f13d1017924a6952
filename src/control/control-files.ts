/**
 * The rendezvous between a running process and the CLI: `.hotswap/control.json`
 * says where the control server listens (no secrets in it), `.hotswap/token`
 * holds the admin token and `.hotswap/panel-token` the read-only one, all
 * mode 0600 in a 0700 directory so only the user who runs the process can
 * read them. What is read back must be the user's own and writable by nobody
 * else (`HS_UNSAFE_FILE` otherwise): another user could point the CLI, and
 * its token, at a server of theirs.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ERROR_CODES, HotswapError } from '../errors.ts';
import { writeFileAtomic } from '../shared/atomic-write.ts';
import { assertOwnedFile, ensureStateDir, FILE_MODE, stateDirOf } from '../shared/state-dir.ts';

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

/** Writes the tokens and then control.json (all 0600): a reader that finds control.json finds the tokens too. */
export function writeControlFiles(project: string, info: ControlInfo, tokens: { admin: string; read: string }): void {
  const paths = controlPaths(project);
  ensureStateDir(project);
  writeFileAtomic(paths.token, `${tokens.admin}\n`, FILE_MODE);
  writeFileAtomic(paths.panelToken, `${tokens.read}\n`, FILE_MODE);
  writeFileAtomic(paths.info, `${JSON.stringify(info, null, 2)}\n`, FILE_MODE);
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

/** control.json, or undefined when there is none; throws HS_UNSAFE_FILE for one that is not the user's own, HS_NOT_RUNNING for a corrupt one. */
export function readControlInfo(project: string): ControlInfo | undefined {
  const { dir, info } = controlPaths(project);
  if (!existsSync(info)) return undefined;
  assertOwnedFile(dir, 'directory');
  assertOwnedFile(info);
  let data: Partial<ControlInfo>;
  try {
    data = JSON.parse(readFileSync(info, 'utf8')) as Partial<ControlInfo>;
  } catch (error) {
    throw new HotswapError(ERROR_CODES.NOT_RUNNING, `${info} is corrupt (${(error as Error).message})`, { hint: 'Start the app again with hotswap run <entry>: it rewrites the file.' });
  }
  if (typeof data !== 'object' || data === null || typeof data.pid !== 'number' || typeof data.url !== 'string') return undefined;
  return { pid: data.pid, url: data.url, started: String(data.started ?? ''), project: String(data.project ?? project) };
}

/** The token, or undefined when there is none; throws HS_UNSAFE_FILE for one that is not the user's own or that others may write. */
export function readToken(project: string, kind: 'admin' | 'read' = 'admin'): string | undefined {
  const paths = controlPaths(project);
  const file = kind === 'admin' ? paths.token : paths.panelToken;
  if (!existsSync(file)) return undefined;
  assertOwnedFile(paths.dir, 'directory');
  assertOwnedFile(file);
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
