/**
 * The composition root: a module registry, the reload queue and (optionally)
 * a file watcher. Reloads never overlap; requests that arrive during one form
 * the next. Hosts embed it through `createRuntime`.
 */
import { statSync } from 'node:fs';
import { resolve as resolvePath, join } from 'node:path';
import { ERROR_CODES, HotswapError, isHotswapError } from '../errors.ts';
import type { ReloadParticipant } from '../reload/participant.ts';
import { normalizeRequest, requestFiles, type NormalizedRequest, type ReloadRequest } from '../reload/reload-request.ts';
import { runReloadTransaction } from '../reload/transaction.ts';
import type { FatalState, ReloadResult } from '../reload/reload-result.ts';
import type { TransactionView } from '../reload/participant.ts';
import type { ModuleNode } from '../runner/module-node.ts';
import { ModuleRegistry } from '../runner/module-registry.ts';
import { Resolver } from '../runner/resolver.ts';
import { VersionTracker, type RetainedVersion } from '../runner/version-tracker.ts';
import { TransformCache } from '../transform/transform-cache.ts';
import { createWatcher, type ChangeSet, type Watcher } from '../watch/watcher.ts';
import { createPackageTypeLookup } from './package-type.ts';

export interface WatchOptions {
  /** Quiet time that ends a burst of saves, ms. The first save of a burst reloads at once. @default 30 */
  settleMs?: number;
  /** Extra ignores: a RegExp on the absolute path, or a path segment / absolute prefix. */
  ignore?: (string | RegExp)[];
  /** Poll instead of fs events (network file systems). @default false */
  usePolling?: boolean;
}

export interface RuntimeOptions {
  /** Project directory: `.hotswap/` lives here. @default process.cwd() */
  root?: string;
  /** Directories whose files are project modules (loaded by the runner, reloadable). @default [root] */
  roots?: string[];
  /** Watch the roots and reload on change. `false`: reload only through `reload()`. @default false */
  watch?: boolean | WatchOptions;
  /** Transform cache directory; `false` keeps it in memory. @default `<root>/.hotswap/cache` */
  cacheDir?: string | false;
  /** `false` runs the app with hot reload off (no watcher, `reload()` does nothing). @default true */
  enabled?: boolean;
}

export interface RuntimeEvents {
  'reload:start': { id: number; files: string[] };
  reload: ReloadResult;
  /** An error outside a reload: a throwing dispose/accept handler, a watcher error. */
  error: HotswapError;
  /** File events as the watcher delivered them. */
  change: ChangeSet;
  /** `close()` was called: adapters (the control server) shut down now. */
  close: undefined;
}

export type RuntimeEventName = keyof RuntimeEvents;

export interface ModuleInfo {
  file: string;
  version: number | undefined;
  importers: string[];
  imports: string[];
  lastReloadAt: number | undefined;
  error: string | undefined;
}

/** `fatal`: a module runs no good version (see `FatalState`); `failed`: the last reload failed, the last good versions serve. */
export type RuntimeState = 'running' | 'failed' | 'fatal';

export interface RuntimeStatus {
  state: RuntimeState;
  /** Set while the process runs no good version of a module; cleared by the next good save of it. */
  fatal: FatalState | undefined;
  /** Modules whose last reload failed (they keep their last good version). */
  failing: string[];
}

export interface RuntimeStats {
  state: RuntimeState;
  reloads: number;
  committed: number;
  failed: number;
  skipped: number;
  modules: number;
  cache: { memoryHits: number; diskHits: number; misses: number };
  versionsAlive: number;
  versionsCollected: number;
}

