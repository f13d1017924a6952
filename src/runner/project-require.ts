/**
 * `require` as a CommonJS project module sees it: packages and builtins through Node's own
 * `require` (outside any resource scope), project files through the runner, so they reload. An
 * ES module can be required once it has evaluated (`HS_REQUIRE_ESM` before that).
 */
import { createRequire } from 'node:module';
import { ERROR_CODES, HotswapError, relativePath } from '../errors.ts';
import { outsideScopes } from '../resources/index.ts';
import type { ModuleGraph } from './module-graph.ts';
import type { ModuleNode, ModuleVersion } from './module-node.ts';
import type { Resolver } from './resolver.ts';

/** What the require needs of the registry. */
export interface RequireHost {
  readonly graph: ModuleGraph;
  readonly root: string;
  resolveFor(importer: ModuleVersion, specifier: string): ReturnType<Resolver['resolve']>;
  /** The version an importer in this mode gets (created and evaluated if needed). */
  versionFor(node: ModuleNode, staging: object | undefined, chain: readonly ModuleNode[]): ModuleVersion;
}

export function createProjectRequire(importer: ModuleVersion, host: RequireHost): NodeJS.Require {
  const native = createRequire(importer.node.id);
  const { graph, root } = host;
  const require = ((specifier: string) => {
    const staging = importer.stagingContext as object | undefined;
    const resolved = host.resolveFor(importer, specifier);
    if (resolved.kind === 'external') return outsideScopes(() => native(resolved.specifier));
    const node = graph.ensure(resolved.path);
    importer.imports.set(node.id, node);
    if (!staging) graph.link(importer.node, node);
    const target = host.versionFor(node, staging, importer.childChain);
    if (target.status === 'failed') throw target.error;
    if (target.transformed.format === 'esm') {
      const inCycle = importer.chain.includes(node);
      if (target.status !== 'evaluated' && !inCycle) {
        throw new HotswapError(ERROR_CODES.REQUIRE_ESM, `require() of ES module ${relativePath(node.id, root)} from ${relativePath(importer.node.id, root)}`, {
          hint: 'Use import()/import instead, or load the ES module before requiring it.',
        });
      }
      return staging ? node.stagingViewFor(staging) : node.live;
    }
    return node.requireView(staging !== undefined);
  }) as NodeJS.Require;
  // Assigned from a binding, not as `require.resolve = (…) => …`: V8 allocates a function literal
  // assigned to a property in old space, where it (and the version its closure holds) waits for a full GC.
  const resolve = (specifier: string): string => {
    const r = host.resolveFor(importer, specifier);
    return r.kind === 'project' ? r.path : native.resolve(r.specifier);
  };
  require.resolve = resolve as NodeJS.RequireResolve;
  require.cache = native.cache;
  require.main = native.main;
  return require;
}
