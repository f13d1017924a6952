/**
 * The one owner of the module graph: the only code that writes a node's state
 * (`current`, `staged`, `importers`, `missing`, `lastError`, `fatal`, `isRoot`).
 * Every way a version becomes current goes through here: a live load
 * (`setLive`), a transaction's commit (`commit`), a dispose-first restore
 * (`restore`). test/engine/graph-owner.test.ts keeps it that way by reading the
 * sources.
 */
import { ModuleNode, type ModuleVersion } from './module-node.ts';
import { committedView } from './staging-view.ts';

export class ModuleGraph {
  readonly #nodes = new Map<string, ModuleNode>();
  readonly #onRemove: (node: ModuleNode) => void;

  constructor(onRemove: (node: ModuleNode) => void = () => {}) {
    this.#onRemove = onRemove;
  }

  get size(): number {
    return this.#nodes.size;
  }

  get(id: string): ModuleNode | undefined {
    return this.#nodes.get(id);
  }

  nodes(): IterableIterator<ModuleNode> {
    return this.#nodes.values();
  }

  ids(): string[] {
    return [...this.#nodes.keys()];
  }

  ensure(id: string): ModuleNode {
    let node = this.#nodes.get(id);
    if (!node) {
      node = new ModuleNode(id);
      this.#nodes.set(id, node);
    }
    return node;
  }

  /** Loaded by the host directly (the entry, a plugin file): never pruned for having no importer. */
  markRoot(node: ModuleNode): void {
    node.isRoot = true;
  }

  markMissing(node: ModuleNode, missing: boolean): void {
    node.missing = missing;
  }

  /** `importer`'s committed version imports `dependency`. */
  link(importer: ModuleNode, dependency: ModuleNode): void {
    dependency.importers.add(importer);
  }

  /** A live load: the version is current as it starts evaluating (importers in a cycle may read it early). */
  setLive(version: ModuleVersion): void {
    const node = version.node;
    node.current = version;
    node.syncViews();
  }

  /** A transaction evaluates `version` beside the committed one. */
  stage(version: ModuleVersion): void {
    version.node.staged = version;
  }

  /**
   * The synchronous swap: each staged version becomes current, importer links
   * move from the old version's imports to the new one's, forwarders and class
   * prototypes follow. Returns the replaced versions (to dispose).
   */
  commit(staged: readonly ModuleVersion[], tx: object, at: number): ModuleVersion[] {
    const replaced: ModuleVersion[] = [];
    // One call per version: the loop's body is what gets hot and optimized (run once per commit,
    // an optimized loop body deoptimized at the code after the loop at every commit).
    for (const version of staged) this.#commitOne(version, replaced, at);
    this.endTransaction(tx);
    return replaced;
  }

  #commitOne(version: ModuleVersion, replaced: ModuleVersion[], at: number): void {
    const node = version.node;
    const old = node.current;
    if (old) replaced.push(old);
    // A re-run that imports what its old version did leaves the links alone (shared.ts of a
    // 1,000-module app has 997 importers: deleting and adding each one churned its set).
    if (!old || !sameImports(old, version)) {
      for (const dep of old?.imports.values() ?? []) dep.importers.delete(node);
      for (const dep of version.imports.values()) dep.importers.add(node);
    }
    node.current = version;
    node.staged = undefined;
    // Its import bindings read the committed namespaces from now on, not this transaction's.
    if (version.stagingContext) version.rebind?.(committedView);
    version.stagingContext = undefined;
    // A re-run of the same code carries on the probation of the version it replaces (docs/versions.md):
    // its calls are watched from the commit on, without a second sync of its namespace.
    if (old?.watchingCalls && old.transformed === version.transformed) version.watchingCalls = true;
    node.adopt(version, old);
    node.syncViews();
    node.lastError = undefined;
    node.failedHash = undefined;
    node.fatal = undefined;
    node.lastReloadAt = at;
  }

