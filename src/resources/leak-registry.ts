/**
 * Resources of replaced versions that were released but are still alive: a
 * server still finishing its connections, a child that ignored SIGTERM, an
 * `own` release that threw. The leak report reads them; an entry leaves as
 * soon as its resource is gone.
 */
import type { ScopeOwner, TrackedResource } from './resource-scope.ts';

export interface LingeringResource {
  module: string;
  version: number;
  kind: TrackedResource['kind'];
  label: string;
  stack: string | undefined;
  /** ms since it was released */
  releasedForMs: number;
}

/** Entries are checked for being gone once the registry grows past this (then past twice what is left). */
const PRUNE_FLOOR = 64;

class LeakRegistry {
  readonly #entries = new Map<TrackedResource, { owner: ScopeOwner; at: number }>();
  #pruneAt = PRUNE_FLOOR;

  add(owner: ScopeOwner, resource: TrackedResource): void {
    this.#entries.set(resource, { owner, at: Date.now() });
    // Nobody may ever ask for the report: what is gone must not be held here (an old server and its sockets).
    if (this.#entries.size > this.#pruneAt) {
      for (const entry of this.#entries.keys()) if (!entry.alive()) this.#entries.delete(entry);
      this.#pruneAt = Math.max(PRUNE_FLOOR, this.#entries.size * 2);
    }
  }

  /** Released resources still alive, oldest first. */
  list(): LingeringResource[] {
    const now = Date.now();
    const out: LingeringResource[] = [];
    for (const [resource, { owner, at }] of this.#entries) {
      if (!resource.alive()) {
        this.#entries.delete(resource);
        continue;
      }
      out.push({ module: owner.module, version: owner.version, kind: resource.kind, label: resource.label, stack: resource.stack, releasedForMs: now - at });
    }
    return out;
  }
}

export const lingering = new LeakRegistry();
