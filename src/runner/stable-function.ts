/**
 * Stable functions: a function-valued export keeps its identity across
 * versions. Importers, routers and registries hold a forwarding function whose
 * target is swapped at commit, so a callback handed out at startup runs the
 * new code at its next call. Classes are not forwarded (that would break
 * `instanceof`); their old prototypes are patched instead.
 */

type AnyFunction = (...args: unknown[]) => unknown;

export type StableFunction = AnyFunction;

/** forwarder → the setter of its target slot. A closure variable is the cheapest indirection V8 offers. */
const slots = new WeakMap<object, (target: AnyFunction, stats?: CallStats) => void>();
const targets = new WeakMap<object, AnyFunction>();

/**
 * Whether a function is a `class`. A class's own `prototype` is the only one that is not
 * writable (plain and generator functions have a writable one, arrows, methods and async
 * functions none), which is much cheaper to read than the source text; only then is the text
 * read (built-in constructors have a read-only `prototype` too). Not cached: a weak map of
 * every function a 1,000-module re-run reads (~7,000 per reload) grew its table to ~2 MB
 * before GCs emptied it, and V8 kept that size after (issue 12: heap after GC).
 */
export function isClass(value: unknown): value is new (...args: unknown[]) => unknown {
  if (typeof value !== 'function' || !Object.hasOwn(value, 'prototype')) return false;
  return Object.getOwnPropertyDescriptor(value, 'prototype')?.writable === false && /^class[\s{]/.test(Function.prototype.toString.call(value));
}

/**
 * Calls, errors and time of one module version, counted by its forwarders, so a
 * runtime error is attributed to the version whose code threw (probation,
 * automatic rollback). Duration is sampled (one call in 64) so that counting
 * stays within the call-overhead budget. A direct call of a named import
 * (`f()`) skips the forwarder unless the version's calls are watched
 * (`ModuleVersion.watchCalls`, probation): see namespace-view.ts.
 *
 * Q: Why are rejected promises of async exports not counted? Observing one means
 * attaching a handler, and a handled rejection no longer reaches `unhandledRejection`:
 * counting would change what the app sees. Synchronous throws are counted.
 */
export interface CallStats {
  calls: number;
  errors: number;
  sampledMs: number;
  samples: number;
}

export function createCallStats(): CallStats {
  return { calls: 0, errors: 0, sampledMs: 0, samples: 0 };
}

/** Errors already counted by an inner forwarder: an error is attributed once, to the innermost version. */
const attributed = new WeakSet<object>();

function countError(stats: CallStats, error: unknown): void {
  if (typeof error === 'object' && error !== null) {
    if (attributed.has(error)) return;
    attributed.add(error);
  }
  stats.errors++;
}

export function createStableFunction(initial: AnyFunction, initialStats: CallStats = createCallStats()): StableFunction {
  let target = initial;
  let stats = initialStats;
  // A plain `function`, so `this` and `new` pass through; rest args keep it arity-agnostic.
  const forwarder = function (this: unknown, ...args: unknown[]): unknown {
    const counted = stats;
    if ((++counted.calls & 63) !== 0) {
      try {
        return new.target !== undefined ? Reflect.construct(target, args, new.target === forwarder ? target : new.target) : Reflect.apply(target, this, args);
      } catch (error) {
        countError(counted, error);
        throw error;
      }
    }
    const t0 = performance.now();
    try {
      return new.target !== undefined ? Reflect.construct(target, args, new.target === forwarder ? target : new.target) : Reflect.apply(target, this, args);
    } catch (error) {
      countError(counted, error);
      throw error;
    } finally {
      counted.sampledMs += performance.now() - t0;
      counted.samples++;
    }
  };
  slots.set(forwarder, (next, nextStats) => {
    target = next;
    if (nextStats) stats = nextStats;
  });
  retarget(forwarder, initial);
  return forwarder;
}

/**
 * Point the forwarder at a new version (and its call counters); `name`, `length` and
 * `prototype` follow. A commit retargets every forwarder of a re-run module: what did
 * not change (the name and length, mostly) is not redefined.
 */
export function retarget(forwarder: StableFunction, target: AnyFunction, stats?: CallStats): void {
  slots.get(forwarder)?.(target, stats);
  targets.set(forwarder, target);
  if (forwarder.name !== target.name) Object.defineProperty(forwarder, 'name', { value: target.name, configurable: true });
  if (forwarder.length !== target.length) Object.defineProperty(forwarder, 'length', { value: target.length, configurable: true });
  if (Object.prototype.hasOwnProperty.call(target, 'prototype')) {
    // The forwarder's own `prototype` (a plain function's) is writable and not configurable: a store is enough.
    (forwarder as { prototype: unknown }).prototype = (target as { prototype: unknown }).prototype;
  }
}

/** Whether `value` is a stable forwarder (of any module): it follows every version by itself. */
export function isStableFunction(value: unknown): boolean {
  return typeof value === 'function' && targets.has(value);
}

/** The function a forwarder calls now. */
export function targetOf(forwarder: StableFunction): AnyFunction | undefined {
  return targets.get(forwarder);
}

/**
 * Give instances of every older version of a class the methods of the new one:
 * copy the new prototype's members (and statics) onto each old prototype and
 * delete the ones that were removed. `instanceof` against the new class also
 * accepts old instances. `copy` false (the module re-ran with the very code the
 * older versions have): their methods are the same code already, only `instanceof`
 * is extended; a later change of the code patches every version still alive.
 */
export function patchClassVersions(previous: readonly WeakRef<object>[], next: new (...args: unknown[]) => unknown, copy = true): void {
  const nextProto = next.prototype as object;
  for (const ref of copy ? previous : []) {
    const oldClass = ref.deref();
    if (!oldClass || oldClass === next) continue;
    const oldProto = (oldClass as { prototype: object }).prototype;
    copyMembers(oldProto, nextProto, ['constructor']);
    copyMembers(oldClass, next, ['prototype', 'length', 'name']);
  }
  // Weak: a class version nobody holds (no instances, no subclasses) may be collected.
  const versions = [...previous];
  Object.defineProperty(next, Symbol.hasInstance, {
    configurable: true,
    value(this: unknown, instance: unknown): boolean {
      if (Function.prototype[Symbol.hasInstance].call(this, instance)) return true;
      return this === next && versions.some((ref) => {
        const v = ref.deref();
        return typeof v === 'function' && Function.prototype[Symbol.hasInstance].call(v, instance);
      });
    },
  });
}

function copyMembers(target: object, source: object, skip: string[]): void {
  for (const key of Reflect.ownKeys(target)) {
    if (typeof key === 'string' && skip.includes(key)) continue;
    if (key === Symbol.hasInstance) continue;
    if (!Object.prototype.hasOwnProperty.call(source, key)) Reflect.deleteProperty(target, key);
  }
  for (const key of Reflect.ownKeys(source)) {
    if (typeof key === 'string' && skip.includes(key)) continue;
    if (key === Symbol.hasInstance) continue;
    const descriptor = Object.getOwnPropertyDescriptor(source, key);
    if (descriptor) {
      try {
        Object.defineProperty(target, key, descriptor);
      } catch {
        // non-configurable member on the old class: leave it
      }
    }
  }
}
