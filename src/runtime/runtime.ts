/**
 * The composition root: a module registry, the one transaction queue and
 * (optionally) a file watcher. Reloads and live loads never overlap; requests
 * that arrive during one form the next. Hosts embed it through `createRuntime`.
 */
import { resolve as resolvePath, join } from 'node:path';
import { ERROR_CODES, HotswapError, isHotswapError, type SourceLocation } from '../errors.ts';
import type { ReloadParticipant } from '../reload/participant.ts';
import type { ReloadRequest } from '../reload/reload-request.ts';
import type { ReloadResult } from '../reload/reload-result.ts';
import type { ModuleNode } from '../runner/module-node.ts';
import type { ModuleVersion } from '../runner/module-version.ts';
import { buildLeakReport, type LeakOptions, type LeakReport } from '../resources/leak-report.ts';
import { ModuleRegistry } from '../runner/module-registry.ts';
import { Resolver } from '../runner/resolver.ts';
import { createVmEvaluator, diskReader, systemClock, type Clock, type SourceReader } from '../runner/seams.ts';
import { SourceStore } from '../runner/source-store.ts';
import { VersionTracker, type RetainedVersion } from '../runner/version-tracker.ts';
import { TransformCache } from '../transform/transform-cache.ts';
import { isWatchError } from '../watch/watch-error.ts';
import { createWatcher, type ChangeSet, type Watcher } from '../watch/watcher.ts';
import { createPackageTypeLookup } from './package-type.ts';
import type { ModuleInfo, RuntimeEventName, RuntimeEvents, RuntimeOptions, RuntimeStats, RuntimeStatus, WatchOptions } from './runtime-types.ts';
import { TransactionQueue } from './transaction-queue.ts';

export type { ModuleInfo, RuntimeEventName, RuntimeEvents, RuntimeOptions, RuntimeState, RuntimeStats, RuntimeStatus, WatchOptions } from './runtime-types.ts';

