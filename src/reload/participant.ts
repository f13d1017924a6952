/**
 * Reload participants take part in the transaction the way modules do: a
 * plugin host re-runs plugin setup against the staged versions in `prepare`
 * (where a failure aborts the whole reload, so the old versions keep serving)
 * and swaps its registries inside the synchronous commit step.
 */

export interface StagedModule {
  file: string;
  /** The namespace of the new version (what committed code will see after the commit). */
  namespace: object;
}

export interface TransactionView {
  id: number;
  /** Modules that get a new version in this transaction. */
  readonly staged: readonly StagedModule[];
  /** Files deleted from the roots in this change set. */
  readonly removed: readonly string[];
  /** Files created in the roots in this change set (not part of the graph unless something loads them). */
  readonly added: readonly string[];
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
  /** Whether a file event for `file` concerns this participant (a file that is not a loaded module). Without it, every new file does. */
  wants?(file: string): boolean;
  /** After the staged versions validated, before commit. Throw (a HotswapError, ideally) to abort. */
  prepare?(tx: TransactionView): void | Promise<void>;
  /** Inside the synchronous commit step, after every module swapped. Must not throw. */
  commit?(tx: TransactionView): void;
  /** The transaction failed after `prepare` ran: drop what it built. */
  abort?(tx: TransactionView): void | Promise<void>;
}
