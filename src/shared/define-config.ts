/**
 * The shape of `hotswap.config.ts` (or the `hotswap` key in package.json), and
 * `defineConfig` for typing it. Outside cli/ so the library's door can export
 * it without importing the CLI; the CLI loads and validates it (cli/config.ts).
 */

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
  versions?: VersionsConfig | false;
}

/** The `versions` block: the version store, probation and automatic rollback (docs/versions.md). */
export interface VersionsConfig {
  /** Database file. @default `<root>/.hotswap/versions.db` */
  file?: string;
  /** Versions kept per module besides every stable one. @default 20 */
  keep?: number;
  /** How long a committed version is watched before it is stable, ms. @default 5000 */
  windowMs?: number;
  /** Error rate (errors / calls) at or over which a version in probation is rolled back. @default 0.5 */
  maxErrorRate?: number;
  /** Calls needed before the error rate counts. @default 5 */
  minCalls?: number;
  /** Timeout of one `import.meta.hot.check`, ms. @default 5000 */
  checkTimeoutMs?: number;
}

/** Type a config file: `export default defineConfig({ ... })`. */
export function defineConfig(config: HotswapConfig): HotswapConfig {
  return config;
}
