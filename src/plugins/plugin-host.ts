/**
 * The plugin host: discovers plugin files, loads them through the runtime,
 * and serves their registrations (tools, commands, routes, hooks).
 *
 * Every change of what is live is a swap: stage (set up the new versions
 * beside the live ones: migrate → setup → health → smoke, then build the next
 * registry view, rejecting conflicts) → commit (one synchronous step: the view
 * reference is replaced) | abort (tear down what was staged). Swaps run one at
 * a time (a mutex): inside a runtime reload transaction (this host is one of
 * its participants), or on their own for asset edits, enable and disable.
 * Replaced versions drain: they are torn down when their last call returns.
 */
import { resolve } from 'node:path';
import { ERROR_CODES, HotswapError, isHotswapError, relativePath, serializeError } from '../errors.ts';
import type { ReloadParticipant } from '../reload/participant.ts';
import { firstProjectFrame } from '../runner/source-maps.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { AssetStore } from './asset-store.ts';
import { asPluginError } from './plugin-error.ts';
import { describePluginEvent } from './plugin-event-text.ts';
import { currentRuntime } from './current-runtime.ts';
import { announcePluginHost } from './host-registry.ts';
import { isPluginDefinition, type PluginDefinition } from './define-plugin.ts';
import { HostEmitter, type FailurePhase, type PluginHostEventName, type PluginHostEvents } from './host-events.ts';
import { Mutex } from './mutex.ts';
import { planTransaction } from './plan-transaction.ts';
import { discoverPluginFiles, isPluginFile } from './plugin-files.ts';
import { createRecord, statsOf, type Change, type PluginRecord, type PluginStats } from './plugin-record.ts';
import type { PluginVersion } from './plugin-version.ts';
import { conflictError, RegistryView } from './registry-view.ts';
import { createRegistries, type Registries } from './registries.ts';
import { stagePhaseOf, stageVersion, type Located } from './stage-version.ts';

/** The parts of a `Runtime` the host uses. */
export type HostRuntime = Pick<Runtime, 'root' | 'roots' | 'on' | 'addParticipant' | 'load' | 'dependenciesOf' | 'isClosed' | 'isProjectFile' | 'frameFor' | 'modules'>;

export interface PluginHostLogger {
  warn(message: string): void;
  error(message: string): void;
}

export interface PluginHostOptions {
  /** The runtime that loads plugin files. @default the runtime of `hotswap run` (`currentRuntime()`) */
  runtime?: HostRuntime;
  /**
   * Plugin directories, relative to the runtime's root (inside its roots, to be watched). Every
   * module file directly inside is a plugin, except names starting with `_` or `.`, `.d.ts` and
   * test files; helpers go in a subdirectory.
   */
  dirs: string[];
  /** Directory `ctx.asset()` paths are relative to. @default the plugin file's directory */
  assetsDir?: string;
  /** How long a replaced version may keep serving calls it started before it is torn down anyway, ms. @default 5000 */
  drainTimeoutMs?: number;
  /** Bound on each of `migrate`, `setup`, `health` and `smoke`, ms. @default 10000 */
  timeoutMs?: number;
  /** Where warnings (drain timeouts, asset errors) and failures outside a reload go. `false`: silent. @default console */
  logger?: PluginHostLogger | false;
  /** Show this host's stats and events in the control plane (provider `plugins`). @default true */
  control?: boolean;
}

interface StagedSwap {
  changes: { change: Change; next: PluginVersion | undefined }[];
  view: RegistryView;
  transaction: number | undefined;
}

interface Held {
  id: number;
  release: () => void;
  swap: StagedSwap | undefined;
}

/** Failures a changed asset may fix: a plugin that failed in these phases is retried on asset changes. */
const ASSET_SENSITIVE: ReadonlySet<FailurePhase> = new Set(['migrate', 'setup', 'health', 'smoke']);

const DEFAULT_DRAIN_TIMEOUT_MS = 5000;
const DEFAULT_TIMEOUT_MS = 10_000;

