/**
 * `node:sqlite`, loaded on first use. On Node 22.13–22.x it is unflagged but
 * prints an ExperimentalWarning on load; hotswap writes only `[hotswap]` lines
 * to stderr, so that one warning is swallowed (any other warning passes).
 * Loaded through `process.getBuiltinModule` so a Node without it is an error
 * we can report (history off), not a failed static import of the CLI.
 */
import type * as SqliteModule from 'node:sqlite';

type Sqlite = typeof SqliteModule;

let loaded: Sqlite | undefined;

export function loadSqlite(): Sqlite {
  if (loaded) return loaded;
  const original = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]): void {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/SQLite is an experimental feature/.test(text)) return;
    Reflect.apply(original, process, [warning, ...rest]);
  } as typeof process.emitWarning;
  try {
    const mod = process.getBuiltinModule('node:sqlite') as Sqlite | undefined;
    if (!mod) throw new Error(`node:sqlite is not available in Node ${process.version} (needs >= 22.13)`);
    loaded = mod;
    return mod;
  } finally {
    process.emitWarning = original;
  }
}
