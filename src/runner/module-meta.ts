/**
 * `import.meta` of a project module version: what Node gives (`url`, `filename`, `dirname`,
 * `main`, `resolve`) and `hot`, made on first read (most modules never use it). A class, not an
 * object literal with a getter: a re-run of 1,000 modules makes 1,000 of these, and a literal
 * with an accessor is built the slow way every time (issue 12).
 */
import type { HotContext } from './hot-context.ts';

export class ModuleMeta {
  readonly url: string;
  readonly filename: string;
  readonly dirname: string;
  /** As under node: true for the process's entry point (`hotswap run` puts it in argv[1]). */
  readonly main: boolean;
  /** An own function, as Node's: callable detached (`const { resolve } = import.meta`). */
  readonly resolve: (specifier: string) => string;
  readonly #hot: () => HotContext;

  constructor(node: { url: string; id: string; dir: string }, resolve: (specifier: string) => string, hot: () => HotContext) {
    this.url = node.url;
    this.filename = node.id;
    this.dirname = node.dir;
    this.main = node.id === process.argv[1];
    this.resolve = resolve;
    this.#hot = hot;
  }

  get hot(): HotContext {
    return this.#hot();
  }
}