export class PluginHost {
  readonly runtime: HostRuntime;
  readonly dirs: readonly string[];
  /** Tool, command and route registries, and `emit` for hooks: each call looks up the live view. */
  readonly tools: Registries['tools'];
  readonly commands: Registries['commands'];
  readonly routes: Registries['routes'];
  readonly #options: { drainTimeoutMs: number; timeoutMs: number; assetsDir: string | undefined; logger: PluginHostLogger | undefined };
  readonly #records = new Map<string, PluginRecord>();
  readonly #events = new HostEmitter();
  readonly #mutex = new Mutex();
  readonly #assets: AssetStore;
  readonly #registries: Registries;
  /** Files unloaded on purpose: not picked up again by edits until `load()`. */
  readonly #unloaded = new Set<string>();
  /** Errors this host already reported (the runtime's failed reload carries them too). */
  readonly #reported = new WeakSet<object>();
  readonly #teardowns = new Set<Promise<void>>();
  readonly #disposers: (() => void)[] = [];
  #view: RegistryView = RegistryView.EMPTY;
  /** The runtime transaction between its prepare and its commit/abort. */
  #held: Held | undefined;
  #seq = 0;
  #closing: Promise<void> | undefined;

  constructor(options: PluginHostOptions) {
    const runtime = options.runtime ?? currentRuntime();
    if (!runtime) {
      throw new HotswapError(ERROR_CODES.USAGE, 'createPluginHost() needs a runtime, and this process does not run under `hotswap run`', {
        hint: 'Start the app with `hotswap run <entry>`, or pass `runtime: createRuntime(...)`. (Under `hotswap run` already? Then that CLI is an older build than this hotswap: rebuild it, `npm run build`.)',
      });
    }
    this.runtime = runtime;
    this.dirs = Object.freeze(options.dirs.map((d) => resolve(runtime.root, d)));
    const logger = options.logger === false ? undefined : (options.logger ?? consoleLogger);
    this.#options = Object.freeze({
      drainTimeoutMs: options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      assetsDir: options.assetsDir === undefined ? undefined : resolve(runtime.root, options.assetsDir),
      logger,
    });
    this.#assets = new AssetStore(runtime.root);
    this.#registries = createRegistries({
      view: () => this.#view,
      closed: () => this.#closing !== undefined,
    });
    this.tools = this.#registries.tools;
    this.commands = this.#registries.commands;
    this.routes = this.#registries.routes;
    this.#disposers.push(
      runtime.addParticipant(this.#participant()),
      runtime.on('change', (set) => {
        const files = [...set.changed, ...set.added, ...set.removed].filter((f) => this.#assets.has(f));
        if (files.length > 0) void this.refreshAssets(files);
      }),
    );
    if (options.control !== false) {
      this.#disposers.push(announcePluginHost({ stats: () => this.stats(), subscribe: (emit) => this.#events.onAny((event, data) => emit(event, { ...data, text: describePluginEvent(event, data, this.runtime.root) })) }));
    }
  }

  /** Run the hooks for `event` in order; a hook may return a new payload. A throwing hook is counted and skipped. */
  emit<P>(event: string, payload: P): Promise<P> {
    return this.#registries.emit(event, payload);
  }

  /** Read an asset for the app itself (same cache and watching as `ctx.asset`), relative to `assetsDir` (or the runtime root). */
  asset<T = unknown>(path: `${string}.json`): T;
  asset(path: string): string;
  asset(path: string): unknown {
    return this.#assets.read(resolve(this.#options.assetsDir ?? this.runtime.root, path));
  }

  on<E extends PluginHostEventName>(event: E, listener: (payload: PluginHostEvents[E]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** Discover plugin files in `dirs` and load each; a plugin that fails is reported and stays unloaded. */
  async start(): Promise<void> {
    for (const file of discoverPluginFiles(this.dirs)) {
      await this.load(file).catch(() => {
        // recorded and reported by load(); the other plugins still load
      });
    }
  }

  /** Load (and enable) a plugin file; resolves to the plugin's name, rejects with why it failed. */
  async load(file: string): Promise<string> {
    const path = resolve(this.runtime.root, file);
    // The module loads through the runtime's queue before this host's lock is taken: a
    // transaction queued first needs the lock in its prepare.
    const record = this.#ensureRecord(path);
    const loaded = record.active ? undefined : await this.#loadModule(record);
    return this.#exclusive(async () => {
      this.#unloaded.delete(path);
      if (record.active) return record.name;
      const namespace = loaded ?? (await this.#loadModule(record));
      await this.#swap([{ record, kind: 'load', reason: 'module', namespace }]);
      return record.name;
    });
  }

  /** Take a plugin's registrations out of service (its version drains); it stays known, for `enable`. */
  disable(name: string): Promise<void> {
    return this.#exclusive(async () => {
      const record = this.#byName(name);
      if (record.status === 'disabled') return;
      await this.#swap([{ record, kind: 'disable', reason: 'manual', namespace: undefined }]);
    });
  }

  /** Set up a disabled (or failed) plugin again from its current code; state comes back through `migrate`. */
  async enable(name: string): Promise<void> {
    const preloaded = await this.#preload(name);
    return this.#exclusive(async () => {
      const record = this.#byName(name);
      if (record.active) return;
      const namespace = await this.#loaded(record, preloaded);
      await this.#swap([{ record, kind: 'enable', reason: 'enable', namespace }]);
    });
  }

  /** Disable and forget a plugin; edits of its file are ignored until `load()`. */
  unload(name: string): Promise<void> {
    return this.#exclusive(async () => {
      const record = this.#byName(name);
      this.#unloaded.add(record.file);
      await this.#swap([{ record, kind: 'unload', reason: 'manual', namespace: undefined }]);
    });
  }

  /** Set a plugin up again from its current code (a new version, through migrate). */
  async reload(name: string): Promise<void> {
    const preloaded = await this.#preload(name);
    return this.#exclusive(async () => {
      const record = this.#byName(name);
      if (record.status === 'disabled') throw new HotswapError(ERROR_CODES.USAGE, `Plugin "${name}" is disabled`, { hint: 'enable() it instead.' });
      const namespace = await this.#loaded(record, preloaded);
      await this.#swap([{ record, kind: record.active ? 'reload' : 'load', reason: 'manual', namespace }]);
    });
  }

  /**
   * Re-read assets (all cached ones when `files` is omitted) and set up again the plugins
   * whose setup read a changed one. Called by the runtime's file events; call it yourself
   * when the runtime does not watch.
   */
  async refreshAssets(files?: string[]): Promise<void> {
    if (this.#closing) return;
    const { changed, failed } = this.#assets.refresh(files?.map((f) => resolve(this.runtime.root, f)));
    for (const { file, error } of failed) {
      this.#events.emit('asset:error', { file, error: serializeError(error) });
      this.#options.logger?.warn(`${error.message} (the last good content is still served)`);
    }
    for (const file of changed) this.#events.emit('asset:changed', { file });
    if (changed.length === 0) return;
    const touched = new Set(changed);
    await this.#exclusive(async () => {
      for (const record of this.#records.values()) {
        const readIt = record.active !== undefined && [...record.active.assetsRead].some((a) => touched.has(a));
        const retry = record.status === 'failed' && record.lastPhase !== undefined && ASSET_SENSITIVE.has(record.lastPhase);
        if (!readIt && !retry) continue;
        // One swap per plugin: a plugin that fails with the new content does not hold back the others.
        await this.#loadModule(record)
          .then((namespace) => this.#swap([{ record, kind: record.active ? 'reload' : 'load', reason: 'asset', namespace }]))
          .catch(() => {
            // recorded and reported; the previous version keeps serving
          });
      }
    });
  }

  stats(): PluginStats[] {
    return [...this.#records.values()].sort((a, b) => a.seq - b.seq).map((record) => statsOf(record, this.runtime.root));
  }

  /** Resolves when no replaced version is draining (every teardown ran). */
  async settled(): Promise<void> {
    while (this.#teardowns.size > 0) await Promise.all(this.#teardowns);
  }

  isClosed(): boolean {
    return this.#closing !== undefined;
  }

  /** Leave the runtime's transactions, take every plugin out of service and wait for the teardowns (bounded by the drain timeout). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#mutex.run(async () => {
      for (const dispose of this.#disposers.splice(0)) dispose();
      this.#view = RegistryView.EMPTY;
      for (const record of this.#records.values()) {
        if (record.active) this.#retire(record, record.active);
        record.active = undefined;
      }
      await this.settled();
      this.#events.clear();
    });
    return this.#closing;
  }

  // ─── swaps ────────────────────────────────────────────────────────────────

  async #swap(changes: Change[], transaction?: number): Promise<void> {
    this.#commit(await this.#stage(changes, transaction));
  }

  async #stage(changes: Change[], transaction: number | undefined): Promise<StagedSwap> {
    const built: StagedSwap['changes'] = [];
    try {
      for (const change of changes) {
        built.push({ change, next: change.namespace === undefined ? undefined : await this.#stageOne(change, transaction) });
      }
      const next = new Map<PluginRecord, PluginVersion | undefined>();
      for (const record of this.#records.values()) next.set(record, record.active);
      for (const { change, next: version } of built) next.set(change.record, version);
      const staged = new Set(built.flatMap((b) => (b.next ? [b.next] : [])));
      const ordered = [...next].sort(([a], [b]) => a.seq - b.seq).flatMap(([, v]) => (v ? [v] : []));
      const view = new RegistryView(ordered);
      const conflict = view.conflicts.find((c) => staged.has(c.claimant) || staged.has(c.owner));
      if (conflict) {
        const culprit = staged.has(conflict.claimant) ? conflict.claimant : conflict.owner;
        const record = this.#records.get(culprit.file) as PluginRecord;
        throw this.#fail(record, 'conflict', conflictError(culprit, culprit === conflict.owner ? conflict.claimant : conflict.owner, conflict.what), transaction);
      }
      return { changes: built, view, transaction };
    } catch (error) {
      for (const { next } of built) await next?.dispose();
      throw error;
    }
  }

  async #stageOne(change: Change, transaction: number | undefined): Promise<PluginVersion> {
    const { record } = change;
    const definition = (change.namespace as Record<string, unknown>)['default'];
    if (!isPluginDefinition(definition)) {
      throw this.#fail(record, 'invalid', new HotswapError(ERROR_CODES.PLUGIN_INVALID, `${this.#rel(record.file)} is in a plugin directory but does not export a plugin`, {
        hint: 'Export one: `export default definePlugin({ name, setup(ctx) { ... } })`. Helpers belong in a subdirectory, or in a file whose name starts with "_".',
      }), transaction);
    }
    const previous = record.active ? { state: record.active.state, version: record.active.version } : record.parked;
    try {
      return await stageVersion({
        definition: definition as PluginDefinition<object>,
        file: record.file,
        version: record.lastVersion + 1,
        previous,
        assets: this.#assets,
        assetsDir: this.#options.assetsDir ?? resolve(record.file, '..'),
        timeoutMs: this.#options.timeoutMs,
        totals: record.totals,
        onCallError: (version, kind, name, error) => this.#callError(version, kind, name, error),
        onCleanupError: (version, error) => this.#callError(version, 'cleanup', 'onDispose', error),
        locate: (error) => this.#locate(error),
      });
    } catch (error) {
      const failure = isHotswapError(error) ? error : new HotswapError(ERROR_CODES.PLUGIN_SETUP, String(error), { cause: error });
      throw this.#fail(record, stagePhaseOf(failure), failure, transaction, definition.name);
    }
  }

  /** The synchronous step: every change of the swap goes live at once. */
  #commit(swap: StagedSwap): void {
    this.#view = swap.view;
    for (const { change, next } of swap.changes) {
      const { record } = change;
      const previous = record.active;
      record.active = next;
      if (previous) this.#retire(record, previous);
      if (next) {
        next.status = 'active';
        record.name = next.name;
        record.lastVersion = next.version;
        record.status = 'enabled';
        record.parked = undefined;
        record.failing = false;
      }
      const base = { name: record.name, file: record.file };
      // the file's module version beside the plugin's own: two counters, both named where they are shown
      const moduleVersion = next ? this.#moduleVersionOf(record.file) : undefined;
      switch (change.kind) {
        case 'load':
          record.loads++;
          if (next) this.#events.emit('plugin:loaded', { ...base, version: next.version, transaction: swap.transaction, moduleVersion });
          break;
        case 'reload':
          record.reloads++;
          if (next) this.#events.emit('plugin:reloaded', { ...base, version: next.version, previousVersion: previous?.version ?? 0, reason: change.reason, transaction: swap.transaction, moduleVersion });
          break;
        case 'enable':
          record.loads++;
          if (next) this.#events.emit('plugin:enabled', { ...base, version: next.version });
          break;
        case 'disable':
          record.status = 'disabled';
          record.parked = previous ? { state: previous.state, version: previous.version } : record.parked;
          this.#events.emit('plugin:disabled', { ...base, version: previous?.version ?? record.lastVersion });
          break;
        case 'unload':
          this.#records.delete(record.file);
          this.#events.emit('plugin:unloaded', { ...base, version: previous?.version });
          break;
        default: {
          const unreachable: never = change.kind;
          throw new Error(`unknown change ${String(unreachable)}`);
        }
      }
    }
  }

  #moduleVersionOf(file: string): number | undefined {
    return this.runtime.modules().find((m) => m.file === file)?.version;
  }

  /** Out of service: torn down when its last call returns, or after the drain timeout. */
  #retire(record: PluginRecord, version: PluginVersion): void {
    record.draining.add(version);
    const calls = version.inFlight;
    let timedOut = false;
    version.retire(this.#options.drainTimeoutMs, (running) => {
      timedOut = true;
      const message = `Plugin "${version.name}" v${version.version} was replaced ${this.#options.drainTimeoutMs} ms ago and still runs ${running.join(', ')}: tearing it down anyway (its calls' signal is aborted)`;
      this.#options.logger?.warn(message);
      this.#events.emit('plugin:drain-timeout', { name: version.name, version: version.version, running, message });
    });
    const teardown = version.disposed.then(() => {
      record.draining.delete(version);
      this.#teardowns.delete(teardown);
      this.#events.emit('plugin:drained', { name: version.name, version: version.version, timedOut, calls });
    });
    this.#teardowns.add(teardown);
  }

  // ─── the runtime's reload transactions ───────────────────────────────────

  #participant(): ReloadParticipant {
    return {
      name: 'plugin-host',
      // plugin files (new ones too) and the assets plugins read; other files are not the host's business
      wants: (file) => this.#wants(file) || this.#records.has(file) || this.#assets.has(file),
      prepare: async (tx) => {
        const release = await this.#mutex.acquire();
        this.#held = { id: tx.id, release, swap: undefined };
        if (this.#closing) return;
        const changes = await planTransaction(tx, {
          runtime: this.runtime,
          records: this.#records,
          triggered: tx.files,
          wants: (file) => this.#wants(file),
          ensureRecord: (file) => this.#ensureRecord(file),
          fail: (record, error) => this.#fail(record, 'evaluate', error, tx.id),
        });
        if (changes.length > 0) this.#held.swap = await this.#stage(changes, tx.id);
      },
      commit: (tx) => {
        const held = this.#take(tx.id);
        if (held?.swap) this.#commit(held.swap);
        held?.release();
      },
      abort: async (tx) => {
        const held = this.#take(tx.id);
        try {
          for (const { next } of held?.swap?.changes ?? []) await next?.dispose();
        } finally {
          held?.release();
        }
      },
      finalize: (result) => {
        if (result.status === 'failed') this.#onFailedReload(result.id, result.files, result.error);
      },
    };
  }

  #take(id: number): Held | undefined {
    const held = this.#held;
    if (held?.id !== id) return undefined;
    this.#held = undefined;
    return held;
  }

  /** A reload failed before this host's prepare (a plugin or its helper does not evaluate): count it for the plugins it concerns. */
  #onFailedReload(id: number, files: string[], error: HotswapError): void {
    if (this.#reported.has(error)) return;
    // Blame the plugins above the file the error points at; without a location, those above the files that changed.
    const blamed = new Set(error.location ? [error.location.file] : files);
    for (const record of this.#records.values()) {
      if (record.status === 'disabled') continue;
      if (blamed.has(record.file) || this.runtime.dependenciesOf(record.file).some((d) => blamed.has(d))) this.#fail(record, 'evaluate', error, id);
    }
  }

  // ─── records, failures, stats ─────────────────────────────────────────────

  #ensureRecord(file: string): PluginRecord {
    let record = this.#records.get(file);
    if (!record) this.#records.set(file, (record = createRecord(file, this.#seq++)));
    return record;
  }

  #byName(name: string): PluginRecord {
    for (const record of this.#records.values()) if (record.name === name) return record;
    throw new HotswapError(ERROR_CODES.PLUGIN_NOT_FOUND, `No plugin named "${name}"`, { hint: `Known plugins: ${[...this.#records.values()].map((r) => r.name).join(', ') || '(none)'}.` });
  }

  /** Plugin files this host picks up from file events. */
  #wants(file: string): boolean {
    return isPluginFile(file, this.dirs) && !this.#unloaded.has(file);
  }

  /** Load a named plugin's module ahead of taking the lock (see `load`); the outcome is used inside it. */
  async #preload(name: string): Promise<{ record: PluginRecord; namespace?: object; error?: unknown } | undefined> {
    const record = [...this.#records.values()].find((r) => r.name === name);
    if (!record) return undefined;
    try {
      return { record, namespace: await this.#loadModule(record) };
    } catch (error) {
      return { record, error };
    }
  }

  /** The preloaded namespace of `record`, or a load now when the record changed meanwhile (then it is already loaded: no queue wait). */
  async #loaded(record: PluginRecord, preloaded: { record: PluginRecord; namespace?: object; error?: unknown } | undefined): Promise<object> {
    if (preloaded?.record !== record) return this.#loadModule(record);
    if (preloaded.namespace) return preloaded.namespace;
    throw preloaded.error;
  }

  async #loadModule(record: PluginRecord): Promise<object> {
    try {
      return await this.runtime.load(record.file);
    } catch (error) {
      throw this.#fail(record, 'load', asHotswapError(error), undefined);
    }
  }

  /** Record a failed version (the live one, if any, keeps serving) and return the error to throw. */
  #fail(record: PluginRecord, phase: FailurePhase, error: HotswapError, transaction: number | undefined, name = record.name): HotswapError {
    if (this.#reported.has(error)) return error;
    this.#reported.add(error);
    // A failed module is retried with every later change (the runtime's rule): the same failure again is not news.
    if (record.failing && record.lastError?.code === error.code && record.lastError.text === error.message) return error;
    record.failing = true;
    record.failures++;
    if (!record.active) record.name = name;
    record.lastPhase = phase;
    record.lastError = { ...serializeError(error), phase, at: new Date().toISOString() };
    if (!record.active && record.status !== 'disabled') record.status = 'failed';
    const serving = record.active?.version;
    this.#events.emit('plugin:failed', { name, file: record.file, phase, error: serializeError(error), serving, transaction });
    // Inside a transaction the runtime reports the failed reload; outside, nobody else would.
    if (transaction === undefined) this.#options.logger?.error(`${error.message}${serving === undefined ? '' : ` (v${serving} keeps serving)`}`);
    return error;
  }

  #callError(version: PluginVersion, kind: string, target: string, error: unknown): void {
    this.#events.emit('plugin:error', { name: version.name, version: version.version, kind, target, error: serializeError(asPluginError(error)) });
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closing) return Promise.reject(new HotswapError(ERROR_CODES.CLOSED, 'The plugin host is closed'));
    return this.#mutex.run(fn);
  }

  #locate(error: unknown): Located | undefined {
    const location = firstProjectFrame(error, (file) => this.runtime.isProjectFile(file));
    if (!location) return undefined;
    return { location, frame: this.runtime.frameFor(location) };
  }

  #rel(file: string): string {
    return relativePath(file, this.runtime.root);
  }
}

/** Create a plugin host; `await host.start()` loads the plugins found in `dirs`. */
export function createPluginHost(options: PluginHostOptions): PluginHost {
  return new PluginHost(options);
}

const consoleLogger: PluginHostLogger = {
  warn: (message) => console.warn(`[hotswap:plugins] ${message}`),
  error: (message) => console.error(`[hotswap:plugins] ${message}`),
};

function asHotswapError(error: unknown): HotswapError {
  return isHotswapError(error) ? error : new HotswapError(ERROR_CODES.EVALUATION, String(error), { cause: error });
}