export class Runtime {
  readonly root: string;
  readonly roots: readonly string[];
  readonly enabled: boolean;
  readonly registry: ModuleRegistry;
  readonly #cache: TransformCache;
  readonly #versions = new VersionTracker();
  readonly #listeners = new Map<string, Set<(payload: never) => void>>();
  readonly #watchOptions: WatchOptions | undefined;
  #watcher: Watcher | undefined;
  #entry: ModuleNode | undefined;
  #entryFailed = false;
  /** Settles when the first load is done: change sets wait for it. */
  #initialLoad: Promise<void> = Promise.resolve();
  #tail: Promise<unknown> = Promise.resolve();
  #reloadCount = 0;
  #closing: Promise<void> | undefined;
  readonly #counts = { committed: 0, failed: 0, skipped: 0 };
  readonly #participants: ReloadParticipant[] = [];
  #fatal: FatalState | undefined;
  #startedUp = false;
  #lastFailed = false;

  constructor(options: RuntimeOptions = {}) {
    this.root = resolvePath(options.root ?? process.cwd());
    this.roots = (options.roots ?? [this.root]).map((r) => resolvePath(this.root, r));
    this.enabled = options.enabled ?? true;
    const cacheDir = options.cacheDir === false ? undefined : (options.cacheDir ?? join(this.root, '.hotswap', 'cache'));
    this.#cache = new TransformCache(cacheDir);
    const resolver = new Resolver({ roots: this.roots, tsconfigFrom: this.root });
    this.registry = new ModuleRegistry({
      resolver,
      cache: this.#cache,
      versions: this.#versions,
      root: this.root,
      formatFor: createPackageTypeLookup(),
      onInvalidate: (node, message) => this.#invalidate(node, message),
      onHotCallbackError: (error) => this.#emit('error', error),
    });
    this.#watchOptions = options.watch === true ? {} : options.watch === false || options.watch === undefined ? undefined : options.watch;
  }

