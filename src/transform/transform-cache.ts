/**
 * Transforms cached by content, in memory and on disk (`.hotswap/cache`), so a
 * restart of a large app skips the transform; beside each entry, V8's code
 * cache for the compiled module, so a restart also skips most of the compile.
 * Keys hash the cache format, the transformer version, the path (maps name
 * it) and the source. Disk entries are written atomically (temp + rename,
 * owner-only permissions) after the reload that produced them; every entry is
 * checked before use (cache-entry.ts): one that is corrupt, of another shape or
 * edited is ignored and rewritten, never run.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { ensureStateDirAbove } from '../shared/state-dir.ts';
import { join } from 'node:path';
// Node's own, never the global one: resource scopes hook that, and a scope that records
// hotswap's write turn clears it when its version is discarded (the queue then never drained).
import { setImmediate } from 'node:timers';
import { sha256 } from '../shared/hash.ts';
import { CACHE_FORMAT, decodeCodeCache, decodeEntry, encodeCodeCache, encodeEntry } from './cache-entry.ts';
import { TRANSFORM_VERSION, transformModule, type TransformOptions, type TransformedModule } from './transform-module.ts';

export interface TransformCacheStats {
  memoryHits: number;
  diskHits: number;
  misses: number;
  /** Disk entries (transforms and code caches) refused by their digest or shape check, then rewritten. */
  rejected: number;
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
  /** Writes not done yet, by target (`key` + suffix), oldest first; only entries the memory still holds. */
  readonly #pending = new Map<string, () => void>();
  #draining = false;
  readonly stats: TransformCacheStats = { memoryHits: 0, diskHits: 0, misses: 0, rejected: 0, codeCacheHits: 0, codeCacheRejected: 0 };

  /** `dir` undefined: memory only (and no code cache). */
  constructor(dir: string | undefined) {
    this.#dir = dir;
  }

  transform(file: string, source: string, options: TransformOptions): CachedTransform {
    const sourceHash = sha256(source);
    const key = sha256(`${CACHE_FORMAT}\0${TRANSFORM_VERSION}\0${options.defaultFormat}\0${file}\0${sourceHash}`);
    const cached = this.#memory.get(key);
    if (cached) {
      this.stats.memoryHits++;
      return cached;
    }
    const fromDisk = this.#readEntry(key, file, sourceHash);
    if (fromDisk) {
      this.stats.diskHits++;
      const value = { ...fromDisk, cacheKey: key };
      this.#remember(file, key, value);
      return value;
    }
    this.stats.misses++;
    const result: CachedTransform = { ...transformModule(file, source, options), cacheKey: key };
    this.#remember(file, key, result);
    this.#later(key, '.json', () => encodeEntry(result, sourceHash));
    return result;
  }

  /** V8 code cache for a transform (same V8 version only), if stored. */
  readCodeCache(key: string | undefined): Buffer | undefined {
    if (!this.#dir || !key) return undefined;
    let stored: Buffer;
    try {
      stored = readFileSync(this.#path(key, `.${codeCacheTag()}.v8`));
    } catch {
      return undefined;
    }
    const data = decodeCodeCache(key, stored);
    // Refused: the module compiles without it, and its code cache is written again after it ran.
    if (!data) this.stats.rejected++;
    return data;
  }

  /** Store V8's code cache for a transform, produced after the module ran (so lazily compiled functions are in it). */
  writeCodeCache(key: string | undefined, produce: () => Buffer): void {
    if (!this.#dir || !key) return;
    this.#later(key, `.${codeCacheTag()}.v8`, () => encodeCodeCache(key, produce()));
  }

  #remember(file: string, key: string, value: CachedTransform): void {
    this.#memory.set(key, value);
    const keys = this.#keysByFile.get(file) ?? [];
    keys.push(key);
    while (keys.length > PER_FILE) this.#forget(keys.shift() as string);
    this.#keysByFile.set(file, keys);
  }

  /** A verified disk entry; a refused one counts as `rejected` and is rewritten by the transform that follows. */
  #readEntry(key: string, file: string, sourceHash: string): TransformedModule | undefined {
    if (!this.#dir) return undefined;
    let text: string;
    try {
      text = readFileSync(this.#path(key, '.json'), 'utf8');
    } catch {
      return undefined;
    }
    const entry = decodeEntry(text, file, sourceHash);
    if (!entry) this.stats.rejected++;
    return entry;
  }

  #path(key: string, suffix: string): string {
    return join(this.#dir as string, key.slice(0, 2), `${key}${suffix}`);
  }

  /** A source neither current nor the one before: its entry is not kept, nor written if still pending. */
  #forget(key: string): void {
    this.#memory.delete(key);
    this.#pending.delete(`${key}.json`);
    this.#pending.delete(`${key}.${codeCacheTag()}.v8`);
  }

  /**
   * Write after the current reload: an entry only speeds up the next start. Reloads
   * that never yield to the event loop (a script calling `reload()` in a loop) queue
   * writes faster than turns drain them: forgetting superseded sources keeps the queue
   * (and the transforms it holds) at most two entries per file.
   */
  #later(key: string, suffix: string, produce: () => string | Buffer): void {
    if (!this.#dir) return;
    this.#pending.set(`${key}${suffix}`, () => this.#writeNow(key, suffix, produce));
    if (this.#draining) return;
    this.#draining = true;
    setImmediate(() => this.#drain(20));
  }

  /** Write a few entries per turn of the event loop, so a large first start does not stall it. */
  #drain(batch: number): void {
    let left = batch;
    for (const [target, write] of this.#pending) {
      if (left-- === 0) break;
      this.#pending.delete(target);
      write();
    }
    if (this.#pending.size > 0) setImmediate(() => this.#drain(batch));
    else this.#draining = false;
  }

  /** Write every pending entry now (on close: a process stopped right after its start keeps its cache). */
  flush(): void {
    for (const [target, write] of this.#pending) {
      this.#pending.delete(target);
      write();
    }
  }

  #writeNow(key: string, suffix: string, produce: () => string | Buffer): void {
    try {
      const target = this.#path(key, suffix);
      const folder = join(this.#dir as string, key.slice(0, 2));
      if (!this.#folders.has(folder)) {
        // Owner-only whatever the umask: the cache holds code this process runs.
        if (this.#folders.size === 0) ensureStateDirAbove(folder);
        mkdirSync(folder, { recursive: true, mode: 0o700 });
        this.#folders.add(folder);
      }
      const temp = `${target}.${process.pid}.tmp`;
      writeFileSync(temp, produce(), { mode: 0o600 });
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
