/**
 * `import.meta.hot`, with Vite's API. One `HotContext` per module version;
 * `data` is one object per module that every version shares.
 */

export type HotCallback = (module: unknown) => void;
export type DisposeCallback = (data: Record<string, unknown>) => void | Promise<void>;
export type EventCallback = (payload: unknown) => void;
/** A check of a staged version, run before the swap: a throw, `false` or a timeout aborts the reload. */
export type CheckCallback = (staged: Record<string, unknown>) => unknown;

export interface DepAccept {
  /** Resolved absolute paths of the accepted dependencies. */
  deps: string[];
  callback: ((modules: unknown[]) => void) | undefined;
}

/** What a version declared through `import.meta.hot`; read by the reload transaction. */
export interface HotState {
  selfAccept: boolean;
  selfAcceptCallbacks: HotCallback[];
  depAccepts: DepAccept[];
  disposeCallbacks: DisposeCallback[];
  pruneCallbacks: DisposeCallback[];
  declined: boolean;
  /** hotswap extension: dispose the old version before the new one evaluates (exclusive resources such as a port). */
  disposeFirst: boolean;
  /** `import.meta.hot.check(fn)`: run against this version, staged, before it is committed. */
  checks: CheckCallback[];
}

export interface HotHost {
  resolveDep(specifier: string): string;
  invalidate(message: string | undefined): void;
  on(event: string, callback: EventCallback): () => void;
  own(resource: unknown, release: (resource: never) => unknown): void;
  keep<T>(create: () => T): T;
}

export function createHotState(): HotState {
  return { selfAccept: false, selfAcceptCallbacks: [], depAccepts: [], disposeCallbacks: [], pruneCallbacks: [], declined: false, disposeFirst: false, checks: [] };
}

export class HotContext {
  readonly data: Record<string, unknown>;
  readonly #state: HotState;
  readonly #host: HotHost;
  readonly #listeners: (() => void)[] = [];
  readonly #offs = new Map<EventCallback, () => void>();

  constructor(data: Record<string, unknown>, state: HotState, host: HotHost) {
    this.data = data;
    this.#state = state;
    this.#host = host;
  }

  /**
   * `accept()` / `accept(cb)`: this module takes its own updates (its importers
   * never re-run because of it); `cb` gets the new module namespace.
   * `accept(dep | deps, cb)`: this module is the boundary for those dependencies:
   * it does not re-run when they change, and `cb` gets their new namespaces.
   */
  accept(deps?: string | readonly string[] | HotCallback, callback?: (modules: never) => void): void {
    if (deps === undefined || typeof deps === 'function') {
      this.#state.selfAccept = true;
      if (typeof deps === 'function') this.#state.selfAcceptCallbacks.push(deps);
      return;
    }
    const list = typeof deps === 'string' ? [deps] : [...deps];
    const single = typeof deps === 'string';
    const cb = callback as ((m: unknown) => void) | undefined;
    this.#state.depAccepts.push({
      deps: list.map((d) => this.#host.resolveDep(d)),
      callback: cb ? (modules) => cb(single ? modules[0] : modules) : undefined,
    });
  }

  /** Runs when this version is replaced or removed, after the new version committed. `data` is passed on via `import.meta.hot.data`. */
  dispose(callback: DisposeCallback): void {
    this.#state.disposeCallbacks.push(callback);
  }

  /**
   * This version owns `resource` (a pool, a client): `release(resource)` runs
   * when the version is replaced or removed, after the new version committed
   * (at once if it is discarded). Returns `resource`, so `const db = hot.own(createPool(), (p) => p.end())`.
   */
  own<T>(resource: T, release: (resource: T) => unknown): T {
    this.#host.own(resource, release as (resource: never) => unknown);
    return resource;
  }

  /**
   * Run `create()` outside this version's resource scope: the timers, listeners
   * and servers it makes belong to the process and outlive the version. For an
   * object carried over in `data` (`data.pool ??= hot.keep(() => createPool())`).
   */
  keep<T>(create: () => T): T {
    return this.#host.keep(create);
  }

  /** Runs when the module is no longer imported by anyone. */
  prune(callback: DisposeCallback): void {
    this.#state.pruneCallbacks.push(callback);
  }

  /** Updates to this module cannot be applied in place: a change asks for a restart. */
  decline(): void {
    this.#state.declined = true;
  }

  /** hotswap extension: dispose the old version before evaluating the new one (for modules that hold a port or a lock). */
  disposeFirst(): void {
    this.#state.disposeFirst = true;
  }

  /**
   * hotswap extension: a check of this version that runs after it was staged and
   * before the swap, with the staged namespace. A throw, a `false` result or a
   * timeout aborts the reload like a syntax error; the old version keeps serving.
   */
  check(callback: CheckCallback): void {
    this.#state.checks.push(callback);
  }

  /** Re-run this module's importers as if it could not accept the update. */
  invalidate(message?: string): void {
    this.#host.invalidate(message);
  }

  /** Events: `hotswap:beforeUpdate`, `hotswap:afterUpdate`, `hotswap:error`, `hotswap:invalidate`. */
  on(event: string, callback: EventCallback): void {
    const off = this.#host.on(event, callback);
    this.#offs.set(callback, off);
    this.#listeners.push(off);
  }

  off(event: string, callback: EventCallback): void {
    void event;
    this.#offs.get(callback)?.();
    this.#offs.delete(callback);
  }

  /** @internal drop this version's event listeners */
  detach(): void {
    for (const off of this.#listeners) off();
    this.#listeners.length = 0;
  }
}
