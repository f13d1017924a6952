/**
 * Resolves specifiers the way TypeScript users write them. Project files
 * (inside a root, outside node_modules) are the runner's: `./x.ts`, `./x.js`
 * meaning `x.ts`, extensionless `./x`, `./dir` → `dir/index.ts`, and tsconfig
 * `paths`. Everything else (packages, `node:` builtins) is handed to Node.
 */
import { statSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve as resolvePath, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { builtinModules } from 'node:module';
import { createPathsMatcher, getTsconfig } from 'get-tsconfig';
import { resolve as resolveEsm } from 'import-meta-resolve';
import { ERROR_CODES, HotswapError } from '../errors.ts';

export type Resolved = { kind: 'project'; path: string } | { kind: 'external'; url: string; specifier: string };

export const PROJECT_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs', '.json'] as const;
const TRY_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs', '.json'];
const JS_TO_TS: Record<string, string[]> = { '.js': ['.ts', '.tsx'], '.jsx': ['.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'] };
const BUILTINS = new Set(builtinModules);

export interface ResolverOptions {
  roots: readonly string[];
  /** Directory whose tsconfig.json supplies `paths` (default: first root). */
  tsconfigFrom?: string;
  /** Whether a path is an existing file (the source reader's; the disk by default). */
  isFile?: (path: string) => boolean;
}

export class Resolver {
  readonly #roots: readonly string[];
  readonly #paths: ((specifier: string) => string[]) | null;
  /** importing file → specifier → resolution (by file, not directory: no key string to build per import of a re-run). */
  readonly #cache = new Map<string, Map<string, Resolved>>();
  /** Why tsconfig.json could not be read (its `paths` are then not applied). */
  readonly #tsconfigError: string | undefined;
  readonly #isFile: (path: string) => boolean;

  constructor(options: ResolverOptions) {
    this.#roots = options.roots.map((r) => resolvePath(r));
    this.#isFile = options.isFile ?? isFile;
    const paths = readPathsMatcher(options.tsconfigFrom ?? this.#roots[0]);
    this.#paths = paths.matcher;
    this.#tsconfigError = paths.error;
  }

  /** Forget cached resolutions (after files were added or removed). */
  clear(): void {
    this.#cache.clear();
  }

  isProjectFile(path: string): boolean {
    if (path.includes(`${sep}node_modules${sep}`)) return false;
    if (!(PROJECT_EXTENSIONS as readonly string[]).includes(extname(path))) return false;
    return this.#roots.some((root) => path === root || path.startsWith(root + sep));
  }

  resolve(specifier: string, fromFile: string): Resolved {
    let byFile = this.#cache.get(fromFile);
    if (!byFile) this.#cache.set(fromFile, (byFile = new Map()));
    const cached = byFile.get(specifier);
    if (cached) return cached;
    const result = this.#resolveUncached(specifier, fromFile);
    byFile.set(specifier, result);
    return result;
  }

  #resolveUncached(specifier: string, fromFile: string): Resolved {
    if (specifier.startsWith('node:') || BUILTINS.has(specifier)) return { kind: 'external', url: specifier, specifier };
    if (specifier.startsWith('file:')) specifier = fileURLToPath(specifier);
    if (specifier.startsWith('.') || isAbsolute(specifier)) {
      const found = this.#probe(resolvePath(dirname(fromFile), specifier));
      if (found) return this.#classify(found, specifier);
      throw notFound(specifier, fromFile);
    }
    if (this.#paths) {
      for (const candidate of this.#paths(specifier)) {
        const found = this.#probe(candidate);
        if (found) return this.#classify(found, specifier);
      }
    }
    try {
      const url = resolveEsm(specifier, pathToFileURL(fromFile).href);
      if (url.startsWith('file:')) {
        const path = fileURLToPath(url);
        if (this.isProjectFile(path)) return { kind: 'project', path };
      }
      return { kind: 'external', url, specifier };
    } catch (error) {
      const found = notFound(specifier, fromFile, error);
      if (!this.#tsconfigError) throw found;
      throw new HotswapError(found.code, found.message, { cause: error, hint: `${found.hint ?? ''} tsconfig.json could not be read, so its "paths" were not applied: ${this.#tsconfigError}` });
    }
  }

  #classify(path: string, specifier: string): Resolved {
    return this.isProjectFile(path) ? { kind: 'project', path } : { kind: 'external', url: pathToFileURL(path).href, specifier };
  }

  /** Exact file, `.js` written for `.ts`, extensionless, directory index. */
  #probe(base: string): string | undefined {
    if (this.#isFile(base)) return base;
    const ext = extname(base);
    for (const alt of JS_TO_TS[ext] ?? []) {
      const candidate = base.slice(0, -ext.length) + alt;
      if (this.#isFile(candidate)) return candidate;
    }
    for (const e of TRY_EXTENSIONS) if (this.#isFile(base + e)) return base + e;
    for (const e of TRY_EXTENSIONS) if (this.#isFile(`${base}${sep}index${e}`)) return `${base}${sep}index${e}`;
    return undefined;
  }
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

function notFound(specifier: string, fromFile: string, cause?: unknown): HotswapError {
  return new HotswapError(ERROR_CODES.MODULE_NOT_FOUND, `Cannot find module "${specifier}" imported from ${fromFile}`, {
    cause,
    hint: specifier.startsWith('.') ? 'Check the path and the file name; create the file or fix the import, then save.' : `Install the package (npm install ${specifier.split('/')[0]}) or fix the import.`,
  });
}

/**
 * tsconfig `paths`, if any. A tsconfig that cannot be read (a broken `extends`, say, in a
 * copied project) only costs the aliases: relative imports and packages still resolve.
 */
function readPathsMatcher(from: string | undefined): { matcher: ((specifier: string) => string[]) | null; error: string | undefined } {
  try {
    const tsconfig = getTsconfig(from);
    return { matcher: tsconfig ? createPathsMatcher(tsconfig) : null, error: undefined };
  } catch (error) {
    return { matcher: null, error: (error as Error).message };
  }
}
