/**
 * A `ModuleNode` is one project file for the life of the process; a
 * `ModuleInstance` is one evaluated version of it. Importers never hold an
 * instance: they hold the node's namespace, which reads the committed
 * instance at use time (live bindings) and hands out stable functions.
 */
import { pathToFileURL } from 'node:url';
import type { TransformedModule } from '../transform/transform-module.ts';
import { createHotState, type HotContext, type HotState } from './hot-context.ts';
import { createStableFunction, isClass, retarget, patchClassVersions, type StableFunction } from './stable-function.ts';

export type InstanceStatus = 'evaluating' | 'evaluated' | 'failed';

export class ModuleInstance {
  readonly node: ModuleNode;
  readonly version: number;
  readonly transformed: TransformedModule;
  /** SHA-256 of the source this version was made from. */
  readonly hash: string;
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
  /** Held by the module's V8 context: alive while any function of this version is (see evaluate.ts). */
  readonly sentinel: { module: string; version: number };
  status: InstanceStatus = 'evaluating';
  evaluatingTopLevel = true;
  evaluation: Promise<void> = Promise.resolve();
  error: unknown;
  disposed = false;
  /** Time spent evaluating, ms. */
  evaluateMs = 0;

  constructor(node: ModuleNode, transformed: TransformedModule, hash: string, staging: boolean, chain: readonly ModuleNode[]) {
    this.node = node;
    this.version = node.nextVersion++;
    this.transformed = transformed;
    this.hash = hash;
    this.staging = staging;
    this.chain = chain;
    this.sentinel = { module: node.id, version: this.version };
    this.localExports = new Set(transformed.exports.filter((e) => e.local).map((e) => e.name));
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
  current: ModuleInstance | undefined;
  /** The version evaluated by the open transaction, not visible to committed code until commit. */
  staged: ModuleInstance | undefined;
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
  lastReloadAt: number | undefined;
  /** Namespace seen by committed code. */
  readonly live: object;
  /** Namespace seen by staged code: the staged version if there is one. */
  readonly stagingView: object;
  /** CommonJS `require()` result seen by committed / staged code. */
  #cjsLive: unknown;
  #cjsStaging: unknown;
  readonly #forwarders = new Map<string, StableFunction>();
  readonly #classVersions = new Map<string, WeakRef<object>[]>();

  constructor(id: string) {
    this.id = id;
    this.url = pathToFileURL(id).href;
    this.live = createNamespace(this, () => this.current);
    this.stagingView = createNamespace(this, () => this.staged ?? this.current);
  }

  /** An export as importers see it: functions forwarded, classes and values as they are. */
  readExport(instance: ModuleInstance, name: string): unknown {
    const value = instance.rawExport(name);
    if (typeof value !== 'function' || !instance.isLocalExport(name) || isClass(value)) return value;
    let forwarder = this.#forwarders.get(name);
    if (!forwarder) {
      forwarder = createStableFunction(value as (...args: unknown[]) => unknown);
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
  adopt(instance: ModuleInstance, previous?: ModuleInstance): void {
    if (previous) this.#rememberClasses(previous);
    for (const [name, forwarder] of this.#forwarders) {
      const value = instance.rawExport(name);
      if (typeof value === 'function' && !isClass(value)) retarget(forwarder, value as (...args: unknown[]) => unknown);
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
  #rememberClasses(instance: ModuleInstance): void {
    for (const name of instance.exportNames()) {
      const value = instance.rawExport(name);
      if (!isClass(value) || !instance.isLocalExport(name)) continue;
      const versions = this.#classVersions.get(name) ?? [];
      if (!versions.some((r) => r.deref() === value)) versions.push(new WeakRef(value));
      this.#classVersions.set(name, versions);
    }
  }
}

function createNamespace(node: ModuleNode, pick: () => ModuleInstance | undefined): object {
  const keys = (): string[] => pick()?.exportNames() ?? [];
  return new Proxy(Object.create(null) as object, {
    get(_target, key) {
      if (key === Symbol.toStringTag) return 'Module';
      const instance = pick();
      if (!instance || typeof key !== 'string') return undefined;
      return node.readExport(instance, key);
    },
    has: (_target, key) => typeof key === 'string' && keys().includes(key),
    ownKeys: () => keys(),
    getOwnPropertyDescriptor(_target, key) {
      const instance = pick();
      if (!instance || typeof key !== 'string' || !keys().includes(key)) return undefined;
      return { value: node.readExport(instance, key), enumerable: true, configurable: true, writable: false };
    },
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  });
}

/** A CommonJS module's exports, live: an object view, or a callable one when `module.exports` is a function. */
function createCjsView(node: ModuleNode, pick: () => ModuleInstance | undefined): unknown {
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
