/**
 * The clock and timers of the watch subsystem, injected so that the batching rules can be
 * tested without a file system or real time (see test/watch/fake-scheduler.ts).
 */

/** Cancels a scheduled callback; a no-op once it has run. */
export type Cancel = () => void;

export interface Scheduler {
  /** Monotonic milliseconds. */
  now(): number;
  /** Runs `fn` once the I/O callbacks of the current loop turn are done: events of one tick fold together. */
  soon(fn: () => void): Cancel;
  /** Runs `fn` after `ms` milliseconds. */
  later(fn: () => void, ms: number): Cancel;
}

/**
 * Real timers. Settle timers are `unref()`'d: a pending one never keeps the host process alive.
 * The next-turn callback is not: Node runs an unref'd immediate only when something else wakes
 * the event loop (an unref'd immediate does not stop the loop from blocking for I/O), which
 * delayed a save's reload by up to tens of milliseconds in an otherwise idle process.
 */
export const nodeScheduler: Scheduler = Object.freeze({
  now: () => performance.now(),
  soon(fn: () => void): Cancel {
    const immediate = setImmediate(fn);
    return () => clearImmediate(immediate);
  },
  later(fn: () => void, ms: number): Cancel {
    const timeout = setTimeout(fn, ms);
    timeout.unref();
    return () => clearTimeout(timeout);
  },
});
