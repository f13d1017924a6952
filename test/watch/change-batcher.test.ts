import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createChangeBatcher } from '../../src/watch/change-batcher.ts';
import type { ChangeBatcher } from '../../src/watch/change-batcher.ts';
import type { ChangeSet } from '../../src/watch/change-set.ts';
import { createFakeScheduler, deferred, flushPromises } from './fake-scheduler.ts';
import type { Deferred, FakeScheduler } from './fake-scheduler.ts';

const SETTLE = 30;

interface Harness {
  batcher: ChangeBatcher;
  clock: FakeScheduler;
  sets: ChangeSet[];
  errors: { error: unknown; set: ChangeSet }[];
  /** when set, the next delivery stays pending until the test settles it */
  hold(): Deferred<void>;
}

function setup(deliver?: (set: ChangeSet) => void | Promise<void>): Harness {
  const clock = createFakeScheduler();
  const sets: ChangeSet[] = [];
  const errors: { error: unknown; set: ChangeSet }[] = [];
  let held: Deferred<void> | undefined;
  const batcher = createChangeBatcher({
    settleMs: SETTLE,
    scheduler: clock,
    deliver: (set) => {
      sets.push(set);
      if (deliver) return deliver(set);
      if (held === undefined) return;
      const { promise } = held;
      held = undefined;
      return promise;
    },
    onDeliverError: (error, set) => errors.push({ error, set }),
  });
  return {
    batcher,
    clock,
    sets,
    errors,
    hold: () => (held = deferred<void>()),
  };
}

const changed = (...changedPaths: string[]): ChangeSet => ({ changed: changedPaths, added: [], removed: [] });

describe('leading edge', () => {
  test('the first event after a quiet period goes out on the next turn, without waiting', () => {
    const { batcher, clock, sets } = setup();
    batcher.push('change', '/p/a.ts');
    assert.equal(sets.length, 0, 'not synchronously: events of the same tick fold');
    clock.runSoon();
    assert.deepEqual(sets, [changed('/p/a.ts')]);
  });

  test('events of the same tick fold into one set', () => {
    const { batcher, clock, sets } = setup();
    batcher.push('change', '/p/b.ts');
    batcher.push('change', '/p/a.ts');
    batcher.push('add', '/p/c.ts');
    clock.runSoon();
    assert.deepEqual(sets, [{ changed: ['/p/a.ts', '/p/b.ts'], added: ['/p/c.ts'], removed: [] }]);
  });

  test('after a quiet period the next save is leading again', async () => {
    const { batcher, clock, sets } = setup();
    batcher.push('change', '/p/a.ts');
    clock.runSoon();
    await flushPromises();
    clock.advance(SETTLE);
    batcher.push('change', '/p/a.ts');
    clock.runSoon();
    assert.equal(sets.length, 2);
  });
});

