/**
 * `.hotswap/` is the project's state directory (transform cache, control
 * rendezvous, tokens, later the version store). It is created here and only
 * here: mode 0700 whatever the umask (it holds tokens and code that will be
 * run), with its own `.gitignore` so `git add .` never commits a token.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const STATE_DIR_NAME = '.hotswap';

export function stateDirOf(project: string): string {
  return join(project, STATE_DIR_NAME);
}

/** Creates `<project>/.hotswap` (0700, with `.gitignore`) if needed and returns its path. */
export function ensureStateDir(project: string): string {
  const dir = stateDirOf(project);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700); // mkdir's mode is narrowed by the umask, never widened: make it exact
  }
  const ignore = join(dir, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '# written by hotswap: nothing in here belongs in version control\n*\n', { mode: 0o644 });
  return dir;
}

/** For a path inside some project's `.hotswap/` (the default cache dir): create that state dir first. */
export function ensureStateDirAbove(path: string): void {
  const marker = `/${STATE_DIR_NAME}/`;
  const at = path.replaceAll('\\', '/').lastIndexOf(marker);
  if (at >= 0) ensureStateDir(path.slice(0, at));
}
