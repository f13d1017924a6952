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

interface Alive {
  module: string;
  version: number;
  replacedAt: number | undefined;
}

export class VersionTracker {
  /**
   * Module → version → entry. No `module@version` key string per version: a 1,000-module
   * re-run built (and hashed) 1,000 of them to track, and again to mark them replaced.
   */
  readonly #alive = new Map<string, Map<number, Alive>>();
  #count = 0;
  readonly #registry = new FinalizationRegistry<Alive>((entry) => {
    this.collected++;
    const versions = this.#alive.get(entry.module);
    if (versions?.get(entry.version) !== entry) return;
    versions.delete(entry.version);
    this.#count--;
    if (versions.size === 0) this.#alive.delete(entry.module);
  });
  /** Versions collected so far. */
  collected = 0;

  track(target: object, module: string, version: number): void {
    let versions = this.#alive.get(module);
    if (!versions) this.#alive.set(module, (versions = new Map()));
    const entry: Alive = { module, version, replacedAt: undefined };
    if (!versions.has(version)) this.#count++;
    versions.set(version, entry);
    this.#registry.register(target, entry);
  }

  replaced(module: string, version: number): void {
    const entry = this.#alive.get(module)?.get(version);
    if (entry) entry.replacedAt = Date.now();
  }

  /** Replaced versions that are still reachable (call after a GC for a precise answer). */
  retained(olderThanMs = 0): RetainedVersion[] {
    const now = Date.now();
    const out: RetainedVersion[] = [];
    for (const versions of this.#alive.values()) {
      for (const entry of versions.values()) {
        if (entry.replacedAt === undefined || now - entry.replacedAt < olderThanMs) continue;
        out.push({ module: entry.module, version: entry.version, replacedForMs: now - entry.replacedAt });
      }
    }
    return out;
  }

  get aliveCount(): number {
    return this.#count;
  }
}
