/** A version row as the store hands it out: from a database row, or built in memory for a new one. */
import type { SQLInputValue } from 'node:sqlite';
import type { SerializedError } from '../errors.ts';
import type { PhaseTimings } from '../reload/reload-result.ts';

export const TRIGGERS = ['startup', 'watch', 'apply', 'rollback', 'api', 'auto-rollback'] as const;
export type Trigger = (typeof TRIGGERS)[number];
/** probation: committed, being watched; stable: passed probation; rolled-back: undone by an automatic rollback; superseded: replaced during probation; failed: an attempt that never committed. */
export type VersionState = 'probation' | 'stable' | 'rolled-back' | 'superseded' | 'failed';

export interface VersionRow {
  id: number;
  /** Project-relative path. */
  module: string;
  /** n of `module@n`. */
  seq: number;
  hash: string | null;
  parentId: number | null;
  trigger: Trigger;
  caller: string | null;
  reason: string | null;
  reloadId: number | null;
  createdAt: number;
  result: 'committed' | 'failed';
  error: SerializedError | null;
  timings: PhaseTimings | null;
  state: VersionState;
  stateAt: number | null;
  calls: number;
  errors: number;
  meanMs: number | null;
}

export interface NewVersion {
  module: string;
  /** The source text (stored once per hash). */
  source?: string | undefined;
  /** SHA-256 of `source` when the caller knows it already (a staged module does); computed otherwise. */
  hash?: string | undefined;
  parentId?: number | null | undefined;
  trigger: Trigger;
  caller?: string | undefined;
  reason?: string | undefined;
  reloadId?: number | undefined;
  createdAt?: number | undefined;
  result: 'committed' | 'failed';
  error?: SerializedError | undefined;
  timings?: PhaseTimings | undefined;
}

export type Row = Record<string, SQLInputValue>;

/** The row `record` inserts for `v`, as reading it back would give it (JSON columns through JSON). */
export function newRow(v: NewVersion, seq: number, hash: string | null, at: number): VersionRow {
  return {
    id: 0,
    module: v.module,
    seq,
    hash,
    parentId: v.parentId ?? null,
    trigger: v.trigger,
    caller: v.caller ?? null,
    reason: v.reason ?? null,
    reloadId: v.reloadId ?? null,
    createdAt: at,
    result: v.result,
    error: v.error ? (JSON.parse(JSON.stringify(v.error)) as SerializedError) : null,
    timings: v.timings ? (JSON.parse(JSON.stringify(v.timings)) as PhaseTimings) : null,
    state: v.result === 'failed' ? 'failed' : 'probation',
    stateAt: at,
    calls: 0,
    errors: 0,
    meanMs: null,
  };
}

export function toVersion(row: Row | undefined): VersionRow | undefined {
  if (row === undefined) return undefined;
  const num = (key: string): number | null => (row[key] === null || row[key] === undefined ? null : Number(row[key]));
  const str = (key: string): string | null => (row[key] === null || row[key] === undefined ? null : String(row[key]));
  const json = <T>(key: string): T | null => (typeof row[key] === 'string' ? (JSON.parse(row[key]) as T) : null);
  return {
    id: Number(row['id']),
    module: String(row['module']),
    seq: Number(row['seq']),
    hash: str('hash'),
    parentId: num('parent_id'),
    trigger: String(row['trigger']) as Trigger,
    caller: str('caller'),
    reason: str('reason'),
    reloadId: num('reload_id'),
    createdAt: Number(row['created_at']),
    result: String(row['result']) as 'committed' | 'failed',
    error: json<SerializedError>('error'),
    timings: json<PhaseTimings>('timings'),
    state: String(row['state']) as VersionState,
    stateAt: num('state_at'),
    calls: Number(row['calls'] ?? 0),
    errors: Number(row['errors'] ?? 0),
    meanMs: num('mean_ms'),
  };
}
