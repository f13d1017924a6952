/**
 * Packages and `node:` builtins, imported natively by URL (never reloaded): one `import()` per
 * URL, and its namespace once it resolved, so later imports bind without waiting. A failed
 * import is forgotten, so the next one tries again.
 */
import { outsideScopes } from '../resources/index.ts';

export interface ExternalImport {
  pending: Promise<unknown>;
  /** Set once `pending` resolved. */
  loaded?: { namespace: unknown };
}

export class ExternalImports {
  readonly #byUrl = new Map<string, ExternalImport>();

  get(url: string): ExternalImport {
    let external = this.#byUrl.get(url);
    if (!external) {
      // Outside any version's resource scope: a package's own timers and handles are not the module's.
      const created: ExternalImport = { pending: outsideScopes(() => import(url)) };
      created.pending.then((namespace) => (created.loaded = { namespace }), () => this.#byUrl.delete(url));
      this.#byUrl.set(url, (external = created));
    }
    return external;
  }
}
