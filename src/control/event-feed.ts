/**
 * What the control plane knows beyond the runtime's own counters: the reload
 * in flight, the last outcome, the current error, recent phase timings and a
 * ring of recent events (for `logs` and for clients that reconnect with
 * `Last-Event-ID`). Events carry project-relative paths and serialized errors,
 * ready for JSON. The ring is bounded in bytes as well as in count, and one
 * event in bytes (a larger one keeps its type and scalars and says it was
 * cut): events are replayed to every reconnecting stream.
 */
import { relativePath, serializeError, type SerializedError } from '../errors.ts';
import type { PhaseTimings, ReloadCommitted, ReloadResult } from '../reload/reload-result.ts';
import type { Runtime } from '../runtime/runtime.ts';
import type { ChangeSet } from '../watch/watcher.ts';
import { PhaseSamples } from './phase-samples.ts';
import { controlProviders, watchControlProviders, type ControlProvider } from './providers.ts';

export const EVENT_TYPES = {
  RELOAD_START: 'reload:start',
  RELOAD_COMMITTED: 'reload:committed',
  RELOAD_FAILED: 'reload:failed',
  RELOAD_SKIPPED: 'reload:skipped',
  RELOAD_DECLINED: 'reload:declined',
  FILE: 'file',
  ERROR: 'error',
} as const;

export interface FeedEvent {
  /** Increasing from 1; the SSE `id`. */
  seq: number;
  /** `reload:*`, `file`, `error`, or `<provider>:<type>`. */
  type: string;
  /** ms since the epoch */
  at: number;
  data: Record<string, unknown>;
}

export interface ReloadSummary {
  id: number;
  status: ReloadResult['status'];
  files: string[];
  /** ms since the epoch */
  startedAt: number;
  /** Total duration, ms (0 for skipped/declined). */
  total: number;
  /** committed: modules that got a new version; rerun: importers that re-ran. */
  updated: string[];
  rerun: string[];
  error: SerializedError | null;
}

export interface EventFeedOptions {
  runtime: Runtime;
  /** Ring size of recent events. @default 500 */
  capacity?: number;
  /** Largest event, bytes of JSON; a larger one is cut down. @default 65536 */
  maxEventBytes?: number;
  /** Bytes of JSON the ring may hold; the oldest events go first. @default 1 MiB */
  maxBufferBytes?: number;
}

export class EventFeed {
  readonly runtime: Runtime;
  readonly samples = new PhaseSamples();
  /** When the feed (the control server) started, ms since the epoch. */
  readonly startedAt = Date.now();
  /** The reload in progress, if any. */
  inFlight: { id: number; files: string[]; startedAt: number } | undefined;
  /** The last finished reload. Its module lists are made when it is read (a 1,000-module re-run lists 2,000 paths; most are never asked for). */
  get lastReload(): ReloadSummary | undefined {
    const last = this.#last;
    if (last?.pending) {
      last.summary.updated = last.pending.updated.map((u) => this.rel(u.file));
      last.summary.rerun = last.pending.rerun.map((r) => this.rel(r.file));
      last.pending = undefined;
    }
    return last?.summary;
  }
  #last: { summary: ReloadSummary; pending: ReloadCommitted | undefined } | undefined;
  /** Error of the last failed reload; cleared by the next committed one. */
  currentError: SerializedError | undefined;
  readonly #capacity: number;
  readonly #maxEventBytes: number;
  readonly #maxBufferBytes: number;
  readonly #events: FeedEvent[] = [];
  /** JSON size of each kept event, same order as #events. */
  readonly #sizes: number[] = [];
  #bytes = 0;
  #seq = 0;
  readonly #listeners = new Set<(event: FeedEvent) => void>();
  readonly #disposers: (() => void)[] = [];
  readonly #providerDisposers = new Map<ControlProvider, () => void>();

