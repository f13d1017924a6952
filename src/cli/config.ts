/**
 * Configuration: `hotswap.config.{ts,mts,js,mjs}` or a `hotswap` key in
 * package.json, overridden by CLI flags. Validated here so a typo is an error
 * that names the key, not a silently ignored option.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ERROR_CODES, HotswapError } from '../errors.ts';
import type { HotswapConfig } from '../define-config.ts';

export type { HotswapConfig } from '../define-config.ts';

const KNOWN_KEYS = new Set(['roots', 'ignore', 'settleMs', 'watch', 'control', 'keepAlive', 'versions']);
const CONFIG_FILES = ['hotswap.config.ts', 'hotswap.config.mts', 'hotswap.config.js', 'hotswap.config.mjs'];

export async function loadConfig(root: string, explicit?: string): Promise<{ config: HotswapConfig; source: string | undefined }> {
  const file = explicit ? resolve(root, explicit) : CONFIG_FILES.map((f) => join(root, f)).find((f) => existsSync(f));
  if (explicit && (!file || !existsSync(file))) {
    throw new HotswapError(ERROR_CODES.CONFIG, `Config file not found: ${explicit}`, { hint: 'Check the path given to --config.' });
  }
  if (file) return { config: validate(await importConfig(file), file), source: file };
  const pkgPath = join(root, 'package.json');
  if (existsSync(pkgPath)) {
    try {
      const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { hotswap?: unknown };
      if (pkg.hotswap !== undefined) return { config: validate(pkg.hotswap, `${pkgPath} ("hotswap" key)`), source: pkgPath };
    } catch (error) {
      if (error instanceof HotswapError) throw error;
      throw new HotswapError(ERROR_CODES.CONFIG, `${pkgPath} is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  return { config: {}, source: undefined };
}

async function importConfig(file: string): Promise<unknown> {
  try {
    if (/\.m?ts$/.test(file)) return await importTypeScriptConfig(file);
    return ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
  } catch (error) {
    throw new HotswapError(ERROR_CODES.CONFIG, `Cannot load ${file}: ${(error as Error).message}`, {
      cause: error,
      hint: 'The config file must `export default { ... }` (defineConfig from hotswap-node is fine); the packages it imports must be installed in the project.',
    });
  }
}

/**
 * Strip the types ourselves (Node before 22.18 cannot import .ts without a flag) and import the
 * result from a `data:` URL. Nothing resolves relative to a `data:` URL, so every import
 * specifier is first resolved from the config's own location (`hotswap-node`, `./x.ts`, ...)
 * and replaced by its absolute URL; nothing is written to the project.
 */
async function importTypeScriptConfig(file: string): Promise<unknown> {
  const [{ transformSync }, { parseSync }, { resolve: resolveEsm }] = await Promise.all([import('oxc-transform'), import('oxc-parser'), import('import-meta-resolve')]);
  const { code, errors } = transformSync(file, readFileSync(file, 'utf8'));
  if (errors[0]) throw new Error(errors[0].message);
  const { module } = parseSync(file.replace(/\.m?ts$/, '.mjs'), code, { sourceType: 'module' });
  const requests = [
    ...module.staticImports.map((s) => s.moduleRequest),
    ...module.staticExports.flatMap((s) => s.entries.map((e) => e.moduleRequest).filter((r) => r !== null)),
  ].sort((a, b) => b.start - a.start);
  const parent = pathToFileURL(file).href;
  let rewritten = code;
  for (const request of requests) {
    const url = resolveEsm(request.value, parent);
    rewritten = `${rewritten.slice(0, request.start)}${JSON.stringify(url)}${rewritten.slice(request.end)}`;
  }
  const mod = (await import(`data:text/javascript;base64,${Buffer.from(rewritten).toString('base64')}`)) as { default?: unknown };
  return mod.default;
}

function validate(value: unknown, where: string): HotswapConfig {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HotswapError(ERROR_CODES.CONFIG, `${where}: the config must be an object`, { hint: 'export default { roots: ["src"] }' });
  }
  const config = value as Record<string, unknown>;
  for (const key of Object.keys(config)) {
    if (!KNOWN_KEYS.has(key)) throw new HotswapError(ERROR_CODES.CONFIG, `${where}: unknown option "${key}"`, { hint: `Known options: ${[...KNOWN_KEYS].join(', ')}.` });
  }
  const bad = (key: string, expected: string): never => {
    throw new HotswapError(ERROR_CODES.CONFIG, `${where}: "${key}" must be ${expected}`);
  };
  if (config['roots'] !== undefined && !(Array.isArray(config['roots']) && config['roots'].every((r) => typeof r === 'string'))) bad('roots', 'an array of directory paths');
  if (config['ignore'] !== undefined && !(Array.isArray(config['ignore']) && config['ignore'].every((r) => typeof r === 'string' || r instanceof RegExp))) bad('ignore', 'an array of strings or RegExps');
  if (config['settleMs'] !== undefined && !(typeof config['settleMs'] === 'number' && config['settleMs'] >= 0)) bad('settleMs', 'a number of milliseconds >= 0');
  if (config['watch'] !== undefined && typeof config['watch'] !== 'boolean') bad('watch', 'true or false');
  if (config['keepAlive'] !== undefined && typeof config['keepAlive'] !== 'boolean') bad('keepAlive', 'true or false');
  const versions = config['versions'];
  if (versions !== undefined && versions !== false && !(typeof versions === 'object' && versions !== null && !Array.isArray(versions))) bad('versions', 'false or { keep?, windowMs?, maxErrorRate?, minCalls?, checkTimeoutMs? }');
  const control = config['control'];
  if (control !== undefined && control !== false && !(typeof control === 'object' && control !== null)) bad('control', 'false or { port }');
  return config as HotswapConfig;
}