export class Runtime {
  readonly root: string;
  readonly roots: readonly string[];
  readonly enabled: boolean;
  readonly #registry: ModuleRegistry;
  readonly #queue: TransactionQueue;
  readonly #reader: SourceReader;
  readonly #clock: Clock;
  readonly #cache: TransformCache;
  readonly #versions = new VersionTracker();
  readonly #listeners = new Map<string, Set<(payload: never) => void>>();
  readonly #watchOptions: WatchOptions | undefined;
  readonly #participants: ReloadParticipant[] = [];
  #watcher: Watcher | undefined;
  #entry: ModuleNode | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: RuntimeOptions = {}) {
    this.root = resolvePath(options.root ?? process.cwd());
    this.roots = (options.roots ?? [this.root]).map((r) => resolvePath(this.root, r));
    this.enabled = options.enabled ?? true;
    this.#reader = options.reader ?? diskReader;
    this.#clock = options.clock ?? systemClock;
    const cacheDir = options.cacheDir === false ? undefined : (options.cacheDir ?? join(this.root, '.hotswap', 'cache'));
    this.#cache = new TransformCache(cacheDir);
    const reader = this.#reader;
    this.#registry = new ModuleRegistry({
      resolver: new Resolver({ roots: this.roots, tsconfigFrom: this.root, isFile: (file) => reader.isFile(file) }),
      cache: this.#cache,
      sources: new SourceStore(reader, this.#clock, this.root),
      evaluator: options.evaluator ?? createVmEvaluator(),
      versions: this.#versions,
      root: this.root,
      formatFor: createPackageTypeLookup((file) => reader.read(file)),
      onInvalidate: (node, message) => this.#invalidate(node, message),
      serializeLive: (load) => this.#queue.runLive(load),
      onHotCallbackError: (error) => this.#emit('error', error),
    });
    this.#queue = new TransactionQueue({
      registry: this.#registry,
      root: this.root,
      clock: this.#clock,
      participants: this.#participants,
      entry: () => this.#entry,
      isOpen: () => this.enabled && !this.isClosed(),
      onStart: (id, files) => this.#emit('reload:start', { id, files }),
      onResult: (result) => this.#emit('reload', result),
      onError: (error) => this.#emit('error', error),
    });
    this.#watchOptions = options.watch === true ? {} : options.watch === false || options.watch === undefined ? undefined : options.watch;
  }

  /** Load a project file as the entry (and start watching, if enabled). Rejects if the first load fails. */
  async import<T = Record<string, unknown>>(file: string): Promise<T> {
    this.#assertOpen();
    const path = resolvePath(this.root, file);
    if (!this.#registry.resolver.isProjectFile(path)) {
      throw new HotswapError(ERROR_CODES.USAGE, `${file} is not inside a project root (${this.roots.join(', ')}) or has an unsupported extension`, {
        hint: 'Pass a .ts/.js file inside the project, or add its directory with --root.',
      });
    }
    const node = this.#registry.graph.ensure(path);
    this.#registry.graph.markRoot(node);
    this.#entry ??= node;
    return this.#loadWhileWatching(path, node === this.#entry);
  }

  /**
   * Load another root module (a plugin file) in live mode: reloadable, never
   * pruned when nothing imports it. Rejects if it fails to load.
   */
  async load<T = Record<string, unknown>>(file: string): Promise<T> {
    this.#assertOpen();
    const path = resolvePath(this.root, file);
    const node = this.#registry.graph.ensure(path);
    this.#registry.graph.markRoot(node);
    // Already serving: nothing to change, no need to wait for the queue.
    if (node.current?.status === 'evaluated') return node.live as T;
    return this.#loadWhileWatching(path, false);
  }

  /**
   * The watcher's initial scan and the first load run at the same time (on a
   * large app both take a while). Change sets queue behind the load; a file
   * saved while both were starting is caught by an mtime check afterwards.
   */
  async #loadWhileWatching<T>(path: string, isEntry: boolean): Promise<T> {
    const startedAt = this.#clock.now();
    const watching = this.#startWatching();
    try {
      const namespace = await this.#queue.load(path, isEntry);
      await watching;
      this.#catchUpOnSavesDuringStart(startedAt);
      return namespace as T;
    } catch (error) {
      await watching;
      throw error;
    }
  }

  #catchUpOnSavesDuringStart(startedAt: number): void {
    if (!this.#watcher) return;
    const touched = this.#registry.graph.ids().filter((file) => (this.#reader.stat?.(file)?.mtimeMs ?? 0) >= startedAt - 1);
    if (touched.length > 0) void this.#queue.reload({ changed: touched, trigger: 'watch' });
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
    const start = this.#registry.graph.get(resolvePath(this.root, file));
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
   * The committed version of a module (absolute or root-relative path), or with `'staged'` the one
   * an open transaction evaluated. For the version store: a version's hash, source, call
   * counters and `import.meta.hot.check` callbacks. Read it; never hold on to it.
   */
  moduleVersion(file: string, which: 'current' | 'staged' = 'current'): ModuleVersion | undefined {
    const { graph } = this.#registry;
    // Participants pass the absolute paths they were given: no need to resolve those again.
    const node = graph.get(file) ?? graph.get(resolvePath(this.root, file));
    return which === 'staged' ? node?.staged : node?.current;
  }

  /** The project file `specifier` names when imported from `fromFile`, or undefined (a package, a builtin, not found). */
  resolveSpecifier(specifier: string, fromFile: string): string | undefined {
    try {
      const resolved = this.#registry.resolver.resolve(specifier, fromFile);
      return resolved.kind === 'project' ? resolved.path : undefined;
    } catch {
      return undefined;
    }
  }

  /** Whether `file` (absolute) is a project module: inside a root, a supported extension, not in node_modules. */
  isProjectFile(file: string): boolean {
    return this.#registry.resolver.isProjectFile(file);
  }

  /** A code frame at a location, from the source hotswap last read (or was given) of that file. */
  frameFor(location: SourceLocation | undefined): string | undefined {
    return this.#registry.frameFor(location);
  }

  /**
   * Reload files now (absolute or root-relative). No files: re-run every loaded
   * module. `force`: re-run the given modules even if their content did not change.
   */
  reload(files?: string[], options: { force?: boolean } = {}): Promise<ReloadResult> {
    const paths = files?.map((f) => resolvePath(this.root, f));
    const request: ReloadRequest = !paths ? { force: this.#registry.graph.ids() } : options.force ? { force: paths } : { changed: paths };
    return this.#queue.reload(request);
  }

  /**
   * Run one transaction for `request` through the reload queue (after the jobs
   * already queued). Files are absolute or root-relative; in-memory `sources` win
   * over the disk. Resolves to the outcome; never rejects for a broken module.
   */
  request(request: ReloadRequest): Promise<ReloadResult> {
    const abs = (f: string): string => resolvePath(this.root, f);
    const sources = request.sources ? new Map([...request.sources].map(([f, text]) => [abs(f), text] as const)) : undefined;
    return this.#queue.reload({
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
    const failing = [...this.#registry.graph.nodes()].filter((n) => n.lastError !== undefined).map((n) => n.id);
    const fatal = this.#queue.fatal;
    return { state: fatal ? 'fatal' : this.#queue.lastFailed || failing.length > 0 ? 'failed' : 'running', fatal, failing };
  }

  /** Subscribe; returns the disposer. */
  on<E extends RuntimeEventName>(event: E, listener: (payload: RuntimeEvents[E]) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  modules(): ModuleInfo[] {
    return [...this.#registry.graph.nodes()].map((node) => ({
      file: node.id,
      version: node.current?.version,
      importers: [...node.importers].map((n) => n.id),
      imports: [...(node.current?.imports.keys() ?? [])],
      lastReloadAt: node.lastReloadAt,
      error: node.lastError === undefined ? undefined : isHotswapError(node.lastError) ? node.lastError.message : String(node.lastError),
    }));
  }

  stats(): RuntimeStats {
    const { reloads, committed, failed, skipped } = this.#queue.counts;
    return {
      state: this.status().state,
      reloads,
      committed,
      failed,
      skipped,
      modules: this.#registry.graph.size,
      cache: { ...this.#cache.stats },
      versionsAlive: this.#versions.aliveCount,
      versionsCollected: this.#versions.collected,
    };
  }

  /** Versions replaced at least `olderThanMs` ago that are still reachable: leaks (run a GC first for a precise answer). */
  retainedVersions(olderThanMs = 0): RetainedVersion[] {
    return this.#versions.retained(olderThanMs);
  }

  /** Resolves when no reload is queued or running, including the ones reloads queued themselves (`invalidate()`). */
  settled(): Promise<void> {
    return this.#queue.settled();
  }

  /** What the committed versions' top levels created (src/resources/), per module: `ended` ones (a fired timeout) are pruned as the scope grows. */
  resources(): { module: string; version: number; kind: string; label: string; ended: boolean }[] {
    return [...this.#registry.graph.nodes()].flatMap((node) =>
      (node.current?.scope.resources() ?? []).map((r) => ({ module: node.id, version: node.current?.version ?? 0, kind: r.kind, label: r.label, ended: r.ended?.() ?? false })),
    );
  }

  /** Per replaced version: resources still alive after their release, and versions not collected (`gc: true` collects first). */
  leaks(options: LeakOptions = {}): Promise<LeakReport> {
    return buildLeakReport((olderThanMs) => this.#versions.retained(olderThanMs), options);
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
      await this.#queue.idle();
      const nodes = [...this.#registry.graph.nodes()].reverse();
      for (const node of nodes) if (node.current) await this.#registry.disposeVersion(node.current, 'pruned');
    })();
    return this.#closing;
  }

  async #startWatching(): Promise<void> {
    if (!this.#watchOptions || !this.enabled || this.#watcher) return;
    const options = this.#watchOptions;
    this.#watcher = createWatcher({
      roots: [...this.roots],
      ...(options.settleMs === undefined ? {} : { settleMs: options.settleMs }),
      ...(options.ignore === undefined ? {} : { ignore: options.ignore }),
      ...(options.usePolling === undefined ? {} : { usePolling: options.usePolling }),
      onChange: async (rawSet) => {
        // Behind the start-up load in the queue; listeners hear of the change once the app is up.
        await this.#queue.idle();
        // A new README, a temp file, a doctor probe: no reload, no count, no event.
        const set = this.#relevantPart(rawSet);
        if (!set) return;
        this.#emit('change', set);
        if (set.added.length > 0 || set.removed.length > 0) this.#registry.resolver.clear();
        await this.#queue.reload({ changed: [...set.changed, ...set.added], removed: set.removed, added: set.added, trigger: 'watch' });
      },
      onError: (error) => this.#emit('error', new HotswapError(isWatchError(error) ? error.code : ERROR_CODES.WATCH_FS_FAILED, `Watcher error: ${error.message}`, { cause: error })),
    });
    await this.#watcher.ready;
  }

  /**
   * The files of a change set that can matter (loaded modules, files a participant watches, and
   * module files while something failed to load: a new file may be the missing import), or
   * `undefined` when none does.
   */
  #relevantPart(set: ChangeSet): ChangeSet | undefined {
    const graph = this.#registry.graph;
    const watched = (file: string): boolean => graph.get(file) !== undefined || this.#participants.some((p) => p.wants?.(file) === true);
    // an entry that never started has no current version either
    const failing = [...graph.nodes()].some((node) => node.lastError !== undefined || !node.current);
    const matters = (file: string): boolean => watched(file) || (failing && this.#registry.resolver.isProjectFile(file));
    const part = { changed: set.changed.filter(matters), added: set.added.filter(matters), removed: set.removed.filter(matters) };
    return part.changed.length + part.added.length + part.removed.length > 0 ? part : undefined;
  }

  #invalidate(node: ModuleNode, message: string | undefined): void {
    this.#registry.emitHotEvent('hotswap:invalidate', { file: node.id, message });
    const importers = [...node.importers].map((n) => n.id);
    if (importers.length > 0) this.#queue.invalidate(node.id, importers, message);
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
