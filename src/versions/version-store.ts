/**
 * The version store: one SQLite database under `.hotswap/` (WAL), one row per
 * module version, sources stored once per SHA-256. Every write is one
 * transaction, so a kill at any point leaves either the whole record or none
 * of it (WAL survives a process kill with `synchronous = NORMAL`).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { SerializedError } from '../errors.ts';
import type { PhaseTimings } from '../reload/reload-result.ts';
import { sha256 } from '../shared/hash.ts';
import { ensureStateDirAbove } from '../shared/state-dir.ts';
import { migrate } from './schema.ts';
import { loadSqlite } from './sqlite.ts';

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

export interface HistoryQuery {
  module?: string | undefined;
  limit?: number | undefined;
}

type Row = Record<string, SQLInputValue>;

export class VersionStore {
  readonly file: string;
  readonly #db: DatabaseSync;
  #closed = false;

  private constructor(file: string, db: DatabaseSync) {
    this.file = file;
    this.#db = db;
  }

  /** Open (creating it and its directory) and migrate. Throws if the file is unusable. */
  static open(file: string): VersionStore {
    const { DatabaseSync } = loadSqlite();
    if (file !== ':memory:') {
      // inside a project's .hotswap/: created by the one helper, 0700 whatever the umask
      ensureStateDirAbove(file);
      mkdirSync(dirname(file), { recursive: true });
    }
    const db = new DatabaseSync(file);
    try {
      db.exec('PRAGMA busy_timeout = 5000');
      db.exec('PRAGMA journal_mode = WAL');
      db.exec('PRAGMA synchronous = NORMAL');
      migrate(db);
    } catch (error) {
      db.close();
      throw error;
    }
    return new VersionStore(file, db);
  }

  /** Record versions in one transaction (a reload's modules land together or not at all). */
  record(list: readonly NewVersion[]): VersionRow[] {
    const ids: number[] = [];
    this.#transaction(() => {
      const insertSource = this.#db.prepare('INSERT OR IGNORE INTO sources (hash, text, size) VALUES (?, ?, ?)');
      const nextSeq = this.#db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM versions WHERE module = ?');
      const insert = this.#db.prepare(
        `INSERT INTO versions (module, seq, hash, parent_id, trigger, caller, reason, reload_id, created_at, result, error, timings, state, state_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const v of list) {
        const hash = v.source === undefined ? null : sha256(v.source);
        if (hash !== null) insertSource.run(hash, v.source as string, Buffer.byteLength(v.source as string));
        const seq = Number((nextSeq.get(v.module) as { n: number }).n);
        const at = v.createdAt ?? Date.now();
        const state: VersionState = v.result === 'failed' ? 'failed' : 'probation';
        const info = insert.run(v.module, seq, hash, v.parentId ?? null, v.trigger, v.caller ?? null, v.reason ?? null, v.reloadId ?? null, at, v.result, v.error ? JSON.stringify(v.error) : null, v.timings ? JSON.stringify(v.timings) : null, state, at);
        ids.push(Number(info.lastInsertRowid));
      }
    });
    return ids.map((id) => this.get(id) as VersionRow);
  }

  get(id: number): VersionRow | undefined {
    return toVersion(this.#db.prepare('SELECT * FROM versions WHERE id = ?').get(id) as Row | undefined);
  }

  /** `module@n`. */
  bySeq(module: string, seq: number): VersionRow | undefined {
    return toVersion(this.#db.prepare('SELECT * FROM versions WHERE module = ? AND seq = ?').get(module, seq) as Row | undefined);
  }

  /** The newest committed version of a module: what runs, unless the process restarted since. */
  latest(module: string): VersionRow | undefined {
    return toVersion(this.#db.prepare("SELECT * FROM versions WHERE module = ? AND result = 'committed' ORDER BY id DESC LIMIT 1").get(module) as Row | undefined);
  }

  /** The newest stable version of a module, older than `beforeId` if given. */
  lastStable(module: string, beforeId = Number.MAX_SAFE_INTEGER): VersionRow | undefined {
    return toVersion(this.#db.prepare("SELECT * FROM versions WHERE module = ? AND state = 'stable' AND id < ? ORDER BY id DESC LIMIT 1").get(module, beforeId) as Row | undefined);
  }

  /** Newest first. */
  history(query: HistoryQuery = {}): VersionRow[] {
    const limit = Math.max(1, Math.min(query.limit ?? 50, 10_000));
    const rows = query.module === undefined
      ? this.#db.prepare('SELECT * FROM versions ORDER BY id DESC LIMIT ?').all(limit)
      : this.#db.prepare('SELECT * FROM versions WHERE module = ? ORDER BY id DESC LIMIT ?').all(query.module, limit);
    return (rows as Row[]).map((r) => toVersion(r) as VersionRow);
  }

  /** Modules with at least one version. */
  modules(): string[] {
    return (this.#db.prepare('SELECT DISTINCT module FROM versions ORDER BY module').all() as Row[]).map((r) => String(r['module']));
  }

  source(hash: string): string | undefined {
    const row = this.#db.prepare('SELECT text FROM sources WHERE hash = ?').get(hash) as Row | undefined;
    return row === undefined ? undefined : String(row['text']);
  }

  sourceCount(): number {
    return Number((this.#db.prepare('SELECT COUNT(*) AS n FROM sources').get() as Row)['n']);
  }

  setState(id: number, state: VersionState, stats?: { calls: number; errors: number; meanMs: number | null }): void {
    if (stats) this.#db.prepare('UPDATE versions SET state = ?, state_at = ?, calls = ?, errors = ?, mean_ms = ? WHERE id = ?').run(state, Date.now(), stats.calls, stats.errors, stats.meanMs, id);
    else this.#db.prepare('UPDATE versions SET state = ?, state_at = ? WHERE id = ?').run(state, Date.now(), id);
  }

  /**
   * Retention: per module keep the newest `keep` versions, every stable one and
   * the newest committed one (what runs); then drop sources no row uses.
   */
  prune(keep: number): { versions: number; sources: number } {
    let versions = 0;
    let sources = 0;
    this.#transaction(() => {
      const removed = this.#db
        .prepare(
          `DELETE FROM versions WHERE state != 'stable' AND id NOT IN (
             SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY module ORDER BY id DESC) AS rank FROM versions) WHERE rank <= ?
           ) AND id NOT IN (SELECT MAX(id) FROM versions WHERE result = 'committed' GROUP BY module)`,
        )
        .run(Math.max(1, keep));
      versions = Number(removed.changes);
      sources = Number(this.#db.prepare('DELETE FROM sources WHERE hash NOT IN (SELECT hash FROM versions WHERE hash IS NOT NULL)').run().changes);
    });
    return { versions, sources };
  }

  /** `PRAGMA integrity_check`: 'ok' or the problems found. */
  integrityCheck(): string {
    return (this.#db.prepare('PRAGMA integrity_check').all() as Row[]).map((r) => String(r['integrity_check'])).join('\n');
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  isClosed(): boolean {
    return this.#closed;
  }

  #transaction(fn: () => void): void {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      fn();
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }
}

function toVersion(row: Row | undefined): VersionRow | undefined {
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
