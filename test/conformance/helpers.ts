/**
 * Scenario driver for the conformance suite: a temp project (`"type": "module"`),
 * a runtime without watcher or disk cache, a per-test log the modules write to
 * (`LOG('x')` in a fixture), and edits written atomically then reloaded the way
 * the watcher would report them.
 */
import type { TestContext } from 'node:test';
import { randomUUID } from 'node:crypto';
import { createRuntime, type Runtime } from '../../src/index.ts';
import type { HotswapError } from '../../src/errors.ts';
import type { ReloadResult } from '../../src/reload/reload-result.ts';
import { createProject, type TempProject } from '../support/project.ts';

export type Ns = Record<string, any>;

export interface Scenario {
  p: TempProject;
  rt: Runtime;
  /** What the modules logged, in order (`LOG(...)` in fixture sources). */
  log: unknown[];
  /** Errors the runtime reported outside reloads (`runtime.on('error')`). */
  errors: HotswapError[];
  /** Every reload result, in order (includes those `invalidate()` started). */
  reloads: ReloadResult[];
  /** Load the entry (relative path). */
  start(entry?: string): Promise<Ns>;
  /** Write files atomically (`LOG(` expanded), without reloading. */
  write(files: Record<string, string>): void;
  /** Write files atomically, then reload exactly those files. */
  edit(files: Record<string, string>): Promise<ReloadResult>;
  /** Remove files, then reload them as removed. */
  remove(...files: string[]): Promise<ReloadResult>;
  /** Empty the log (between phases). */
  clear(): void;
}

/**
 * `files` may use `LOG(...)`: it is rewritten to a call that appends to this
 * scenario's log (a global under a random key, so scenarios never share state).
 */
export function scenario(t: TestContext, files: Record<string, string>): Scenario {
  const key = `__hs_conformance_${randomUUID().replaceAll('-', '')}`;
  const log: unknown[] = [];
  (globalThis as Record<string, unknown>)[key] = (...args: unknown[]) => log.push(args.length === 1 ? args[0] : args);
  const expand = (source: string): string => source.replaceAll('LOG(', `globalThis.${key}(`);
  const p = createProject(Object.fromEntries(Object.entries(files).map(([name, source]) => [name, expand(source)])));
  const rt = createRuntime({ root: p.dir, watch: false, cacheDir: false });
  const errors: HotswapError[] = [];
  const reloads: ReloadResult[] = [];
  rt.on('error', (error) => errors.push(error));
  rt.on('reload', (result) => reloads.push(result));
  t.after(async () => {
    await rt.close();
    p.cleanup();
    delete (globalThis as Record<string, unknown>)[key];
  });
  return {
    p,
    rt,
    log,
    errors,
    reloads,
    start: (entry = 'main.js') => rt.import<Ns>(entry),
    write(changed) {
      for (const [name, source] of Object.entries(changed)) p.writeAtomic(name, expand(source));
    },
    async edit(changed) {
      for (const [name, source] of Object.entries(changed)) p.writeAtomic(name, expand(source));
      return rt.reload(Object.keys(changed).map((name) => p.path(name)));
    },
    async remove(...names) {
      for (const name of names) p.remove(name);
      return rt.request({ removed: names.map((name) => p.path(name)) });
    },
    clear: () => void log.splice(0),
  };
}

/** The reload committed; returns it narrowed. */
export function committed(result: ReloadResult): Extract<ReloadResult, { status: 'committed' }> {
  if (result.status !== 'committed') {
    const why = result.status === 'failed' ? `${result.error.code}: ${result.error.message}` : result.status;
    throw new Error(`expected the reload to commit, got ${why}`);
  }
  return result;
}

/** The reload failed; returns it narrowed. */
export function failed(result: ReloadResult): Extract<ReloadResult, { status: 'failed' }> {
  if (result.status !== 'failed') throw new Error(`expected the reload to fail, got ${result.status}`);
  return result;
}
