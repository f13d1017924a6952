/** What participants see of a transaction, and what they may do in it (load a root, re-run modules). */
import { ERROR_CODES, HotswapError, relativePath } from '../errors.ts';
import type { ModuleVersion } from '../runner/module-node.ts';
import type { ModuleRegistry, StagingContext } from '../runner/module-registry.ts';
import type { StagedModule, TransactionView } from './participant.ts';
import { requestFiles, type NormalizedRequest } from './reload-request.ts';

export function createTransactionView(registry: ModuleRegistry, root: string, id: number, request: NormalizedRequest, staging: StagingContext, added: readonly string[]): TransactionView {
  const { graph } = registry;
  // Built once for the versions created so far (every participant reads it; 1,000 entries in a big re-run).
  let staged: StagedModule[] = [];
  return {
    id,
    trigger: request.trigger,
    caller: request.caller,
    reason: request.reason,
    files: requestFiles(request),
    get staged() {
      if (staged.length === staging.created.length) return staged;
      // The namespace view is built when a participant reads it (the version store reads file and hash only).
      staged = staging.created.map((v) => new StagedEntry(v, staging));
      return staged;
    },
    removed: request.removed,
    added,
    async load(file: string): Promise<object> {
      const node = graph.ensure(file);
      graph.markRoot(node);
      await registry.versionFor(node, staging, []).evaluation;
      return node.stagingViewFor(staging);
    },
    async rerun(files: readonly string[]): Promise<object[]> {
      const nodes = files.map((file) => {
        const node = graph.get(file);
        if (!node?.current) throw new HotswapError(ERROR_CODES.USAGE, `Cannot re-run ${relativePath(file, root)}: it is not loaded`);
        return node;
      });
      for (const node of nodes) if (!node.staged) staging.rerun.add(node);
      for (const node of nodes) await registry.versionFor(node, staging, []).evaluation;
      return nodes.map((node) => node.stagingViewFor(staging));
    },
  };
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
