/**
 * A `ModuleNode` is one project file for the life of the process; a
 * `ModuleVersion` (module-version.ts) is one evaluated version of it.
 * Importers never hold a version: they hold the node's namespace, which reads
 * the committed version at use time (live bindings) and hands out stable
 * functions. Its state is written only by the module graph (module-graph.ts).
 */
import { pathToFileURL } from 'node:url';
import type { ModuleVersion } from './module-version.ts';

// Files that type both import them from here.
export { ModuleVersion, type VersionStatus } from './module-version.ts';
import { createView, GETTER, defineGetter, defineValue, removeStale, retireView, setCallTarget, viewState, type ViewState } from './namespace-view.ts';
import { createStableFunction, retarget, patchClassVersions, targetOf, type StableFunction } from './stable-function.ts';

const NO_NAMES: readonly string[] = [];
/** A class's list of older versions is pruned of collected ones when it reaches this length (a few dead refs per class at most). */
const PRUNE_CLASS_REFS_AT = 4;

/** What a namespace shows, by index of `names`: a data value or GETTER, and the direct-call target. */
interface Plan {
  names: readonly string[];
  values: unknown[];
  targets: unknown[];
}

export class ModuleNode {
  readonly id: string;
  readonly url: string;
  /** The committed version: what every call runs. */
  current: ModuleVersion | undefined;
  /** The version evaluated by the open transaction, not visible to committed code until commit. */
  staged: ModuleVersion | undefined;
  /** Nodes whose committed version imports this one. */
  readonly importers = new Set<ModuleNode>();
  /** `import.meta.hot.data`: one object for all versions. */
  readonly data: Record<string, unknown> = {};
  nextVersion = 1;
  /** Loaded by the host directly (the entry, a plugin file), not through an import: never pruned when nothing imports it. */
  isRoot = false;
  /** Deleted from disk: the last good version keeps serving until the file is back. */
  missing = false;
  /** Why the last reload of this module failed, until it succeeds again. */
  lastError: unknown;
  /** SHA-256 of the text whose reload failed (with `lastError`): a module retried unchanged fails the same way. */
  failedHash: string | undefined;
  /** Set when neither its new nor its old version evaluates (a failed dispose-first restore): no good version serves. */
  fatal: unknown;
  lastReloadAt: number | undefined;
  /**
   * Namespace seen by committed code: a plain object (not a Proxy: V8 inlines
   * its property loads). Constant exports are data properties (functions as
   * their stable forwarder); `let` exports are getters reading the current version.
   * Direct calls read its call companion (namespace-view.ts).
   */
  readonly live: Record<string, unknown>;
  /** Namespaces handed to staged code of earlier transactions: kept in sync like `live`. */
  readonly #views: WeakRef<Record<string, unknown>>[] = [];
  /** The open transaction's namespace: reads the staged version while there is one. */
  #txView: { tx: object; view: Record<string, unknown> } | undefined;
  /** CommonJS `require()` result seen by committed / staged code. */
  #cjsLive: unknown;
  #cjsStaging: unknown;
  readonly #forwarders = new Map<string, StableFunction>();
  readonly #classVersions = new Map<string, WeakRef<object>[]>();

  constructor(id: string) {
    this.id = id;
    this.url = pathToFileURL(id).href;
    this.live = createView().view;
  }

