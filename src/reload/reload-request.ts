/**
 * What a transaction is asked to do. Every path that changes the module graph
 * (a watched save, `reload()`, `apply`, a rollback, the start-up load) is one
 * request through the runtime's one queue.
 */

/** Who asked: the watcher, a start-up load, an API call, a version-store operation. */
export type ReloadTrigger = 'startup' | 'watch' | 'apply' | 'rollback' | 'api' | 'auto-rollback';

export interface ReloadRequest {
  /** Files whose content may have changed (absolute paths). */
  changed?: string[];
  /** Files deleted. */
  removed?: string[];
  /** Files created (not yet in the graph): participants may load them. */
  added?: string[];
  /** Modules to re-run even if their content did not change (`invalidate()`, manual reload). */
  force?: string[];
  /**
   * Source text per file (absolute paths) that wins over the disk: the file on disk is
   * not read for these. A file given here that is not in `changed`/`added` counts as changed.
   */
  sources?: ReadonlyMap<string, string>;
  trigger?: ReloadTrigger;
  /** An id of whoever asked (a control-API client, a worker): carried to participants. */
  caller?: string;
  /** Free text for logs and the version store ("rollback to v3"). */
  reason?: string;
}

/** A request with every list present and the in-memory sources folded into changed/added. */
export interface NormalizedRequest {
  changed: string[];
  removed: string[];
  added: string[];
  force: string[];
  sources: ReadonlyMap<string, string>;
  trigger: ReloadTrigger;
  caller: string | undefined;
  reason: string | undefined;
  /** Failing modules not to retry in this transaction (they failed in an earlier attempt of the same change set). */
  hold: ReadonlySet<string>;
}

export function normalizeRequest(request: ReloadRequest, isLoaded: (file: string) => boolean): NormalizedRequest {
  const sources = request.sources ?? new Map<string, string>();
  const removed = [...new Set(request.removed ?? [])];
  const changed = new Set(request.changed ?? []);
  const added = new Set(request.added ?? []);
  for (const file of sources.keys()) {
    if (removed.includes(file) || changed.has(file) || added.has(file)) continue;
    if (isLoaded(file)) changed.add(file);
    else added.add(file);
  }
  // An added file is also a change (its content is read like any other); the watcher reports it in both lists.
  for (const file of added) changed.add(file);
  return {
    changed: [...changed],
    removed,
    added: [...added],
    force: [...new Set(request.force ?? [])],
    sources,
    trigger: request.trigger ?? 'api',
    caller: request.caller,
    reason: request.reason,
    hold: new Set(),
  };
}

/** The files a request is about, for results and events. */
export function requestFiles(request: NormalizedRequest): string[] {
  return [...new Set([...request.changed, ...request.removed, ...request.force])];
}
