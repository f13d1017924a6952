/**
 * Probation: a committed version is watched for a window (short by default);
 * when its calls fail at a rate over the threshold it is reported as failing
 * (the service rolls it back to the last stable version), and when the window
 * ends below the threshold it is stable. Calls and errors come from the
 * version's own counters (stable-function forwarders, plugin handlers), so an
 * error is attributed to the version whose code threw.
 */

export interface ProbationOptions {
  /** How long a version is watched after commit, ms. @default 5000 */
  windowMs: number;
  /** Error rate (errors / calls) at or over which a version in probation is rolled back. @default 0.5 */
  maxErrorRate: number;
  /** Calls needed before the error rate counts (one failed call is not a trend). @default 5 */
  minCalls: number;
}

export interface CallSample {
  calls: number;
  errors: number;
  /** Mean call duration over the sampled calls, ms (null before the first sample). */
  meanMs: number | null;
  inFlight: number;
}

export interface Watched {
  /** Version row id. */
  id: number;
  file: string;
  startedAt: number;
  /** Counters of this version, read at each tick. */
  sample(): CallSample;
}

export interface ProbationHandlers {
  stable(watched: Watched, sample: CallSample): void;
  failing(watched: Watched, sample: CallSample): void;
}

export const DEFAULT_PROBATION: ProbationOptions = Object.freeze({ windowMs: 5000, maxErrorRate: 0.5, minCalls: 5 });

export class Probation {
  readonly options: ProbationOptions;
  readonly #handlers: ProbationHandlers;
  readonly #watching = new Map<string, Watched>();
  #timer: NodeJS.Timeout | undefined;
  readonly #now: () => number;

  constructor(options: ProbationOptions, handlers: ProbationHandlers, now: () => number = Date.now) {
    this.options = options;
    this.#handlers = handlers;
    this.#now = now;
  }

  /** Watch a new version of `file` (a version of the same file still watched is dropped: it no longer runs). */
  watch(watched: Watched): void {
    this.#watching.set(watched.file, watched);
    this.#timer ??= setInterval(() => this.tick(), Math.max(10, Math.min(250, Math.floor(this.options.windowMs / 10))));
    this.#timer.unref();
  }

  /** Stop watching `file` (a newer version replaced it). Returns the version that was watched. */
  drop(file: string): Watched | undefined {
    const watched = this.#watching.get(file);
    this.#watching.delete(file);
    this.#stopIfIdle();
    return watched;
  }

  /** Whether a version of `file` is being watched. */
  has(file: string): boolean {
    return this.#watching.has(file);
  }

  watched(): Watched[] {
    return [...this.#watching.values()];
  }

  /** One decision round (the interval calls it; tests may too). */
  tick(): void {
    const now = this.#now();
    for (const watched of this.#watching.values()) {
      const sample = watched.sample();
      if (this.isFailing(sample)) {
        this.#watching.delete(watched.file);
        this.#handlers.failing(watched, sample);
      } else if (now - watched.startedAt >= this.options.windowMs) {
        this.#watching.delete(watched.file);
        this.#handlers.stable(watched, sample);
      }
    }
    this.#stopIfIdle();
  }

  isFailing(sample: CallSample): boolean {
    return sample.calls >= this.options.minCalls && sample.errors / sample.calls >= this.options.maxErrorRate;
  }

  close(): void {
    this.#watching.clear();
    this.#stopIfIdle();
  }

  #stopIfIdle(): void {
    if (this.#watching.size > 0 || !this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
