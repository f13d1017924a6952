/**
 * The one queue every change of the module graph goes through: reload
 * requests (a save, `reload()`, `request()`, `invalidate()`) and live loads
 * (the start-up load, a root loaded later, the retry of an entry that never
 * started). Jobs never overlap; requests that arrive during one run after it.
 * A live load started by code that a running job evaluates (the entry's top
 * level loading plugins) is part of that job and runs at once.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ERROR_CODES, HotswapError, isHotswapError, relativePath } from '../errors.ts';
import type { ReloadParticipant, TransactionView } from '../reload/participant.ts';
import { normalizeRequest, requestFiles, type NormalizedRequest, type ReloadRequest, type ReloadTrigger } from '../reload/reload-request.ts';
import type { FatalState, ReloadResult } from '../reload/reload-result.ts';
import { runTransaction } from '../reload/transaction.ts';
import type { ModuleNode } from '../runner/module-node.ts';
import type { ModuleRegistry } from '../runner/module-registry.ts';
import { outsideScopes } from '../resources/index.ts';
import type { Clock } from '../runner/seams.ts';
import { collectAsyncErrors } from './async-errors.ts';

export interface QueueHost {
  registry: ModuleRegistry;
  root: string;
  clock: Clock;
  participants: readonly ReloadParticipant[];
  entry(): ModuleNode | undefined;
  isOpen(): boolean;
  onStart(id: number, files: string[]): void;
  onResult(result: ReloadResult): void;
  onError(error: HotswapError): void;
}

/**
 * Reloads that reloads caused (`invalidate()` in an accept callback or at top level):
 * a module updated once in a chain is not re-run again by it, so a cycle of modules
 * that invalidate each other ends; a chain that still runs away is stopped.
 */
interface Chain {
  /** Files updated (or attempted) by the chain's jobs so far. */
  updated: Set<string>;
  jobs: number;
  /** Modules that invalidated, in order (for the error). */
  trail: string[];
}

/** Jobs one chain may run before it is taken for a runaway. */
const CHAIN_LIMIT = 100;

interface Job {
  running: boolean;
  chain: Chain;
}

export class TransactionQueue {
  readonly counts = { reloads: 0, committed: 0, failed: 0, skipped: 0 };
  readonly #host: QueueHost;
  readonly #job = new AsyncLocalStorage<Job>();
  #tail: Promise<unknown> = Promise.resolve();
  #entryFailed = false;
  #lastFailed = false;
  #fatal: FatalState | undefined;
  #startedUp = false;

  constructor(host: QueueHost) {
    this.#host = host;
  }

  get fatal(): FatalState | undefined {
    return this.#fatal;
  }

  get lastFailed(): boolean {
    return this.#lastFailed;
  }

  /** Settles when every job queued so far has run. */
  idle(): Promise<void> {
    return this.#tail.then(() => undefined);
  }

