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

class LeakRegistry {
  readonly #entries = new Map<TrackedResource, { owner: ScopeOwner; at: number }>();

  add(owner: ScopeOwner, resource: TrackedResource): void {
    this.#entries.set(resource, { owner, at: Date.now() });
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
