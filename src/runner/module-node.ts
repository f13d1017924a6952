/**
 * A `ModuleNode` is one project file for the life of the process; a
 * `ModuleVersion` is one evaluated version of it. Importers never hold an
 * instance: they hold the node's namespace, which reads the committed
 * instance at use time (live bindings) and hands out stable functions.
 */
import { pathToFileURL } from 'node:url';
import type { TransformedModule } from '../transform/transform-module.ts';
import { createHotState, type HotContext, type HotState } from './hot-context.ts';
import { createCallStats, createStableFunction, isClass, retarget, patchClassVersions, type StableFunction } from './stable-function.ts';

export type VersionStatus = 'evaluating' | 'evaluated' | 'failed';

export class ModuleVersion {
  readonly node: ModuleNode;
  readonly version: number;
  readonly transformed: TransformedModule;
  /** SHA-256 of the source this version was made from. */
  readonly hash: string;
  /** The source text this version was made from (from disk, or given in memory). */
  readonly source: string;
  /** Whether it was evaluated for a reload transaction (reads staged dependencies). */
  readonly staging: boolean;
  /**
   * The open transaction this version belongs to; cleared at commit or abort, so
   * an `import()` or `require()` the version makes later runs in live mode.
   */
  stagingContext: unknown;
  /** ESM: the object the module code defines its export getters on. */
  readonly esmExports: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  /** CJS/JSON: `module` as the code sees it. */
  readonly cjsModule: { exports: unknown } = { exports: {} };
  readonly hotState: HotState = createHotState();
  hot: HotContext | undefined;
  /** Project modules this version imports, by path. */
  readonly imports = new Map<string, ModuleNode>();
  /** Timers created while the module evaluated: cleared when this version is disposed. */
  readonly timers = new Set<NodeJS.Timeout | NodeJS.Immediate>();
  /** Modules above this one in the import chain that started its evaluation (cycle detection). */
  readonly chain: readonly ModuleNode[];
  /** Names this module defines itself (re-exports are not wrapped again). */
  readonly localExports: ReadonlySet<string>;
  /** Local exports whose binding never changes within this version (const, function, class, default). */
  readonly constantExports: ReadonlySet<string>;
  /** Held by the module's V8 context: alive while any function of this version is (see evaluate.ts). */
  readonly sentinel: { module: string; version: number };
  status: VersionStatus = 'evaluating';
  evaluatingTopLevel = true;
  evaluation: Promise<void> = Promise.resolve();
  error: unknown;
  disposed = false;
  /** Time spent evaluating, ms. */
  evaluateMs = 0;
  /** Calls through this version's stable functions (probation, error attribution). */
  readonly calls = createCallStats();

  constructor(node: ModuleNode, transformed: TransformedModule, read: { source: string; hash: string }, staging: boolean, chain: readonly ModuleNode[]) {
    this.node = node;
    this.version = node.nextVersion++;
    this.transformed = transformed;
    this.hash = read.hash;
    this.source = read.source;
    this.staging = staging;
    this.chain = chain;
    this.sentinel = { module: node.id, version: this.version };
    this.localExports = new Set(transformed.exports.filter((e) => e.local).map((e) => e.name));
    this.constantExports = new Set(transformed.format === 'esm' ? transformed.exports.filter((e) => e.local && !e.mutable).map((e) => e.name) : []);
  }

  get isCommonJs(): boolean {
    return this.transformed.format !== 'esm';
  }

  /** The raw value of an export as this version defines it. */
  rawExport(name: string): unknown {
    if (!this.isCommonJs) return this.esmExports[name];
    const value = this.cjsModule.exports;
    if (name === 'default') return isEsModuleInterop(value) ? (value as Record<string, unknown>)['default'] : value;
    return value !== null && (typeof value === 'object' || typeof value === 'function') ? (value as Record<string, unknown>)[name] : undefined;
  }

  /** Export names known before evaluation (static records), for namespaces handed out during a cycle. */
  staticExportNames(): string[] {
    return this.isCommonJs ? ['default'] : this.transformed.exports.map((e) => e.name);
  }

  exportNames(): string[] {
    if (!this.isCommonJs) return Object.keys(this.esmExports);
    const value = this.cjsModule.exports;
    const names = value !== null && (typeof value === 'object' || typeof value === 'function') ? Object.keys(value) : [];
    return ['default', ...names.filter((n) => n !== 'default')];
  }

  isLocalExport(name: string): boolean {
    return this.isCommonJs || this.localExports.has(name);
  }
}

