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
import { createCallStats, type CallStats, type StableFunction } from './stable-function.ts';

export type VersionStatus = 'evaluating' | 'evaluated' | 'failed';

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
  readonly esmExports: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  /** CJS/JSON: `module` as the code sees it. */
  readonly cjsModule: { exports: unknown } = { exports: {} };
  readonly hotState: HotState = createHotState();
  hot: HotContext | undefined;
  /** Project modules this version imports, by path. */
  readonly imports = new Map<string, ModuleNode>();
  /** What this version's top level created (timers, listeners, servers, ...): released when it is disposed. */
  readonly scope: ResourceScope;
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
  /** Forwarders handed to staged code before this version committed (see ModuleNode.readExport). */
  stagedForwarders: Map<string, StableFunction> | undefined;
  /** Calls through this version's stable functions (probation, error attribution). */
  readonly calls: CallStats = createCallStats();
  /** Constant exports' values once evaluated (see #constant). */
  #constants: Map<string, unknown> | undefined;

  constructor(node: ModuleNode, transformed: TransformedModule, read: { source: string; hash: string }, chain: readonly ModuleNode[]) {
    this.node = node;
    this.version = node.nextVersion++;
    this.transformed = transformed;
    this.hash = read.hash;
    this.source = read.source;
    this.chain = chain;
    this.sentinel = { module: node.id, version: this.version };
    this.scope = createResourceScope(this.sentinel, () => this.evaluatingTopLevel);
    this.localExports = new Set(transformed.exports.filter((e) => e.local).map((e) => e.name));
    this.constantExports = new Set(transformed.format === 'esm' ? transformed.exports.filter((e) => e.local && !e.mutable).map((e) => e.name) : []);
  }

  get isCommonJs(): boolean {
    return this.transformed.format !== 'esm';
  }

  /** The raw value of an export as this version defines it. */
  rawExport(name: string): unknown {
    if (!this.isCommonJs) return this.status === 'evaluated' && this.constantExports.has(name) ? this.#constant(name) : this.esmExports[name];
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
    const values = (this.#constants ??= new Map());
    if (values.has(name)) return values.get(name);
    const value = this.esmExports[name];
    values.set(name, value);
    return value;
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
