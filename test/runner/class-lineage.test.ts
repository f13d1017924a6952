/**
 * Every version of a class export shares one lineage (stable-function.ts): a version
 * accepts instances of itself and of older versions, never of newer ones, a subclass
 * only its own, and members of a changed class reach instances of older versions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClassLineage } from '../../src/runner/stable-function.ts';

type Ctor = new (...args: unknown[]) => { hi(): string };

function version(tag: string): Ctor {
  return class Thing {
    hi(): string {
      return tag;
    }
  } as unknown as Ctor;
}

test('a class lineage extends instanceof to older versions only, and patches them when the code changed', () => {
  const lineage = new ClassLineage();
  const v1 = version('v1');
  lineage.remember(v1);
  const a = new v1();
  const v2 = version('v2');
  lineage.add(v2, false);
  const b = new v2();
  const v3 = version('v3');
  lineage.add(v3, true);
  assert.ok(a instanceof v3 && b instanceof v3, 'the newest accepts every older version\'s instances');
  assert.ok(a instanceof v2, 'v2 accepts v1\'s');
  assert.ok(!(b instanceof v1), 'v1 does not accept a newer version\'s instance');
  assert.ok(!(new v3() instanceof v2), 'nor does v2');
  assert.equal(a.hi(), 'v3', 'a changed version\'s methods reach old instances');
  class Sub extends (v3 as unknown as new () => object) {}
  assert.ok(new Sub() instanceof Sub);
  assert.ok(!(a instanceof Sub), 'a subclass accepts only its own instances');
  assert.ok(new Sub() instanceof v3);
});

test('a long lineage keeps working while its refs are pruned', () => {
  const lineage = new ClassLineage();
  const first = version('v0');
  lineage.remember(first);
  const kept = new first();
  let last = first;
  for (let i = 1; i <= 50; i++) {
    last = version(`v${i}`);
    lineage.add(last, false);
  }
  assert.ok(kept instanceof last, 'the first version (alive: an instance holds it) is still in the lineage');
});
