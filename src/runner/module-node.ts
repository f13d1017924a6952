/**
 * A `ModuleNode` is one project file for the life of the process; a
 * `ModuleVersion` (module-version.ts) is one evaluated version of it.
 * Importers never hold a version: they hold the node's namespace, which reads
 * the committed version at use time (live bindings) and hands out stable
 * functions. Its state is written only by the module graph (module-graph.ts).
 */
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { outsideScopes } from '../resources/index.ts';
import type { ModuleVersion } from './module-version.ts';

// Files that type both import them from here.
export { ModuleVersion, type VersionStatus } from './module-version.ts';
import { createView, GETTER, defineGetter, defineValue, removeStale, setCallTarget, viewState } from './namespace-view.ts';
import { createStagingView, endStagingView } from './staging-view.ts';
import { ClassLineage, createForwarder, createStableFunction, retarget, retargetCell, targetOf, type ForwarderCell, type StableFunction } from './stable-function.ts';

const NO_NAMES: readonly string[] = [];

const prune = (lineage: ClassLineage): void => lineage.prune();

/** Nodes whose versions were collected since the last prune (see onVersionCollected). */
const pruneQueue = new Set<ModuleNode>();

function pruneQueued(): void {
  for (const node of pruneQueue) node.pruneLineages();
  pruneQueue.clear();
}

/** A function export's stable forwarder, with its cell (retargeted at every commit). */
interface ForwarderEntry {
  readonly name: string;
  readonly forwarder: StableFunction;
  readonly cell: ForwarderCell;
}

export class ModuleNode {
  readonly id: string;
  readonly url: string;
  /** The folder of the file (`import.meta.dirname`, `__dirname`). */
  readonly dir: string;
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
  /** The open transaction's namespace for staged code (staging-view.ts). */
  #staging: { tx: object; view: Record<string, unknown> } | undefined;
  /** CommonJS `require()` result seen by committed / staged code. */
  #cjsLive: unknown;
  #cjsStaging: unknown;
  /** Each function export's stable forwarder, with its cell (retargeted at every commit). */
  readonly #forwarders = new Map<string, ForwarderEntry>();
  /** The same entries, in a list: a commit walks them without a Map iterator (no entry arrays: issue 12). */
  readonly #forwarderList: ForwarderEntry[] = [];
  readonly #classVersions = new Map<string, ClassLineage>();

  constructor(id: string) {
    this.id = id;
    this.url = pathToFileURL(id).href;
    this.dir = dirname(id);
    this.live = createView().view;
  }

