/**
 * `.hotswap/`: the one place hotswap writes inside a project (control files,
 * tokens, the transform cache). Whatever the umask, the directory is 0700 and
 * its files 0600, so nobody else on the machine can read a token or plant
 * code; and whatever hotswap reads back from it must be the user's own and
 * writable by nobody else, or it is refused.
 */
import { chmodSync, lstatSync, mkdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, HotswapError } from '../errors.ts';
import { writeFileAtomic } from './atomic-write.ts';

export const STATE_DIR_NAME = '.hotswap';
export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

export function stateDirOf(root: string): string {
  return join(root, STATE_DIR_NAME);
}

/**
 * Creates `<root>/.hotswap` (and `sub`, e.g. `cache`) 0700 whatever the umask, with a
 * `.gitignore` of `*`; returns the directory. An existing one of ours that others may
 * write is narrowed to 0700; one that is not ours, or not a directory, is refused.
 */
export function ensureStateDir(root: string, sub?: string): string {
  const dir = stateDirOf(root);
  ensureDir(dir);
  const gitignore = join(dir, '.gitignore');
  if (lstatOrUndefined(gitignore) === undefined) {
    try {
      writeFileAtomic(gitignore, '*\n', FILE_MODE);
    } catch {
      // a convenience only: the directory works without it
    }
  }
  if (sub === undefined) return dir;
  const nested = join(dir, sub);
  ensureDir(nested);
  return nested;
}

/** Throws HS_UNSAFE_FILE unless `path` is ours and writable by no one else (a directory or a regular file). */
export function assertOwnedFile(path: string, kind: 'file' | 'directory' = 'file'): Stats {
  const stats = lstatSync(path);
  const what = kind === 'directory' ? 'directory' : 'file';
  if (kind === 'directory' ? !stats.isDirectory() : !stats.isFile()) {
    throw unsafe(path, `is not a regular ${what}${stats.isSymbolicLink() ? ' (a symbolic link)' : ''}`);
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) throw unsafe(path, `belongs to uid ${stats.uid}, not to you (uid ${uid})`);
  if (process.platform !== 'win32' && (stats.mode & 0o022) !== 0) {
    const who = [stats.mode & 0o020 ? 'its group' : '', stats.mode & 0o002 ? 'other users' : ''].filter(Boolean).join(' and ');
    throw unsafe(path, `is writable by ${who} (mode ${(stats.mode & 0o777).toString(8)})`);
  }
  return stats;
}

/** Write beside, then rename: a reader never sees half a file; the temp file never outlives a failure. */
function ensureDir(dir: string): void {
  const existing = lstatOrUndefined(dir);
  if (existing === undefined) {
    mkdirSync(dir, { recursive: true, mode: DIR_MODE });
    chmodSync(dir, DIR_MODE); // mkdir's mode is masked by the umask; chmod's is not
    return;
  }
  if (!existing.isDirectory()) throw unsafe(dir, existing.isSymbolicLink() ? 'is a symbolic link, not a directory' : 'is not a directory');
  const uid = process.getuid?.();
  if (uid !== undefined && existing.uid !== uid) throw unsafe(dir, `belongs to uid ${existing.uid}, not to you (uid ${uid})`);
  // Ours but open to others (made under an old umask, or by hand): close it.
  if (process.platform !== 'win32' && (existing.mode & 0o077) !== 0) chmodSync(dir, DIR_MODE);
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function unsafe(path: string, why: string): HotswapError {
  return new HotswapError(ERROR_CODES.UNSAFE_FILE, `${path} ${why}: hotswap refuses to use it`, {
    hint: `Remove it (rm -rf ${path}) and start hotswap again: it recreates its files 0700/0600, owned by you.`,
  });
}

/** For a path inside some project's `.hotswap/` (the default cache dir): create that state dir first. */
export function ensureStateDirAbove(path: string): void {
  const marker = `/${STATE_DIR_NAME}/`;
  const at = path.replaceAll('\\', '/').lastIndexOf(marker);
  if (at >= 0) ensureStateDir(path.slice(0, at));
}