  /**
   * The namespace staged code of transaction `tx` gets. A fresh object per
   * transaction: staged code keeps it after the commit, so it must never see
   * the staged versions of a later transaction.
   */
  stagingViewFor(tx: object): Record<string, unknown> {
    if (this.#txView?.tx === tx) return this.#txView.view;
    const { view } = createView();
    this.#txView = { tx, view };
    this.#views.push(new WeakRef(view));
    this.#syncView(view, true);
    return view;
  }

  /** Bring the namespaces up to date with the current version (after a live evaluation or a commit): only what changed is redefined. */
  syncViews(): void {
    // What the committed version shows is worked out once, then applied to every view that reads it.
    const plan = this.#plan(false);
    this.#apply(this.live, false, plan);
    for (let i = this.#views.length - 1; i >= 0; i--) {
      const view = this.#views[i]?.deref();
      if (!view) this.#views.splice(i, 1);
      else if (this.#txView?.view === view && this.staged !== undefined) this.#syncView(view, true);
      else this.#apply(view, false, plan);
    }
  }

  /** The transaction ended (committed or aborted): its namespace now reads the current version. */
  endTransaction(tx: object): void {
    if (this.#txView?.tx !== tx) return;
    const { view } = this.#txView;
    this.#txView = undefined;
    const state = viewState(view);
    state.ended = true;
    if (state.holders > 0) this.#syncView(view, false);
    else this.#retire(view, state);
  }

  /** A version of an importer was linked through `view` (a staging view): it is kept in sync while such a version lives. */
  hold(view: Record<string, unknown>): void {
    if (view !== this.live) viewState(view).holders++;
  }

  /** A version that held `view` was disposed: once no version holds an ended transaction's view, it reads through `live`. */
  release(view: Record<string, unknown>): void {
    if (view === this.live) return;
    const state = viewState(view);
    state.holders--;
    if (state.holders <= 0 && state.ended) this.#retire(view, state);
  }

  #retire(view: Record<string, unknown>, state: ViewState): void {
    const at = this.#views.findIndex((ref) => ref.deref() === view);
    if (at < 0) return;
    this.#views.splice(at, 1);
    retireView(view, state, this.live);
  }

  /** Refresh the open transaction's namespace (its staged version finished evaluating). */
  syncStagingView(): void {
    if (this.#txView) this.#syncView(this.#txView.view, true);
  }

  #syncView(view: Record<string, unknown>, staging: boolean): void {
    this.#apply(view, staging, this.#plan(staging));
  }

  /** Each export name with its data value and direct-call target, or GETTER (read at use time). */
  #plan(staging: boolean): Plan {
    const version = staging ? (this.staged ?? this.current) : this.current;
    const names = version ? version.namespaceNames() : NO_NAMES;
    const values: unknown[] = [];
    const targets: unknown[] = [];
    const constant = !staging && version?.status === 'evaluated';
    for (const name of names) {
      if (constant && (version as ModuleVersion).constantExports.has(name)) {
        // Constant until the next commit, which syncs again: a plain data property.
        const value = this.readExport(version as ModuleVersion, name);
        values.push(value);
        targets.push(this.#callTarget(version as ModuleVersion, name, value));
      } else {
        values.push(GETTER);
        targets.push(undefined);
      }
    }
    return { names, values, targets };
  }

  #apply(view: Record<string, unknown>, staging: boolean, plan: Plan): void {
    const state = viewState(view);
    state.staging = staging;
    const { names, values, targets } = plan;
    removeStale(view, state, names);
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      const value = values[i];
      if (value !== GETTER) defineValue(view, state, name, value);
      else if (state.defined.get(name) !== GETTER) {
        // Defined once per view and name: reads the version the view shows at use time.
        defineGetter(view, state, name, () => {
          const shown = state.staging ? (this.staged ?? this.current) : this.current;
          return shown ? this.readExport(shown, name) : undefined;
        });
      }
      setCallTarget(state, name, targets[i]);
    }
  }

