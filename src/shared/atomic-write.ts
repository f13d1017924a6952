/**
 * Replace a file's content so that a reader (or a crash) sees the old content
 * or the new one in full, never a mix: write a temporary file beside it, fsync,
 * rename over the original, fsync the directory. The original's mode is kept,
 * unless `mode` is given: then the file gets exactly that mode, whatever the
 * umask (tokens in `.hotswap/`). A temporary file left by a failed write is removed.
 */
import { chmodSync, closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export function writeFileAtomic(file: string, content: string, exactMode?: number): void {
  const mode = exactMode ?? statSync(file, { throwIfNoEntry: false })?.mode ?? 0o644;
  // A dot-name without a module extension: the watcher never loads it.
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.hotswap-tmp`);
  const fd = openSync(temp, 'wx', mode & 0o777);
  try {
    writeSync(fd, content);
    // open()'s mode is narrowed by the umask: an exact mode is set again
    if (exactMode !== undefined) chmodSync(temp, exactMode);
    fsyncSync(fd);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  try {
    const dir = openSync(dirname(file), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // some file systems refuse fsync on a directory; the rename itself is atomic
  }
}
