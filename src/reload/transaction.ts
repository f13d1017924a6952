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
import { rollback } from './rollback.ts';
import { stage } from './stage.ts';
import type { TransactionDeps } from './transaction-state.ts';
import { validate } from './validate-phase.ts';
import { ERROR_CODES, HotswapError } from '../errors.ts';

export type { TransactionDeps } from './transaction-state.ts';

/** Staged and validated: the caller decides. */
export interface Prepared {
  kind: 'prepared';
  view: TransactionView;
  /** Swap the staged versions in (synchronously), then dispose the replaced ones. */
  commit(): Promise<ReloadCommitted | ReloadFailed>;
  /** Drop the staged versions; the committed ones keep serving. */
  abort(reason?: string): Promise<ReloadFailed>;
}

/** Ended without a commit to decide on: skipped, declined, or failed (already rolled back). */
export interface Settled {
  kind: 'settled';
  view: TransactionView;
  result: ReloadResult;
}

export async function prepareTransaction(deps: TransactionDeps, request: NormalizedRequest, id: number): Promise<Prepared | Settled> {
  const planned = await plan(deps, request, id);
  if ('result' in planned) return { kind: 'settled', ...planned };
  const tx = planned;
  deps.registry.emitHotEvent('hotswap:beforeUpdate', { files: tx.base.files });
  try {
    await stage(deps, tx);
    await validate(deps, tx);
  } catch (error) {
    return { kind: 'settled', view: tx.view, result: await rollback(deps, tx, error) };
  }
  let ended = false;
  const end = (): void => {
    if (ended) throw new HotswapError(ERROR_CODES.USAGE, `Transaction #${id} already ended`, { hint: 'Call commit() or abort() once.' });
    ended = true;
  };
  return {
    kind: 'prepared',
    view: tx.view,
    async commit() {
      end();
      let replaced;
      try {
        replaced = commit(deps, tx);
      } catch (error) {
        return rollback(deps, tx, error);
      }
      return finalize(deps, tx, replaced);
    },
    async abort(reason = 'aborted by the caller') {
      end();
      return rollback(deps, tx, new HotswapError(ERROR_CODES.USAGE, `Reload #${id} was not committed: ${reason}`, { hint: 'The committed versions keep serving.' }), false);
    },
  };
}

/** Prepare and commit in one go (what a save does). */
export async function runTransaction(deps: TransactionDeps, request: NormalizedRequest, id: number): Promise<{ result: ReloadResult; view: TransactionView }> {
  const prepared = await prepareTransaction(deps, request, id);
  if (prepared.kind === 'settled') return prepared;
  return { result: await prepared.commit(), view: prepared.view };
}
