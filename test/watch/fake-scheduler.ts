import type { Cancel, Scheduler } from '../../src/watch/scheduler.ts';

/** A hand-driven clock: nothing runs until the test says so. */
export interface FakeScheduler extends Scheduler {
  /** Runs `soon` callbacks (including ones they schedule), as one loop turn would. */
  runSoon(): void;
  /** Moves the clock forward, running `soon` callbacks and due timers in time order. */
  advance(ms: number): void;
  /** Number of armed timers and `soon` callbacks. */
  pendingCount(): number;
}

interface Task {
  fn: () => void;
  at: number;
  seq: number;
  cancelled: boolean;
}

export function createFakeScheduler(): FakeScheduler {
  let time = 0;
  let seq = 0;
  let soonQueue: Task[] = [];
  let timers: Task[] = [];

  function add(list: Task[], fn: () => void, at: number): Cancel {
    const task: Task = { fn, at, seq: seq++, cancelled: false };
    list.push(task);
    return () => {
      task.cancelled = true;
    };
  }

  function runSoon(): void {
    while (soonQueue.length > 0) {
      const queue = soonQueue;
      soonQueue = [];
      for (const task of queue) if (!task.cancelled) task.fn();
    }
  }

  function advance(ms: number): void {
    const target = time + ms;
    for (;;) {
      runSoon();
      timers = timers.filter((task) => !task.cancelled);
      const next = timers
        .filter((task) => task.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (next === undefined) break;
      timers = timers.filter((task) => task !== next);
      time = next.at;
      next.fn();
    }
    time = target;
    runSoon();
  }

  return {
    now: () => time,
    soon: (fn) => add(soonQueue, fn, time),
    later: (fn, ms) => add(timers, fn, time + ms),
    runSoon,
    advance,
    pendingCount: () => [...soonQueue, ...timers].filter((task) => !task.cancelled).length,
  };
}

/** Lets promise callbacks (a settled onChange) run. */
export function flushPromises(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
