/** Outcomes of a reload are values, not exceptions (a broken save is normal). */
import type { HotswapError } from '../errors.ts';

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
}

export interface ReloadCommitted extends ReloadBase {
  status: 'committed';
  /** Modules that got a new version, as `path@version`. */
  updated: { file: string; version: number }[];
  /** Importers that re-ran (beyond the changed files), and why. */
  rerun: { file: string; reason: string }[];
  /** Modules removed because nothing imports them any more. */
  pruned: string[];
  timings: PhaseTimings;
  /** Namespace members this reload removed while a module still reads them (`ns.x` is undefined now). */
  warnings?: { file: string; message: string }[];
}

export interface ReloadFailed extends ReloadBase {
  status: 'failed';
  error: HotswapError;
  /** Whether an old version had to be re-evaluated (dispose-first modules). */
  restored: boolean;
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
