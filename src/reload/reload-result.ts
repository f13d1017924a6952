/** Outcomes of a reload are values, not exceptions (a broken save is normal). */
import type { HotswapError } from '../errors.ts';
import type { ReloadTrigger } from './reload-request.ts';

export interface PhaseTimings {
  /** read + transform + evaluate of the new versions */
  stage: number;
  validate: number;
  /** the synchronous swap */
  commit: number;
  /** dispose handlers of the replaced versions */
  dispose: number;
  total: number;
}

export interface ReloadBase {
  /** Sequence number of the reload in this runtime. */
  id: number;
  /** Files that triggered it (absolute paths). */
  files: string[];
  startedAt: number;
  /** Why it ran (see `ReloadRequest`). */
  trigger?: ReloadTrigger;
}

export interface ReloadCommitted extends ReloadBase {
  status: 'committed';
  /** Modules that got a new version, as `path@version`. */
  updated: { file: string; version: number }[];
  /** Importers that re-ran (beyond the changed files), and why. */
  rerun: { file: string; reason: string }[];
  /** Modules removed because nothing imports them any more. */
  pruned: string[];
  /** Modules still failing (retried with this change, failed as before): they keep their last good version. */
  pending?: { file: string; error: HotswapError }[];
  timings: PhaseTimings;
  /** Namespace members this reload removed while a module still reads them (`ns.x` is undefined now). */
  warnings?: { file: string; message: string }[];
}

/** The phase a transaction failed in. */
export type ReloadPhase = 'plan' | 'stage' | 'validate' | 'prepare' | 'commit';

/**
 * No good version serves: a dispose-first module's new version failed, and its old
 * version failed to evaluate again. Sticky until a save of the module commits.
 */
export interface FatalState {
  /** The modules left without a good version (absolute paths). */
  modules: string[];
  /** What the user reads: which module, and what to do. */
  message: string;
  /** Why the old version could not be restored. */
  error: HotswapError;
  /** The reload that left the process in this state. */
  reload: number;
}

export interface ReloadFailed extends ReloadBase {
  status: 'failed';
  error: HotswapError;
  /** Where it failed. */
  phase: ReloadPhase;
  /** Whether an old version was re-evaluated and serves again (dispose-first modules). */
  restored: boolean;
  /** Set when restoring failed too: the process runs no good version of these modules. */
  fatal?: FatalState;
  /** What of the same change set committed on its own, without the failed modules (reported as its own reload too). */
  partial?: ReloadCommitted;
  timings: PhaseTimings;
}

export interface ReloadSkipped extends ReloadBase {
  status: 'skipped';
  reason: 'no-change' | 'not-loaded';
}

export interface ReloadDeclined extends ReloadBase {
  status: 'declined';
  /** Module that declined hot updates: a restart is needed. */
  module: string;
}

export type ReloadResult = ReloadCommitted | ReloadFailed | ReloadSkipped | ReloadDeclined;
