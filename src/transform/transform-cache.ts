/**
 * Transforms cached by content, in memory and on disk (`.hotswap/cache`), so a
 * restart of a large app skips the transform. Keys hash the transformer
 * version, the path (maps name it) and the source. Disk entries are written
 * atomically (temp + rename); a corrupt entry is ignored and rewritten.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '../shared/hash.ts';
import { TRANSFORM_VERSION, transformModule, type TransformOptions, type TransformedModule } from './transform-module.ts';

export interface TransformCacheStats {
  memoryHits: number;
  diskHits: number;
  misses: number;
}

export class TransformCache {
  readonly #dir: string | undefined;
  readonly #memory = new Map<string, TransformedModule>();
  readonly #folders = new Set<string>();
  readonly stats: TransformCacheStats = { memoryHits: 0, diskHits: 0, misses: 0 };

  /** `dir` undefined: memory only. */
  constructor(dir: string | undefined) {
    this.#dir = dir;
  }

  transform(file: string, source: string, options: TransformOptions): TransformedModule {
    const key = sha256(`${TRANSFORM_VERSION}\0${options.defaultFormat}\0${file}\0${source}`);
    const cached = this.#memory.get(key);
    if (cached) {
      this.stats.memoryHits++;
      return cached;
    }
    const fromDisk = this.#read(key);
    if (fromDisk) {
      this.stats.diskHits++;
      this.#remember(key, fromDisk);
      return fromDisk;
    }
    this.stats.misses++;
    const result = transformModule(file, source, options);
    this.#remember(key, result);
    this.#write(key, result);
    return result;
  }

  #remember(key: string, value: TransformedModule): void {
    // Bounded: old versions of edited files should not pile up forever.
    if (this.#memory.size > 5000) this.#memory.delete(this.#memory.keys().next().value as string);
    this.#memory.set(key, value);
  }

  #read(key: string): TransformedModule | undefined {
    if (!this.#dir) return undefined;
    try {
      return JSON.parse(readFileSync(join(this.#dir, key.slice(0, 2), `${key}.json`), 'utf8')) as TransformedModule;
    } catch {
      return undefined;
    }
  }

  #write(key: string, value: TransformedModule): void {
    const dir = this.#dir;
    if (!dir) return;
    // Off the reload's critical path: the entry only speeds up the next start.
    setImmediate(() => {
      try {
        const folder = join(dir, key.slice(0, 2));
        if (!this.#folders.has(folder)) {
          mkdirSync(folder, { recursive: true });
          this.#folders.add(folder);
        }
        const target = join(folder, `${key}.json`);
        const temp = `${target}.${process.pid}.tmp`;
        writeFileSync(temp, JSON.stringify(value));
        renameSync(temp, target);
      } catch {
        // A read-only or full disk only costs speed: the memory cache still works.
      }
    });
  }
}
