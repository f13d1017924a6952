/**
 * The runner's module map. It owns every project module (Node's module map
 * never sees them), creates versions, evaluates them, and links importers.
 * Two modes: live (startup and dynamic imports at run time: the new version is
 * committed as it evaluates) and staging (a reload transaction: versions are
 * evaluated beside the committed ones and become visible only at commit).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';
import { ERROR_CODES, HotswapError, isHotswapError, relativePath } from '../errors.ts';
import { codeFrame } from '../shared/code-frame.ts';
import { sha256 } from '../shared/hash.ts';
import type { CachedTransform, TransformCache } from '../transform/transform-cache.ts';
import type { TransformedModule } from '../transform/transform-module.ts';
import { compileModule, exportAll, trackedTimers } from './evaluate.ts';
import { HotContext, type EventCallback } from './hot-context.ts';
import { ModuleVersion, ModuleNode } from './module-node.ts';
import type { Resolver } from './resolver.ts';
import { firstProjectFrame, registerSourceMaps, scriptName, unregisterSourceMaps } from './source-maps.ts';
import type { VersionTracker } from './version-tracker.ts';

/** The open reload transaction, as the registry sees it. */
export interface StagingContext {
  /** Nodes that get a new version in this transaction. */
  rerun: Set<ModuleNode>;
  /** Sources read for this transaction (read once, so every step sees the same content). */
  sources: Map<string, { source: string; hash: string }>;
  /** Versions created so far, in creation order. */
  created: ModuleVersion[];
}

export interface RegistryOptions {
  resolver: Resolver;
  cache: TransformCache;
  versions: VersionTracker;
  root: string;
  formatFor(file: string): 'esm' | 'cjs';
  onInvalidate(node: ModuleNode, message: string | undefined): void;
  onHotCallbackError(error: HotswapError): void;
}

/** Old versions' script names kept mapped for stack traces of calls still in flight. */
const MAPS_KEPT_PER_MODULE = 4;

export class ModuleRegistry {
  readonly nodes = new Map<string, ModuleNode>();
  readonly #options: RegistryOptions;
  readonly #events = new Map<string, Set<EventCallback>>();
  readonly #externals = new Map<string, Promise<unknown>>();
  readonly #scripts = new Map<ModuleNode, string[]>();
  /** Latest source text per file, for code frames. */
  readonly #sources = new Map<string, string>();

  constructor(options: RegistryOptions) {
    this.#options = options;
  }

  get resolver(): Resolver {
    return this.#options.resolver;
  }

  getNode(id: string): ModuleNode | undefined {
    return this.nodes.get(id);
  }

  ensureNode(id: string): ModuleNode {
    let node = this.nodes.get(id);
    if (!node) {
      node = new ModuleNode(id);
      this.nodes.set(id, node);
    }
    return node;
  }

