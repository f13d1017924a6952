/**
 * The runner: creates a project module's versions (Node's module map never
 * sees them), evaluates them and resolves their imports. Node state is written
 * only by the module graph (module-graph.ts). Two modes: live (startup and
 * dynamic imports at run time: the new version is current as it evaluates) and
 * staging (a reload transaction: versions are evaluated beside the committed
 * ones and become visible only at commit).
 */
import { ERROR_CODES, HotswapError, isHotswapError, relativePath } from '../errors.ts';
import type { CachedTransform, TransformCache } from '../transform/transform-cache.ts';
import type { TransformedModule } from '../transform/transform-module.ts';
import { defineExport, defineReader, exportAll, trackedTimers } from './evaluate.ts';
import { outsideScopes } from '../resources/index.ts';
import { ownedResource } from '../resources/owned-resource.ts';
import { HotContext } from './hot-context.ts';
import { ExternalImports } from './external-imports.ts';
import { HotEvents } from './hot-events.ts';
import { createProjectRequire, type RequireHost } from './project-require.ts';
import { ScriptNames } from './script-names.ts';
import { disposeVersion, type DisposalDeps, type DisposeReason } from './version-disposal.ts';
import { ModuleMeta } from './module-meta.ts';
import { checkExternalNames, checkImportedNames } from './imported-names.ts';
import { importLocation } from './import-location.ts';
import { ModuleGraph } from './module-graph.ts';
import { callCompanion } from './namespace-view.ts';
import type { Rebinder } from './module-version.ts';
import type { ModuleNode } from './module-node.ts';
import { ModuleVersion } from './module-version.ts';
import type { Resolver } from './resolver.ts';
import type { Evaluator } from './seams.ts';
import { firstProjectFrame, registerSourceMaps, scriptName } from './source-maps.ts';
import type { SourceStore, SourceText } from './source-store.ts';
import type { VersionTracker } from './version-tracker.ts';

/** The open reload transaction, as the registry sees it. */
export interface StagingContext {
  /** Nodes that get a new version in this transaction. */
  rerun: Set<ModuleNode>;
  /** Sources read (or given) for this transaction (read once, so every step sees the same content). */
  sources: Map<string, SourceText>;
  /** Versions created so far, in creation order. */
  created: ModuleVersion[];
}

export interface RegistryOptions {
  resolver: Resolver;
  cache: TransformCache;
  sources: SourceStore;
  evaluator: Evaluator;
  versions: VersionTracker;
  root: string;
  formatFor(file: string): 'esm' | 'cjs';
  onInvalidate(node: ModuleNode, message: string | undefined): void;
  /**
   * Runs a live load that code started at run time (`await import('./lazy.ts')` in a
   * function) in the runtime's one queue, so it never changes the graph while a
   * transaction stages. Default: at once.
   */
  serializeLive?(load: () => Promise<void>): Promise<void>;
  onHotCallbackError(error: HotswapError): void;
}


export class ModuleRegistry {
  readonly graph: ModuleGraph;
  readonly #options: RegistryOptions;
  readonly #events: HotEvents;
  /** Packages and builtins by URL: their import, and its namespace once resolved (later imports bind without waiting). */
  readonly #externals = new ExternalImports();
  readonly #scripts = new ScriptNames();
  readonly #disposal: DisposalDeps;
  readonly #requireHost: RequireHost;
  /** `frameFor`, made once: name checks pass it on every import. */
  readonly #frameFor = (location: { file: string; line: number; column: number } | undefined): string | undefined => this.frameFor(location);
  /** Versions whose namespace a cycle handed out while they evaluated. */
  readonly #readEarly = new WeakSet<ModuleVersion>();

