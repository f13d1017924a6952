/**
 * The engine on in-memory sources and a fake clock: a runtime whose project
 * lives in a Map under a root that does not exist on disk, and whose time moves
 * only when the code under test sleeps. Fast and deterministic: no file system
 * events, no wall-clock waits.
 */
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { createRuntime, type Runtime } from '../../src/index.ts';
import type { TransactionDeps } from '../../src/reload/transaction.ts';
import { ModuleRegistry } from '../../src/runner/module-registry.ts';
import { Resolver } from '../../src/runner/resolver.ts';
import { vmEvaluator, type Clock, type SourceReader } from '../../src/runner/seams.ts';
import { SourceStore } from '../../src/runner/source-store.ts';
import { VersionTracker } from '../../src/runner/version-tracker.ts';
import { TransformCache } from '../../src/transform/transform-cache.ts';

/** A root that is not on disk: any read that bypassed the reader would fail. */
export const VIRTUAL_ROOT = '/hotswap-virtual-project';

export class MemoryFiles implements SourceReader {
  readonly files = new Map<string, string>();
  /** Every path read through the reader, in order. */
  readonly reads: string[] = [];
  /** Per file: texts to hand out on the next reads before the stored one (a write in progress). */
  readonly pending = new Map<string, string[]>();
  /** Per file: run after the next read returns (a write landing while the file is read). */
  readonly afterRead = new Map<string, () => void>();
  readonly #mtimes = new Map<string, number>();
  #writes = 0;

  constructor(files: Record<string, string>) {
    for (const [rel, text] of Object.entries(files)) this.set(rel, text);
  }

  path(rel: string): string {
    return `${VIRTUAL_ROOT}/${rel}`;
  }

  set(rel: string, text: string): string {
    const file = this.path(rel);
    this.files.set(file, text);
    this.#mtimes.set(file, ++this.#writes);
    return file;
  }

  delete(rel: string): void {
    this.files.delete(this.path(rel));
  }

  read(file: string): string {
    this.reads.push(file);
    const queued = this.pending.get(file);
    if (queued && queued.length > 0) return queued.shift() as string;
    const text = this.files.get(file);
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
    const after = this.afterRead.get(file);
    this.afterRead.delete(file);
    after?.();
    return text;
  }

  stat(file: string): { size: number; mtimeMs: number } | undefined {
    const text = this.files.get(file);
    return text === undefined ? undefined : { size: Buffer.byteLength(text), mtimeMs: this.#mtimes.get(file) ?? 0 };
  }

  isFile(file: string): boolean {
    return this.files.has(file);
  }
}

export class FakeClock implements Clock {
  #now = 1_700_000_000_000;
  #monotonic = 0;
  /** Every sleep asked for, ms. */
  readonly sleeps: number[] = [];

  now(): number {
    return this.#now;
  }

  monotonic(): number {
    return this.#monotonic;
  }

  /** Time passes only here: the wait resolves on the next microtask, the clock moves by `ms`. */
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.advance(ms);
    return Promise.resolve();
  }

  advance(ms: number): void {
    this.#now += ms;
    this.#monotonic += ms;
  }
}

export function memoryEngine(t: TestContext, files: Record<string, string>): { rt: Runtime; fs: MemoryFiles; clock: FakeClock } {
  if (existsSync(VIRTUAL_ROOT)) throw new Error(`${VIRTUAL_ROOT} exists on disk: the engine tests need it not to`);
  const fs = new MemoryFiles({ 'package.json': JSON.stringify({ type: 'module' }), ...files });
  const clock = new FakeClock();
  const rt = createRuntime({ root: VIRTUAL_ROOT, cacheDir: false, watch: false, reader: fs, clock });
  t.after(() => rt.close());
  return { rt, fs, clock };
}

/** The registry and transaction deps alone (no runtime, no queue), for driving phases directly. */
export function memoryRegistry(files: Record<string, string>): { registry: ModuleRegistry; fs: MemoryFiles; clock: FakeClock; deps: TransactionDeps } {
  const fs = new MemoryFiles({ 'package.json': JSON.stringify({ type: 'module' }), ...files });
  const clock = new FakeClock();
  const registry = new ModuleRegistry({
    resolver: new Resolver({ roots: [VIRTUAL_ROOT], isFile: (file) => fs.isFile(file) }),
    cache: new TransformCache(undefined),
    sources: new SourceStore(fs, clock, VIRTUAL_ROOT),
    evaluator: vmEvaluator,
    versions: new VersionTracker(),
    root: VIRTUAL_ROOT,
    formatFor: () => 'esm',
    onInvalidate: () => {},
    onHotCallbackError: (error) => {
      throw error;
    },
  });
  return { registry, fs, clock, deps: { registry, root: VIRTUAL_ROOT, entry: undefined, participants: [], clock } };
}