describe('never overlapping, trailing debounce', () => {
  test('events during a pending onChange wait for it, then go out as one set after quiet', async () => {
    const { batcher, clock, sets, hold } = setup();
    const first = hold();
    batcher.push('change', '/p/a.ts');
    clock.runSoon();
    assert.equal(sets.length, 1);

    batcher.push('change', '/p/a.ts');
    clock.advance(10);
    batcher.push('add', '/p/b.ts');
    clock.advance(1000);
    assert.equal(sets.length, 1, 'no second call while the first is pending');

    first.resolve();
    await flushPromises();
    clock.runSoon();
    assert.equal(sets.length, 2, 'quiet for long enough already: goes out at once');
    assert.deepEqual(sets[1], { changed: ['/p/a.ts'], added: ['/p/b.ts'], removed: [] });
  });

  test('a save that follows a delivered one by a few ms is leading too: it does not wait for quiet', async () => {
    const { batcher, clock, sets } = setup();
    batcher.push('change', '/p/a.ts');
    clock.runSoon();
    await flushPromises();
    clock.advance(3);
    batcher.push('change', '/p/a.ts');
    clock.runSoon();
    assert.equal(sets.length, 2, 'the first save was delivered and settled: the second goes out at once');
  });

  test('after onChange settles, the events that arrived during it wait until they stop for settleMs', async () => {
    const { batcher, clock, sets, hold } = setup();
    const first = hold();
    batcher.push('change', '/p/a.ts');
    clock.runSoon();
    batcher.push('change', '/p/a.ts');
    first.resolve();
    await flushPromises();
    clock.advance(SETTLE - 1);
    assert.equal(sets.length, 1);
    batcher.push('change', '/p/b.ts');
    clock.advance(SETTLE - 1);
    assert.equal(sets.length, 1, 'the new event restarted the quiet period');
    clock.advance(1);
    assert.deepEqual(sets[1], changed('/p/a.ts', '/p/b.ts'));
  });

  test('50 saves 2 ms apart while each reload takes 5 ms: a few calls, not 50', async () => {
    const { batcher, clock, sets } = setup((set) => {
      void set;
      return new Promise<void>((done) => clock.later(done, 5));
    });
    for (let i = 0; i < 50; i++) {
      batcher.push('change', '/p/a.ts');
      clock.runSoon();
      clock.advance(2);
      await flushPromises();
    }
    for (let i = 0; i < 20; i++) {
      clock.advance(SETTLE);
      await flushPromises();
    }
    assert.ok(sets.length <= 4, `expected the burst folded into a few calls, got ${sets.length}`);
    assert.deepEqual(sets.at(-1), changed('/p/a.ts'));
  });

  test('a storm that never ends still makes progress: max wait is 10 × settleMs', async () => {
    const { batcher, clock, sets } = setup();
    batcher.push('change', '/p/a.ts');
    clock.runSoon();
    await flushPromises();
    const deliveredAt: number[] = [];
    for (let t = 0; t < 1000; t += 5) {
      batcher.push('change', `/p/${t % 3}.ts`);
      const before = sets.length;
      clock.advance(5);
      await flushPromises();
      if (sets.length > before) deliveredAt.push(clock.now());
    }
    assert.ok(deliveredAt.length >= 3, `expected progress during the storm, got ${deliveredAt.length} deliveries`);
    const gaps = deliveredAt.slice(1).map((at, i) => at - (deliveredAt[i] ?? 0));
    for (const gap of gaps) assert.ok(gap <= 10 * SETTLE + 5, `gap ${gap} ms exceeds max wait`);
  });
});

describe('unlink hold (atomic saves)', () => {
  test('an unlink is held for settleMs, then reported as removed', () => {
    const { batcher, clock, sets } = setup();
    batcher.push('unlink', '/p/a.ts');
    clock.runSoon();
    clock.advance(SETTLE - 1);
    assert.equal(sets.length, 0);
    clock.advance(1);
    assert.deepEqual(sets, [{ changed: [], added: [], removed: ['/p/a.ts'] }]);
  });

  test('a re-create within the window is a change, delivered as soon as the file is back', () => {
    const { batcher, clock, sets } = setup();
    batcher.push('unlink', '/p/a.ts');
    clock.advance(10);
    batcher.push('add', '/p/a.ts');
    clock.runSoon();
    assert.deepEqual(sets, [changed('/p/a.ts')]);
  });

  test('a re-create after the window is a new file, in its own set', async () => {
    const { batcher, clock, sets } = setup();
    batcher.push('unlink', '/p/a.ts');
    clock.advance(SETTLE);
    await flushPromises();
    batcher.push('add', '/p/a.ts');
    clock.advance(SETTLE);
    assert.deepEqual(sets, [
      { changed: [], added: [], removed: ['/p/a.ts'] },
      { changed: [], added: ['/p/a.ts'], removed: [] },
    ]);
  });

  test('events that arrive during a hold join its set', () => {
    const { batcher, clock, sets } = setup();
    batcher.push('unlink', '/p/a.ts');
    clock.advance(5);
    batcher.push('change', '/p/b.ts');
    clock.runSoon();
    assert.equal(sets.length, 0, 'the set waits for the held unlink');
    clock.advance(SETTLE);
    assert.deepEqual(sets, [{ changed: ['/p/b.ts'], added: [], removed: ['/p/a.ts'] }]);
  });

  test('a rename (unlink old + add new) is one set', () => {
    const { batcher, clock, sets } = setup();
    batcher.push('unlink', '/p/old.ts');
    batcher.push('add', '/p/new.ts');
    clock.advance(SETTLE);
    assert.deepEqual(sets, [{ changed: [], added: ['/p/new.ts'], removed: ['/p/old.ts'] }]);
  });
});