  /**
   * The transaction failed: its staged versions never become visible. Each node
   * of `blamed` remembers why, and the hash of the text that failed.
   */
  discard(created: readonly ModuleVersion[], tx: object, blamed: Iterable<ModuleNode>, error: unknown, hashOf: (node: ModuleNode) => string | undefined): void {
    for (const version of created) {
      if (version.node.staged === version) version.node.staged = undefined;
      version.stagingContext = undefined;
    }
    this.endTransaction(tx);
    for (const node of blamed) {
      node.lastError = error;
      node.failedHash = hashOf(node);
    }
  }

  /**
   * After a failed reload of a dispose-first module: its old code, evaluated again,
   * serves again. `linked` is the version whose imports are linked now (the old one,
   * or a committed new one that failed to start).
   */
  restore(linked: ModuleVersion, restored: ModuleVersion): void {
    const node = linked.node;
    for (const dep of linked.imports.values()) dep.importers.delete(node);
    for (const dep of restored.imports.values()) dep.importers.add(node);
    restored.rebind?.(committedView);
    node.adopt(restored, linked);
    node.syncViews();
  }

  /**
   * Undo a commit of `version`: `previous` (never disposed) is current again, or
   * the node has no version when it had none. Forwarders point back.
   */
  revert(version: ModuleVersion, previous: ModuleVersion | undefined): void {
    const node = version.node;
    for (const dep of version.imports.values()) dep.importers.delete(node);
    if (previous) {
      for (const dep of previous.imports.values()) dep.importers.add(node);
      node.current = previous;
      node.adopt(previous, version);
    } else {
      node.current = undefined;
    }
    node.syncViews();
  }

  /** A committed version failed after its commit (it threw while starting): the module is failing, pending a fix. */
  blame(node: ModuleNode, error: unknown, hash: string | undefined): void {
    node.lastError = error;
    node.failedHash = hash;
  }

  /** Neither the new nor the old version of `node` evaluates: no good version serves it. */
  markFatal(node: ModuleNode, error: unknown): void {
    node.fatal = error;
  }

  /**
   * Remove nodes nothing imports any more (deleted files, dropped imports),
   * starting from `candidates` (nodes that lost an importer) and following what
   * they imported. Roots stay unless deleted. `dispose` runs for each removed version.
   */
  async prune(candidates: Iterable<ModuleNode>, missing: ReadonlySet<ModuleNode>, entry: ModuleNode | undefined, dispose: (version: ModuleVersion) => Promise<void>): Promise<string[]> {
    const pruned: string[] = [];
    const queue = [...candidates];
    while (queue.length > 0) {
      const node = queue.shift() as ModuleNode;
      if (node === entry || node.importers.size > 0 || !node.current || this.#nodes.get(node.id) !== node) continue;
      if (!missing.has(node) && node.isRoot) continue;
      const version = node.current;
      for (const dep of version.imports.values()) {
        dep.importers.delete(node);
        queue.push(dep);
      }
      node.current = undefined;
      await dispose(version);
      this.#remove(node);
      pruned.push(node.id);
    }
    return pruned;
  }

  /** A live load failed: drop the versions it left half-evaluated, so the next attempt starts clean. Returns them (to dispose). */
  forgetFailedLive(): ModuleVersion[] {
    const dropped: ModuleVersion[] = [];
    for (const node of this.#nodes.values()) {
      if (node.current && node.current.status !== 'evaluated') {
        dropped.push(node.current);
        node.current = undefined;
        node.syncViews();
      }
    }
    return dropped;
  }

  endTransaction(tx: object): void {
    for (const node of this.#nodes.values()) node.endTransaction(tx);
  }

  #remove(node: ModuleNode): void {
    this.#nodes.delete(node.id);
    this.#onRemove(node);
  }
}

function sameImports(a: ModuleVersion, b: ModuleVersion): boolean {
  if (a.imports.size !== b.imports.size) return false;
  // forEach, not an iterator: no entry array per import (a 1,000-module commit compares ~4,000).
  let same = true;
  b.imports.forEach((node, id) => {
    if (same && a.imports.get(id) !== node) same = false;
  });
  return same;
}
