/**
 * Reports module versions still alive after they were replaced. Each version
 * is registered with a FinalizationRegistry; once replaced it should become
 * garbage when its last caller returns. One that stays reachable is a leak:
 * the report names the module and version so a user can find what holds it
 * (a listener registered at top level without a dispose, a global cache, ...).
 */

export interface RetainedVersion {
  module: string;
  version: number;
  /** ms since the version was replaced */
  replacedForMs: number;
}

export class VersionTracker {
  readonly #alive = new Map<string, { module: string; version: number; replacedAt: number | undefined }>();
  readonly #registry = new FinalizationRegistry<string>((key) => {
    this.#alive.delete(key);
    this.collected++;
  });
  /** Versions collected so far. */
  collected = 0;

  track(target: object, module: string, version: number): void {
    const key = `${module}@${version}`;
    this.#alive.set(key, { module, version, replacedAt: undefined });
    this.#registry.register(target, key);
  }

  replaced(module: string, version: number): void {
    const entry = this.#alive.get(`${module}@${version}`);
    if (entry) entry.replacedAt = Date.now();
  }

  /** Replaced versions that are still reachable (call after a GC for a precise answer). */
  retained(olderThanMs = 0): RetainedVersion[] {
    const now = Date.now();
    const out: RetainedVersion[] = [];
    for (const entry of this.#alive.values()) {
      if (entry.replacedAt === undefined || now - entry.replacedAt < olderThanMs) continue;
      out.push({ module: entry.module, version: entry.version, replacedForMs: now - entry.replacedAt });
    }
    return out;
  }

  get aliveCount(): number {
    return this.#alive.size;
  }
}