  /**
   * The namespace staged code of transaction `tx` gets: one per transaction, since code that
   * keeps it after the commit (a value that escaped) must never see a later transaction's
   * staged versions. Import bindings are rebound to `live` at the commit (staging-view.ts).
   */
  stagingViewFor(tx: object): Record<string, unknown> {
    if (this.#staging?.tx === tx) return this.#staging.view;
    // The node is the view's source (no closures per module and transaction).
    const view = createStagingView(this);
    this.#staging = { tx, view };
    return view;
  }

  /** Export names of the version staged code sees: the staged one, else the committed one (StagingSource). */
  stagedNames(): readonly string[] | undefined {
    return (this.staged ?? this.current)?.namespaceNames();
  }

  /** An export of the version staged code sees, as importers see it (StagingSource). */
  readStaged(name: string): unknown {
    const version = this.staged ?? this.current;
    return version ? this.readExport(version, name) : undefined;
  }

  /** Bring `live` up to date with the current version (after a live evaluation or a commit): only what changed is redefined. */
  syncViews(): void {
    const version = this.current;
    const view = this.live;
    const state = viewState(view);
    const names = version ? version.namespaceNames() : NO_NAMES;
    removeStale(view, state, names);
    const constant = version?.status === 'evaluated';
    for (const name of names) {
      if (constant && (version as ModuleVersion).declaredKind(name) === 'function') {
        // A function declaration already shown as its forwarder (adopt retargeted it): only the direct-call target changes.
        const entry = this.#forwarders.get(name);
        if (entry !== undefined && state.defined.get(name) === entry.forwarder) {
          setCallTarget(state, name, (version as ModuleVersion).watchingCalls ? entry.forwarder : entry.cell.target);
          continue;
        }
      }
      if (constant && (version as ModuleVersion).constantExports.has(name)) {
        // Constant until the next commit, which syncs again: a plain data property.
        const value = this.readExport(version as ModuleVersion, name);
        defineValue(view, state, name, value);
        setCallTarget(state, name, this.#callTarget(version as ModuleVersion, name, value));
      } else {
        // Defined once per name: reads the version current at use time.
        if (state.defined.get(name) !== GETTER) defineGetter(view, state, name, () => (this.current ? this.readExport(this.current, name) : undefined));
        setCallTarget(state, name, undefined);
      }
    }
  }

  /** The transaction ended (committed or aborted): its namespace now reads `live`. */
  endTransaction(tx: object): void {
    if (this.#staging?.tx !== tx) return;
    endStagingView(this.#staging.view);
    this.#staging = undefined;
  }

  /** What a direct call of a constant export runs: the committed function, or its forwarder while its calls are watched. */
  #callTarget(version: ModuleVersion, name: string, value: unknown): unknown {
    const entry = this.#forwarders.get(name);
    if (entry === undefined || entry.forwarder !== value) return undefined;
    return version.watchingCalls ? entry.forwarder : entry.cell.target;
  }

  /** An export as importers see it: functions forwarded, classes and values as they are. */
  readExport(version: ModuleVersion, name: string): unknown {
    const value = version.rawExport(name);
    if (typeof value !== 'function' || !version.isLocalExport(name) || version.isClassExport(name, value)) return value;
    if (version !== this.current) return stagedForwarder(version, name, value as (...args: unknown[]) => unknown);
    let entry = this.#forwarders.get(name);
    if (!entry) {
      entry = { name, ...createForwarder(value as (...args: unknown[]) => unknown, version.calls, version.mentionsPrototype) };
      this.#forwarders.set(name, entry);
      this.#forwarderList.push(entry);
    } else if (!version.constantExports.has(name) && entry.cell.target !== value) {
      // The committed version reassigned the binding (`f = () => 2`): callers follow it, as Node's live bindings do.
      retargetCell(entry.forwarder, entry.cell, value as (...args: unknown[]) => unknown, version.calls);
    }
    return entry.forwarder;
  }

  /** `require()` result for a CommonJS module. */
  requireView(staging: boolean): unknown {
    if (staging) return (this.#cjsStaging ??= createCjsView(this, () => this.staged ?? this.current));
    return (this.#cjsLive ??= createCjsView(this, () => this.current));
  }

  /** Point forwarders at the new version and patch old class prototypes. Part of the synchronous commit. */
  adopt(version: ModuleVersion, previous?: ModuleVersion): void {
    if (previous?.status === 'evaluated' && !previous.classesRemembered) this.#rememberClasses(previous);
    // A re-run of the same code (a dependency changed): old instances already run this code, and a
    // function declared by it has the same name and length as the one its forwarder calls now.
    const sameCode = previous !== undefined && previous.transformed === version.transformed;
    const forwarders = this.#forwarderList;
    for (let i = 0; i < forwarders.length; i++) {
      const { name, forwarder, cell } = forwarders[i] as ForwarderEntry;
      const value = version.rawExport(name);
      if (typeof value !== 'function' || version.isClassExport(name, value)) continue;
      if (sameCode && cell.target !== value && !cell.prototypes && !version.mentionsPrototype && version.declaredKind(name) === 'function') {
        // Only the target and the counters change (retargetCell would compare name and length too).
        cell.target = value as (...args: unknown[]) => unknown;
        cell.stats = version.calls;
      } else {
        retargetCell(forwarder, cell, value as (...args: unknown[]) => unknown, version.calls, version.mentionsPrototype);
      }
    }
    // Staged code holds these: from now on they forward to the stable forwarder, so later versions reach them too.
    if (version.stagedForwarders) {
      version.stagedForwarders.forEach((staged, name) => {
        const stable = this.readExport(version, name);
        if (typeof stable === 'function') retarget(staged, stable as (...args: unknown[]) => unknown);
      });
      version.stagedForwarders = undefined;
    }
    for (const name of version.classExports()) {
      this.#lineage(name).add(version.rawExport(name) as new (...args: unknown[]) => unknown, !sameCode);
    }
    version.classesRemembered = true;
  }

  /** The first version was committed by a live load, which never adopts: record its classes now. */
  #rememberClasses(version: ModuleVersion): void {
    for (const name of version.classExports()) {
      const value = version.rawExport(name) as object;
      const lineage = this.#lineage(name);
      if (!lineage.has(value)) lineage.remember(value);
    }
    version.classesRemembered = true;
  }

  /** Versions of this module were collected: their class versions leave the lineages (see ClassLineage.prune). */
  pruneLineages(): void {
    this.#classVersions.forEach(prune);
  }

  /** For the version tracker: one function per node, not per version; a GC that collects many versions prunes each node once. */
  readonly onVersionCollected = (): void => {
    if (this.#classVersions.size === 0 || pruneQueue.has(this)) return;
    // Outside any version's scope: hotswap's own timer, never one a version recorded.
    if (pruneQueue.size === 0) outsideScopes(() => setImmediate(pruneQueued));
    pruneQueue.add(this);
  };

  #lineage(name: string): ClassLineage {
    let lineage = this.#classVersions.get(name);
    if (!lineage) this.#classVersions.set(name, (lineage = new ClassLineage()));
    return lineage;
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
