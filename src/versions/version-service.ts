/**
 * The versions subsystem of one runtime: it records every outcome of the
 * transaction (as a reload participant's `finalize`, so the start-up load, a
 * watched save, an apply and a rollback are recorded alike), watches new
 * versions in probation, marks them stable or rolls them back, and serves
 * history to the control API. If the database cannot be opened the app keeps
 * running: history is off, and status and doctor say why.
 */
import { join } from 'node:path';
import { isHotswapError, relativePath, serializeError } from '../errors.ts';
import type { ReloadParticipant, TransactionView } from '../reload/participant.ts';
import type { ReloadResult } from '../reload/reload-result.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { sha256 } from '../shared/hash.ts';
import { readFileSync } from 'node:fs';
import { callSampler } from './call-sampler.ts';
import { createCheckParticipant } from './check-participant.ts';
import { DEFAULT_PROBATION, Probation, type CallSample, type ProbationOptions, type Watched } from './probation.ts';
import { VersionStore, type NewVersion, type Trigger, type VersionRow } from './version-store.ts';

export interface VersionsOptions extends Partial<ProbationOptions> {
  /** Database file. @default `<root>/.hotswap/versions.db` */
  file?: string;
  /** Versions kept per module besides every stable one. @default 20 */
  keep?: number;
  /** Timeout of one `import.meta.hot.check`, ms. @default 5000 */
  checkTimeoutMs?: number;
}

export type VersionEvent =
  | { type: 'recorded'; versions: VersionRow[] }
  | { type: 'stable'; version: VersionRow }
  | { type: 'failing'; version: VersionRow; sample: CallSample }
  | { type: 'rolled-back'; from: VersionRow; to: VersionRow | undefined; ok: boolean; message: string }
  | { type: 'started-on-stable'; version: VersionRow; message: string }
  | { type: 'error'; message: string };

export type VersionListener = (event: VersionEvent) => void;

export class VersionService {
  readonly runtime: Runtime;
  readonly store: VersionStore | undefined;
  /** Why history is off (the database could not be opened), or undefined. */
  readonly unavailable: string | undefined;
  readonly probation: Probation;
  readonly keep: number;
  /** Files whose running code differs from the disk: after an automatic rollback in `run`, or started on a stable version (`why`). */
  readonly diverged = new Map<string, { running: string; disk: string; why?: string }>();
  readonly #listeners = new Set<VersionListener>();
  /** Events of the start-up that listeners subscribing later still hear (the control plane starts after the app). */
  readonly #startup: VersionEvent[] = [];
  /** Recorded batches since retention last ran (it runs at start and every 25 batches). */
  #sincePrune = 0;
  /** Project-relative path by file (recording looks up every re-run module's). */
  readonly #modules = new Map<string, string>();
  /** Stable verdicts of the current probation tick, written together. */
  readonly #verdicts: { watched: Watched; sample: CallSample }[] = [];
  readonly #disposers: (() => void)[] = [];
  /** Set by the rollback machinery (live-change.ts); called when a version in probation fails. */
  onFailing: ((row: VersionRow, sample: CallSample) => void) | undefined;

