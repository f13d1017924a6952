/**
 * One set-up version of a plugin: its registrations (sealed when `setup`
 * returns), its state, and the calls running on it. A call holds the version
 * it started on until it returns, so a swap never moves a call between
 * versions; a retired version is torn down when its last call returns, or
 * when the drain timeout expires.
 */
import type { ResourceScope } from '../resources/index.ts';
import type { CallInfo, Cleanup, CommandHandler, CommandMeta, HookHandler, HttpMethod, PluginDefinition, RouteHandler, ToolHandler, ToolMeta } from './define-plugin.ts';

export interface ToolEntry {
  name: string;
  handler: ToolHandler;
  meta: ToolMeta;
}

export interface CommandEntry {
  name: string;
  handler: CommandHandler;
  meta: CommandMeta;
}

export interface RouteEntry {
  method: HttpMethod;
  path: string;
  handler: RouteHandler;
}

export interface HookEntry {
  event: string;
  handler: HookHandler;
  order: number;
  /** Registration index within the version: the tie-breaker after `order` and plugin load order. */
  index: number;
}

/** The registrations `setup` made, frozen. */
export interface Registrations {
  tools: ReadonlyMap<string, ToolEntry>;
  commands: ReadonlyMap<string, CommandEntry>;
  routes: readonly RouteEntry[];
  hooks: readonly HookEntry[];
}

export type CallKind = 'tool' | 'command' | 'route' | 'hook' | 'probe';

/** Totals kept per plugin across its versions (stats). */
export interface CallCounters {
  calls: number;
  errors: number;
}

interface CallRecord {
  kind: CallKind;
  name: string;
  startedAt: number;
}

export type VersionStatus = 'staged' | 'active' | 'retired' | 'disposed';

export interface PluginVersionOptions {
  name: string;
  file: string;
  version: number;
  definition: PluginDefinition<object>;
  state: object;
  registrations: Registrations;
  /** Cleanups in registration order (`onDispose`, then the one `setup` returned). */
  cleanups: Cleanup[];
  /** What `setup` created: retired with the version, released after its cleanups. */
  scope?: ResourceScope;
  /** Absolute paths of the assets `setup` read. */
  assetsRead: ReadonlySet<string>;
  controller: AbortController;
  totals: CallCounters;
  onCallError(version: PluginVersion, kind: CallKind, name: string, error: unknown): void;
  onCleanupError(version: PluginVersion, error: unknown): void;
}

export class PluginVersion {
  readonly name: string;
  readonly file: string;
  readonly version: number;
  readonly definition: PluginDefinition<object>;
  readonly state: object;
  readonly registrations: Registrations;
  readonly assetsRead: ReadonlySet<string>;
  /** Calls served by this version (probe calls from health/smoke not counted). */
  calls = 0;
  errors = 0;
  status: VersionStatus = 'staged';
  /** Resolves when the teardown ran. */
  readonly disposed: Promise<void>;
  readonly #options: PluginVersionOptions;
  readonly #inFlight = new Set<CallRecord>();
  readonly #info: CallInfo;
  #drainTimer: NodeJS.Timeout | undefined;
  #resolveDisposed!: () => void;
  #tearingDown = false;