  constructor(options: EventFeedOptions) {
    this.runtime = options.runtime;
    this.#capacity = options.capacity ?? 500;
    this.#maxEventBytes = options.maxEventBytes ?? 64 * 1024;
    this.#maxBufferBytes = options.maxBufferBytes ?? 1024 * 1024;
    const { runtime } = this;
    this.#disposers.push(
      runtime.on('reload:start', ({ id, files }) => {
        this.inFlight = { id, files: files.map((f) => this.rel(f)), startedAt: Date.now() };
        this.#push(EVENT_TYPES.RELOAD_START, { id, files: this.inFlight.files });
      }),
      runtime.on('reload', (result) => this.#onReload(result)),
      runtime.on('change', (set: ChangeSet) => {
        this.#push(EVENT_TYPES.FILE, { changed: set.changed.map((f) => this.rel(f)), added: set.added.map((f) => this.rel(f)), removed: set.removed.map((f) => this.rel(f)) });
      }),
      runtime.on('error', (error) => this.#push(EVENT_TYPES.ERROR, { error: this.#serialize(error) })),
      watchControlProviders((change, provider) => (change === 'added' ? this.#subscribeProvider(provider) : this.#unsubscribeProvider(provider))),
    );
    for (const provider of controlProviders()) this.#subscribeProvider(provider);
  }

  /** Project-relative path for display. */
  rel(file: string): string {
    return relativePath(file, this.runtime.root);
  }

  /** Recent events after `afterSeq` (all kept ones by default), oldest first: the newest `limit` that fit in `maxBytes` of JSON. */
  recent(afterSeq = 0, limit = this.#capacity, maxBytes = Infinity): FeedEvent[] {
    let first = this.#events.length;
    let bytes = 0;
    while (first > 0 && this.#events.length - first < limit) {
      const event = this.#events[first - 1];
      const size = this.#sizes[first - 1] ?? 0;
      if (!event || event.seq <= afterSeq || bytes + size > maxBytes) break;
      bytes += size;
      first--;
    }
    return this.#events.slice(first);
  }

  /** Sequence number of the newest event (0 before the first). */
  get lastSeq(): number {
    return this.#seq;
  }

  /** Bytes of JSON the kept events take (bounded by `maxBufferBytes`). */
  get bufferedBytes(): number {
    return this.#bytes;
  }

  /** Open subscriptions (event streams): a closed stream must bring this back down. */
  get subscriberCount(): number {
    return this.#listeners.size;
  }

  /** Receive every event from now on; returns the disposer. */
  subscribe(listener: (event: FeedEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    for (const dispose of this.#disposers.splice(0)) dispose();
    for (const dispose of this.#providerDisposers.values()) dispose();
    this.#providerDisposers.clear();
    this.#listeners.clear();
  }

  #onReload(result: ReloadResult): void {
    this.inFlight = undefined;
    const { type, data } = describeReload(result, (f) => this.rel(f));
    const summary: ReloadSummary = { id: result.id, status: result.status, files: data.files, startedAt: result.startedAt, total: 0, updated: [], rerun: [], error: null };
    if (result.status === 'committed') {
      this.samples.add(result.timings);
      this.currentError = undefined;
      summary.total = result.timings.total;
    } else if (result.status === 'failed') {
      this.currentError = data.error as SerializedError;
      summary.total = result.timings.total;
      summary.error = this.currentError;
    }
    // A save without a change is not news for the status line, but clients still see it happened.
    if (result.status !== 'skipped') this.#last = { summary, pending: result.status === 'committed' ? result : undefined };
    this.#push(type, data);
  }

  #serialize(error: unknown): SerializedError {
    return serializeRelative(error, (f) => this.rel(f));
  }

  #subscribeProvider(provider: ControlProvider): void {
    if (!provider.subscribe || this.#providerDisposers.has(provider)) return;
    try {
      const dispose = provider.subscribe((type, data) => this.#push(`${provider.name}:${type}`, { provider: provider.name, event: type, detail: toJsonSafe(data) }));
      this.#providerDisposers.set(provider, dispose);
    } catch (error) {
      this.#push(EVENT_TYPES.ERROR, { error: this.#serialize(error), provider: provider.name });
    }
  }

  #unsubscribeProvider(provider: ControlProvider): void {
    this.#providerDisposers.get(provider)?.();
    this.#providerDisposers.delete(provider);
  }

  #push(type: string, data: Record<string, unknown>): void {
    const seq = ++this.#seq;
    const at = Date.now();
    let size = jsonBytes({ seq, type, at, data });
    if (size > this.#maxEventBytes) {
      data = cutDown(data, size, this.#maxEventBytes);
      size = jsonBytes({ seq, type, at, data });
    }
    const event: FeedEvent = { seq, type, at, data };
    this.#events.push(event);
    this.#sizes.push(size);
    this.#bytes += size;
    while (this.#events.length > this.#capacity || (this.#bytes > this.#maxBufferBytes && this.#events.length > 1)) {
      this.#events.shift();
      this.#bytes -= this.#sizes.shift() ?? 0;
    }
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // one broken stream must not starve the others
      }
    }
  }
}

/**
 * Modules listed by name in one reload event; the counts say how many there were. A reload that
 * re-ran 1,000 modules made a ~250 KB event, and the feed keeps 500 (heap grew ~0.4 MB a reload);
 * at 50 names a full feed still held ~2.5 MB.
 */
const LISTED_PER_EVENT = 10;

/** A reload result as event data: project-relative paths, serialized error, rounded timings. */
export function describeReload(result: ReloadResult, rel: (file: string) => string): { type: string; data: Record<string, unknown> & { files: string[] } } {
  const base = { id: result.id, status: result.status, files: result.files.map(rel) };
  switch (result.status) {
    case 'committed':
      return {
        type: EVENT_TYPES.RELOAD_COMMITTED,
        data: {
          ...base,
          updated: result.updated.slice(0, LISTED_PER_EVENT).map((u) => ({ path: rel(u.file), version: u.version })),
          updatedCount: result.updated.length,
          rerun: result.rerun.slice(0, LISTED_PER_EVENT).map((r) => ({ path: rel(r.file), reason: r.reason })),
          rerunCount: result.rerun.length,
          pruned: result.pruned.map(rel),
          timings: roundTimings(result.timings),
          ...(result.warnings ? { warnings: result.warnings.map((w) => ({ path: rel(w.file), message: w.message })) } : {}),
        },
      };
    case 'failed':
      return {
        type: EVENT_TYPES.RELOAD_FAILED,
        data: {
          ...base,
          error: serializeRelative(result.error, rel),
          phase: result.phase,
          restored: result.restored,
          fatal: result.fatal ? { modules: result.fatal.modules.map(rel), message: result.fatal.message, error: serializeRelative(result.fatal.error, rel) } : null,
          timings: roundTimings(result.timings),
        },
      };
    case 'skipped':
      return { type: EVENT_TYPES.RELOAD_SKIPPED, data: { ...base, reason: result.reason } };
    case 'declined':
      return { type: EVENT_TYPES.RELOAD_DECLINED, data: { ...base, module: rel(result.module) } };
    default:
      return result satisfies never;
  }
}

function serializeRelative(error: unknown, rel: (file: string) => string): SerializedError {
  const data = serializeError(error);
  return data.location ? { ...data, location: { ...data.location, file: rel(data.location.file) } } : data;
}

/** Microsecond precision is noise in a feed; three decimals keep sub-ms phases visible. */
export function roundTimings(timings: PhaseTimings): PhaseTimings {
  const r = (n: number): number => Math.round(n * 1000) / 1000;
  return { stage: r(timings.stage), validate: r(timings.validate), commit: r(timings.commit), dispose: r(timings.dispose), total: r(timings.total) };
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

/**
 * An event too large to keep: its short scalar fields stay (id, status, code…),
 * everything else is replaced by a note of how large it was. Serialized errors
 * are already capped, so this takes a provider's huge detail or a burst of
 * thousands of files.
 */
function cutDown(data: Record<string, unknown>, bytes: number, maxBytes: number): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (typeof value === 'number' || typeof value === 'boolean' || value === null) kept[key] = value;
    else if (typeof value === 'string' && value.length <= 200) kept[key] = value;
  }
  return { ...kept, truncated: { bytes, maxBytes } };
}

function toJsonSafe(value: unknown): unknown {
  try {
    return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
  } catch {
    return String(value);
  }
}
