/**
 * The namespace object committed code holds (a module node's `live` view: one per module;
 * staged code reads a staging view instead, staging-view.ts), and its call companion.
 *
 * The view is what `import * as ns` and every named import read: constant exports
 * are data properties (functions as their stable forwarder, so a function handed
 * out keeps its identity), `let` exports getters. Each view records what it
 * defines, so a sync after a commit touches only the properties whose value or
 * kind changed: a 1,000-module re-run changes few of them (issue 12).
 *
 * Its call companion serves direct calls of a named import (`f()`): the transform
 * makes the callee read the companion (src/transform/runner-fixups.ts), whose own
 * properties are the committed functions themselves, and whose prototype is the view
 * (every other name reads through). A direct call then reaches the current code as V8 would call a plain
 * function (inlined, no forwarder), while a value that escapes (`router.get('/',
 * f)`) is still read from the view: the stable forwarder. A version whose calls
 * are watched (probation) puts its forwarder there instead, so its calls and
 * errors are counted.
 */

import { privateSlot } from './private-slot.ts';

/** Marks a property defined as a getter (reads the version at use time). */
export const GETTER: unique symbol = Symbol('getter');

export interface ViewState {
  /** Each defined property: its data value, or GETTER. */
  readonly defined: Map<string, unknown>;
  /** The export-name list of the last sync (the same array while the version is the same). */
  names: readonly string[] | undefined;
  /** The call companion: its own properties are the functions direct calls run (see setCallTarget). */
  readonly calls: Record<string, unknown>;
}

/** A view's state rides on the view itself (private-slot.ts). */
const viewSlot = privateSlot<ViewState>();

export function createView(): { view: Record<string, unknown>; state: ViewState } {
  const view = Object.create(null) as Record<string, unknown>;
  Object.defineProperty(view, Symbol.toStringTag, { value: 'Module' });
  const calls = Object.create(view) as Record<string, unknown>;
  const state: ViewState = { defined: new Map(), names: undefined, calls };
  viewSlot.attach(view, state);
  return { view, state };
}

export function viewState(view: object): ViewState {
  const state = viewSlot.read(view);
  if (!state) throw new Error('not a namespace view');
  return state;
}

/**
 * The object a direct call of an import reads its callee from: the view's call
 * companion, or the namespace itself (a package, a CommonJS view, a value).
 */
export function callCompanion(namespace: unknown): unknown {
  return namespace !== null && typeof namespace === 'object' ? (viewSlot.read(namespace)?.calls ?? namespace) : namespace;
}

/** Define `name` as a data property (skipped when it already holds `value`). */
export function defineValue(view: Record<string, unknown>, state: ViewState, name: string, value: unknown): void {
  const had = state.defined.get(name);
  if (had !== GETTER && state.defined.has(name) && Object.is(had, value)) return;
  Object.defineProperty(view, name, { value, enumerable: true, writable: false, configurable: true });
  state.defined.set(name, value);
}

/** Define `name` as a getter (skipped when it is one already: getters read the version at use time). */
export function defineGetter(view: Record<string, unknown>, state: ViewState, name: string, get: () => unknown): void {
  if (state.defined.get(name) === GETTER) return;
  Object.defineProperty(view, name, { get, enumerable: true, configurable: true });
  state.defined.set(name, GETTER);
}

/** What a direct call of `name` calls (undefined: read through to the view). */
export function setCallTarget(state: ViewState, name: string, target: unknown): void {
  const { calls } = state;
  const had = Object.hasOwn(calls, name) ? calls[name] : undefined;
  if (had === target) return;
  if (target === undefined) delete calls[name];
  else if (had !== undefined) calls[name] = target;
  else Object.defineProperty(calls, name, { value: target, writable: true, enumerable: false, configurable: true });
}

/** Drop the properties whose names the version no longer exports. */
export function removeStale(view: Record<string, unknown>, state: ViewState, names: readonly string[]): void {
  if (state.names === names) return;
  state.names = names;
  if (state.defined.size === 0) return;
  const keep = new Set(names);
  for (const name of state.defined.keys()) {
    if (keep.has(name)) continue;
    delete view[name];
    state.defined.delete(name);
    setCallTarget(state, name, undefined);
  }
}
