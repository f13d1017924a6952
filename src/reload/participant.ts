/**
 * Reload participants take part in the transaction the way modules do: a
 * plugin host re-runs plugin setup against the staged versions in `prepare`
 * (where a failure aborts the whole reload, so the old versions keep serving)
 * and swaps its registries inside the synchronous commit step.
 *
 * The contract (what other parts of hotswap build on):
 * - every change of the module graph is one transaction, run from one queue, for a
 *   `ReloadRequest` (files changed/added/removed/forced, optionally their source text
 *   in memory, which wins over the disk, plus who asked: `trigger`, `caller`, `reason`);
 * - `prepare(tx)` after the staged versions validated; a throw aborts (phase `prepare`);
 * - `commit(tx)` inside the synchronous commit step; `abort(tx)` when the transaction
 *   failed after this participant's `prepare` ran;
 * - `finalize(result, tx)` after every outcome (committed, failed, fatal, skipped,
 *   declined), including the start-up load (`tx.trigger === 'startup'`): the place to
 *   record versions (`tx.staged` carries each one's version, hash and source text).
 */
import type { ReloadTrigger } from './reload-request.ts';
import type { ReloadResult } from './reload-result.ts';

export interface StagedModule {
  file: string;
  /** The namespace of the new version (what committed code will see after the commit). */
  namespace: object;
  /** The version number this module gets (`file@version`). */
  version: number;
  /** SHA-256 of `source`. */
  hash: string;
  /** The source text the version was made from, as read from disk or given in the request. */
  source: string;
}

export interface TransactionView {
  id: number;
  /** Why this transaction runs. */
  readonly trigger: ReloadTrigger;
  /** Who asked, when the request said so. */
  readonly caller?: string | undefined;
  readonly reason?: string | undefined;
  /** Modules that get a new version in this transaction. */
  readonly staged: readonly StagedModule[];
  /** Files deleted from the roots in this change set. */
  readonly removed: readonly string[];
  /** Files created in the roots in this change set (not part of the graph unless something loads them). */
  readonly added: readonly string[];
  /** Files that started this transaction (changed, removed, forced). */
  readonly files: readonly string[];
  /** Load a project file as a root within this transaction (e.g. a new plugin); committed with the rest. */
  load(file: string): Promise<object>;
  /**
   * Evaluate new versions of already loaded modules in this transaction although their
   * source did not change, so their top level sees the staged dependencies (a plugin host
   * re-runs the plugins above a changed helper). All are marked first, so a module that
   * imports another of `files` gets its new version. Resolves to the staged namespaces, in order.
   */
  rerun(files: readonly string[]): Promise<object[]>;
}

export interface ReloadParticipant {
  name: string;
  /** Whether a file event for `file` concerns this participant (a file that is not a loaded module). Without it, none does: a participant that only observes transactions (the version store) never turns editor noise into a reload. */
  wants?(file: string): boolean;
  /** After the staged versions validated, before commit. Throw (a HotswapError, ideally) to abort. */
  prepare?(tx: TransactionView): void | Promise<void>;
  /** Inside the synchronous commit step, after every module swapped. Must not throw. */
  commit?(tx: TransactionView): void;
  /** The transaction failed after `prepare` ran: drop what it built. */
  abort?(tx: TransactionView): void | Promise<void>;
  /** After every outcome, committed or not, including the start-up load. Must not throw (a throw is reported, never fails the reload). */
  finalize?(result: ReloadResult, tx: TransactionView): void;
}
