/**
 * A `ModuleVersion` is one evaluated version of a project file (its node is
 * the file for the life of the process). It holds the transformed code, the
 * source it was made from, its exports, what it imports and the resources it
 * created (its scope); importers never hold it, they read it through the node's namespace.
 */
import { createResourceScope, type ResourceScope } from '../resources/index.ts';
import type { TransformedModule } from '../transform/transform-module.ts';
import { createHotState, type HotContext, type HotState } from './hot-context.ts';
import type { ModuleNode } from './module-node.ts';
import { readExportOf } from './evaluate.ts';
import { createCallStats, isClass, type CallStats, type StableFunction } from './stable-function.ts';
import type { TrackedVersion } from './version-tracker.ts';

export type VersionStatus = 'evaluating' | 'evaluated' | 'failed';

/** Rebinds a module's import bindings: each becomes `swap(binding)` (its call companion follows). */
export type Rebinder = (swap: (namespace: unknown) => unknown) => void;

export class ModuleVersion {
  readonly node: ModuleNode;
  readonly version: number;
  readonly transformed: TransformedModule;
  /** SHA-256 of the source this version was made from. */
  readonly hash: string;
  /** The source text this version was made from (from disk, or given in memory). */
  readonly source: string;
  /**
   * The open transaction this version belongs to; cleared at commit or abort, so
   * an `import()` or `require()` the version makes later runs in live mode.
   */
  stagingContext: unknown;
  /** ESM: the object the module code defines its export getters on. */
  readonly esmExports: Record<string, unknown> = fastNullObject();
  /** CJS/JSON: `module` as the code sees it. */
  get cjsModule(): { exports: unknown } {
    return (this.#cjsModule ??= { exports: {} });
  }
  /** Made on first use: an ES module version has none. */
  #cjsModule: { exports: unknown } | undefined;
  /** Created with the version's `import.meta.hot` (most modules never read it). */
  #hotState: HotState | undefined;
  /** `import.meta.hot`, once the module code read it. */
  hot: HotContext | undefined;
  /** Project modules this version imports, by path. */
  readonly imports = new Map<string, ModuleNode>();
  /** What this version's top level created (timers, listeners, servers, ...): released when it is disposed. */
  readonly scope: ResourceScope;
  /** Modules above this one in the import chain that started its evaluation (cycle detection). */
  readonly chain: readonly ModuleNode[];
  /** `chain` and this node: the chain of the versions this one starts (one array, not one per import). */
  #childChain: readonly ModuleNode[] | undefined;
  /** Held by the module's V8 context: alive while any function of this version is (see evaluate.ts). */
  readonly sentinel: { module: string; version: number };
  /**
   * Staged: every import was checked (names) against the staged version of its module, which is
   * what the commit makes current (a node gets one staged version per transaction), so validation
   * need not check them again. False when one was bound to a committed version (its module may be
   * staged later in the transaction) or to one still evaluating (a cycle).
   */
  bindingsChecked = true;
  /** The version tracker's entry (leak reports): told when the version is replaced. */
  tracked: TrackedVersion | undefined;
  status: VersionStatus = 'evaluating';
  evaluatingTopLevel = true;
  /** Set when the evaluation starts (createVersion): a settled promise until then, shared by every version. */
  evaluation: Promise<void> = SETTLED;
  error: unknown;
  disposed = false;
  /** Forwarders handed to staged code before this version committed (see ModuleNode.readExport). */
  stagedForwarders: Map<string, StableFunction> | undefined;
  /** Its class exports are in its node's list of class versions (ModuleNode.adopt). */
  classesRemembered = false;
  /** `exportNameSet()` once evaluated. */
  #exportNameSet: ReadonlySet<string> | undefined;
  /**
   * Set by the module code when it has imports (the transform adds it): passes each import
   * binding through `swap` and stores the result. A staged version's commit rebinds its
   * staging views to the committed namespaces (staging-view.ts).
   */
  rebind: Rebinder | undefined;
  /** Calls through this version's stable functions (probation, error attribution). */
  readonly calls: CallStats = createCallStats();
  /**
   * Direct calls (`f()`, `ns.f()` in importers) go through the counting forwarder too
   * (probation). Otherwise they call the function itself and only calls through a
   * function handed out as a value are counted.
   */
  watchingCalls = false;
  /** `namespaceNames()` once evaluated (ESM: the names no longer change). */
  #namespaceNames: readonly string[] | undefined;
  /** Constant exports' values once evaluated, by `constantIndex` (see #constant). */
  #constants: unknown[] | undefined;
  readonly #shape: ExportShape;
  /** Local class exports once evaluated (`adopt` patches their older versions). */
  #classExports: readonly string[] | undefined;

  constructor(node: ModuleNode, transformed: TransformedModule, read: { source: string; hash: string }, chain: readonly ModuleNode[]) {
    this.node = node;
    this.version = node.nextVersion++;
    this.transformed = transformed;
    this.hash = read.hash;
    this.source = read.source;
    this.chain = chain;
    this.sentinel = { module: node.id, version: this.version };
    this.scope = createResourceScope(this.sentinel, () => this.evaluatingTopLevel);
    this.#shape = exportShape(transformed);
  }

  /** Names this module defines itself (re-exports are not wrapped again). */
  get localExports(): ReadonlySet<string> {
    return this.#shape.local;
  }

  /** Local exports whose binding never changes within this version (const, function, class, default). */
  get constantExports(): ReadonlySet<string> {
    return this.#shape.constant;
  }

  /** Which of the runner's per-version arguments its code names (the others are not made: see ModuleRegistry.#evaluate). */
  get uses(): RunnerUses {
    return this.#shape.uses;
  }

  /** Its code says `prototype`: its forwarders' `prototype` follows at every commit (stable-function.ts retargetCell). */
  get mentionsPrototype(): boolean {
    return this.#shape.mentionsPrototype;
  }

  /** What the version declared through `import.meta.hot` (nothing, a shared empty state, until it read it). */
  get hotState(): HotState {
    return this.#hotState ?? NO_HOT_STATE;
  }

  /** The state `import.meta.hot` writes to: created on the first read of `import.meta.hot`. */
  ownHotState(): HotState {
    return (this.#hotState ??= createHotState());
  }

  get childChain(): readonly ModuleNode[] {
    if (this.#childChain) return this.#childChain;
    // slice + push: no iterator (a spread of a 1,000-module re-run's chains was ~0.25 MB per reload).
    const chain = this.chain.slice();
    chain.push(this.node);
    return (this.#childChain = chain);
  }

  /**
   * Whether an export is a class (patched across versions, never forwarded). A constant
   * export's declaration answers without looking at the value: a re-run creates new function
   * objects, and inspecting each one (its `prototype`) costs more than the rest of a commit.
   */
  isClassExport(name: string, value: unknown = this.rawExport(name)): boolean {
    if (typeof value !== 'function') return false;
    const declared = this.#shape.declares.get(name);
    return declared === undefined ? isClass(value) : declared === 'class';
  }

  /** How a constant local export is declared (`function` / `class`), when its declaration says. */
  declaredKind(name: string): 'class' | 'function' | undefined {
    return this.#shape.declares.get(name);
  }

  get isCommonJs(): boolean {
    return this.transformed.format !== 'esm';
  }

  /** The raw value of an export as this version defines it. */
  rawExport(name: string): unknown {
    if (!this.isCommonJs) return this.status === 'evaluated' && this.constantExports.has(name) ? this.#constant(name) : readExportOf(this.esmExports, name);
    const value = this.cjsModule.exports;
    if (name === 'default') return isEsModuleInterop(value) ? (value as Record<string, unknown>)['default'] : value;
    return value !== null && (typeof value === 'object' || typeof value === 'function') ? (value as Record<string, unknown>)[name] : undefined;
  }

  /**
   * A constant export, read through the module's getter once. A commit reads each export ~9
   * times; from the 8th call of a function V8 gives it a feedback vector and baseline code, so
   * after the first re-run every export getter of every module held them (~2 MB at 1,000
   * modules, issue 12's heap after GC).
   */
  #constant(name: string): unknown {
    const at = this.#shape.constantIndex.get(name) as number;
    const values = (this.#constants ??= unreadSlots(this.#shape.constantIndex.size));
    let value = values[at];
    if (value === UNREAD) values[at] = value = readExportOf(this.esmExports, name);
    return value;
  }

  /**
   * The values the module code handed over when its top level finished (`__hotswap_done__`, see
   * shortExportGetters): those of constant exports are kept, so no getter needs a call.
   */
  recordValues(pairs: readonly unknown[]): void {
    const index = this.#shape.constantIndex;
    if (index.size === 0) return;
    const values = (this.#constants ??= unreadSlots(index.size));
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const at = index.get(pairs[i] as string);
      if (at !== undefined) values[at] = pairs[i + 1];
    }
  }

  /** Export names known before evaluation (static records), for namespaces handed out during a cycle. */
  staticExportNames(): readonly string[] {
    return this.isCommonJs ? ['default'] : this.#shape.staticNames;
  }

  /** The static export names as a set (an `export *` never shadows them). */
  staticNameSet(): ReadonlySet<string> {
    return this.#shape.staticNameSet;
  }

  exportNames(): readonly string[] {
    if (!this.isCommonJs) {
      // Without `export *` the names are the code's own: every evaluated version of the same code has them.
      const shape = this.#shape;
      if (shape.names) return shape.names;
      // Constant local exports have no property (their module's reader serves them: see
      // shortExportGetters); every name has a static record but those `export *` adds.
      const names = [...shape.staticNames];
      for (const name of Object.keys(this.esmExports)) if (!shape.staticNameSet.has(name)) names.push(name);
      if (this.status === 'evaluated' && shape.starFree) shape.names = names;
      return names;
    }
    const value = this.cjsModule.exports;
    const names = value !== null && (typeof value === 'object' || typeof value === 'function') ? Object.keys(value) : [];
    return ['default', ...names.filter((n) => n !== 'default')];
  }

  /** The export names as a set: one per evaluated ES module version (imports of it check against it). */
  exportNameSet(): ReadonlySet<string> {
    if (this.#exportNameSet) return this.#exportNameSet;
    const shape = this.#shape;
    if (shape.nameSet && this.status === 'evaluated') return (this.#exportNameSet = shape.nameSet);
    const names = new Set(this.exportNames());
    if (this.status === 'evaluated' && !this.isCommonJs) {
      this.#exportNameSet = names;
      if (shape.starFree) shape.nameSet = names;
    }
    return names;
  }

  /**
   * The names a namespace of this version shows: the static ones (a cycle may read the
   * namespace before evaluation) and, unless it failed, the evaluated ones. The same
   * array while the names cannot change (an evaluated ES module), so a sync can skip work.
   */
  namespaceNames(): readonly string[] {
    if (this.#namespaceNames) return this.#namespaceNames;
    const shape = this.#shape;
    if (shape.namespaceNames && this.status === 'evaluated') return (this.#namespaceNames = shape.namespaceNames);
    const names = this.status === 'failed' ? this.staticExportNames() : [...new Set([...this.staticExportNames(), ...this.exportNames()])];
    if (this.status === 'evaluated' && !this.isCommonJs) {
      this.#namespaceNames = names;
      if (shape.starFree) shape.namespaceNames = names;
    }
    return names;
  }

  /**
   * Local exports whose value is a class (once evaluated; ES modules are cached). Exports declared
   * as classes are known from the code; only the others' values are looked at.
   */
  classExports(): readonly string[] {
    if (this.#classExports) return this.#classExports;
    if (this.isCommonJs || this.status !== 'evaluated') return this.exportNames().filter((name) => this.isLocalExport(name) && this.isClassExport(name));
    const shape = this.#shape;
    let names = shape.declaredClasses;
    for (const name of shape.undeclared) {
      if (this.isClassExport(name)) names = [...names, name];
    }
    return (this.#classExports = names);
  }

  /** Count direct calls of this version's functions too (while it is on probation), or stop. */
  watchCalls(on: boolean): void {
    if (this.watchingCalls === on) return;
    this.watchingCalls = on;
    if (this.node.current === this) this.node.syncViews();
  }

  isLocalExport(name: string): boolean {
    return this.isCommonJs || this.localExports.has(name);
  }
}

const SETTLED: Promise<void> = Promise.resolve();

/** Marks a constant export not read yet (undefined is a value). */
const UNREAD: unique symbol = Symbol('unread');

function unreadSlots(count: number): unknown[] {
  const slots: unknown[] = [];
  for (let i = 0; i < count; i++) slots.push(UNREAD);
  return slots;
}

/**
 * An object without a prototype that V8 keeps in fast mode (`Object.create(null)` starts as a
 * dictionary): the module code defines its export getters on it and every commit reads them.
 */
function fastNullObject(): Record<string, unknown> {
  return Object.setPrototypeOf({}, null) as Record<string, unknown>;
}

/** The hot state of a version that never read `import.meta.hot`: read-only, nothing declared. */
const NO_HOT_STATE: HotState = Object.freeze({
  ...createHotState(),
  selfAcceptCallbacks: Object.freeze([]) as unknown as HotState['selfAcceptCallbacks'],
  depAccepts: Object.freeze([]) as unknown as HotState['depAccepts'],
  disposeCallbacks: Object.freeze([]) as unknown as HotState['disposeCallbacks'],
  pruneCallbacks: Object.freeze([]) as unknown as HotState['pruneCallbacks'],
  checks: Object.freeze([]) as unknown as HotState['checks'],
});

function isEsModuleInterop(value: unknown): boolean {
  return value !== null && typeof value === 'object' && (value as Record<string, unknown>)['__esModule'] === true;
}

/** Per-version arguments of the module function that only some code uses (`import.meta`, `import()`, `export *`). */
export interface RunnerUses {
  /** `__vite_ssr_import__`: static imports the transform did not rewrite to `__hotswap_import__` (runner-fixups.ts). */
  readonly ssrImport: boolean;
  readonly meta: boolean;
  readonly dynamicImport: boolean;
  readonly exportAll: boolean;
}

interface ExportShape {
  uses: RunnerUses;
  local: ReadonlySet<string>;
  constant: ReadonlySet<string>;
  /** Each constant export's slot in a version's value cache. */
  constantIndex: ReadonlyMap<string, number>;
  declares: ReadonlyMap<string, 'class' | 'function'>;
  /** Export names of the static records (each once, in order), and as a set. */
  staticNames: readonly string[];
  staticNameSet: ReadonlySet<string>;
  mentionsPrototype: boolean;
  /** No `export *`: the export names are the same in every evaluated version (cached below, from the first). */
  starFree: boolean;
  names?: readonly string[];
  nameSet?: ReadonlySet<string>;
  namespaceNames?: readonly string[];
  /** Local exports declared as classes, and local exports whose declaration does not say. */
  declaredClasses: readonly string[];
  undeclared: readonly string[];
}

/** Per transform result, not per version: a 1,000-module re-run creates 1,000 versions of unchanged code. */
const shapes = new WeakMap<TransformedModule, ExportShape>();

function exportShape(transformed: TransformedModule): ExportShape {
  let shape = shapes.get(transformed);
  if (shape) return shape;
  const esm = transformed.format === 'esm';
  const constant = esm ? transformed.exports.filter((e) => e.local && !e.mutable) : [];
  const staticNameSet = new Set(transformed.exports.map((e) => e.name));
  const { code } = transformed;
  shape = {
    // A name the code does not contain cannot be read by it: the transform writes these for `import.meta`, `import()` and `export *`.
    uses: { ssrImport: code.includes('__vite_ssr_import__('), meta: code.includes('__vite_ssr_import_meta__'), dynamicImport: code.includes('__vite_ssr_dynamic_import__'), exportAll: code.includes('__vite_ssr_exportAll__') },
    local: new Set(transformed.exports.filter((e) => e.local).map((e) => e.name)),
    constant: new Set(constant.map((e) => e.name)),
    constantIndex: new Map(constant.map((e, i) => [e.name, i] as const)),
    declares: new Map(constant.flatMap((e) => (e.declares ? [[e.name, e.declares] as const] : []))),
    staticNames: [...staticNameSet],
    staticNameSet,
    mentionsPrototype: transformed.format !== 'esm' || transformed.code.includes('prototype'),
    starFree: esm && !transformed.imports.some((r) => r.kind === 'reexport' && r.names.includes('*')),
    declaredClasses: transformed.exports.filter((e) => e.local && e.declares === 'class').map((e) => e.name),
    undeclared: transformed.exports.filter((e) => e.local && e.declares === undefined).map((e) => e.name),
  };
  shapes.set(transformed, shape);
  return shape;
}