  constructor(options: RegistryOptions) {
    this.#options = options;
    this.graph = new ModuleGraph((node) => {
      this.#scripts.forget(node);
      options.evaluator.forget?.(node.id);
    });
    this.#events = new HotEvents((error) => options.onHotCallbackError(error));
    this.#requireHost = {
      graph: this.graph,
      root: options.root,
      resolveFor: (importer, specifier) => this.#resolveFor(importer, specifier),
      versionFor: (node, staging, chain) => this.versionFor(node, staging as StagingContext | undefined, chain),
    };
    this.#disposal = { root: options.root, onError: (error) => options.onHotCallbackError(error), replaced: (version) => version.tracked && options.versions.replaced(version.tracked) };
  }

  get resolver(): Resolver {
    return this.#options.resolver;
  }

  get sources(): SourceStore {
    return this.#options.sources;
  }

  /** A code frame at a location, from the source hotswap last read of that file. */
  frameFor(location: { file: string; line: number; column: number } | undefined): string | undefined {
    return this.#options.sources.frameFor(location);
  }

  /** Import the entry (or any project file) in live mode. */
  async importLive(file: string): Promise<object> {
    const node = this.graph.ensure(file);
    const version = this.versionFor(node, undefined, []);
    await version.evaluation;
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
    } else if (staging && !staging.sources.has(node.id) && node.current?.status === 'evaluated' && !node.missing) {
      // Re-run only because a dependency changed (its file is not in the change set): the same
      // code again, neither read nor transformed again. A save of it is the next change set.
      ({ transformed } = node.current);
      read = { source: node.current.source, hash: node.current.hash };
      staging.sources.set(node.id, read);
    } else {
      read = staging?.sources.get(node.id) ?? this.#options.sources.read(node.id);
      staging?.sources.set(node.id, read);
      transformed = this.#options.cache.transform(node.id, read.source, { defaultFormat: this.#options.formatFor(node.id) });
    }
    const version = new ModuleVersion(node, transformed, read, chain);
    version.stagingContext = staging;
    // Unchanged code reuses the compiled script of the version that compiled it, and so its name (see script-cache.ts).
    const script = this.#options.evaluator.scriptNameFor?.(version) ?? scriptName(node.id, version.version);
    registerSourceMaps(script, node.id, transformed.maps);
    this.#scripts.remember(node, script);
    version.tracked = this.#options.versions.track(version.sentinel, node.id, version.version, node.onVersionCollected);
    if (staging) {
      this.graph.stage(version);
      staging.created.push(version);
    } else {
      // Importers in a cycle may read the namespace before evaluation ends: it is current (static names) now.
      this.graph.setLive(version);
    }
    // The evaluation runs in its version's scope (one context switch per module, not two: a
    // 1,000-module re-run made 2,000); the runner's own work that may schedule (cache writes) runs in none.
    version.evaluation = version.scope.run(() => this.#evaluate(version, staging));
    // Importers await `evaluation`; this guard only keeps an unobserved failure from being "unhandled".
    version.evaluation.catch(() => {});
    return version;
  }

  /**
   * Run a version's code. Not an async function: its frame and its await cost ~0.3 KB per module
   * (a 1,000-module re-run evaluates 1,000); the module code's own promise is chained instead.
   */
  #evaluate(version: ModuleVersion, staging: StagingContext | undefined): Promise<void> {
    try {
      const { node } = version;
      if (version.transformed.format === 'json') {
        version.cjsModule.exports = JSON.parse(version.transformed.code);
        this.#evaluated(version, staging);
        return SETTLED;
      }
      const cacheKey = (version.transformed as CachedTransform).cacheKey;
      // A code cache only pays off on a start; a reload compiles new code anyway.
      const compiled = this.#options.evaluator.compile(version, staging ? undefined : this.#options.cache.readCodeCache(cacheKey));
      if (compiled.codeCache === 'hit') this.#options.cache.stats.codeCacheHits++;
      if (compiled.codeCache === 'rejected') this.#options.cache.stats.codeCacheRejected++;
      const fn = compiled.fn;
      const [timeout, interval, immediate] = trackedTimers();
      if (version.transformed.format === 'cjs') {
        const require = createProjectRequire(version, this.#requireHost);
        fn.call(version.cjsModule.exports, version.cjsModule.exports, require, version.cjsModule, node.id, node.dir, timeout, interval, immediate, version.sentinel);
        this.#evaluated(version, staging, compiled.produceCodeCache, cacheKey);
        return SETTLED;
      }
      // What the code cannot name is not made (a 1,000-module re-run made ~4,000 closures and 1,000 import.meta objects no code read).
      const { uses } = version;
      const meta = uses.meta
        ? new ModuleMeta(
            node,
            (specifier: string) => {
              const r = this.resolver.resolve(specifier, node.id);
              return r.kind === 'project' ? new URL(`file://${r.path}`).href : r.url;
            },
            () => this.#hotContext(version),
          )
        : undefined;
      const running = fn(
        version.esmExports,
        meta,
        uses.ssrImport ? (specifier: string, ...names: unknown[]) => this.#importFrom(version, specifier, importedNamesOf(names)) : undefined,
        // import() always gives a promise, and a failure as its rejection
        uses.dynamicImport ? async (specifier: string) => this.#importFrom(version, specifier) : undefined,
        uses.exportAll
          ? (source: unknown) => {
              exportAll(version.esmExports, source, version.staticNameSet());
              if (this.#readEarly.has(version)) this.#syncEarly(version);
            }
          : undefined,
        timeout,
        interval,
        immediate,
        version.sentinel,
        (specifier: string) => this.#link(version, specifier),
        callCompanion,
        (rebind: Rebinder) => (version.rebind = rebind),
        defineExport,
        (_exports: unknown, ...pairs: unknown[]) => {
          version.recordValues(pairs);
          // The last line of the top level ran: evaluated now, not a microtask later, so an importer whose
          // import started this evaluation goes on at once (a re-run then evaluates its tree without awaits).
          this.#evaluated(version, staging, compiled.produceCodeCache, cacheKey);
        },
        defineReader,
        Promise,
        (specifier: string, ...names: unknown[]) => this.#importFrom(version, specifier, importedNamesOf(names), true),
      ) as Promise<void>;
      return running.then(
        () => {
          try {
            // Already evaluated by its last line, unless its code has none (a source that names the runner's helpers).
            if (version.status === 'evaluating') this.#evaluated(version, staging, compiled.produceCodeCache, cacheKey);
          } catch (error) {
            throw this.#failed(version, error);
          }
        },
        (error: unknown) => {
          throw this.#failed(version, error);
        },
      );
    } catch (error) {
      return Promise.reject(this.#failed(version, error));
    }
  }

  /**
   * Its top level finished: committed at once when live (a staging view reads the staged version
   * at use time: only `live` is synced), and V8's code cache stored when a start compiled it.
   */
  #evaluated(version: ModuleVersion, staging: StagingContext | undefined, produceCodeCache?: () => Buffer, cacheKey?: string): void {
    version.status = 'evaluated';
    version.evaluatingTopLevel = false;
    if (!staging && produceCodeCache) outsideScopes(() => this.#options.cache.writeCodeCache(cacheKey, produceCodeCache));
    if (!staging && version.node.current === version) version.node.syncViews();
  }

  #failed(version: ModuleVersion, error: unknown): unknown {
    version.status = 'failed';
    version.evaluatingTopLevel = false;
    version.error = this.toEvaluationError(error, version);
    return version.error;
  }

  /** `import.meta.hot` of a version. */
  #hotContext(version: ModuleVersion): HotContext {
    if (version.hot) return version.hot;
    const { node } = version;
    version.hot = new HotContext(node.data, version.ownHotState(), {
      resolveDep: (specifier) => {
        const resolved = this.resolver.resolve(specifier, node.id);
        return resolved.kind === 'project' ? resolved.path : resolved.url;
      },
      invalidate: (message) => this.#options.onInvalidate(node, message),
      on: (event, callback) => this.#events.on(event, callback),
      own: (resource, release) => version.scope.add(ownedResource(resource, release)),
      keep: (create) => outsideScopes(create),
    });
    return version.hot;
  }

  #syncEarly(version: ModuleVersion): void {
    if (!version.stagingContext && version.node.current === version) version.node.syncViews();
  }

  /**
   * An import as the module code makes it. Returns the namespace itself when nothing is left
   * to wait for (a dependency already evaluated, a package already loaded): the transformed code
   * then goes on without an `await` (a 1,000-module re-run makes thousands of these). Else a
   * promise: of the namespace, or of `[namespace]` when `boxed` (a rewritten static import,
   * `__hotswap_import__`). A throw here rejects the importing module, as a rejection would.
   */
  #importFrom(importer: ModuleVersion, specifier: string, importedNames?: readonly string[], boxed = false): unknown {
    const staging = importer.stagingContext as StagingContext | undefined;
    const resolved = this.#resolveFor(importer, specifier);
    if (resolved.kind === 'external') {
      const check = (namespace: unknown): unknown => {
        if (importedNames) checkExternalNames(importer, specifier, importedNames, namespace as object, this.#options.root, this.#frameFor);
        return namespace;
      };
      const external = this.#externals.get(resolved.url);
      if (external.loaded) return check(external.loaded.namespace);
      return external.pending.then((namespace) => boxedIf(boxed, check(namespace)));
    }
    const node = this.graph.ensure(resolved.path);
    importer.imports.set(node.id, node);
    if (!staging) this.graph.link(importer.node, node);
    const loaded = node.current !== undefined && node.current.status !== 'failed';
    if (!staging && !loaded && importer.status === 'evaluated' && this.#options.serializeLive) {
      // A dynamic import at run time of a module not loaded yet: a live load, through the queue.
      return this.#options.serializeLive(() => this.versionFor(node, undefined, []).evaluation).then(() => {
        if (node.current?.status === 'failed') throw node.current.error;
        return node.live;
      });
    }
    const target = this.versionFor(node, staging, importer.childChain);
    const inCycle = node === importer.node || importer.chain.includes(node);
    if (!inCycle && target.status === 'evaluating') return target.evaluation.then(() => boxedIf(boxed, this.#bind(importer, specifier, importedNames, target, staging)));
    if (inCycle && target.status === 'evaluating') {
      // A cycle hands out the namespace of a module still evaluating: show the names `export *` added so far, and later ones.
      this.#readEarly.add(target);
      this.#syncEarly(target);
    }
    // No closure for the common case, a dependency already evaluated (thousands per 1,000-module re-run).
    return this.#bind(importer, specifier, importedNames, target, staging);
  }

  /** What an import of `target` gives the importer, once `target` can be read. */
  #bind(importer: ModuleVersion, specifier: string, importedNames: readonly string[] | undefined, target: ModuleVersion, staging: StagingContext | undefined): unknown {
    if (target.status === 'failed') throw target.error;
    if (importedNames) checkImportedNames(importer, specifier, importedNames, target, this.#options.root, this.#frameFor);
    // Checked against the version this import will see after the commit only if it is the node's (one) staged version, evaluated.
    if (staging && (target !== target.node.staged || target.status !== 'evaluated')) importer.bindingsChecked = false;
    return staging ? this.#stagingView(importer, target.node, staging) : target.node.live;
  }

  /** The namespace an import will bind to, before its module evaluates (see linkImportsFirst); undefined for packages. */
  #link(importer: ModuleVersion, specifier: string): unknown {
    let resolved: ReturnType<Resolver['resolve']> | undefined;
    try {
      resolved = this.resolver.resolve(specifier, importer.node.id);
    } catch {
      return undefined;
    }
    if (resolved.kind !== 'project') return undefined;
    const staging = importer.stagingContext as StagingContext | undefined;
    const node = this.graph.ensure(resolved.path);
    return staging ? this.#stagingView(importer, node, staging) : node.live;
  }

  /** The staging view `importer` binds to (rebound to `live` when `importer` commits: ModuleGraph.commit). */
  #stagingView(_importer: ModuleVersion, node: ModuleNode, staging: StagingContext): Record<string, unknown> {
    return node.stagingViewFor(staging);
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



  /** Wrap a throw from module code as a located HotswapError (file:line:col, code frame, cause). */
  toEvaluationError(error: unknown, version: ModuleVersion): HotswapError {
    if (isHotswapError(error)) return error;
    const location = firstProjectFrame(error, (file) => this.resolver.isProjectFile(file)) ?? { file: version.node.id, line: 1, column: 1 };
    const message = error instanceof Error ? `${error.name}: ${error.message}` : `non-error thrown: ${String(error)}`;
    return new HotswapError(ERROR_CODES.EVALUATION, `${relativePath(version.node.id, this.#options.root)} failed while evaluating: ${message}`, {
      cause: error,
      location,
      frame: this.frameFor(location),
      hint: 'Fix the error and save again; the last good version keeps serving.',
    });
  }

  /**
   * Run a replaced (or aborted, or pruned) version's dispose handlers, release its resources and
   * detach its hot listeners (version-disposal.ts). Undefined when it finished at once.
   */
  disposeVersion(version: ModuleVersion, reason: DisposeReason): Promise<void> | undefined {
    return disposeVersion(version, reason, this.#disposal);
  }

  /** A throw from a hot callback (accept, dispose, prune, `on`): reaches `runtime.on('error')`. */
  reportHotCallbackError(error: HotswapError): void {
    this.#options.onHotCallbackError(error);
  }

  emitHotEvent(event: string, payload: unknown): void {
    this.#events.emit(event, payload);
  }
}

/** What an evaluation that finished at once returns (one for all: a 1,000-module start made 1,000). */
const SETTLED: Promise<void> = Promise.resolve();

/**
 * What a pending import resolves to: `[namespace]` for a static import the transform rewrote
 * (`__hotswap_import__`, see runner-fixups.ts), so a promise is never resolved with a namespace,
 * which may be a thenable (a module that exports `then`); the namespace itself otherwise.
 */
function boxedIf(boxed: boolean, namespace: unknown): unknown {
  return boxed ? [namespace] : namespace;
}

/** An import's names: given as arguments (the transform's output), or as `{ importedNames }` (a source that names the runner). */
function importedNamesOf(args: readonly unknown[]): readonly string[] | undefined {
  if (args.length === 0) return undefined;
  const first = args[0];
  return typeof first === 'string' ? (args as readonly string[]) : (first as { importedNames?: string[] } | undefined)?.importedNames;
}

/** Where an import is in a version's source (re-exported: validation imports it from here). */
export { importLocation } from './import-location.ts';
