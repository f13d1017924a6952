/**
 * The version store: one SQLite database under `.hotswap/` (WAL), one row per
 * module version, sources stored once per SHA-256. Every write is one
 * transaction, so a kill at any point leaves either the whole record or none
 * of it (WAL survives a process kill with `synchronous = NORMAL`).
 *
 * Recording runs after every reload, so its cost per module matters: statements
 * are prepared once, rows are built in memory instead of read back, and the
 * newest committed row of each module is kept in memory (loaded with one query;
 * this store is the process's only writer, and `PRAGMA data_version` tells when
 * another connection wrote, which drops that cache).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { sha256 } from '../shared/hash.ts';
import { ensureStateDirAbove } from '../shared/state-dir.ts';
import { newRow, toVersion, type NewVersion, type Row, type VersionRow, type VersionState } from './version-row.ts';
import { migrate } from './schema.ts';
import { loadSqlite } from './sqlite.ts';

export { TRIGGERS, type NewVersion, type Trigger, type VersionRow, type VersionState } from './version-row.ts';

export interface HistoryQuery {
  module?: string | undefined;
  limit?: number | undefined;
}

export class VersionStore {
  readonly file: string;
  readonly #db: DatabaseSync;
  #closed = false;
  readonly #statements = new Map<string, StatementSync>();
  /** Newest committed row per module (undefined: not loaded, or dropped after another connection wrote). */
  #latest: Map<string, VersionRow> | undefined;
  /** The module of each row in #latest, by id (setState knows the id only). */
  readonly #latestIds = new Map<number, string>();
  /** `PRAGMA data_version` when #latest was loaded: it changes when another connection commits. */
  #dataVersion = -1;

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
    if (list.length === 0) return [];
    const rows: VersionRow[] = [];
    const latest = this.latestRows();
    this.#transaction(() => {
      const insertSource = this.#stmt('INSERT OR IGNORE INTO sources (hash, text, size) VALUES (?, ?, ?)');
      const nextSeq = this.#stmt('SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM versions WHERE module = ?');
      const insert = this.#stmt(
        `INSERT INTO versions (module, seq, hash, parent_id, trigger, caller, reason, reload_id, created_at, result, error, timings, state, state_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const v of list) {
        const hash = v.source === undefined ? null : (v.hash ?? sha256(v.source));
        if (hash !== null) insertSource.run(hash, v.source as string, Buffer.byteLength(v.source as string));
        const seq = Number((nextSeq.get(v.module) as { n: number }).n);
        const at = v.createdAt ?? Date.now();
        const row = newRow(v, seq, hash, at);
        const info = insert.run(row.module, seq, hash, row.parentId, row.trigger, row.caller, row.reason, row.reloadId, at, row.result, row.error ? JSON.stringify(row.error) : null, row.timings ? JSON.stringify(row.timings) : null, row.state, at);
        row.id = Number(info.lastInsertRowid);
        rows.push(row);
      }
    });
    // Only after COMMIT: a rolled-back transaction leaves the cache as the database is.
    for (const row of rows) if (row.result === 'committed') this.#cache(latest, row);
    return rows;
  }

  get(id: number): VersionRow | undefined {
    return toVersion(this.#stmt('SELECT * FROM versions WHERE id = ?').get(id) as Row | undefined);
  }

  /** `module@n`. */
  bySeq(module: string, seq: number): VersionRow | undefined {
    return toVersion(this.#stmt('SELECT * FROM versions WHERE module = ? AND seq = ?').get(module, seq) as Row | undefined);
  }

  /** The newest committed version of a module: what runs, unless the process restarted since. */
  latest(module: string): VersionRow | undefined {
    return this.latestRows().get(module);
  }

  /**
   * The newest committed version of every module, by module (one query at first use, then
   * memory). For a caller that looks up many modules at once; do not modify it.
   */
  latestRows(): Map<string, VersionRow> {
    const dataVersion = Number((this.#stmt('PRAGMA data_version').get() as { data_version: number }).data_version);
    if (this.#latest && dataVersion === this.#dataVersion) return this.#latest;
    const rows = this.#stmt("SELECT * FROM versions WHERE id IN (SELECT MAX(id) FROM versions WHERE result = 'committed' GROUP BY module)").all() as Row[];
    const latest = new Map<string, VersionRow>();
    this.#latestIds.clear();
    for (const r of rows) this.#cache(latest, toVersion(r) as VersionRow);
    this.#latest = latest;
    this.#dataVersion = dataVersion;
    return latest;
  }

  /** The newest stable version of a module, older than `beforeId` if given. */
  lastStable(module: string, beforeId = Number.MAX_SAFE_INTEGER): VersionRow | undefined {
    return toVersion(this.#stmt("SELECT * FROM versions WHERE module = ? AND state = 'stable' AND id < ? ORDER BY id DESC LIMIT 1").get(module, beforeId) as Row | undefined);
  }

  /** Newest first. */
  history(query: HistoryQuery = {}): VersionRow[] {
    const limit = Math.max(1, Math.min(query.limit ?? 50, 10_000));
    const rows = query.module === undefined
      ? this.#stmt('SELECT * FROM versions ORDER BY id DESC LIMIT ?').all(limit)
      : this.#stmt('SELECT * FROM versions WHERE module = ? ORDER BY id DESC LIMIT ?').all(query.module, limit);
    return (rows as Row[]).map((r) => toVersion(r) as VersionRow);
  }

  /** Modules with at least one version. */
  modules(): string[] {
    return (this.#stmt('SELECT DISTINCT module FROM versions ORDER BY module').all() as Row[]).map((r) => String(r['module']));
  }

  source(hash: string): string | undefined {
    const row = this.#stmt('SELECT text FROM sources WHERE hash = ?').get(hash) as Row | undefined;
    return row === undefined ? undefined : String(row['text']);
  }

  sourceCount(): number {
    return Number((this.#stmt('SELECT COUNT(*) AS n FROM sources').get() as Row)['n']);
  }

  setState(id: number, state: VersionState, stats?: { calls: number; errors: number; meanMs: number | null }): void {
    const at = Date.now();
    if (stats) this.#stmt('UPDATE versions SET state = ?, state_at = ?, calls = ?, errors = ?, mean_ms = ? WHERE id = ?').run(state, at, stats.calls, stats.errors, stats.meanMs, id);
    else this.#stmt('UPDATE versions SET state = ?, state_at = ? WHERE id = ?').run(state, at, id);
    this.#updateCached(id, { state, stateAt: at, ...stats });
  }

  /**
   * Retention: per module keep the newest `keep` versions, every stable one and
   * the newest committed one (what runs); then drop sources no row uses.
   * (The in-memory newest rows stay valid: those are never deleted.)
   */
  prune(keep: number): { versions: number; sources: number } {
    let versions = 0;
    let sources = 0;
    this.#transaction(() => {
      const removed = this.#stmt(
        `DELETE FROM versions WHERE state != 'stable' AND id NOT IN (
           SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY module ORDER BY id DESC) AS rank FROM versions) WHERE rank <= ?
         ) AND id NOT IN (SELECT MAX(id) FROM versions WHERE result = 'committed' GROUP BY module)`,
      ).run(Math.max(1, keep));
      versions = Number(removed.changes);
      sources = Number(this.#stmt('DELETE FROM sources WHERE hash NOT IN (SELECT hash FROM versions WHERE hash IS NOT NULL)').run().changes);
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
    this.#statements.clear();
    this.#latest = undefined;
    this.#latestIds.clear();
    this.#db.close();
  }

  isClosed(): boolean {
    return this.#closed;
  }

  /** A statement prepared once per store. */
  #stmt(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) this.#statements.set(sql, (statement = this.#db.prepare(sql)));
    return statement;
  }

  #cache(latest: Map<string, VersionRow>, row: VersionRow): void {
    const previous = latest.get(row.module);
    if (previous) this.#latestIds.delete(previous.id);
    latest.set(row.module, row);
    this.#latestIds.set(row.id, row.module);
  }

  /** A new state of a row that is some module's newest: a new object (rows handed out stay as they were). */
  #updateCached(id: number, change: Partial<VersionRow>): void {
    const module = this.#latestIds.get(id);
    const row = module === undefined ? undefined : this.#latest?.get(module);
    if (module !== undefined && row) this.#latest?.set(module, { ...row, ...change });
  }

  /** Run `fn`'s writes in one transaction (one commit for many state changes), or in the one already open. */
  batch(fn: () => void): void {
    if (this.#db.isTransaction) fn();
    else this.#transaction(fn);
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