  /** Settles when the queue is empty, including jobs that jobs queued (an `invalidate()` in an accept callback). */
  async settled(): Promise<void> {
    let tail;
    do {
      tail = this.#tail;
      await tail;
    } while (tail !== this.#tail);
  }

  reload(request: ReloadRequest): Promise<ReloadResult> {
    return this.#enqueue((chain) => this.#reload(request, chain));
  }

  /**
   * `import.meta.hot.invalidate()` of `file`: re-run its importers. Called while a job
   * runs (an accept callback, a module's top level), the new reload continues that
   * job's chain.
   */
  invalidate(file: string, importers: string[], message: string | undefined): void {
    const job = this.#job.getStore();
    const chain = job?.running ? job.chain : undefined;
    chain?.trail.push(file);
    const reason = `invalidated by ${file}${message === undefined ? '' : `: ${message}`}`;
    void this.#enqueue((own) => this.#reload({ force: importers, trigger: 'api', reason }, own), chain);
  }

  /** Load a project file as a root in live mode (its versions are current as they evaluate). Rejects if it fails. */
  load(file: string, isEntry: boolean): Promise<object> {
    const job = this.#job.getStore();
    // hotswap's own work never belongs to the version whose top level asked for it (the modules it evaluates get their own scopes).
    if (job?.running) return outsideScopes(() => this.#load(file, isEntry, true, job.chain));
    return this.#enqueue((chain) => this.#load(file, isEntry, false, chain));
  }

  /** Run a live load code started at run time: at once inside a running job, else queued. */
  runLive(load: () => Promise<void>): Promise<void> {
    const job = this.#job.getStore();
    if (job?.running) return load();
    return this.#enqueue(() => load());
  }

  #enqueue<T>(fn: (chain: Chain) => Promise<T>, chain: Chain = { updated: new Set(), jobs: 0, trail: [] }): Promise<T> {
    const run = this.#tail.then(() => {
      const job: Job = { running: true, chain };
      return this.#job.run(job, () => outsideScopes(() => fn(chain))).finally(() => (job.running = false));
    });
    this.#tail = run.catch(() => {});
    return run;
  }

  async #load(file: string, isEntry: boolean, nested: boolean, chain: Chain): Promise<object> {
    const { registry, clock } = this.#host;
    const startedAt = clock.now();
    const t0 = clock.monotonic();
    const before = this.#versionsNow();
    try {
      const namespace = await registry.importLive(file);
      if (isEntry) this.#entryFailed = false;
      // Roots the start-up load loads (plugins the entry's top level loads) are part of the start-up.
      const request = normalizeRequest({ added: [file], trigger: this.#startedUp ? 'api' : 'startup' }, () => false);
      if (!nested) this.#startedUp = true;
      const view = this.#liveView(0, request, before);
      for (const staged of view.staged) chain.updated.add(staged.file);
      const total = clock.monotonic() - t0;
      const updated = view.staged.map((s) => ({ file: s.file, version: s.version }));
      this.#finalize({ id: 0, files: [file], startedAt, trigger: request.trigger, status: 'committed', updated, rerun: [], pruned: [], timings: { stage: total, validate: 0, commit: 0, dispose: 0, total } }, view);
      return namespace;
    } catch (error) {
      if (isEntry) this.#entryFailed = true;
      this.#forgetFailedLiveLoad();
      throw error;
    }
  }

  async #reload(input: ReloadRequest, chain: Chain): Promise<ReloadResult> {
    const host = this.#host;
    const id = ++this.counts.reloads;
    chain.jobs++;
    // A module the chain already updated is not re-run by it again: a cycle of invalidations ends.
    const force = input.force?.filter((file) => !chain.updated.has(file));
    const request = normalizeRequest({ trigger: 'api', ...input, ...(force ? { force } : {}) }, (file) => host.registry.graph.get(file)?.current !== undefined);
    const files = requestFiles(request);
    if (!host.isOpen()) return { id, files, startedAt: host.clock.now(), trigger: request.trigger, status: 'skipped', reason: 'not-loaded' };
    host.onStart(id, files);
    if (chain.jobs > CHAIN_LIMIT) return this.#report(this.#runaway(id, files, request, chain), this.#liveView(id, request, new Map()));
    const entry = host.entry();
    let outcomes: { result: ReloadResult; view: TransactionView }[];
    if (this.#entryFailed && entry) {
      const before = this.#versionsNow();
      outcomes = [{ result: await this.#retryEntry(entry, id, files, request), view: this.#liveView(id, request, before) }];
    } else {
      const job = this.#job.getStore();
      const collector = collectAsyncErrors(() => job !== undefined && this.#job.getStore() === job);
      try {
        const deps = { registry: host.registry, root: host.root, entry, participants: host.participants, clock: host.clock, asyncErrors: () => collector.errors };
        outcomes = await runTransaction(deps, request, id, () => ++this.counts.reloads);
      } finally {
        collector.stop();
      }
    }
    for (const file of request.force) chain.updated.add(file);
    for (const { result } of outcomes) if (result.status === 'committed') for (const u of result.updated) chain.updated.add(u.file);
    for (const { result, view } of outcomes) this.#report(result, view);
    return (outcomes[0] as { result: ReloadResult }).result;
  }

  #report(result: ReloadResult, view: TransactionView): ReloadResult {
    if (result.status === 'committed') this.counts.committed++;
    else if (result.status === 'failed') this.counts.failed++;
    else this.counts.skipped++;
    this.#track(result);
    this.#finalize(result, view);
    this.#host.onResult(result);
    return result;
  }

  /** The chain ran away: stop it, loudly, with what kept invalidating. */
  #runaway(id: number, files: string[], request: NormalizedRequest, chain: Chain): ReloadResult {
    const { root, clock } = this.#host;
    const trail = [...new Set(chain.trail.slice(-6))].map((f) => relativePath(f, root)).join(' → ');
    const error = new HotswapError(ERROR_CODES.RELOAD_LOOP, `Reloads keep triggering reloads: ${CHAIN_LIMIT} in a row through import.meta.hot.invalidate() (${trail}); stopped`, {
      hint: 'An invalidate() that runs on every update re-triggers itself: call it only when the update cannot be accepted. Save again to reload.',
    });
    this.#host.registry.emitHotEvent('hotswap:error', { files, error });
    return { id, files, startedAt: clock.now(), trigger: request.trigger, status: 'failed', error, phase: 'plan', restored: false, timings: { stage: 0, validate: 0, commit: 0, dispose: 0, total: 0 } };
  }

  /** The app never started: every change is a new attempt to start it. */
  async #retryEntry(entry: ModuleNode, id: number, files: string[], request: NormalizedRequest): Promise<ReloadResult> {
    const { registry, clock } = this.#host;
    const startedAt = clock.now();
    const t0 = clock.monotonic();
    const base = { id, files, startedAt, trigger: request.trigger };
    // A save in place read mid-write (empty) would start an empty app: wait for the content first.
    for (const file of request.changed) {
      if (request.sources.has(file)) continue;
      try {
        await registry.sources.readSettled(file, undefined);
      } catch {
        // missing: the load below reports it
      }
    }
    try {
      await registry.importLive(entry.id);
      this.#entryFailed = false;
      const total = clock.monotonic() - t0;
      const updated = [...registry.graph.nodes()].filter((n) => n.current).map((n) => ({ file: n.id, version: n.current?.version ?? 0 }));
      return { ...base, status: 'committed', updated, rerun: [], pruned: [], timings: { stage: total, validate: 0, commit: 0, dispose: 0, total } };
    } catch (caught) {
      this.#forgetFailedLiveLoad();
      const error = isHotswapError(caught) ? caught : new HotswapError(ERROR_CODES.EVALUATION, String(caught), { cause: caught });
      return { ...base, status: 'failed', error, phase: 'stage', restored: false, timings: { stage: 0, validate: 0, commit: 0, dispose: 0, total: clock.monotonic() - t0 } };
    }
  }

  /** After a failed live load, drop the versions it created so the next attempt starts clean. */
  #forgetFailedLiveLoad(): void {
    const { registry } = this.#host;
    for (const version of registry.graph.forgetFailedLive()) void registry.disposeVersion(version, 'aborted');
  }

  /** Fatal is sticky until every module it names committed a good version again. */
  #track(result: ReloadResult): void {
    if (result.status === 'failed') {
      this.#lastFailed = true;
      if (result.fatal) this.#fatal = result.fatal;
    } else if (result.status === 'committed') {
      this.#lastFailed = false;
    }
    const { graph } = this.#host.registry;
    if (this.#fatal && this.#fatal.modules.every((file) => graph.get(file)?.fatal === undefined)) this.#fatal = undefined;
  }

  #finalize(result: ReloadResult, view: TransactionView): void {
    for (const participant of this.#host.participants.slice()) {
      try {
        participant.finalize?.(result, view);
      } catch (error) {
        this.#host.onError(new HotswapError(ERROR_CODES.HOT_CALLBACK, `Reload participant ${participant.name} threw in finalize: ${String(error)}`, { cause: error }));
      }
    }
  }

  #versionsNow(): Map<string, number | undefined> {
    return new Map([...this.#host.registry.graph.nodes()].map((n) => [n.id, n.current?.version] as const));
  }

  /** What participants see of a live load: the versions it created. */
  #liveView(id: number, request: NormalizedRequest, before: Map<string, number | undefined>): TransactionView {
    const staged = [];
    for (const node of this.#host.registry.graph.nodes()) {
      const version = node.current;
      if (!version || version.status !== 'evaluated' || before.get(node.id) === version.version) continue;
      staged.push({ file: node.id, namespace: node.live, version: version.version, hash: version.hash, source: version.source });
    }
    const ended = (): never => {
      throw new HotswapError(ERROR_CODES.USAGE, 'This live load has ended: load() and rerun() work only inside a transaction', { hint: 'Call them from prepare().' });
    };
    return { id, trigger: request.trigger as ReloadTrigger, caller: request.caller, reason: request.reason, files: requestFiles(request), staged, removed: [], added: [], load: ended, rerun: ended };
  }
}