describe('merge rules within a set', () => {
  test('add then change → added', () => {
    const { batcher, clock, sets } = setup();
    batcher.push('add', '/p/a.ts');
    batcher.push('change', '/p/a.ts');
    clock.runSoon();
    assert.deepEqual(sets, [{ changed: [], added: ['/p/a.ts'], removed: [] }]);
  });

  test('add then unlink → nothing at all', () => {
    const { batcher, clock, sets } = setup();
    batcher.push('add', '/p/tmp.ts');
    batcher.push('unlink', '/p/tmp.ts');
    clock.advance(10 * SETTLE);
    assert.deepEqual(sets, []);
    assert.equal(clock.pendingCount(), 0);
  });

  test('change then unlink → removed', () => {
    const { batcher, clock, sets } = setup();
    batcher.push('change', '/p/a.ts');
    batcher.push('unlink', '/p/a.ts');
    clock.advance(SETTLE);
    assert.deepEqual(sets, [{ changed: [], added: [], removed: ['/p/a.ts'] }]);
  });
});

describe('failures and close', () => {
  test('a throwing onChange is reported and the next set is still delivered', async () => {
    const boom = new Error('boom');
    let calls = 0;
    const { batcher, clock, sets, errors } = setup(() => {
      calls++;
      if (calls === 1) throw boom;
    });
    batcher.push('change', '/p/a.ts');
    clock.runSoon();
    await flushPromises();
    assert.deepEqual(errors, [{ error: boom, set: changed('/p/a.ts') }]);
    clock.advance(SETTLE);
    batcher.push('change', '/p/b.ts');
    clock.runSoon();
    assert.deepEqual(sets.at(-1), changed('/p/b.ts'));
  });

  test('a rejecting onChange is reported and the next set is still delivered', async () => {
    const { batcher, clock, sets, errors } = setup((set) =>
      set.changed.includes('/p/a.ts') ? Promise.reject(new Error('nope')) : undefined,
    );
    batcher.push('change', '/p/a.ts');
    clock.runSoon();
    batcher.push('change', '/p/b.ts');
    await flushPromises();
    clock.advance(SETTLE);
    assert.equal(errors.length, 1);
    assert.deepEqual(sets.at(-1), changed('/p/b.ts'));
  });

  test('close drops pending events, cancels timers, ignores later events', () => {
    const { batcher, clock, sets } = setup();
    batcher.push('unlink', '/p/a.ts');
    batcher.close();
    batcher.push('change', '/p/b.ts');
    assert.equal(clock.pendingCount(), 0);
    clock.advance(10 * SETTLE);
    assert.deepEqual(sets, []);
  });

  test('close during a pending onChange: nothing is delivered after it settles', async () => {
    const { batcher, clock, sets, hold } = setup();
    const first = hold();
    batcher.push('change', '/p/a.ts');
    clock.runSoon();
    batcher.push('change', '/p/b.ts');
    batcher.close();
    first.resolve();
    await flushPromises();
    clock.advance(10 * SETTLE);
    assert.equal(sets.length, 1);
  });
});
