/**
 * Which file an `apply` or `rollback` may write: one inside the project's
 * roots, checked before anything is read or written. A path with a `..`
 * segment, an absolute path elsewhere and a symlink (of the file or of a
 * directory on the way) that leads out of the roots are all refused: the
 * control API is a write door into the project, never beyond it.
 */
import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { ERROR_CODES, HotswapError } from '../errors.ts';

export function resolveProjectModule(input: string, project: string, roots: readonly string[]): string {
  const refuse = (why: string): never => {
    throw new HotswapError(ERROR_CODES.PATH_OUTSIDE_ROOTS, `${input} ${why}; nothing was changed`, { hint: `Name a module inside the project roots (${roots.map((r) => relative(project, r) || '.').join(', ')}), relative to ${project}.` });
  };
  if (input.trim() === '' || input.includes('\0')) refuse('is not a path');
  if (input.split(/[\\/]/).includes('..')) refuse('has a ".." segment');
  const path = resolve(project, input);
  const inside = (file: string, dirs: readonly string[]): boolean => dirs.some((root) => file === root || file.startsWith(root + sep));
  if (!inside(path, roots)) refuse(isAbsolute(input) ? 'is outside the project roots' : 'resolves outside the project roots');
  // Symlinks: compare real paths (the file's, or its nearest existing parent's for a new file).
  const realRoots = roots.map((root) => (existsSync(root) ? realpathSync(root) : root));
  let existing = path;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  const real = realpathSync(existing);
  if (!inside(real, realRoots)) refuse(`leads outside the project roots through a symlink (to ${real})`);
  return path;
}
