/**
 * Types for `import.meta.hot` under hotswap. Add to a project with
 * `"types": ["hotswap-node/client"]` in tsconfig.json, or
 * `/// <reference types="hotswap-node/client" />` in one file.
 * The API follows Vite's, so existing knowledge and code carry over.
 */

interface HotswapHotContext {
  /** One object per module, shared by all its versions: keep state here to carry it across reloads. */
  readonly data: Record<string, any>;
  /** This module takes its own updates: its importers never re-run because of it. */
  accept(): void;
  /** As `accept()`, and `callback` receives the new module namespace after the swap. */
  accept(callback: (module: any) => void): void;
  /** This module is the boundary for `dep`: it does not re-run when `dep` changes; `callback` receives the new namespace. */
  accept(dep: string, callback: (module: any) => void): void;
  accept(deps: readonly string[], callback: (modules: any[]) => void): void;
  /** Runs when this version is replaced (after the new one committed) or removed; receives `data`. */
  dispose(callback: (data: Record<string, any>) => void | Promise<void>): void;
  /**
   * This version owns `resource` (a pool, a client): `release(resource)` runs when the version is
   * replaced or removed, after the new one committed (at once if it never went live). Returns `resource`.
   * Timers, listeners, servers, child processes and workers created at top level need no `own`.
   */
  own<T>(resource: T, release: (resource: T) => unknown): T;
  /**
   * hotswap: run `create()` outside this version's resources: what it makes (timers, listeners, servers)
   * outlives the version. For an object carried over in `data`: `data.pool ??= hot.keep(() => createPool())`.
   */
  keep<T>(create: () => T): T;
  /** Runs when no module imports this one any more. */
  prune(callback: (data: Record<string, any>) => void | Promise<void>): void;
  /** Updates of this module cannot be applied in place: a change asks for a restart. */
  decline(): void;
  /** hotswap: dispose the old version before the new one evaluates (a module that owns a port or a lock). */
  disposeFirst(): void;
  /**
   * hotswap: a check of this version, run after it was staged and before the swap, with
   * the staged module namespace. A throw, a `false` result or a timeout (5 s by default)
   * aborts the reload like a syntax error: the old version keeps serving.
   */
  check(callback: (staged: Record<string, any>) => void | boolean | Promise<void | boolean>): void;
  /** Re-run this module's importers. */
  invalidate(message?: string): void;
  /** `hotswap:beforeUpdate`, `hotswap:afterUpdate`, `hotswap:error`, `hotswap:invalidate`. */
  on(event: string, callback: (payload: any) => void): void;
  off(event: string, callback: (payload: any) => void): void;
}

interface ImportMeta {
  /** Present when the module runs under hotswap with hot reload on. */
  readonly hot?: HotswapHotContext;
}