  /** Load a project file as the entry (and start watching, if enabled). Rejects if the first load fails. */
  async import<T = Record<string, unknown>>(file: string): Promise<T> {
    this.#assertOpen();
    const path = resolvePath(this.root, file);
    if (!this.registry.resolver.isProjectFile(path)) {
      throw new HotswapError(ERROR_CODES.USAGE, `${file} is not inside a project root (${this.roots.join(', ')}) or has an unsupported extension`, {
        hint: 'Pass a .ts/.js file inside the project, or add its directory with --root.',
      });
    }
    const node = this.registry.ensureNode(path);
    node.isRoot = true;
    this.#entry ??= node;
    return this.#loadWhileWatching(path, (error) => {
      if (node === this.#entry) this.#entryFailed = error !== undefined;
    });
  }

  /**
   * The watcher's initial scan and the first load run at the same time (on a
   * large app both take a while). Reloads wait for the load; a file saved
   * while both were starting is caught by an mtime check afterwards.
   */
  async #loadWhileWatching<T>(path: string, settle: (error: unknown) => void): Promise<T> {
    const startedAt = Date.now();
    const t0 = performance.now();
    const before = this.#versionsNow();
    const watching = this.#startWatching();
    const loading = this.registry.importLive(path);
    this.#initialLoad = loading.then(
      () => undefined,
      () => undefined,
    );
    try {
      const ns = await loading;
      settle(undefined);
      this.#finalizeLiveLoad(path, startedAt, t0, before);
      await watching;
      this.#catchUpOnSavesDuringStart(startedAt);
      return ns as T;
    } catch (error) {
      settle(error);
      this.#forgetFailedLiveLoad();
      await watching;
      throw error;
    }
  }

  #catchUpOnSavesDuringStart(startedAt: number): void {
    if (!this.#watcher) return;
    const touched = [...this.registry.nodes.keys()].filter((file) => (statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0) >= startedAt - 1);
    if (touched.length > 0) void this.#enqueue({ changed: touched, trigger: 'watch' });
  }

  /**
   * Load another root module (a plugin file) in live mode: reloadable, never
   * pruned when nothing imports it. Rejects if it fails to load.
   */
  async load<T = Record<string, unknown>>(file: string): Promise<T> {
    this.#assertOpen();
    const path = resolvePath(this.root, file);
    const node = this.registry.ensureNode(path);
    node.isRoot = true;
    return this.#loadWhileWatching(path, () => {});
  }

  /** Take part in every reload transaction (see `ReloadParticipant`). Returns the disposer. */
  addParticipant(participant: ReloadParticipant): () => void {
    this.#participants.push(participant);
    return () => {
      const index = this.#participants.indexOf(participant);
      if (index >= 0) this.#participants.splice(index, 1);
    };
  }

  /** Project files `file` imports, directly or not (committed versions). */
  dependenciesOf(file: string): string[] {
    const start = this.registry.getNode(resolvePath(this.root, file));
    const seen = new Set<string>();
    const visit = (node: ModuleNode): void => {
      for (const dep of node.current?.imports.values() ?? []) {
        if (seen.has(dep.id)) continue;
        seen.add(dep.id);
        visit(dep);
      }
    };
    if (start) visit(start);
    return [...seen];
  }

  /**
   * Reload files now (absolute or root-relative). No files: re-run every loaded
   * module. `force`: re-run the given modules even if their content did not change.
   */
  reload(files?: string[], options: { force?: boolean } = {}): Promise<ReloadResult> {
    const paths = files?.map((f) => resolvePath(this.root, f));
    const request: ReloadRequest = !paths ? { force: [...this.registry.nodes.keys()] } : options.force ? { force: paths } : { changed: paths };
    return this.#enqueue(request);
  }

  /**
   * Run one transaction for `request` through the reload queue (after the reloads
   * already queued). In-memory `sources` win over the disk. Resolves to the outcome;
   * never rejects for a broken module.
   */
  request(request: ReloadRequest): Promise<ReloadResult> {
    const abs = (f: string): string => resolvePath(this.root, f);
    const sources = request.sources ? new Map([...request.sources].map(([f, text]) => [abs(f), text] as const)) : undefined;
    return this.#enqueue({
      ...request,
      ...(request.changed ? { changed: request.changed.map(abs) } : {}),
      ...(request.removed ? { removed: request.removed.map(abs) } : {}),
      ...(request.added ? { added: request.added.map(abs) } : {}),
      ...(request.force ? { force: request.force.map(abs) } : {}),
      ...(sources ? { sources } : {}),
    });
  }

  /** Whether every module runs a good version, and if not which. */
  status(): RuntimeStatus {
    const failing = [...this.registry.nodes.values()].filter((n) => n.lastError !== undefined).map((n) => n.id);
    return { state: this.#fatal ? 'fatal' : this.#lastFailed || failing.length > 0 ? 'failed' : 'running', fatal: this.#fatal, failing };
  }

  /** Subscribe; returns the disposer. */
  on<E extends RuntimeEventName>(event: E, listener: (payload: RuntimeEvents[E]) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  modules(): ModuleInfo[] {
    return [...this.registry.nodes.values()].map((node) => ({
      file: node.id,
      version: node.current?.version,
      importers: [...node.importers].map((n) => n.id),
      imports: [...(node.current?.imports.keys() ?? [])],
      lastReloadAt: node.lastReloadAt,
      error: node.lastError === undefined ? undefined : isHotswapError(node.lastError) ? node.lastError.message : String(node.lastError),
    }));
  }

  stats(): RuntimeStats {
    return {
      state: this.status().state,
      reloads: this.#reloadCount,
      ...this.#counts,
      modules: this.registry.nodes.size,
      cache: { ...this.#cache.stats },
      versionsAlive: this.#versions.aliveCount,
      versionsCollected: this.#versions.collected,
    };
  }

  /** Versions replaced at least `olderThanMs` ago that are still reachable: leaks (run a GC first for a precise answer). */
  retainedVersions(olderThanMs = 0): RetainedVersion[] {
    return this.#versions.retained(olderThanMs);
  }

  /** Wait for the watcher's initial scan (resolves at once when not watching). */
  async ready(): Promise<void> {
    await this.#watcher?.ready;
  }

  isClosed(): boolean {
    return this.#closing !== undefined;
  }

  /** Stop watching and dispose every module (dispose handlers run, timers cleared). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#emit('close', undefined);
      this.#cache.flush();
      await this.#watcher?.close();
      await this.#tail.catch(() => {});
      const nodes = [...this.registry.nodes.values()].reverse();
      for (const node of nodes) if (node.current) await this.registry.disposeVersion(node.current, 'pruned');
    })();
    return this.#closing;
  }

  #enqueue(request: ReloadRequest): Promise<ReloadResult> {
    const run = this.#tail.then(() => this.#run(request));
    this.#tail = run.catch(() => {});
    return run;
  }

  async #run(input: ReloadRequest): Promise<ReloadResult> {
    const id = ++this.#reloadCount;
    const request = normalizeRequest({ trigger: 'api', ...input }, (file) => this.registry.getNode(file)?.current !== undefined);
    const files = requestFiles(request);
    if (!this.enabled || this.isClosed()) {
      const result: ReloadResult = { id, files, startedAt: Date.now(), trigger: request.trigger, status: 'skipped', reason: 'not-loaded' };
      return result;
    }
    this.#emit('reload:start', { id, files });
    let result: ReloadResult;
    let view: TransactionView;
    if (this.#entryFailed && this.#entry) {
      const before = this.#versionsNow();
      result = await this.#retryEntry(id, files, request);
      view = this.#liveView(id, request, before);
    } else {
      ({ result, view } = await runReloadTransaction({ registry: this.registry, root: this.root, entry: this.#entry, participants: this.#participants }, request, id));
    }
    if (result.status === 'committed') this.#counts.committed++;
    else if (result.status === 'failed') this.#counts.failed++;
    else this.#counts.skipped++;
    this.#track(result);
    this.#finalize(result, view);
    this.#emit('reload', result);
    return result;
  }

  /** Fatal is sticky until every module it names committed a good version again. */
  #track(result: ReloadResult): void {
    if (result.status === 'failed') {
      this.#lastFailed = true;
      if (result.fatal) this.#fatal = result.fatal;
    } else if (result.status === 'committed') {
      this.#lastFailed = false;
    }
    if (this.#fatal && this.#fatal.modules.every((file) => this.registry.getNode(file)?.fatal === undefined)) this.#fatal = undefined;
  }

  #finalize(result: ReloadResult, view: TransactionView): void {
    for (const participant of this.#participants.slice()) {
      try {
        participant.finalize?.(result, view);
      } catch (error) {
        this.#emit('error', new HotswapError(ERROR_CODES.HOT_CALLBACK, `Reload participant ${participant.name} threw in finalize: ${String(error)}`, { cause: error }));
      }
    }
  }

  /** Participants hear of a live load like of a transaction: the start-up load has trigger `startup`. */
  #finalizeLiveLoad(path: string, startedAt: number, t0: number, before: Map<string, number | undefined>): void {
    const request = normalizeRequest({ added: [path], trigger: this.#startedUp ? 'api' : 'startup' }, () => false);
    this.#startedUp = true;
    const view = this.#liveView(0, request, before);
    const total = performance.now() - t0;
    const updated = view.staged.map((s) => ({ file: s.file, version: s.version }));
    this.#finalize({ id: 0, files: [path], startedAt, trigger: request.trigger, status: 'committed', updated, rerun: [], pruned: [], timings: { stage: total, validate: 0, commit: 0, dispose: 0, total } }, view);
  }

  #versionsNow(): Map<string, number | undefined> {
    return new Map([...this.registry.nodes.values()].map((n) => [n.id, n.current?.version] as const));
  }

  /** What participants see of a live load (the start-up load, a root loaded later): the versions it created. */
  #liveView(id: number, request: NormalizedRequest, before: Map<string, number | undefined>): TransactionView {
    const created = [...this.registry.nodes.values()].filter((n) => n.current && n.current.status === 'evaluated' && before.get(n.id) !== n.current.version);
    const staged = created.map((n) => {
      const version = n.current as NonNullable<ModuleNode['current']>;
      return { file: n.id, namespace: n.live, version: version.version, hash: version.hash, source: version.source };
    });
    const refuse = (): never => {
      throw new HotswapError(ERROR_CODES.USAGE, 'A live load has ended: load() and rerun() work only inside a transaction', { hint: 'Call them from prepare().' });
    };
    return { id, trigger: request.trigger, caller: request.caller, reason: request.reason, files: requestFiles(request), staged, removed: [], added: [], load: refuse, rerun: refuse };
  }

  /** The app never started: every change is a new attempt to start it. */
  async #retryEntry(id: number, files: string[], request: NormalizedRequest): Promise<ReloadResult> {
    const startedAt = Date.now();
    const t0 = performance.now();
    const entry = this.#entry as ModuleNode;
    try {
      await this.registry.importLive(entry.id);
      this.#entryFailed = false;
      const total = performance.now() - t0;
      const updated = [...this.registry.nodes.values()].filter((n) => n.current).map((n) => ({ file: n.id, version: n.current?.version ?? 0 }));
      return { id, files, startedAt, trigger: request.trigger, status: 'committed', updated, rerun: [], pruned: [], timings: { stage: total, validate: 0, commit: 0, dispose: 0, total } };
    } catch (caught) {
      this.#forgetFailedLiveLoad();
      const error = isHotswapError(caught) ? caught : new HotswapError(ERROR_CODES.EVALUATION, String(caught), { cause: caught });
      return { id, files, startedAt, trigger: request.trigger, status: 'failed', error, phase: 'stage', restored: false, timings: { stage: 0, validate: 0, commit: 0, dispose: 0, total: performance.now() - t0 } };
    }
  }

  /** After a failed live load, drop the versions it created so the next attempt starts clean. */
  #forgetFailedLiveLoad(): void {
    for (const node of this.registry.nodes.values()) {
      if (node.current && node.current.status !== 'evaluated') {
        void this.registry.disposeVersion(node.current, 'aborted');
        node.current = undefined;
        node.syncViews();
      }
    }
  }

  async #startWatching(): Promise<void> {
    if (!this.#watchOptions || !this.enabled || this.#watcher) return;
    const options = this.#watchOptions;
    this.#watcher = createWatcher({
      roots: [...this.roots],
      ...(options.settleMs === undefined ? {} : { settleMs: options.settleMs }),
      ...(options.ignore === undefined ? {} : { ignore: options.ignore }),
      ...(options.usePolling === undefined ? {} : { usePolling: options.usePolling }),
      onChange: async (set) => {
        await this.#initialLoad;
        this.#emit('change', set);
        if (set.added.length > 0 || set.removed.length > 0) this.registry.resolver.clear();
        await this.#enqueue({ changed: [...set.changed, ...set.added], removed: set.removed, added: set.added, trigger: 'watch' });
      },
      onError: (error) => this.#emit('error', new HotswapError(ERROR_CODES.USAGE, `Watcher error: ${error.message}`, { cause: error })),
    });
    await this.#watcher.ready;
  }

  #invalidate(node: ModuleNode, message: string | undefined): void {
    this.registry.emitHotEvent('hotswap:invalidate', { file: node.id, message });
    const importers = [...node.importers].map((n) => n.id);
    if (importers.length > 0) void this.#enqueue({ force: importers, trigger: 'api', reason: `invalidated by ${node.id}${message === undefined ? '' : `: ${message}`}` });
  }

  #emit<E extends RuntimeEventName>(event: E, payload: RuntimeEvents[E]): void {
    for (const listener of this.#listeners.get(event) ?? []) {
      try {
        (listener as (p: RuntimeEvents[E]) => void)(payload);
      } catch {
        // a listener's bug must not break the reload loop
      }
    }
  }

  #assertOpen(): void {
    if (this.isClosed()) throw new HotswapError(ERROR_CODES.CLOSED, 'The runtime is closed', { hint: 'Create a new runtime with createRuntime().' });
  }
}

export function createRuntime(options: RuntimeOptions = {}): Runtime {
  return new Runtime(options);
}