  constructor(options: PluginVersionOptions) {
    this.#options = options;
    this.name = options.name;
    this.file = options.file;
    this.version = options.version;
    this.definition = options.definition;
    this.state = options.state;
    this.registrations = options.registrations;
    this.assetsRead = options.assetsRead;
    this.#info = Object.freeze({ plugin: options.name, version: options.version, signal: options.controller.signal });
    this.disposed = new Promise((resolve) => (this.#resolveDisposed = resolve));
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Calls still running, as `kind name (ms)`: what a drain-timeout warning names. */
  runningCalls(now: number = performance.now()): string[] {
    return [...this.#inFlight].map((c) => `${c.kind} ${c.name} (${Math.round(now - c.startedAt)} ms)`);
  }

  /**
   * Run `fn` as a call on this version. The call is counted in flight before
   * `run` returns, so a swap that commits afterwards cannot tear this version down under it.
   */
  run<R>(kind: CallKind, name: string, fn: (info: CallInfo) => R | Promise<R>): Promise<Awaited<R>> {
    const leave = this.enter(kind, name);
    let result: R | Promise<R>;
    try {
      result = fn(this.#info);
    } catch (error) {
      leave(error);
      return Promise.reject(error);
    }
    return Promise.resolve(result).then(
      (value) => {
        leave();
        return value;
      },
      (error: unknown) => {
        leave(error);
        throw error;
      },
    );
  }

  /** Hold this version for a call; the returned function ends it (with the error, if it failed). */
  enter(kind: CallKind, name: string): (error?: unknown) => void {
    const record: CallRecord = { kind, name, startedAt: performance.now() };
    this.#inFlight.add(record);
    const counted = kind !== 'probe';
    if (counted) {
      this.calls++;
      this.#options.totals.calls++;
    }
    let done = false;
    return (...failure: unknown[]) => {
      if (done) return;
      done = true;
      this.#inFlight.delete(record);
      if (failure.length > 0 && counted) {
        this.errors++;
        this.#options.totals.errors++;
        this.#options.onCallError(this, kind, name, failure[0]);
      }
      if (this.status === 'retired' && this.#inFlight.size === 0) void this.#teardown();
    };
  }

  /** Call info for code that runs on this version outside `run` (hooks of an `emit`). */
  get info(): CallInfo {
    return this.#info;
  }

  /** `ctx.onDispose` after setup: a version already torn down runs it at once. */
  addCleanup(cleanup: Cleanup): void {
    if (this.status === 'disposed') void this.#runCleanup(cleanup);
    else this.#options.cleanups.push(cleanup);
  }

  /**
   * Take this version out of service (it stays usable by the calls it holds).
   * Teardown runs when the last call returns, or after `drainTimeoutMs` with `onTimeout`
   * told which calls still run. Synchronous: safe inside a commit step.
   */
  retire(drainTimeoutMs: number, onTimeout: (running: string[]) => void): void {
    if (this.status === 'retired' || this.status === 'disposed') return;
    this.status = 'retired';
    this.#options.scope?.retire();
    if (this.#inFlight.size === 0) {
      queueMicrotask(() => void this.#teardown());
      return;
    }
    this.#drainTimer = setTimeout(() => {
      if (this.status !== 'retired' || this.#inFlight.size === 0) return;
      onTimeout(this.runningCalls());
      void this.#teardown();
    }, drainTimeoutMs);
    // Never keeps the process alive: an app that exits has no use for the old version's teardown.
    this.#drainTimer.unref();
  }

  /** Tear down now (a staged version that never went live, or host close). */
  dispose(): Promise<void> {
    if (this.status !== 'disposed') void this.#teardown();
    return this.disposed;
  }

  async #teardown(): Promise<void> {
    if (this.#tearingDown) return;
    this.#tearingDown = true;
    clearTimeout(this.#drainTimer);
    const reason = this.status === 'retired' ? 'replaced' : this.status === 'staged' ? 'discarded' : 'removed';
    if (reason === 'discarded') this.#options.scope?.retire(true);
    this.status = 'disposed';
    this.#options.controller.abort();
    // Reverse order: what was set up last is torn down first.
    for (const cleanup of [...this.#options.cleanups].reverse()) await this.#runCleanup(cleanup);
    this.#options.cleanups.length = 0;
    await this.#options.scope?.release(reason, (error) => this.#options.onCleanupError(this, error));
    this.#resolveDisposed();
  }

  async #runCleanup(cleanup: Cleanup): Promise<void> {
    try {
      await cleanup();
    } catch (error) {
      this.#options.onCleanupError(this, error);
    }
  }
}
