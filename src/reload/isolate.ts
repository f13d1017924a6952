/**
 * A change set that fails because of one module must not swallow the others.
 * The failure is blamed on its culprits only; the rest of what plan chose is
 * tried again without them, so what can commit on its own commits. The culprits
 * stay pending (plan retries them whenever anything changes). A pending module
 * retried along with a later change that fails exactly as before is not news:
 * that transaction reports only what committed, and lists the module as pending.
 */
import { isHotswapError, type HotswapError } from '../errors.ts';
import type { ModuleNode } from '../runner/module-node.ts';
import type { TransactionView } from './participant.ts';
import type { NormalizedRequest } from './reload-request.ts';
import type { ReloadCommitted, ReloadResult } from './reload-result.ts';
import type { TransactionState } from './transaction-state.ts';

export interface Outcome {
  result: ReloadResult;
  view: TransactionView;
}

/**
 * Who a failure is blamed on: the staged module the error points at; else the
 * staged modules whose own evaluation failed (not those that failed only because
 * a staged import did); else everything staged (no module can be singled out).
 */
export function findCulprits(tx: TransactionState, error: HotswapError): Set<ModuleNode> {
  const staged = tx.staging.rerun;
  const at = error.location?.file;
  const pointed = [...staged].find((node) => node.id === at);
  if (pointed) return new Set([pointed]);
  const failed = tx.staging.created.filter((v) => v.status === 'failed' && ![...v.imports.values()].some((dep) => dep.staged?.status === 'failed'));
  if (failed.length > 0) return new Set(failed.map((v) => v.node));
  return new Set(staged);
}

export function sameError(previous: unknown, error: HotswapError): boolean {
  return isHotswapError(previous) && previous.code === error.code && previous.message === error.message;
}

/**
 * The next attempt after a failure of `tx`: what plan chose minus the culprits, with
 * the same texts (what was read once is what is staged), the culprits held back.
 * Undefined when nothing would be left to try (or the culprits are not among what
 * plan chose, so the same failure would come back).
 */
export function nextAttempt(tx: TransactionState, request: NormalizedRequest): NormalizedRequest | undefined {
  const culpritPlanned = [...tx.culprits].some((node) => tx.planned.has(node));
  if (!culpritPlanned) return undefined;
  const rest = [...tx.planned].filter(([node]) => !tx.culprits.has(node));
  if (rest.length === 0 && request.removed.length === 0 && request.added.length === 0) return undefined;
  const culprits = [...tx.culprits].map((node) => node.id);
  return {
    ...request,
    changed: [],
    force: rest.map(([node]) => node.id),
    sources: new Map(rest.map(([node, text]) => [node.id, text.source] as const)),
    hold: new Set([...request.hold, ...culprits]),
    reason: `committed without ${culprits.join(', ')}, which failed${request.reason === undefined ? '' : ` (${request.reason})`}`,
  };
}

/** Pending modules (still failing, not news) named on the outcome that is reported. */
export function withPending(result: ReloadResult, pending: readonly { file: string; error: HotswapError }[]): ReloadResult {
  if (pending.length === 0 || result.status !== 'committed') return result;
  return { ...result, pending: [...(result.pending ?? []), ...pending] } satisfies ReloadCommitted;
}
