/**
 * What one onChange call receives, and the rules that fold file events into it.
 * A path appears in exactly one list.
 */
export interface ChangeSet {
  /** absolute paths whose content may have changed (includes files re-created after a delete, i.e. atomic saves) */
  changed: string[];
  /** absolute paths of newly created files */
  added: string[];
  /** absolute paths deleted (and not re-created within the settle window) */
  removed: string[];
}

/** A file event as the file system reports it (chokidar's names). */
export type FileEvent = 'add' | 'change' | 'unlink';

/** Where a path stands in a set that is being built. */
export type PendingState = 'added' | 'changed' | 'removed';

/**
 * Folds one more event for a path into its pending state; `undefined` means the path drops
 * out of the set.
 * - add then change → added (still new to the consumer);
 * - add then unlink → dropped (it never existed as far as the consumer knows);
 * - unlink then add → changed (an editor's atomic save, or delete-then-write);
 * - unlink then change → removed: a file comes back only through an add, so a change that
 *   follows an unlink is a stale report (a stat that started before the delete).
 */
export function mergeFileEvent(previous: PendingState | undefined, event: FileEvent): PendingState | undefined {
  switch (previous) {
    case undefined:
      return event === 'add' ? 'added' : event === 'change' ? 'changed' : 'removed';
    case 'added':
      return event === 'unlink' ? undefined : 'added';
    case 'changed':
      return event === 'unlink' ? 'removed' : 'changed';
    case 'removed':
      return event === 'add' ? 'changed' : 'removed';
    default: {
      const unreachable: never = previous;
      throw new Error(`unknown pending state: ${String(unreachable)}`);
    }
  }
}

/** Builds the set handed to onChange; each list is sorted so that logs and tests are stable. */
export function toChangeSet(states: Iterable<readonly [path: string, state: PendingState]>): ChangeSet {
  const set: ChangeSet = { changed: [], added: [], removed: [] };
  for (const [path, state] of states) set[state].push(path);
  set.changed.sort();
  set.added.sort();
  set.removed.sort();
  return set;
}

export function isEmptyChangeSet(set: ChangeSet): boolean {
  return set.changed.length === 0 && set.added.length === 0 && set.removed.length === 0;
}
