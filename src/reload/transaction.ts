/**
 * One request is one transaction, in named phases:
 *   plan → stage → validate (+ participants' prepare) → commit → finalize,
 *   or rollback after a failure.
 * `prepareTransaction` runs up to commit and hands back a `Prepared` whose
 * `commit()` or `abort()` ends it (or a settled outcome: nothing to do, or a
 * failure, already rolled back). Any failure before commit discards the staged
 * versions and leaves the committed ones exactly as they were.
 */
import type { TransactionView } from './participant.ts';
import { plan } from './plan.ts';
import type { NormalizedRequest } from './reload-request.ts';
import type { ReloadCommitted, ReloadFailed, ReloadResult } from './reload-result.ts';
import { commit } from './commit.ts';
import { finalize } from './finalize.ts';
import { revertStart, rollback, startFailure } from './rollback.ts';
import { stage } from './stage.ts';
import type { TransactionDeps, TransactionState } from './transaction-state.ts';
import { validate } from './validate-phase.ts';
import { ERROR_CODES, HotswapError, relativePath } from '../errors.ts';
import { nextAttempt, withPending, type Outcome } from './isolate.ts';
import { setImmediate } from 'node:timers';

/** Node's own setImmediate (not the one a module's resource scope records). */
const nextTurn = (): Promise<void> => new Promise((done) => setImmediate(done));

export type { TransactionDeps } from './transaction-state.ts';

/** Staged and validated: the caller decides. */
export interface Prepared {
  kind: 'prepared';
  view: TransactionView;
  /** Swap the staged versions in (synchronously), then dispose the replaced ones. */
  commit(): Promise<ReloadCommitted | ReloadFailed>;
  /** Drop the staged versions; the committed ones keep serving. */
  abort(reason?: string): Promise<ReloadFailed>;
  readonly tx: TransactionState;
}

/** Ended without a commit to decide on: skipped, declined, or failed (already rolled back). */
export interface Settled {
  kind: 'settled';
  view: TransactionView;
  result: ReloadResult;
  /** The transaction's state when it got past plan (for isolating a failure). */
  tx?: TransactionState;
}

export async function prepareTransaction(deps: TransactionDeps, request: NormalizedRequest, id: number): Promise<Prepared | Settled> {
  const seen = deps.asyncErrors?.().length ?? 0;
  const planned = await plan(deps, request, id);
  if ('result' in planned) return { kind: 'settled', ...planned };
  const tx = planned;
  deps.registry.emitHotEvent('hotswap:beforeUpdate', { files: tx.base.files });
  try {
    await stage(deps, tx);
    await validate(deps, tx);
    // A re-run entry that is not disposed first has started beside the live one (its server
    // shares the socket, issue 11): watch its start before the swap, so a failed start is
    // discarded like any staged failure and the socket stays with the old server.
    if (tx.disposedFirst.length === 0 && startsProcess(deps, tx)) {
      const thrown = await startFailure(deps, seen);
      if (thrown !== undefined) throw startFailedError(deps, thrown);
    }
  } catch (error) {
    return { kind: 'settled', view: tx.view, result: await rollback(deps, tx, error), tx };
  }
  let ended = false;
  const end = (): void => {
    if (ended) throw new HotswapError(ERROR_CODES.USAGE, `Transaction #${id} already ended`, { hint: 'Call commit() or abort() once.' });
    ended = true;
  };
  return {
    kind: 'prepared',
    view: tx.view,
    tx,
    async commit() {
      end();
      const previous = new Map(tx.staging.created.map((version) => [version, version.node.current] as const));
      let replaced;
      try {
        replaced = commit(deps, tx);
      } catch (error) {
        return rollback(deps, tx, error);
      }
      // A dispose-first module has started only when nothing it began throws right after (a
      // listen() that fails with EADDRINUSE throws asynchronously); its old version runs again if so.
      if (tx.disposedFirst.length > 0) {
        const thrown = await startFailure(deps, seen);
        if (thrown !== undefined) return revertStart(deps, tx, previous, thrown);
      }
      // One turn of the event loop before the replaced versions are disposed: requests that
      // queued while the transaction ran are answered by the new code now, not after the
      // disposal of every replaced version (a 1,000-module re-run disposes 1,000). Old code
      // still in flight drains meanwhile, as DESIGN.md says it may.
      await nextTurn();
      return finalize(deps, tx, replaced);
    },
    async abort(reason = 'aborted by the caller') {
      end();
      return rollback(deps, tx, new HotswapError(ERROR_CODES.USAGE, `Reload #${id} was not committed: ${reason}`, { hint: 'The committed versions keep serving.' }), false);
    },
  };
}

/**
 * Prepare and commit in one go (what a save does). A failure blamed on some of the
 * modules is followed by another attempt without them (isolate.ts), so the outcomes
 * to report may be two: the failure, then what committed on its own. `nextId` numbers
 * the attempts after the first.
 */
export async function runTransaction(deps: TransactionDeps, request: NormalizedRequest, id: number, nextId: () => number): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const pending: { file: string; error: HotswapError }[] = [];
  let attempt: NormalizedRequest | undefined = request;
  let attemptId = id;
  while (attempt) {
    const { outcome, tx } = await attemptOnce(deps, attempt, attemptId);
    const next: NormalizedRequest | undefined = outcome.result.status === 'failed' && tx ? nextAttempt(tx, attempt) : undefined;
    if (next && tx?.repeated && outcome.result.status === 'failed') {
      // A pending module failing as before is not news: try the rest under the same id.
      for (const node of tx.culprits) pending.push({ file: node.id, error: outcome.result.error });
    } else {
      outcomes.push({ result: withPending(outcome.result, pending), view: outcome.view });
      if (next) attemptId = nextId();
    }
    attempt = next;
  }
  const [first, second] = outcomes;
  if (first?.result.status === 'failed' && second?.result.status === 'committed') first.result = { ...first.result, partial: second.result };
  return outcomes;
}

async function attemptOnce(deps: TransactionDeps, request: NormalizedRequest, id: number): Promise<{ outcome: Outcome; tx: TransactionState | undefined }> {
  const prepared = await prepareTransaction(deps, request, id);
  if (prepared.kind === 'settled') return { outcome: prepared, tx: prepared.tx };
  return { outcome: { result: await prepared.commit(), view: prepared.view }, tx: prepared.tx };
}

/** Whether this transaction re-ran the process entry: its start (servers it listens on) is watched. */
function startsProcess(deps: TransactionDeps, tx: TransactionState): boolean {
  return deps.entry !== undefined && tx.staging.created.some((version) => version.node === deps.entry);
}

function startFailedError(deps: TransactionDeps, caught: unknown): HotswapError {
  const entry = deps.entry?.id ?? deps.root;
  const message = caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught);
  return new HotswapError(ERROR_CODES.EVALUATION, `${relativePath(entry, deps.root)} failed while starting: ${message}`, {
    cause: caught,
    location: { file: entry, line: 1, column: 1 },
    hint: 'It threw right after its top level ran (a port held by another process?). It never went live: the last good version keeps serving.',
  });
}
