/**
 * Temp projects for tests: files are written before the runtime or the CLI
 * starts (chokidar's lesson: creating fixtures late invites flakes).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface TempProject {
  dir: string;
  path(relative: string): string;
  write(relative: string, content: string): string;
  /** Editor-style atomic save: write a temp file next to it, then rename over. */
  writeAtomic(relative: string, content: string): string;
  remove(relative: string): void;
  cleanup(): void;
}

export function createProject(files: Record<string, string>, options: { type?: 'module' | 'commonjs' } = {}): TempProject {
  const dir = mkdtempSync(join(tmpdir(), 'hotswap-test-'));
  const project: TempProject = {
    dir,
    path: (relative) => join(dir, relative),
    write(relative, content) {
      const file = join(dir, relative);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
      return file;
    },
    writeAtomic(relative, content) {
      const file = join(dir, relative);
      const temp = `${file}.tmp-${process.pid}`;
      writeFileSync(temp, content);
      renameSync(temp, file);
      return file;
    },
    remove(relative) {
      rmSync(join(dir, relative), { force: true });
    },
    cleanup() {
      // A process under test may still be writing (its cache is flushed on close): retry.
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
    },
  };
  project.write('package.json', JSON.stringify({ name: 'fixture', private: true, type: options.type ?? 'module' }));
  for (const [relative, content] of Object.entries(files)) project.write(relative, content);
  return project;
}

/** A promise with its resolvers, for freezing races in tests. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Poll a condition (state, not time): resolves when it holds, rejects after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
