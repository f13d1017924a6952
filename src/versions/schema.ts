/**
 * The version store's schema, as numbered migrations. `PRAGMA user_version`
 * holds the number of the last one applied; each runs in its own transaction,
 * so a kill during a migration leaves the previous schema intact.
 */
import type { DatabaseSync } from 'node:sqlite';

export const MIGRATIONS: readonly string[] = [
  // 1: content-addressed sources and one row per module version
  `CREATE TABLE sources (
     hash TEXT PRIMARY KEY,          -- SHA-256 hex of text
     text TEXT NOT NULL,
     size INTEGER NOT NULL
   );
   CREATE TABLE versions (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     module TEXT NOT NULL,           -- project-relative path
     seq INTEGER NOT NULL,           -- n of module@n, per module
     hash TEXT,                      -- NULL only for a failed attempt without a source
     parent_id INTEGER,              -- the version that ran before (not a foreign key: retention may prune it)
     trigger TEXT NOT NULL,          -- startup | watch | apply | rollback | api | auto-rollback
     caller TEXT,                    -- who asked: cli user, api token kind
     reason TEXT,
     reload_id INTEGER,
     created_at INTEGER NOT NULL,    -- ms since the epoch
     result TEXT NOT NULL,           -- committed | failed
     error TEXT,                     -- JSON SerializedError of a failed attempt
     timings TEXT,                   -- JSON PhaseTimings
     state TEXT NOT NULL,            -- probation | stable | rolled-back | replaced | failed
     state_at INTEGER,
     calls INTEGER NOT NULL DEFAULT 0,
     errors INTEGER NOT NULL DEFAULT 0,
     mean_ms REAL
   );
   CREATE INDEX versions_by_module ON versions (module, id);
   CREATE UNIQUE INDEX versions_module_seq ON versions (module, seq);`,
];

export function migrate(db: DatabaseSync): number {
  const current = Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
  for (let i = current; i < MIGRATIONS.length; i++) {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(MIGRATIONS[i] as string);
      db.exec(`PRAGMA user_version = ${i + 1}`);
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }
  return MIGRATIONS.length;
}
