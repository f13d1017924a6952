/**
 * The leak report: per replaced version, what is still alive. Versions not
 * collected come from the version tracker (a sentinel pinned in each
 * version's V8 context); resources still alive after their release come from
 * the lingering registry, with the stack where each was created.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { lingering, type LingeringResource } from './leak-registry.ts';

/** A replaced version still reachable (the runner's version tracker reports them). */
export interface RetainedVersion {
  module: string;
  version: number;
  /** ms since the version was replaced */
  replacedForMs: number;
}

export interface LeakReport {
  /** Replaced versions still reachable: something holds one of their functions or objects. */
  versions: RetainedVersion[];
  /** Resources of replaced versions released but still alive (a server finishing its connections, a release that threw). */
  resources: LingeringResource[];
  /** Whether a full garbage collection ran first (otherwise `versions` may list garbage not yet collected). */
  collected: boolean;
}

export interface LeakOptions {
  /** Run a full GC first and let finalizers run, for a precise `versions` list. @default false */
  gc?: boolean;
  /** Only versions replaced at least this long ago. @default 0 */
  olderThanMs?: number;
}

let gcFunction: (() => void) | undefined;

/** A full GC, without starting Node with --expose-gc (the flag only exposes `gc` to contexts created afterwards). */
async function collectGarbage(): Promise<void> {
  if (!gcFunction) {
    setFlagsFromString('--expose-gc');
    gcFunction = runInNewContext('gc') as () => void;
  }
  // FinalizationRegistry callbacks run in tasks after the collection: let them.
  for (let i = 0; i < 3; i++) {
    gcFunction();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export async function buildLeakReport(retained: (olderThanMs: number) => RetainedVersion[], options: LeakOptions = {}): Promise<LeakReport> {
  if (options.gc) await collectGarbage();
  return { versions: retained(options.olderThanMs ?? 0), resources: lingering.list(), collected: options.gc ?? false };
}