  /** What a direct call of a constant export runs: the committed function, or its forwarder while its calls are watched. */
  #callTarget(version: ModuleVersion, name: string, value: unknown): unknown {
    const forwarder = this.#forwarders.get(name);
    if (forwarder === undefined || forwarder !== value) return undefined;
    return version.watchingCalls ? forwarder : targetOf(forwarder);
  }

  /** An export as importers see it: functions forwarded, classes and values as they are. */
  readExport(version: ModuleVersion, name: string): unknown {
    const value = version.rawExport(name);
    if (typeof value !== 'function' || !version.isLocalExport(name) || version.isClassExport(name, value)) return value;
    if (version !== this.current) return stagedForwarder(version, name, value as (...args: unknown[]) => unknown);
    let forwarder = this.#forwarders.get(name);
    if (!forwarder) {
      forwarder = createStableFunction(value as (...args: unknown[]) => unknown, version.calls);
      this.#forwarders.set(name, forwarder);
    } else if (!version.constantExports.has(name) && targetOf(forwarder) !== value) {
      // The committed version reassigned the binding (`f = () => 2`): callers follow it, as Node's live bindings do.
      retarget(forwarder, value as (...args: unknown[]) => unknown, version.calls);
    }
    return forwarder;
  }

  /** `require()` result for a CommonJS module. */
  requireView(staging: boolean): unknown {
    if (staging) return (this.#cjsStaging ??= createCjsView(this, () => this.staged ?? this.current));
    return (this.#cjsLive ??= createCjsView(this, () => this.current));
  }

  /** Point forwarders at the new version and patch old class prototypes. Part of the synchronous commit. */
  adopt(version: ModuleVersion, previous?: ModuleVersion): void {
    if (previous?.status === 'evaluated' && !previous.classesRemembered) this.#rememberClasses(previous);
    for (const [name, forwarder] of this.#forwarders) {
      const value = version.rawExport(name);
      if (typeof value === 'function' && !version.isClassExport(name, value)) retarget(forwarder, value as (...args: unknown[]) => unknown, version.calls);
    }
    // Staged code holds these: from now on they forward to the stable forwarder, so later versions reach them too.
    for (const [name, staged] of version.stagedForwarders ?? []) {
      const stable = this.readExport(version, name);
      if (typeof stable === 'function') retarget(staged, stable as (...args: unknown[]) => unknown);
    }
    version.stagedForwarders = undefined;
    // A re-run of the same code (a dependency changed): old instances already run this code.
    const sameCode = previous !== undefined && previous.transformed === version.transformed;
    for (const name of version.classExports()) {
      const value = version.rawExport(name) as new (...args: unknown[]) => unknown;
      const versions = this.#classVersions.get(name) ?? [];
      if (versions.length > 0) patchClassVersions(versions, value, !sameCode);
      versions.push(new WeakRef(value));
      // Keep the list short: refs of collected classes are dropped, now and then (a deref keeps its
      // class alive until the job ends, and 1,000 re-run modules deref'd every ref at every commit).
      this.#classVersions.set(name, versions.length < PRUNE_CLASS_REFS_AT ? versions : versions.filter((r) => r.deref() !== undefined));
    }
    version.classesRemembered = true;
  }

  /** The first version was committed by a live load, which never adopts: record its classes now. */
  #rememberClasses(version: ModuleVersion): void {
    for (const name of version.classExports()) {
      const value = version.rawExport(name) as object;
      const versions = this.#classVersions.get(name) ?? [];
      if (!versions.some((r) => r.deref() === value)) versions.push(new WeakRef(value));
      this.#classVersions.set(name, versions);
    }
    version.classesRemembered = true;
  }
}

/**
 * A function export of a version not yet committed, read by staged code (another module
 * of the same change set re-running): it must call the new code, while committed code
 * keeps calling the old one until the commit. So staged code gets its own forwarder.
 */
function stagedForwarder(version: ModuleVersion, name: string, value: (...args: unknown[]) => unknown): StableFunction {
  version.stagedForwarders ??= new Map();
  let forwarder = version.stagedForwarders.get(name);
  if (!forwarder) version.stagedForwarders.set(name, (forwarder = createStableFunction(value)));
  else if (targetOf(forwarder) !== value) retarget(forwarder, value);
  return forwarder;
}


/** A CommonJS module's exports, live: an object view, or a callable one when `module.exports` is a function. */
function createCjsView(node: ModuleNode, pick: () => ModuleVersion | undefined): unknown {
  const exportsOf = (): unknown => pick()?.cjsModule.exports;
  const first = exportsOf();
  if (typeof first !== 'function' && (first === null || typeof first !== 'object')) return first;
  // A bound function: callable and constructible, with no own non-configurable `prototype` to trip proxy invariants.
  const target = typeof first === 'function' ? function () {}.bind(null) : {};
  return new Proxy(target, {
    get(_t, key) {
      const value = exportsOf() as Record<PropertyKey, unknown>;
      if (typeof key !== 'string') return value[key];
      const version = pick();
      return version ? node.readExport(version, key) : undefined;
    },
    has: (_t, key) => key in (exportsOf() as object),
    ownKeys: () => Reflect.ownKeys(exportsOf() as object),
    getOwnPropertyDescriptor(_t, key) {
      const descriptor = Reflect.getOwnPropertyDescriptor(exportsOf() as object, key);
      if (descriptor) descriptor.configurable = true;
      return descriptor;
    },
    apply: (_t, thisArg, args) => Reflect.apply(exportsOf() as (...a: unknown[]) => unknown, thisArg, args),
    construct: (_t, args) => Reflect.construct(exportsOf() as new (...a: unknown[]) => object, args),
    set(_t, key, value) {
      (exportsOf() as Record<PropertyKey, unknown>)[key] = value;
      return true;
    },
  });
}
