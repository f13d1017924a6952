/**
 * Source → runner format. Three steps, all from oxc (Rust, prebuilt binaries):
 *   1. `transformSync` strips TypeScript/JSX to JavaScript (source map 1),
 *   2. `parseSync` of that JavaScript yields the import/export records, so the
 *      records describe exactly the imports that survive type elision,
 *   3. `moduleRunnerTransformSync` rewrites `import`/`export` into runner calls
 *      that read bindings at use time (source map 2). CommonJS skips step 3.
 * The maps are kept as a chain and composed only when a stack trace needs them.
 */
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import type * as OxcParser from 'oxc-parser';
import type * as OxcTransform from 'oxc-transform';
import { ERROR_CODES, HotswapError } from '../errors.ts';
import { codeFrame, offsetToLineColumn } from '../shared/code-frame.ts';
import { readModuleRecords, type ExportRecord, type ImportRecord } from './module-records.ts';
import { applyEdits, linkImportsFirst, nameAnonymousDefaults, shortExportGetters, type Edit } from './runner-fixups.ts';

export type ModuleFormat = 'esm' | 'cjs' | 'json';

// oxc loads its native bindings on first use, not at start: a warm start (every module in the
// transform cache) never needs it.
const require = createRequire(import.meta.url);
let parser: typeof OxcParser | undefined;
let transformer: typeof OxcTransform | undefined;
const oxcParser = (): typeof OxcParser => (parser ??= require('oxc-parser') as typeof OxcParser);
const oxcTransform = (): typeof OxcTransform => (transformer ??= require('oxc-transform') as typeof OxcTransform);

export interface TransformedModule {
  file: string;
  format: ModuleFormat;
  /** Runner-format JavaScript (body of the module function). */
  code: string;
  /** Source maps as JSON, outermost first: runner code → JavaScript → original source. */
  maps: string[];
  imports: ImportRecord[];
  exports: ExportRecord[];
}

export interface TransformOptions {
  /** Format for `.js`/`.ts` files without import/export syntax (from package.json `type`). */
  defaultFormat: 'esm' | 'cjs';
}

/** Bump when the output shape changes, so disk caches from older versions are ignored. */
export const TRANSFORM_VERSION = 'hs-transform-15';

export function transformModule(file: string, source: string, options: TransformOptions): TransformedModule {
  const ext = extname(file);
  if (ext === '.json') return transformJson(file, source);

  const stripped = oxcTransform().transformSync(file, source, { sourcemap: true, typescript: { onlyRemoveTypeImports: false }, jsx: { runtime: 'automatic' } });
  throwOnErrors(file, source, stripped.errors);

  const parsed = oxcParser().parseSync(file.replace(/\.[cm]?tsx?$/, '.js'), stripped.code, { sourceType: 'unambiguous' });
  throwOnErrors(file, stripped.code, parsed.errors);
  const records = readModuleRecords(stripped.code, parsed.program, parsed.module);
  const format = detectFormat(ext, records.hasModuleSyntax, options.defaultFormat);
  const tsMap = stripped.map ? JSON.stringify(stripped.map) : undefined;

  if (format === 'cjs') {
    return { file, format, code: stripped.code, maps: tsMap ? [tsMap] : [], imports: records.imports, exports: [] };
  }
  const js = applyEdits(stripped.code, [...splitDefaultAndNamespaceImports(parsed.module.staticImports), ...nameAnonymousDefaults(stripped.code, parsed.program)]);
  const runner = oxcTransform().moduleRunnerTransformSync(file.replace(/\.[cm]?tsx?$/, '.js'), js, { sourcemap: true });
  throwOnErrors(file, js, runner.errors);
  const maps = [runner.map ? JSON.stringify(runner.map) : undefined, tsMap].filter((m): m is string => m !== undefined);
  // Direct calls are rewritten by pattern: not in a source that itself mentions the runner's names.
  const directCalls = !js.includes('__vite_ssr_import') && !js.includes('__hotswap_');
  const code = directCalls ? shortExportGetters(runner.code, new Set(records.exports.filter((e) => e.mutable).map((e) => e.name))) : runner.code;
  return { file, format, code: linkImportsFirst(code, directCalls), maps, imports: records.imports, exports: records.exports };
}

function detectFormat(ext: string, hasModuleSyntax: boolean, defaultFormat: 'esm' | 'cjs'): ModuleFormat {
  if (ext === '.mjs' || ext === '.mts') return 'esm';
  if (ext === '.cjs' || ext === '.cts') return 'cjs';
  return hasModuleSyntax ? 'esm' : defaultFormat;
}

function transformJson(file: string, source: string): TransformedModule {
  try {
    JSON.parse(source);
  } catch (error) {
    throw new HotswapError(ERROR_CODES.SYNTAX, `Invalid JSON in ${file}: ${(error as Error).message}`, { cause: error, location: { file, line: 1, column: 1 } });
  }
  return { file, format: 'json', code: source, maps: [], imports: [], exports: [{ name: 'default', local: true, mutable: false }] };
}

interface OxcErrorLike {
  message: string;
  labels: { start: number; end: number; message?: string | null }[];
  helpMessage?: string | null;
}

function throwOnErrors(file: string, source: string, errors: readonly OxcErrorLike[]): void {
  const first = errors[0];
  if (!first) return;
  const offset = first.labels[0]?.start ?? 0;
  const { line, column } = offsetToLineColumn(source, offset);
  throw new HotswapError(ERROR_CODES.SYNTAX, `Syntax error: ${first.message}`, {
    location: { file, line, column },
    frame: codeFrame(source, line, column),
    hint: first.helpMessage ?? 'Fix the syntax and save again; the last good version keeps serving.',
  });
}

/**
 * Works around the module-runner transform leaving the default binding of
 * `import d, * as ns from 'x'` unrewritten: split it into two imports on the
 * same line, so line numbers stay exact.
 */
function splitDefaultAndNamespaceImports(imports: ReturnType<typeof OxcParser.parseSync>['module']['staticImports']): Edit[] {
  const targets = imports.filter(
    (s) => s.entries.some((e) => (e.importName.kind as string) === 'Default') && s.entries.some((e) => (e.importName.kind as string) === 'NamespaceObject'),
  );
  return targets.map((statement) => {
    const source = JSON.stringify(statement.moduleRequest.value);
    const def = statement.entries.find((e) => (e.importName.kind as string) === 'Default')?.localName.value;
    const ns = statement.entries.find((e) => (e.importName.kind as string) === 'NamespaceObject')?.localName.value;
    return { start: statement.start, end: statement.end, text: `import * as ${ns} from ${source}; import ${def} from ${source};` };
  });
}