  removeNode(node: ModuleNode): void {
    this.nodes.delete(node.id);
    for (const script of this.#scripts.get(node) ?? []) unregisterSourceMaps(script);
    this.#scripts.delete(node);
  }

  sourceOf(file: string): string | undefined {
    return this.#sources.get(file);
  }

  /** A code frame at a location, from the source hotswap last read of that file. */
  frameFor(location: { file: string; line: number; column: number } | undefined): string | undefined {
    const source = location ? this.#sources.get(location.file) : undefined;
    return location && source !== undefined ? codeFrame(source, location.line, location.column) : undefined;
  }

  /** Source text given in memory (a request's `sources`): remembered for code frames like a read one. */
  useSource(file: string, source: string): { source: string; hash: string } {
    this.#sources.set(file, source);
    return { source, hash: sha256(source) };
  }

  /** Read a project file for a version. A missing file is a located, actionable error. */
  readSource(file: string): { source: string; hash: string } {
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch (error) {
      throw new HotswapError(ERROR_CODES.FILE_DELETED, `${relativePath(file, this.#options.root)} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
        cause: error,
        hint: 'Restore the file, or remove the imports of it; the last good version keeps serving.',
      });
    }
    this.#sources.set(file, source);
    return { source, hash: sha256(source) };
  }

  /** Import the entry (or any project file) in live mode. */
  async importLive(file: string): Promise<object> {
    const node = this.ensureNode(file);
    const instance = this.versionFor(node, undefined, []);
    await instance.evaluation;
    return node.live;
  }

  /** The version of `node` that an importer in this mode should get, created and evaluated if needed. */
  versionFor(node: ModuleNode, staging: StagingContext | undefined, chain: readonly ModuleNode[]): ModuleVersion {
    if (staging) {
      if (node.staged) return node.staged;
      if (node.current && !staging.rerun.has(node) && node.current.status !== 'failed') return node.current;
      return this.createVersion(node, staging, chain);
    }
    if (node.current && node.current.status !== 'failed') return node.current;
    return this.createVersion(node, undefined, chain);
  }

  /**
   * Create and start evaluating a version. `transformed` is given when an old
   * version is restored after a failed dispose-first reload.
   */
  createVersion(node: ModuleNode, staging: StagingContext | undefined, chain: readonly ModuleNode[], restore?: ModuleVersion): ModuleVersion {
    let transformed: TransformedModule;
    let read: { source: string; hash: string };
    if (restore) {
      ({ transformed } = restore);
      read = { source: restore.source, hash: restore.hash };
    } else {
      read = staging?.sources.get(node.id) ?? this.readSource(node.id);
      staging?.sources.set(node.id, read);
      transformed = this.#options.cache.transform(node.id, read.source, { defaultFormat: this.#options.formatFor(node.id) });
    }
    const instance = new ModuleVersion(node, transformed, read, staging !== undefined, chain);
    instance.stagingContext = staging;
    instance.hot = new HotContext(node.data, instance.hotState, {
      resolveDep: (specifier) => {
        const resolved = this.resolver.resolve(specifier, node.id);
        return resolved.kind === 'project' ? resolved.path : resolved.url;
      },
      invalidate: (message) => this.#options.onInvalidate(node, message),
      on: (event, callback) => this.#on(event, callback),
    });
    const script = scriptName(node.id, instance.version);
    registerSourceMaps(script, node.id, transformed.maps);
    this.#rememberScript(node, script);
    this.#options.versions.track(instance.sentinel, node.id, instance.version);
    if (staging) {
      node.staged = instance;
      staging.created.push(instance);
    } else {
      node.current = instance;
      // Importers in a cycle may read the namespace before evaluation ends: give it the static names now.
      node.syncViews();
    }
    instance.evaluation = this.#evaluate(instance, staging);
    // Importers await `evaluation`; this guard only keeps an unobserved failure from being "unhandled".
    instance.evaluation.catch(() => {});
    return instance;
  }

  async #evaluate(instance: ModuleVersion, staging: StagingContext | undefined): Promise<void> {
    const started = performance.now();
    try {
      const { node } = instance;
      if (instance.transformed.format === 'json') {
        instance.cjsModule.exports = JSON.parse(instance.transformed.code);
        instance.status = 'evaluated';
        if (staging) node.syncStagingView();
        else if (node.current === instance) node.syncViews();
        return;
      }
      const cacheKey = (instance.transformed as CachedTransform).cacheKey;
      // A code cache only pays off on a start; a reload compiles new code anyway.
      const compiled = compileModule(instance, staging ? undefined : this.#options.cache.readCodeCache(cacheKey));
      if (compiled.codeCache === 'hit') this.#options.cache.stats.codeCacheHits++;
      if (compiled.codeCache === 'rejected') this.#options.cache.stats.codeCacheRejected++;
      const fn = compiled.fn;
      const [timeout, interval, immediate] = trackedTimers(instance);
      if (instance.transformed.format === 'cjs') {
        const require = this.#createRequire(instance);
        fn.call(instance.cjsModule.exports, instance.cjsModule.exports, require, instance.cjsModule, node.id, dirname(node.id), timeout, interval, immediate, instance.sentinel);
      } else {
        const meta = {
          url: node.url,
          filename: node.id,
          dirname: dirname(node.id),
          hot: instance.hot,
          resolve: (specifier: string) => {
            const r = this.resolver.resolve(specifier, node.id);
            return r.kind === 'project' ? new URL(`file://${r.path}`).href : r.url;
          },
        };
        await fn(
          instance.esmExports,
          meta,
          (specifier: string) => this.#importFrom(instance, specifier),
          (specifier: string) => this.#importFrom(instance, specifier),
          (source: unknown) => exportAll(instance.esmExports, source),
          timeout,
          interval,
          immediate,
          instance.sentinel,
        );
      }
      instance.status = 'evaluated';
      if (!staging && compiled.produceCodeCache) this.#options.cache.writeCodeCache(cacheKey, compiled.produceCodeCache);
      if (staging) instance.node.syncStagingView();
      else if (instance.node.current === instance) instance.node.syncViews();
    } catch (error) {
      instance.status = 'failed';
      instance.error = this.toEvaluationError(error, instance);
      throw instance.error;
    } finally {
      instance.evaluatingTopLevel = false;
      instance.evaluateMs = performance.now() - started;
    }
  }

  async #importFrom(importer: ModuleVersion, specifier: string): Promise<unknown> {
    const staging = importer.stagingContext as StagingContext | undefined;
    const resolved = this.#resolveFor(importer, specifier);
    if (resolved.kind === 'external') return this.#importExternal(resolved.url);
    const node = this.ensureNode(resolved.path);
    importer.imports.set(node.id, node);
    if (!staging) node.importers.add(importer.node);
    const target = this.versionFor(node, staging, [...importer.chain, importer.node]);
    const inCycle = node === importer.node || importer.chain.includes(node);
    if (!inCycle) await target.evaluation;
    if (target.status === 'failed') throw target.error;
    return staging ? node.stagingViewFor(staging) : node.live;
  }

  #createRequire(importer: ModuleVersion): NodeJS.Require {
    const native = createRequire(importer.node.id);
    const require = ((specifier: string) => {
      const staging = importer.stagingContext as StagingContext | undefined;
      const resolved = this.#resolveFor(importer, specifier);
      if (resolved.kind === 'external') return native(resolved.specifier);
      const node = this.ensureNode(resolved.path);
      importer.imports.set(node.id, node);
      if (!staging) node.importers.add(importer.node);
      const target = this.versionFor(node, staging, [...importer.chain, importer.node]);
      if (target.status === 'failed') throw target.error;
      if (target.transformed.format === 'esm') {
        const inCycle = importer.chain.includes(node);
        if (target.status !== 'evaluated' && !inCycle) {
          throw new HotswapError(ERROR_CODES.REQUIRE_ESM, `require() of ES module ${relativePath(node.id, this.#options.root)} from ${relativePath(importer.node.id, this.#options.root)}`, {
            hint: 'Use import()/import instead, or load the ES module before requiring it.',
          });
        }
        return staging ? node.stagingViewFor(staging) : node.live;
      }
      return node.requireView(staging !== undefined);
    }) as NodeJS.Require;
    require.resolve = ((specifier: string) => {
      const r = this.#resolveFor(importer, specifier);
      return r.kind === 'project' ? r.path : native.resolve(r.specifier);
    }) as NodeJS.RequireResolve;
    require.cache = native.cache;
    require.main = native.main;
    return require;
  }

  #resolveFor(importer: ModuleVersion, specifier: string): ReturnType<Resolver['resolve']> {
    try {
      return this.resolver.resolve(specifier, importer.node.id);
    } catch (error) {
      if (!isHotswapError(error)) throw error;
      const location = importLocation(importer, specifier);
      throw new HotswapError(error.code, error.message.replace(importer.node.id, relativePath(importer.node.id, this.#options.root)), {
        cause: error.cause,
        hint: error.hint,
        location,
        frame: this.frameFor(location),
      });
    }
  }

  #importExternal(url: string): Promise<unknown> {
    let pending = this.#externals.get(url);
    if (!pending) {
      pending = import(url);
      this.#externals.set(url, pending);
      pending.catch(() => this.#externals.delete(url));
    }
    return pending;
  }

  /** Wrap a throw from module code as a located HotswapError (file:line:col, code frame, cause). */
  toEvaluationError(error: unknown, instance: ModuleVersion): HotswapError {
    if (isHotswapError(error)) return error;
    const location = firstProjectFrame(error, (file) => this.resolver.isProjectFile(file)) ?? { file: instance.node.id, line: 1, column: 1 };
    const message = error instanceof Error ? `${error.name}: ${error.message}` : `non-error thrown: ${String(error)}`;
    return new HotswapError(ERROR_CODES.EVALUATION, `${relativePath(instance.node.id, this.#options.root)} failed while evaluating: ${message}`, {
      cause: error,
      location,
      frame: this.frameFor(location),
      hint: 'Fix the error and save again; the last good version keeps serving.',
    });
  }

  /**
   * Run a replaced (or aborted, or pruned) version's dispose handlers, clear
   * its timers and detach its listeners. A throwing handler is reported and
   * never stops the others.
   */
  async disposeVersion(instance: ModuleVersion, reason: 'replaced' | 'aborted' | 'pruned'): Promise<void> {
    if (instance.disposed) return;
    instance.disposed = true;
    const callbacks = [...instance.hotState.disposeCallbacks, ...(reason === 'pruned' ? instance.hotState.pruneCallbacks : [])];
    for (const callback of callbacks) {
      try {
        await callback(instance.node.data);
      } catch (error) {
        this.#options.onHotCallbackError(
          new HotswapError(ERROR_CODES.HOT_CALLBACK, `A ${reason === 'pruned' ? 'prune' : 'dispose'} handler of ${relativePath(instance.node.id, this.#options.root)} threw: ${String(error)}`, { cause: error }),
        );
      }
    }
    for (const timer of instance.timers) {
      clearTimeout(timer as NodeJS.Timeout);
      clearInterval(timer as NodeJS.Timeout);
      clearImmediate(timer as NodeJS.Immediate);
    }
    instance.timers.clear();
    instance.hot?.detach();
    if (reason !== 'aborted') this.#options.versions.replaced(instance.node.id, instance.version);
  }

  emitHotEvent(event: string, payload: unknown): void {
    for (const callback of this.#events.get(event) ?? []) {
      try {
        callback(payload);
      } catch (error) {
        this.#options.onHotCallbackError(new HotswapError(ERROR_CODES.HOT_CALLBACK, `An import.meta.hot.on('${event}') handler threw: ${String(error)}`, { cause: error }));
      }
    }
  }

  #on(event: string, callback: EventCallback): () => void {
    let set = this.#events.get(event);
    if (!set) this.#events.set(event, (set = new Set()));
    set.add(callback);
    return () => set.delete(callback);
  }

  #rememberScript(node: ModuleNode, script: string): void {
    const list = this.#scripts.get(node) ?? [];
    list.push(script);
    while (list.length > MAPS_KEPT_PER_MODULE) unregisterSourceMaps(list.shift() as string);
    this.#scripts.set(node, list);
  }
}

/** Where `specifier` is imported in the original source of `importer` (through the TS map). */
export function importLocation(importer: ModuleVersion, specifier: string): { file: string; line: number; column: number } | undefined {
  const record = importer.transformed.imports.find((r) => r.specifier === specifier);
  if (!record) return undefined;
  const tsMap = importer.transformed.maps.at(-1);
  const file = importer.node.id;
  if (!tsMap || importer.transformed.maps.length === 0) return { file, line: record.line, column: record.column };
  const pos = originalPositionFor(new TraceMap(tsMap), { line: record.line, column: record.column - 1 });
  return pos.line === null || pos.column === null ? { file, line: record.line, column: record.column } : { file, line: pos.line, column: pos.column + 1 };
}