  constructor(runtime: Runtime, options: VersionsOptions = {}) {
    this.runtime = runtime;
    this.keep = options.keep ?? 20;
    let store: VersionStore | undefined;
    let unavailable: string | undefined;
    try {
      store = VersionStore.open(options.file ?? join(runtime.root, '.hotswap', 'versions.db'));
    } catch (error) {
      unavailable = `the version store ${options.file ?? '.hotswap/versions.db'} cannot be opened (${(error as Error).message}); running without history`;
    }
    this.store = store;
    this.unavailable = unavailable;
    try {
      store?.prune(this.keep);
    } catch {
      // retention is housekeeping: a store that cannot prune still records
    }
    this.probation = new Probation(
      { windowMs: options.windowMs ?? DEFAULT_PROBATION.windowMs, maxErrorRate: options.maxErrorRate ?? DEFAULT_PROBATION.maxErrorRate, minCalls: options.minCalls ?? DEFAULT_PROBATION.minCalls },
      { stable: (watched, sample) => this.#stable(watched, sample), failing: (watched, sample) => this.#failing(watched, sample) },
    );
    this.#disposers.push(runtime.addParticipant(createCheckParticipant(runtime, options.checkTimeoutMs)));
    if (store) this.#disposers.push(runtime.addParticipant(this.#participant()));
    // After the other close listeners (the control server removes its token files first): closing
    // the database checkpoints its WAL, an fsync that shutdown need not wait for.
    this.#disposers.push(runtime.on('close', () => void setImmediate(() => this.close())));
  }

  rel(file: string): string {
    let module = this.#modules.get(file);
    if (module === undefined) this.#modules.set(file, (module = relativePath(file, this.runtime.root)));
    return module;
  }

  abs(module: string): string {
    return join(this.runtime.root, module);
  }

  on(listener: VersionListener): () => void {
    this.#listeners.add(listener);
    for (const event of this.#startup) deliver(listener, event);
    return () => this.#listeners.delete(listener);
  }

  /** `startup`: an event of the start-up, replayed to every listener that subscribes later. */
  emit(event: VersionEvent, { startup = false }: { startup?: boolean } = {}): void {
    if (startup) this.#startup.push(event);
    for (const listener of this.#listeners) deliver(listener, event);
  }

  /** Lines for status: history off, running code that differs from the disk. */
  problems(): string[] {
    const out: string[] = [];
    if (this.unavailable) out.push(this.unavailable);
    for (const [file, { running, why }] of this.diverged) {
      let disk: string | undefined;
      try {
        disk = sha256(readFileSync(file, 'utf8'));
      } catch {
        disk = undefined;
      }
      if (disk === running) {
        this.diverged.delete(file);
        continue;
      }
      const cause = why ?? 'after an automatic rollback; save the file to run it again';
      out.push(`${this.rel(file)}: the running code (${running.slice(0, 12)}) differs from the file on disk (${disk?.slice(0, 12) ?? 'missing'}) ${cause}`);
    }
    return out;
  }

  /** Record an attempt that never committed (a failed apply or rollback), for the audit trail. */
  recordFailure(file: string, source: string | undefined, meta: { trigger: Trigger; caller?: string | undefined; reason?: string | undefined }, result: ReloadResult | { error: unknown }): VersionRow | undefined {
    if (!this.store) return undefined;
    const module = this.rel(file);
    const error = 'error' in result ? result.error : undefined;
    const [row] = this.store.record([{ module, source, parentId: this.store.latest(module)?.id ?? null, trigger: meta.trigger, caller: meta.caller, reason: meta.reason, result: 'failed', error: error === undefined ? undefined : serializeError(error), ...('timings' in result ? { timings: result.timings, reloadId: result.id } : {}) }]);
    return row;
  }

  close(): void {
    for (const dispose of this.#disposers.splice(0)) dispose();
    this.probation.close();
    this.store?.close();
  }

  #participant(): ReloadParticipant {
    return { name: 'versions', finalize: (result, tx) => this.#record(result, tx) };
  }

  #record(result: ReloadResult, tx: TransactionView): void {
    const store = this.store;
    if (!store || store.isClosed() || result.status !== 'committed') return;
    const rows: NewVersion[] = [];
    const reused: VersionRow[] = [];
    const started = tx.trigger === 'startup' ? undefined : new Set(tx.files);
    let latestRows: ReadonlyMap<string, VersionRow>;
    try {
      latestRows = store.latestRows();
    } catch (error) {
      this.emit({ type: 'error', message: `could not record versions of reload #${result.id}: ${String(error)}` });
      return;
    }
    for (const staged of tx.staged) {
      const module = this.rel(staged.file);
      const latest = latestRows.get(module);
      if (latest?.hash === staged.hash) {
        // A restart of unchanged code is the same version, not a new one.
        if (!started) {
          reused.push(latest);
          continue;
        }
        // So is a module that re-ran with the code it had, only because something it imports
        // changed: no row, no new probation (a save, apply or rollback of the file itself is recorded).
        // Its probation, if any, follows the new instance (see #watch), direct calls counted too.
        if (!started.has(staged.file)) {
          if (latest.state === 'probation' && this.probation.has(staged.file)) this.runtime.moduleVersion(staged.file)?.watchCalls(true);
          continue;
        }
      }
      rows.push({ module, source: staged.source, hash: staged.hash, parentId: latest?.id ?? null, trigger: tx.trigger as Trigger, caller: tx.caller, reason: tx.reason, reloadId: result.id, createdAt: result.startedAt, result: 'committed', timings: result.timings });
    }
    let recorded: VersionRow[] = [];
    try {
      recorded = store.record(rows);
    } catch (error) {
      this.emit({ type: 'error', message: `could not record versions of reload #${result.id}: ${isHotswapError(error) ? error.message : String(error)}` });
      return;
    }
    if (tx.trigger !== 'auto-rollback') {
      // The running code of a recorded (or restarted) module is the disk's again; a re-run kept its code.
      for (const row of [...recorded, ...reused]) this.diverged.delete(this.abs(row.module));
    }
    for (const row of [...recorded, ...reused]) {
      const previous = this.probation.drop(this.abs(row.module));
      if (previous && previous.id !== row.id) store.setState(previous.id, 'superseded');
      if (row.state !== 'probation') continue;
      // A restored stable version is stable at once; everything else earns it.
      if (row.trigger === 'auto-rollback') {
        store.setState(row.id, 'stable');
        continue;
      }
      this.#watch(row);
    }
    if (recorded.length > 0) this.emit({ type: 'recorded', versions: recorded });
    if (recorded.length > 0 && ++this.#sincePrune >= 25) {
      this.#sincePrune = 0;
      try {
        store.prune(this.keep);
      } catch (error) {
        this.emit({ type: 'error', message: `retention failed: ${String(error)}` });
      }
    }
  }

  #watch(row: VersionRow): void {
    const file = this.abs(row.module);
    const sample = callSampler(this.runtime, file);
    if (!sample) return;
    // Direct calls of its functions are counted too while it is watched (the runner skips that otherwise).
    this.runtime.moduleVersion(file)?.watchCalls(true);
    this.probation.watch({ id: row.id, file, startedAt: Date.now(), sample });
  }

  #stable(watched: Watched, sample: CallSample): void {
    // Verdicts of one probation tick (a whole start-up's modules end their window together) are
    // written in one transaction: one commit instead of one per version.
    this.#verdicts.push({ watched, sample });
    if (this.#verdicts.length === 1) queueMicrotask(() => this.#writeVerdicts());
  }

  #writeVerdicts(): void {
    const verdicts = this.#verdicts.splice(0);
    const store = this.store;
    if (!store || store.isClosed()) return;
    const rows: VersionRow[] = [];
    try {
      store.batch(() => {
        for (const { watched, sample } of verdicts) {
          this.runtime.moduleVersion(watched.file)?.watchCalls(false);
          store.setState(watched.id, 'stable', sample);
          const row = store.get(watched.id);
          if (row) rows.push(row);
        }
      });
    } catch (error) {
      this.emit({ type: 'error', message: `could not mark ${verdicts.length} version(s) stable: ${String(error)}` });
      return;
    }
    for (const row of rows) this.emit({ type: 'stable', version: row });
  }

  #failing(watched: Watched, sample: CallSample): void {
    if (!this.store || this.store.isClosed()) return;
    this.store.setState(watched.id, 'probation', sample);
    const row = this.store.get(watched.id);
    if (!row) return;
    this.emit({ type: 'failing', version: row, sample });
    this.onFailing?.(row, sample);
  }
}

function deliver(listener: VersionListener, event: VersionEvent): void {
  try {
    listener(event);
  } catch {
    // a listener's bug must not break recording
  }
}
