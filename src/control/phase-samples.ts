/**
 * Phase timings of recent committed reloads, for percentiles. A fixed-size
 * ring: the numbers describe the last `capacity` reloads, and memory stays
 * flat however long the process runs.
 */
import type { PhaseTimings } from '../reload/reload-result.ts';

export const PHASES = ['stage', 'validate', 'commit', 'dispose', 'total'] as const satisfies readonly (keyof PhaseTimings)[];
export type Phase = (typeof PHASES)[number];

export interface PhaseSummary {
  /** Samples the percentiles are computed from (at most the ring's capacity). */
  count: number;
  /** milliseconds */
  p50: number;
  p95: number;
  max: number;
}

export class PhaseSamples {
  readonly capacity: number;
  readonly #rings = new Map<Phase, number[]>();
  #next = 0;
  #size = 0;
  /** Sum and count over the whole life of the process (Prometheus summaries want both). */
  readonly totals = new Map<Phase, { sum: number; count: number }>();

  constructor(capacity = 500) {
    this.capacity = capacity;
    for (const phase of PHASES) {
      this.#rings.set(phase, []);
      this.totals.set(phase, { sum: 0, count: 0 });
    }
  }

  add(timings: PhaseTimings): void {
    for (const phase of PHASES) {
      const ring = this.#rings.get(phase) as number[];
      ring[this.#next] = timings[phase];
      const total = this.totals.get(phase) as { sum: number; count: number };
      total.sum += timings[phase];
      total.count++;
    }
    this.#next = (this.#next + 1) % this.capacity;
    this.#size = Math.min(this.#size + 1, this.capacity);
  }

  summary(): Record<Phase, PhaseSummary> {
    const out = {} as Record<Phase, PhaseSummary>;
    for (const phase of PHASES) {
      const sorted = (this.#rings.get(phase) as number[]).slice(0, this.#size).sort((a, b) => a - b);
      out[phase] = { count: sorted.length, p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), max: sorted.at(-1) ?? 0 };
    }
    return out;
  }
}

/** Nearest-rank percentile of an ascending array; 0 for none. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] as number;
}
