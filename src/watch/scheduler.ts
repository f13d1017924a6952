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

/** Real timers, all `unref()`'d: a pending settle timer never keeps the host process alive. */
export const nodeScheduler: Scheduler = Object.freeze({
  now: () => performance.now(),
  soon(fn: () => void): Cancel {
    const immediate = setImmediate(fn);
    immediate.unref();
    return () => clearImmediate(immediate);
  },
  later(fn: () => void, ms: number): Cancel {
    const timeout = setTimeout(fn, ms);
    timeout.unref();
    return () => clearTimeout(timeout);
  },
});
