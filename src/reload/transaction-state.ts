/** What the phases of one transaction share (plan fills it, the later phases read and extend it). */
import type { HotswapError } from '../errors.ts';
import type { RerunReason } from '../graph/propagation.ts';
import type { ModuleNode, ModuleVersion } from '../runner/module-node.ts';
import type { ModuleRegistry, StagingContext } from '../runner/module-registry.ts';
import type { Clock } from '../runner/seams.ts';
import type { SourceText } from '../runner/source-store.ts';
import type { ReloadParticipant, TransactionView } from './participant.ts';
import type { NormalizedRequest } from './reload-request.ts';
import type { PhaseTimings, ReloadBase, ReloadPhase } from './reload-result.ts';

export interface TransactionDeps {
  registry: ModuleRegistry;
  root: string;
  entry: ModuleNode | undefined;
  participants: readonly ReloadParticipant[];
  clock: Clock;
  /** Errors thrown asynchronously by code this transaction evaluated, so far (see runtime/async-errors.ts). */
  asyncErrors?: () => readonly unknown[];
}

export interface TransactionState {
  readonly id: number;
  readonly request: NormalizedRequest;
  readonly base: ReloadBase;
  /** Monotonic start, for timings. */
  readonly t0: number;
  readonly staging: StagingContext;
  /** Deleted files that still had a version. */
  readonly missing: Set<ModuleNode>;
  /** Added files not in the graph yet (participants may load them). */
  readonly added: string[];
  readonly view: TransactionView;
  readonly timings: PhaseTimings;
  /** Old versions of dispose-first modules, disposed before their new version evaluated. */
  readonly disposedFirst: ModuleVersion[];
  /** Importers re-run by propagation, and why: formatted when the result is built (finalize.ts), after the swap. */
  readonly rerunReasons: { importer: ModuleNode; dependency: ModuleNode; reason: RerunReason }[];
  /** Namespace members this transaction removes while a module reads them (validate fills it). */
  warnings: { file: string; message: string }[];
  /** `accept(dep, cb)` boundaries crossed: their callbacks run after the commit. */
  readonly boundaries: { importer: ModuleVersion; dependency: ModuleNode }[];
  /** Participants whose `prepare` ran (they get `abort` on failure). */
  readonly prepared: ReloadParticipant[];
  /** The phase running now: a failure is reported as having happened in it. */
  phase: ReloadPhase;
  /** What plan chose to stage, with the text read for each (before propagation added importers). */
  readonly planned: ReadonlyMap<ModuleNode, SourceText>;
  /** Modules retried because their last reload failed (not asked for by this request). */
  readonly retried: ReadonlySet<ModuleNode>;
  /** After a failure: the modules blamed for it (see isolate.ts). */
  culprits: ReadonlySet<ModuleNode>;
  /** After a failure: every culprit was a pending retry that failed exactly as before (not news). */
  repeated: boolean;
}

/** A failure carried to rollback with the phase it happened in. */
export interface PhaseFailure {
  phase: ReloadPhase;
  error: HotswapError;
}
