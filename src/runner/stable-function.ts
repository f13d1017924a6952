/**
 * Stable functions: a function-valued export keeps its identity across
 * versions. Importers, routers and registries hold a forwarding function whose
 * target is swapped at commit, so a callback handed out at startup runs the
 * new code at its next call. Classes are not forwarded (that would break
 * `instanceof`); their old prototypes are patched instead.
 */

type AnyFunction = (...args: unknown[]) => unknown;

export type StableFunction = AnyFunction;

/**
 * A forwarder's state: what it calls and whose counters it bumps. The module node that owns the
 * forwarder keeps the cell beside it, so a commit retargets with two stores (1,000 re-run modules
 * retarget ~4,000 forwarders per commit); the weak map serves only lookups by forwarder.
 */
export interface ForwarderCell {
  target: AnyFunction;
  stats: CallStats;
  /** Its `prototype` follows every retarget (the module mentions `prototype`, or it was constructed). */
  prototypes: boolean;
}

const cells = new WeakMap<object, ForwarderCell>();

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
  return createForwarder(initial, initialStats).forwarder;
}

/** A forwarder and its cell (for an owner that retargets it often: see `retargetCell`). */
export function createForwarder(initial: AnyFunction, initialStats: CallStats = createCallStats(), prototypes = true): { forwarder: StableFunction; cell: ForwarderCell } {
  const cell: ForwarderCell = { target: initial, stats: initialStats, prototypes };
  // A plain `function`, so `this` and `new` pass through; rest args keep it arity-agnostic.
  const forwarder = function (this: unknown, ...args: unknown[]): unknown {
    const counted = cell.stats;
    const target = cell.target;
    // `new` of the forwarder itself: its `prototype` may lag (see retargetCell).
    if (new.target === forwarder && !cell.prototypes) {
      cell.prototypes = true;
      syncPrototype(forwarder, target);
    }
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
  cells.set(forwarder, cell);
  // `x instanceof f` accepts what the current function made, also when `prototype` lags.
  Object.defineProperty(forwarder, Symbol.hasInstance, { configurable: true, writable: true, value: forwarderHasInstance });
  followShape(forwarder, initial, prototypes);
  return { forwarder, cell };
}

/** Point the forwarder at a new version (and its call counters); `name`, `length` and `prototype` follow. */
export function retarget(forwarder: StableFunction, target: AnyFunction, stats?: CallStats): void {
  const cell = cells.get(forwarder);
  if (cell) retargetCell(forwarder, cell, target, stats);
}

/**
 * `retarget` with the cell at hand. What did not change (the name and length, mostly) is not
 * redefined. `prototype` follows at every retarget once the forwarder needs it: its module's
 * code mentions `prototype` (methods on a constructor function, `Object.create(F.prototype)`),
 * or it was constructed (`new f()`); `instanceof` looks at the current function's either way.
 * Reading a plain function's `prototype` creates it: ~4,000 objects per 1,000-module re-run,
 * for functions that are almost never constructors (issue 12).
 */
export function retargetCell(forwarder: StableFunction, cell: ForwarderCell, target: AnyFunction, stats?: CallStats, prototypes = false): void {
  if (cell.target === target && (stats === undefined || cell.stats === stats)) return;
  cell.target = target;
  if (stats) cell.stats = stats;
  if (prototypes) cell.prototypes = true;
  followShape(forwarder, target, cell.prototypes);
}

function followShape(forwarder: StableFunction, target: AnyFunction, prototypes: boolean): void {
  if (forwarder.name !== target.name) Object.defineProperty(forwarder, 'name', { value: target.name, configurable: true });
  if (forwarder.length !== target.length) Object.defineProperty(forwarder, 'length', { value: target.length, configurable: true });
  if (prototypes) syncPrototype(forwarder, target);
}

function syncPrototype(forwarder: StableFunction, target: AnyFunction): void {
  if (!Object.prototype.hasOwnProperty.call(target, 'prototype')) return;
  const prototype = (target as { prototype: unknown }).prototype;
  // The forwarder's own `prototype` (a plain function's) is writable and not configurable: a store is enough.
  if ((forwarder as { prototype: unknown }).prototype !== prototype) (forwarder as { prototype: unknown }).prototype = prototype;
}

/** `instanceof` a forwarder: its own `prototype`, or the current function's. */
function forwarderHasInstance(this: unknown, instance: unknown): boolean {
  if (ordinaryHasInstance(this, instance)) return true;
  const target = typeof this === 'function' ? cells.get(this)?.target : undefined;
  if (target === undefined || !Object.prototype.hasOwnProperty.call(target, 'prototype')) return false;
  const prototype = (target as { prototype: unknown }).prototype;
  return prototype !== null && (typeof prototype === 'object' || typeof prototype === 'function') && ordinaryHasInstance(target, instance);
}

/** The function a forwarder calls now. */
export function targetOf(forwarder: StableFunction): AnyFunction | undefined {
  return cells.get(forwarder)?.target;
}

/** A lineage this long is pruned at its next add (else: when versions of its module are collected). */
const PRUNE_AT = 64;

/**
 * Every version of one class export of one module, oldest first, weakly (a version nobody holds
 * (no instances, no subclasses) may be collected). All versions share one `Symbol.hasInstance`:
 * a version accepts instances of itself and of every older version, so an instance made before
 * a reload passes `instanceof` against the class as it is now.
 */
export class ClassLineage {
  #refs: WeakRef<object>[] = [];
  readonly #hasInstance: (this: unknown, instance: unknown) => boolean;

  constructor() {
    const versions = (): readonly WeakRef<object>[] => this.#refs;
    const hasInstance = function (this: unknown, instance: unknown): boolean {
      if (ordinaryHasInstance(this, instance)) return true;
      // A subclass inherits the static: it accepts its own instances only.
      if (typeof this !== 'function' || !Object.hasOwn(this, Symbol.hasInstance)) return false;
      for (const ref of versions()) {
        const version = ref.deref();
        if (version === this) return false;
        if (version !== undefined && ordinaryHasInstance(version, instance)) return true;
      }
      return false;
    };
    this.#hasInstance = hasInstance;
  }

  /** Whether `value` is a version of this lineage already (the first live load, adopted again). */
  has(value: object): boolean {
    return this.#refs.some((ref) => ref.deref() === value);
  }

  /**
   * Add the newest version. `copy` (its code changed): the new prototype's members (and statics)
   * are copied onto each older version's, and the removed ones deleted, so old instances run the
   * new methods. Without it (a re-run of the very code the older versions have) their methods are
   * the same code already; a later change of the code patches every version still alive.
   */
  add(next: new (...args: unknown[]) => unknown, copy: boolean): void {
    // A bound for a process that never collects its old versions; a `deref` keeps its target until the job ends, so not at every add.
    if (this.#refs.length >= PRUNE_AT) this.prune();
    if (copy) {
      const nextProto = next.prototype as object;
      for (const ref of this.#refs) {
        const oldClass = ref.deref();
        if (!oldClass || oldClass === next) continue;
        copyMembers((oldClass as { prototype: object }).prototype, nextProto, ['constructor']);
        copyMembers(oldClass, next, ['prototype', 'length', 'name']);
      }
    }
    Object.defineProperty(next, Symbol.hasInstance, { configurable: true, value: this.#hasInstance });
    this.remember(next);
  }

  /**
   * Drop the refs of collected versions: once after versions of the module were collected
   * (ModuleNode.pruneLineages, from the version tracker), or when the lineage grew long. No
   * registration per class version (a 1,000-module re-run registered 1,000 with a
   * FinalizationRegistry, ~0.4 MB kept per reload).
   */
  prune(): void {
    const refs = this.#refs;
    for (let i = 0; i < refs.length; i++) {
      if ((refs[i] as WeakRef<object>).deref() !== undefined) continue;
      // A new array: one that grew while old versions waited for a full GC keeps its capacity otherwise.
      this.#refs = refs.filter((ref) => ref.deref() !== undefined);
      return;
    }
  }

  /** Record a version without patching anything (the first version, committed by a live load). */
  remember(value: object): void {
    this.#refs.push(new WeakRef(value));
  }
}

function ordinaryHasInstance(klass: unknown, instance: unknown): boolean {
  return Function.prototype[Symbol.hasInstance].call(klass, instance);
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
