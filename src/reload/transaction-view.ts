/** What participants see of a transaction, and what they may do in it (load a root, re-run modules). */
import { ERROR_CODES, HotswapError, relativePath } from '../errors.ts';
import type { ModuleVersion } from '../runner/module-node.ts';
import type { ModuleRegistry, StagingContext } from '../runner/module-registry.ts';
import type { StagedModule, TransactionView } from './participant.ts';
import { requestFiles, type NormalizedRequest } from './reload-request.ts';

export function createTransactionView(registry: ModuleRegistry, root: string, id: number, request: NormalizedRequest, staging: StagingContext, added: readonly string[]): TransactionView {
  return new StagingTransactionView(registry, root, id, request, staging, added);
}

/**
 * A class, not an object literal with a getter: V8 keeps a literal's accessor in a map of its
 * own (maps are freed only by a full GC), and the getter's closure held the staging context, so
 * every version a transaction created outlived every young-generation GC until a full one.
 */
class StagingTransactionView implements TransactionView {
  readonly id: number;
  readonly trigger: NormalizedRequest['trigger'];
  readonly caller: string | undefined;
  readonly reason: string | undefined;
  readonly files: readonly string[];
  readonly removed: readonly string[];
  readonly added: readonly string[];
  readonly #registry: ModuleRegistry;
  readonly #root: string;
  readonly #staging: StagingContext;
  /** Built once for the versions created so far (every participant reads it; 1,000 entries in a big re-run). */
  #staged: StagedModule[] = [];

  constructor(registry: ModuleRegistry, root: string, id: number, request: NormalizedRequest, staging: StagingContext, added: readonly string[]) {
    this.id = id;
    this.trigger = request.trigger;
    this.caller = request.caller;
    this.reason = request.reason;
    this.files = requestFiles(request);
    this.removed = request.removed;
    this.added = added;
    this.#registry = registry;
    this.#root = root;
    this.#staging = staging;
  }

  get staged(): readonly StagedModule[] {
    const staging = this.#staging;
    if (this.#staged.length === staging.created.length) return this.#staged;
    // The namespace view is built when a participant reads it (the version store reads file and hash only).
    this.#staged = staging.created.map((v) => new StagedEntry(v, staging));
    return this.#staged;
  }

  async load(file: string): Promise<object> {
    const { graph } = this.#registry;
    const node = graph.ensure(file);
    graph.markRoot(node);
    await this.#registry.versionFor(node, this.#staging, []).evaluation;
    return node.stagingViewFor(this.#staging);
  }

  async rerun(files: readonly string[]): Promise<object[]> {
    const staging = this.#staging;
    const nodes = files.map((file) => {
      const node = this.#registry.graph.get(file);
      if (!node?.current) throw new HotswapError(ERROR_CODES.USAGE, `Cannot re-run ${relativePath(file, this.#root)}: it is not loaded`);
      return node;
    });
    for (const node of nodes) if (!node.staged) staging.rerun.add(node);
    for (const node of nodes) await this.#registry.versionFor(node, staging, []).evaluation;
    return nodes.map((node) => node.stagingViewFor(staging));
  }
}

/** One staged module as participants see it: an object per module, its namespace read through the prototype (no closure per module). */
class StagedEntry implements StagedModule {
  readonly file: string;
  readonly version: number;
  readonly hash: string;
  readonly source: string;
  readonly #version: ModuleVersion;
  readonly #staging: StagingContext;

  constructor(version: ModuleVersion, staging: StagingContext) {
    this.file = version.node.id;
    this.version = version.version;
    this.hash = version.hash;
    this.source = version.source;
    this.#version = version;
    this.#staging = staging;
  }

  /** The staging namespace, made when read (the version store reads file and hash only). */
  get namespace(): object {
    return this.#version.node.stagingViewFor(this.#staging);
  }
}
