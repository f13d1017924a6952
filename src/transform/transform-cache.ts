/**
 * Transforms cached by content, in memory and on disk (`.hotswap/cache`), so a
 * restart of a large app skips the transform; beside each entry, V8's code
 * cache for the compiled module, so a restart also skips most of the compile.
 * Keys hash the transformer version, the path (maps name it) and the source.
 * Disk entries are written atomically (temp + rename) after the reload that
 * produced them; a corrupt or stale entry is ignored and rewritten.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { ensureStateDirAbove } from '../shared/state-dir.ts';
import { join } from 'node:path';
import { sha256 } from '../shared/hash.ts';
import { TRANSFORM_VERSION, transformModule, type TransformOptions, type TransformedModule } from './transform-module.ts';

export interface TransformCacheStats {
  memoryHits: number;
  diskHits: number;
  misses: number;
  /** V8 code cache entries used at compile / rejected as stale. */
  codeCacheHits: number;
  codeCacheRejected: number;
}

/** A transform result with the key its caches are stored under. */
export interface CachedTransform extends TransformedModule {
  cacheKey?: string;
}

/** Entries kept in memory per file: the current source and the one before (an undo is free). */
const PER_FILE = 2;

export class TransformCache {
  readonly #dir: string | undefined;
  readonly #memory = new Map<string, CachedTransform>();
  readonly #keysByFile = new Map<string, string[]>();
  readonly #folders = new Set<string>();
  readonly #pending: (() => void)[] = [];
  readonly stats: TransformCacheStats = { memoryHits: 0, diskHits: 0, misses: 0, codeCacheHits: 0, codeCacheRejected: 0 };

  /** `dir` undefined: memory only (and no code cache). */
  constructor(dir: string | undefined) {
    this.#dir = dir;
  }

  transform(file: string, source: string, options: TransformOptions): CachedTransform {
    const key = sha256(`${TRANSFORM_VERSION}\0${options.defaultFormat}\0${file}\0${source}`);
    const cached = this.#memory.get(key);
    if (cached) {
      this.stats.memoryHits++;
      return cached;
    }
    const fromDisk = this.#readJson(key);
    if (fromDisk) {
      this.stats.diskHits++;
      const value = { ...fromDisk, cacheKey: key };
      this.#remember(file, key, value);
      return value;
    }
    this.stats.misses++;
    const result: CachedTransform = { ...transformModule(file, source, options), cacheKey: key };
    this.#remember(file, key, result);
    this.#later(key, '.json', () => JSON.stringify({ ...result, cacheKey: undefined }));
    return result;
  }

  /** V8 code cache for a transform (same V8 version only), if stored. */
  readCodeCache(key: string | undefined): Buffer | undefined {
    if (!this.#dir || !key) return undefined;
    try {
      return readFileSync(this.#path(key, `.${codeCacheTag()}.v8`));
    } catch {
      return undefined;
    }
  }

  /** Store V8's code cache for a transform, produced after the module ran (so lazily compiled functions are in it). */
  writeCodeCache(key: string | undefined, produce: () => Buffer): void {
    if (!this.#dir || !key) return;
    this.#later(key, `.${codeCacheTag()}.v8`, produce);
  }

  #remember(file: string, key: string, value: CachedTransform): void {
    this.#memory.set(key, value);
    const keys = this.#keysByFile.get(file) ?? [];
    keys.push(key);
    while (keys.length > PER_FILE) this.#memory.delete(keys.shift() as string);
    this.#keysByFile.set(file, keys);
  }

  #readJson(key: string): TransformedModule | undefined {
    if (!this.#dir) return undefined;
    try {
      return JSON.parse(readFileSync(this.#path(key, '.json'), 'utf8')) as TransformedModule;
    } catch {
      return undefined;
    }
  }

  #path(key: string, suffix: string): string {
    return join(this.#dir as string, key.slice(0, 2), `${key}${suffix}`);
  }

  /** Write after the current reload: an entry only speeds up the next start. */
  #later(key: string, suffix: string, produce: () => string | Buffer): void {
    if (!this.#dir) return;
    this.#pending.push(() => this.#writeNow(key, suffix, produce));
    if (this.#pending.length === 1) setImmediate(() => this.#drain(20));
  }

  /** Write a few entries per turn of the event loop, so a large first start does not stall it. */
  #drain(batch: number): void {
    for (let i = 0; i < batch && this.#pending.length > 0; i++) this.#pending.shift()?.();
    if (this.#pending.length > 0) setImmediate(() => this.#drain(batch));
  }

  /** Write every pending entry now (on close: a process stopped right after its start keeps its cache). */
  flush(): void {
    while (this.#pending.length > 0) this.#pending.shift()?.();
  }

  #writeNow(key: string, suffix: string, produce: () => string | Buffer): void {
    try {
      const target = this.#path(key, suffix);
      const folder = join(this.#dir as string, key.slice(0, 2));
      if (!this.#folders.has(folder)) {
        if (this.#folders.size === 0) ensureStateDirAbove(folder);
        mkdirSync(folder, { recursive: true, mode: 0o700 });
        this.#folders.add(folder);
      }
      const temp = `${target}.${process.pid}.tmp`;
      writeFileSync(temp, produce());
      renameSync(temp, target);
    } catch {
      // A read-only or full disk only costs speed: the memory cache still works.
    }
  }
}

/** V8 rejects a code cache from another V8 version or flags; naming the file after both avoids the read. */
function codeCacheTag(): string {
  return `v8-${process.versions.v8.replace(/[^\w.-]/g, '_')}`;
}
