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

/** One tracked version: the entry the version keeps, to say when it was replaced. */
export interface TrackedVersion {
  readonly module: string;
  readonly version: number;
  replacedAt: number | undefined;
}

export class VersionTracker {
  /**
   * Versions tracked and not collected yet. Only replaced ones are kept in a set (what a leak
   * report lists): a current version needs no entry anywhere, so a 1,000-module re-run adds
   * nothing to a table while it stages (issue 12), and the set is written after the swap.
   */
  #count = 0;
  readonly #replaced = new Set<TrackedVersion>();
  readonly #registry = new FinalizationRegistry<TrackedVersion>((entry) => {
    this.collected++;
    this.#count--;
    this.#replaced.delete(entry);
  });
  /** Versions collected so far. */
  collected = 0;

  /** Watch `target` (held as long as anything of the version is): returns the version's entry, for `replaced`. */
  track(target: object, module: string, version: number): TrackedVersion {
    const entry: TrackedVersion = { module, version, replacedAt: undefined };
    this.#count++;
    this.#registry.register(target, entry);
    return entry;
  }

  replaced(entry: TrackedVersion): void {
    if (entry.replacedAt !== undefined) return;
    entry.replacedAt = Date.now();
    this.#replaced.add(entry);
  }

  /** Replaced versions that are still reachable (call after a GC for a precise answer). */
  retained(olderThanMs = 0): RetainedVersion[] {
    const now = Date.now();
    const out: RetainedVersion[] = [];
    for (const entry of this.#replaced) {
      if (entry.replacedAt === undefined || now - entry.replacedAt < olderThanMs) continue;
      out.push({ module: entry.module, version: entry.version, replacedForMs: now - entry.replacedAt });
    }
    return out;
  }

  get aliveCount(): number {
    return this.#count;
  }
}
