/**
 * Phase 1, plan: which modules get a new version. Reads each changed file once
 * (or takes the text the request gives), skips saves that change nothing, and
 * retries modules whose last reload failed when the change may be their fix.
 */
import { ERROR_CODES, isHotswapError } from '../errors.ts';
import type { ModuleNode } from '../runner/module-node.ts';
import type { StagingContext } from '../runner/module-registry.ts';
import type { SourceText } from '../runner/source-store.ts';
import type { TransactionView } from './participant.ts';
import { requestFiles, type NormalizedRequest } from './reload-request.ts';
import type { ReloadResult } from './reload-result.ts';
import type { TransactionDeps, TransactionState } from './transaction-state.ts';
import { createTransactionView } from './transaction-view.ts';

/** The transaction's state, or its outcome when there is nothing to stage (skipped, declined). */
export async function plan(deps: TransactionDeps, request: NormalizedRequest, id: number): Promise<TransactionState | { result: ReloadResult; view: TransactionView }> {
  const { registry, clock } = deps;
  const { graph, sources } = registry;
  const base = { id, files: requestFiles(request), startedAt: clock.now(), trigger: request.trigger };
  const t0 = clock.monotonic();
  const staging: StagingContext = { rerun: new Set(), sources: new Map(), created: [] };
  const missing = new Set<ModuleNode>();
  const read = (file: string, previousHash: string | undefined): Promise<SourceText> | SourceText => {
    const given = request.sources.get(file);
    return given === undefined ? sources.readSettled(file, previousHash) : sources.use(file, given);
  };

  for (const file of request.removed) {
    const node = graph.get(file);
    if (node?.current) {
      graph.markMissing(node, true);
      missing.add(node);
    }
  }
  for (const file of [...request.changed, ...request.force]) {
    const node = graph.get(file);
    if (!node) continue;
    let text: SourceText;
    try {
      text = await read(file, node.current?.hash);
    } catch {
      if (node.current) {
        graph.markMissing(node, true);
        missing.add(node);
      }
      continue;
    }
    // A file that comes back after a delete gets a fresh version, so status recovers visibly.
    const restored = node.missing;
    graph.markMissing(node, false);
    const forced = request.force.includes(file) || restored;
    if (!forced && node.current?.status === 'evaluated' && node.current.hash === text.hash && node.lastError === undefined && node.fatal === undefined) continue;
    // The very text that failed last time, seen by the watcher again (a second event for one save,
    // a save of the same broken text): no news by itself; retryPending stages it again if anything
    // else changed. An explicit reload (CLI, API) still retries it and reports the outcome.
    if (!forced && request.trigger === 'watch' && node.lastError !== undefined && node.fatal === undefined && text.hash === node.failedHash) continue;
    staging.sources.set(file, text);
    staging.rerun.add(node);
  }
  const retried = retryPending(deps, request, staging);
  // A file written again since plan read it (a write in parts, a second save) is read again before anything is staged.
  for (const node of staging.rerun) {
    if (request.sources.has(node.id) || !sources.changedSinceRead(node.id)) continue;
    try {
      staging.sources.set(node.id, await sources.readStable(node.id));
    } catch {
      // deleted meanwhile: the read it had is staged; the delete is the next change set
    }
  }
  const planned = new Map([...staging.rerun].map((node) => [node, staging.sources.get(node.id) as SourceText] as const));

  const added = request.added.filter((file) => !graph.get(file)?.current);
  // New files given in memory: a participant that loads them gets the given text.
  for (const file of added) {
    const given = request.sources.get(file);
    if (given !== undefined) staging.sources.set(file, sources.use(file, given));
  }
  const view = createTransactionView(registry, deps.root, id, request, staging, added);
  const wantsAdded = added.length > 0 && deps.participants.length > 0;
  if (staging.rerun.size === 0 && missing.size === 0 && !wantsAdded) return { view, result: { ...base, status: 'skipped', reason: 'no-change' } };
  for (const node of staging.rerun) {
    if (node.current?.hotState.declined) return { view, result: { ...base, status: 'declined', module: node.id } };
  }
  return {
    id,
    request,
    base,
    t0,
    staging,
    missing,
    added,
    view,
    timings: { stage: 0, validate: 0, commit: 0, dispose: 0, total: 0 },
    disposedFirst: [],
    rerunReasons: [],
    warnings: [],
    boundaries: [],
    prepared: [],
    phase: 'plan',
    planned,
    retried,
    culprits: new Set(),
    repeated: false,
  };
}

/** Link errors a change elsewhere can fix (an export added, a file created or restored). */
const LINK_ERRORS: ReadonlySet<string> = new Set([ERROR_CODES.MISSING_EXPORT, ERROR_CODES.MODULE_NOT_FOUND, ERROR_CODES.FILE_DELETED, ERROR_CODES.EXPORT_KIND_CHANGED]);

/** Whether this change may fix a dispose-first module's failure: a link error and a changed import or file set, or an error raised in a file that changed. */
function mayFix(node: ModuleNode, changedNow: ReadonlySet<ModuleNode>, request: NormalizedRequest): boolean {
  const error = node.lastError;
  if (!isHotswapError(error) || !node.current) return true;
  const at = error.location?.file;
  if (at !== undefined && at !== node.id && [...changedNow].some((n) => n.id === at)) return true;
  if (!LINK_ERRORS.has(error.code)) return false;
  const structural = request.removed.length > 0 || request.added.length > 0;
  return structural || [...node.current.imports.values()].some((dep) => changedNow.has(dep));
}

/**
 * A module whose last reload failed stays pending, and is retried whenever anything
 * changes (its fix may be anywhere: an export added elsewhere, an importer that stops
 * using what it removed, a file created) and whenever its own text changed. A
 * dispose-first module (the entry) is disposed to be retried, so an unrelated edit
 * retries it only when the change may be its fix (`mayFix`). A retry that fails the
 * same way is dropped from the transaction without a word (isolate.ts).
 */
function retryPending(deps: TransactionDeps, request: NormalizedRequest, staging: StagingContext): Set<ModuleNode> {
  const { graph, sources } = deps.registry;
  const retried = new Set<ModuleNode>();
  const anything = staging.rerun.size > 0 || request.removed.length > 0 || request.added.length > 0;
  const changedNow = new Set(staging.rerun);
  for (const node of graph.nodes()) {
    if (node.lastError === undefined || node.missing || staging.rerun.has(node) || !node.current || request.hold.has(node.id)) continue;
    let text: SourceText;
    try {
      const given = request.sources.get(node.id);
      text = given === undefined ? sources.read(node.id) : sources.use(node.id, given);
    } catch {
      continue; // still missing: reported through its importers
    }
    const edited = text.hash !== node.failedHash;
    // The entry too: re-running its top level (servers, loops) is costly, so it is retried only when the change may fix it.
    const disposeFirst = node === deps.entry || node.current.hotState.disposeFirst;
    if (!edited && !(disposeFirst ? mayFix(node, changedNow, request) : anything)) continue;
    staging.sources.set(node.id, text);
    staging.rerun.add(node);
    retried.add(node);
  }
  return retried;
}
