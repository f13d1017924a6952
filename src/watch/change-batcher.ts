import { isEmptyChangeSet, mergeFileEvent, toChangeSet } from './change-set.ts';
import type { ChangeSet, FileEvent, PendingState } from './change-set.ts';
import { nodeScheduler } from './scheduler.ts';
import type { Cancel, Scheduler } from './scheduler.ts';

/**
 * Turns a stream of file events into change sets, one delivery at a time.
 *
 * - Leading edge: an event that arrives while no delivery is pending goes out on the next loop
 *   turn, folded only with events of the same tick. A save must not wait for a settle delay
 *   (DESIGN.md, performance targets: ≤ 5 ms save → new code), not even a save that follows
 *   the previous one by a few milliseconds once that one has been delivered.
 * - Never overlapping: events that arrive while a delivery is pending accumulate. Once it
 *   settles they go out as one set after `settleMs` of quiet (trailing debounce), or after
 *   `maxWaitMs` from the batch's first event, so a storm that never ends still makes progress
 *   and a burst that outpaces the reloads costs a few of them, not one per event.
 * - An unlink holds its batch for `settleMs`, so a file that comes back in time (atomic save,
 *   delete-then-write) is reported as changed. A re-create ends the hold at once.
 */
export interface ChangeBatcherOptions {
  /** Quiet time that ends a trailing batch, and how long an unlink waits for its file to return. */
  settleMs: number;
  /**
   * Longest a batch waits for quiet.
   * @default 10 * settleMs
   */
  maxWaitMs?: number;
  /** @default nodeScheduler (real, unref'd timers) */
  scheduler?: Scheduler;
  /** Receives each non-empty set; the next one waits until its promise settles. */
  deliver: (set: ChangeSet) => void | Promise<void>;
  /** `deliver` threw or rejected. The batcher carries on with the next set. */
  onDeliverError: (error: unknown, set: ChangeSet) => void;
}

export interface ChangeBatcher {
  /** Records one file event; absolute path. Ignored after close(). */
  push(event: FileEvent, path: string): void;
  /** Drops pending events and cancels timers. A delivery in progress is not awaited. */
  close(): void;
}

interface PendingEntry {
  state: PendingState;
  /** for 'removed': the time until which the batch waits for the file to come back */
  heldUntil: number;
}

export function createChangeBatcher(options: ChangeBatcherOptions): ChangeBatcher {
  const { settleMs, deliver, onDeliverError } = options;
  const maxWaitMs = options.maxWaitMs ?? 10 * settleMs;
  const scheduler = options.scheduler ?? nodeScheduler;

  const pending = new Map<string, PendingEntry>();
  /** a deliver() call has not settled yet */
  let inFlight = false;
  let closed = false;
  let lastEventAt = Number.NEGATIVE_INFINITY;
  /** time of the first event of the pending batch */
  let batchStartedAt = 0;
  /** the pending batch began while no delivery was pending: it goes out without waiting for quiet */
  let leading = false;
  let cancelFlush: Cancel | undefined;

  function push(event: FileEvent, path: string): void {
    if (closed) return;
    const now = scheduler.now();
    if (pending.size === 0) {
      batchStartedAt = now;
      leading = !inFlight;
    }
    lastEventAt = now;

    const entry = pending.get(path);
    const state = mergeFileEvent(entry?.state, event);
    if (state === undefined) pending.delete(path);
    else if (entry === undefined) pending.set(path, { state, heldUntil: heldUntil(state, now) });
    else if (entry.state !== state) pending.set(path, { state, heldUntil: heldUntil(state, now) });
    schedule();
  }

  function heldUntil(state: PendingState, now: number): number {
    return state === 'removed' ? now + settleMs : Number.NEGATIVE_INFINITY;
  }

  /** (Re)arms the one flush callback for the current batch. */
  function schedule(): void {
    cancelFlush?.();
    cancelFlush = undefined;
    if (closed || inFlight || pending.size === 0) return;

    const now = scheduler.now();
    let due = leading ? now : lastEventAt + settleMs;
    for (const entry of pending.values()) due = Math.max(due, entry.heldUntil);
    due = Math.min(due, batchStartedAt + maxWaitMs);
    // rounded up: timers have millisecond resolution and would fire a fraction early
    cancelFlush = due <= now ? scheduler.soon(flush) : scheduler.later(flush, Math.ceil(due - now));
  }

  function flush(): void {
    cancelFlush = undefined;
    if (closed || inFlight || pending.size === 0) return;
    const set = toChangeSet([...pending].map(([path, entry]) => [path, entry.state] as const));
    pending.clear();
    if (isEmptyChangeSet(set)) return;
    void run(set);
  }

  async function run(set: ChangeSet): Promise<void> {
    inFlight = true;
    try {
      await deliver(set);
    } catch (error) {
      reportDeliverError(error, set);
    } finally {
      inFlight = false;
      // whatever arrived meanwhile is a trailing batch: it waits for quiet
      schedule();
    }
  }

  function reportDeliverError(error: unknown, set: ChangeSet): void {
    try {
      onDeliverError(error, set);
    } catch (reportError) {
      // the error reporter itself is user code: it must not stop the batcher either
      console.error('[hotswap:watch] onError threw while reporting a failed onChange', reportError);
    }
  }

  function close(): void {
    closed = true;
    cancelFlush?.();
    cancelFlush = undefined;
    pending.clear();
  }

  return { push, close };
}
