import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mergeFileEvent, toChangeSet } from '../../src/watch/change-set.ts';
import type { FileEvent, PendingState } from '../../src/watch/change-set.ts';

function fold(events: FileEvent[]): PendingState | undefined {
  return events.reduce<PendingState | undefined>((state, event) => mergeFileEvent(state, event), undefined);
}

describe('mergeFileEvent', () => {
  const cases: [FileEvent[], PendingState | undefined][] = [
    [['add'], 'added'],
    [['change'], 'changed'],
    [['unlink'], 'removed'],
    [['add', 'change'], 'added'],
    [['add', 'unlink'], undefined],
    [['add', 'unlink', 'add'], 'added'],
    [['unlink', 'add'], 'changed'],
    [['unlink', 'add', 'change'], 'changed'],
    [['change', 'unlink'], 'removed'],
    [['change', 'unlink', 'add'], 'changed'],
    [['change', 'change'], 'changed'],
    [['unlink', 'change'], 'removed'],
    [['unlink', 'unlink'], 'removed'],
  ];
  for (const [events, expected] of cases) {
    test(`${events.join(' then ')} → ${expected ?? 'dropped'}`, () => {
      assert.equal(fold(events), expected);
    });
  }
});

test('toChangeSet puts each path in exactly one sorted list', () => {
  const set = toChangeSet([
    ['/p/b.ts', 'changed'],
    ['/p/a.ts', 'changed'],
    ['/p/c.ts', 'added'],
    ['/p/d.ts', 'removed'],
  ]);
  assert.deepEqual(set, { changed: ['/p/a.ts', '/p/b.ts'], added: ['/p/c.ts'], removed: ['/p/d.ts'] });
});
