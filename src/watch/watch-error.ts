import { ERROR_CODES } from '../errors.ts';
import type { ChangeSet } from './change-set.ts';

/** Codes from the one catalogue (src/errors.ts). */
export type WatchErrorCode = typeof ERROR_CODES.WATCH_ON_CHANGE_FAILED | typeof ERROR_CODES.WATCH_FS_FAILED;

export interface WatchErrorOptions {
  cause?: unknown;
  /** the set whose delivery failed */
  changeSet?: ChangeSet;
}

/** What onError receives. The original error is `cause`. */
export class WatchError extends Error {
  override name = 'WatchError' as const;
  readonly code: WatchErrorCode;
  readonly changeSet: ChangeSet | undefined;

  constructor(code: WatchErrorCode, message: string, options: WatchErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.changeSet = options.changeSet;
  }
}

/** Checks the brand rather than `instanceof`, which lies across reloaded module versions. */
export function isWatchError(value: unknown): value is WatchError {
  if (typeof value !== 'object' || value === null || !('name' in value) || !('code' in value)) return false;
  return value.name === 'WatchError' && (value.code === ERROR_CODES.WATCH_ON_CHANGE_FAILED || value.code === ERROR_CODES.WATCH_FS_FAILED);
}
