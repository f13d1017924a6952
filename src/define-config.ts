/**
 * The shape of `hotswap.config.ts` (or the `hotswap` key in package.json), and
 * `defineConfig` for typing it. Outside cli/ so the library's door can export
 * it without importing the CLI; the CLI loads and validates it (cli/config.ts).
 */
import type { VersionsOptions } from './versions/version-service.ts';

export interface HotswapConfig {
  /** Directories of reloadable project files. */
  roots?: string[];
  /** Extra ignore patterns for the watcher (path segments or RegExp sources). */
  ignore?: (string | RegExp)[];
  /** Settle window for bursts of saves, ms. */
  settleMs?: number;
  watch?: boolean;
  /** Port of the control server on 127.0.0.1; 0 picks a free one; false turns it off. */
  control?: { port?: number; allowOrigins?: string[] } | false;
  /** Keep the process alive after an uncaught exception in app code (reported, attributed). */
  keepAlive?: boolean;
  /** Version store, probation and automatic rollback (`.hotswap/versions.db`); false turns history off. */
  versions?: VersionsOptions | false;
}

/** Type a config file: `export default defineConfig({ ... })`. */
export function defineConfig(config: HotswapConfig): HotswapConfig {
  return config;
}
