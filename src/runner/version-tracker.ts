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
  /** Run once the version was collected (its module's class lineages drop it). */
  readonly onCollected: (() => void) | undefined;
  /** Neighbours in the list of replaced versions not collected yet. */
  prev: TrackedVersion | undefined;
  next: TrackedVersion | undefined;
}

export class VersionTracker {
  /**
   * Versions tracked and not collected yet. Only replaced ones are listed (what a leak report
   * names), in a list threaded through the entries: no table grows and rehashes while a
   * 1,000-module re-run replaces 1,000 versions (issue 12), and a current version is in no list.
   */
  #count = 0;
  #replaced: TrackedVersion | undefined;
  readonly #registry = new FinalizationRegistry<TrackedVersion>((entry) => {
    this.collected++;
    this.#count--;
    if (entry.replacedAt !== undefined) this.#unlink(entry);
    entry.onCollected?.();
  });
  /** Versions collected so far. */
  collected = 0;

  /** Watch `target` (held as long as anything of the version is): returns the version's entry, for `replaced`. */
  track(target: object, module: string, version: number, onCollected?: () => void): TrackedVersion {
    const entry: TrackedVersion = { module, version, replacedAt: undefined, onCollected, prev: undefined, next: undefined };
    this.#count++;
    this.#registry.register(target, entry);
    return entry;
  }

  replaced(entry: TrackedVersion): void {
    if (entry.replacedAt !== undefined) return;
    entry.replacedAt = elapsedMs();
    entry.next = this.#replaced;
    if (this.#replaced) this.#replaced.prev = entry;
    this.#replaced = entry;
  }

  /** Replaced versions that are still reachable (call after a GC for a precise answer). */
  retained(olderThanMs = 0): RetainedVersion[] {
    const now = elapsedMs();
    const out: RetainedVersion[] = [];
    for (let entry = this.#replaced; entry; entry = entry.next) {
      if (entry.replacedAt === undefined || now - entry.replacedAt < olderThanMs) continue;
      out.push({ module: entry.module, version: entry.version, replacedForMs: now - entry.replacedAt });
    }
    // Oldest first, as they were replaced.
    return out.reverse();
  }

  get aliveCount(): number {
    return this.#count;
  }

  #unlink(entry: TrackedVersion): void {
    if (entry.prev) entry.prev.next = entry.next;
    else if (this.#replaced === entry) this.#replaced = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    entry.prev = entry.next = undefined;
  }
}

/**
 * Whole ms since the process started: a small integer V8 stores in the entry itself. A `Date.now()`
 * is a heap number of its own, one per replaced version, and a 1,000-module app keeps ~25,000
 * entries between two full GCs (their versions' classes hold them until one: bench/README.md).
 */
function elapsedMs(): number {
  return Math.floor(performance.now());
}
