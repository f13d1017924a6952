/**
 * One `ResourceScope` per module version (and per plugin version): what the
 * version created while its top level ran (and in calls made from it, through
 * async continuations too: an AsyncLocalStorage carries the scope), released
 * when the version is replaced, removed or discarded. Release has two steps:
 * `retire()` runs in the synchronous commit (listeners removed, a server's
 * listening socket handed to the new version), `release()` afterwards (timers
 * cleared, servers closed once their connections finish, children killed,
 * `import.meta.hot.own` releases run). A discarded staged version gets both at once.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { fileURLToPath } from 'node:url';
import { lingering } from './leak-registry.ts';

export type ResourceKind = 'timer' | 'listener' | 'server' | 'child-process' | 'worker' | 'owned';

export interface ScopeOwner {
  /** Absolute path of the module (or the plugin's file). */
  module: string;
  version: number;
}

/** One thing a version created. */
export interface TrackedResource {
  kind: ResourceKind;
  /** What it is, for the leak report: `setInterval`, `process.on('message')`, `server :3000`. */
  label: string;
  /** Where it was created (source-mapped), for the leak report. */
  stack: string | undefined;
  /**
   * Synchronously: stop taking part in the app (listeners off, hand a socket over). At the
   * commit for a replaced version; before its dispose handlers for a discarded one (`discarded`).
   */
  retire?(discarded: boolean): void;
  /** After the dispose handlers: free it. A throw is reported; the resource then counts as leaked. */
  release(reason: ReleaseReason): void | Promise<void>;
  /** Still holding something (a server with open connections, a child not exited yet). */
  alive(): boolean;
  /** Over by itself (a timeout that fired, a `once` listener that ran): dropped when the scope prunes. */
  ended?(): boolean;
}

/** A scope prunes ended resources when it grows past this, then past twice its size after the prune. */
const PRUNE_FLOOR = 256;

export type ScopeState = 'open' | 'retired' | 'released';

/** Why a scope is released: its version was replaced by a newer one, removed for good, or discarded before it went live. */
export type ReleaseReason = 'replaced' | 'removed' | 'discarded';

const storage = new AsyncLocalStorage<ResourceScope>();
const never = (): boolean => false;

export class ResourceScope {
  readonly owner: ScopeOwner;
  #isRecording: () => boolean;
  /** Made on the first resource: most versions create none (a 1,000-module re-run made 1,000 empty sets). */
  #resources: Set<TrackedResource> | undefined;
  #state: ScopeState = 'open';
  #reason: ReleaseReason | undefined;
  #pruneAt = PRUNE_FLOOR;

  /** `isRecording`: whether the owner's top level is still running (its evaluation has not settled). */
  constructor(owner: ScopeOwner, isRecording: () => boolean) {
    // A copy: async resources created in this scope keep it as their context, and must not keep the caller's object.
    this.owner = { module: owner.module, version: owner.version };
    this.#isRecording = isRecording;
  }

  get state(): ScopeState {
    return this.#state;
  }

  /** Resources created in this context are recorded here (while the owner's top level runs). */
  get recording(): boolean {
    return this.#state === 'open' && this.#isRecording();
  }

  /** Run `fn` (the owner's top level) with this scope as the current one, async continuations included. */
  run<T>(fn: () => T): T {
    return storage.run(this, fn);
  }

  add(resource: TrackedResource): void {
    if (this.#state === 'released') {
      // Created by a continuation that outlived the version: free it at once.
      void settle(resource, this.#reason ?? 'removed');
      return;
    }
    const resources = (this.#resources ??= new Set());
    resources.add(resource);
    // A top level that never settles (a polling loop) keeps recording: what ended must not pile up.
    if (resources.size > this.#pruneAt) {
      for (const r of resources) if (r.ended?.()) resources.delete(r);
      this.#pruneAt = Math.max(PRUNE_FLOOR, resources.size * 2);
    }
  }

  resources(): TrackedResource[] {
    return this.#resources ? [...this.#resources] : [];
  }

  /**
   * The version no longer takes part: at the commit that replaced it, or before the
   * dispose handlers of a discarded one (which must not close a socket it only borrowed).
   * Synchronous and idempotent.
   */
  retire(discarded = false): void {
    if (this.#state !== 'open') return;
    this.#state = 'retired';
    if (!this.#resources) return;
    for (const resource of this.#resources) {
      try {
        resource.retire?.(discarded);
      } catch {
        // a resource that cannot retire is released below; release reports it if it stays alive
      }
    }
  }

  /** Release at once when nothing was recorded (no await, no allocation); false: call `release`. */
  releaseIfEmpty(reason: ReleaseReason): boolean {
    if (this.#state === 'released') return true;
    if (this.#resources !== undefined && this.#resources.size > 0) return false;
    this.#markReleased(reason);
    return true;
  }

  /**
   * Free everything (after the new version committed, or at once for a
   * discarded staged version). Errors go to `onError`; what stays alive is
   * kept for the leak report.
   */
  async release(reason: ReleaseReason, onError?: (error: unknown, resource: TrackedResource) => void): Promise<void> {
    if (this.#state === 'released') return;
    this.#markReleased(reason);
    // Reverse order: what was created last is released first.
    const resources = this.#resources ? [...this.#resources].reverse() : [];
    this.#resources = undefined;
    for (const resource of resources) {
      const error = await settle(resource, reason);
      if (error !== undefined) onError?.(error.value, resource);
      if (resource.alive()) lingering.add(this.owner, resource);
    }
  }

  #markReleased(reason: ReleaseReason): void {
    this.#reason = reason;
    this.retire(reason === 'discarded');
    this.#state = 'released';
    // Async resources created at top level (a socket, a handle) keep this scope as their context: hold nothing of the version.
    this.#isRecording = never;
  }
}

async function settle(resource: TrackedResource, reason: ReleaseReason): Promise<{ value: unknown } | undefined> {
  try {
    await resource.release(reason);
    return undefined;
  } catch (value) {
    return { value };
  }
}

/** The scope whose top level is running in this async context, if it records now. */
export function recordingScope(): ResourceScope | undefined {
  const scope = storage.getStore();
  return scope?.recording ? scope : undefined;
}

/**
 * The scope of this async context while its version is staged or live (not
 * yet retired), even after its top level settled: a `listen()` in an
 * un-awaited `start()` still belongs to the version that called it.
 */
export function liveScope(): ResourceScope | undefined {
  const scope = storage.getStore();
  return scope?.state === 'open' ? scope : undefined;
}

/**
 * Run hotswap's own work (loading a package, a builtin) outside any scope: a
 * package's top-level timers and listeners belong to the process, not to the
 * module version that happened to import it first.
 */
export function outsideScopes<T>(fn: () => T): T {
  return storage.exit(fn);
}

/** hotswap's own sources (src/ or dist/): their frames are left out of creation stacks. */
const OWN_DIR = fileURLToPath(new URL('../', import.meta.url));

/** Where a resource was created: the stack above the hook that recorded it, without hotswap's and Node's frames. */
export function creationStack(above: (...args: never[]) => unknown): string | undefined {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 8;
  Error.captureStackTrace(holder, above);
  Error.stackTraceLimit = limit;
  const lines = holder.stack?.split('\n').slice(1).map((l) => l.trim()) ?? [];
  const own = lines.filter((l) => !l.includes('node:internal') && !l.includes(OWN_DIR));
  return own.length > 0 ? own.join('\n') : undefined;
}