function isEsModuleInterop(value: unknown): boolean {
  return value !== null && typeof value === 'object' && (value as Record<string, unknown>)['__esModule'] === true;
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
  /** Set when neither its new nor its old version evaluates (a failed dispose-first restore): no good version serves. */
  fatal: unknown;
  lastReloadAt: number | undefined;
  /**
   * Namespace seen by committed code: a plain object (not a Proxy: V8 inlines
   * its property loads). Constant exports are data properties (functions as
   * their stable forwarder); `let` exports are getters reading the current version.
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
    this.live = createView();
  }

  /**
   * The namespace staged code of transaction `tx` gets. A fresh object per
   * transaction: staged code keeps it after the commit, so it must never see
   * the staged versions of a later transaction.
   */
  stagingViewFor(tx: object): Record<string, unknown> {
    if (this.#txView?.tx === tx) return this.#txView.view;
    const view = createView();
    this.#txView = { tx, view };
    this.#views.push(new WeakRef(view));
    this.#syncView(view, true);
    return view;
  }

  /** Re-define the namespaces' properties from the current version (after a live evaluation or a commit). */
  syncViews(): void {
    this.#syncView(this.live, false);
    for (let i = this.#views.length - 1; i >= 0; i--) {
      const view = this.#views[i]?.deref();
      if (view) this.#syncView(view, this.#txView?.view === view && this.staged !== undefined);
      else this.#views.splice(i, 1);
    }
  }

  /** The transaction ended (committed or aborted): its namespace now reads the current version. */
  endTransaction(tx: object): void {
    if (this.#txView?.tx !== tx) return;
    const { view } = this.#txView;
    this.#txView = undefined;
    this.#syncView(view, false);
  }

  /** Refresh the open transaction's namespace (its staged version finished evaluating). */
  syncStagingView(): void {
    if (this.#txView) this.#syncView(this.#txView.view, true);
  }

  #syncView(view: Record<string, unknown>, staging: boolean): void {
    const instance = staging ? (this.staged ?? this.current) : this.current;
    const names = new Set<string>(instance ? [...instance.staticExportNames(), ...(instance.status === 'evaluated' ? instance.exportNames() : [])] : []);
    for (const key of Object.keys(view)) if (!names.has(key)) delete view[key];
    const pick = staging ? () => this.staged ?? this.current : () => this.current;
    for (const name of names) {
      if (!staging && instance?.status === 'evaluated' && instance.constantExports.has(name)) {
        // Constant until the next commit, which syncs again: a plain data property.
        Object.defineProperty(view, name, { value: this.readExport(instance, name), enumerable: true, writable: false, configurable: true });
        continue;
      }
      Object.defineProperty(view, name, {
        get: () => {
          const current = pick();
          return current ? this.readExport(current, name) : undefined;
        },
        enumerable: true,
        configurable: true,
      });
    }
  }

  /** An export as importers see it: functions forwarded, classes and values as they are. */
  readExport(instance: ModuleVersion, name: string): unknown {
    const value = instance.rawExport(name);
    if (typeof value !== 'function' || !instance.isLocalExport(name) || isClass(value)) return value;
    let forwarder = this.#forwarders.get(name);
    if (!forwarder) {
      forwarder = createStableFunction(value as (...args: unknown[]) => unknown, instance.calls);
      this.#forwarders.set(name, forwarder);
    }
    return forwarder;
  }

  /** `require()` result for a CommonJS module. */
  requireView(staging: boolean): unknown {
    if (staging) return (this.#cjsStaging ??= createCjsView(this, () => this.staged ?? this.current));
    return (this.#cjsLive ??= createCjsView(this, () => this.current));
  }

  /** Point forwarders at the new version and patch old class prototypes. Part of the synchronous commit. */
  adopt(instance: ModuleVersion, previous?: ModuleVersion): void {
    if (previous?.status === 'evaluated') this.#rememberClasses(previous);
    for (const [name, forwarder] of this.#forwarders) {
      const value = instance.rawExport(name);
      if (typeof value === 'function' && !isClass(value)) retarget(forwarder, value as (...args: unknown[]) => unknown, instance.calls);
    }
    for (const name of instance.exportNames()) {
      const value = instance.rawExport(name);
      if (!isClass(value) || !instance.isLocalExport(name)) continue;
      const versions = this.#classVersions.get(name) ?? [];
      if (versions.length > 0) patchClassVersions(versions, value);
      versions.push(new WeakRef(value));
      // Keep the list short: refs of collected classes are dropped.
      this.#classVersions.set(name, versions.filter((r) => r.deref() !== undefined));
    }
  }

  /** The first version was committed by a live load, which never adopts: record its classes now. */
  #rememberClasses(instance: ModuleVersion): void {
    for (const name of instance.exportNames()) {
      const value = instance.rawExport(name);
      if (!isClass(value) || !instance.isLocalExport(name)) continue;
      const versions = this.#classVersions.get(name) ?? [];
      if (!versions.some((r) => r.deref() === value)) versions.push(new WeakRef(value));
      this.#classVersions.set(name, versions);
    }
  }
}

function createView(): Record<string, unknown> {
  const view = Object.create(null) as Record<string, unknown>;
  Object.defineProperty(view, Symbol.toStringTag, { value: 'Module' });
  return view;
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
      const instance = pick();
      return instance ? node.readExport(instance, key) : undefined;
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
