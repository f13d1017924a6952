/**
 * hotswap's own output goes to stderr, every line prefixed `[hotswap]`, so it
 * can never be mistaken for the app's stdout. One line per reload by default,
 * phase timings with --verbose, JSON lines with --log-format json.
 */
import { Stream } from 'node:stream';
import { styleText } from 'node:util';
import { HotswapError, formatError, isHotswapError, relativePath, serializeError } from '../errors.ts';
import type { ReloadResult } from '../reload/reload-result.ts';

export type LogFormat = 'pretty' | 'json';

export interface ReporterOptions {
  format: LogFormat;
  verbose: boolean;
  root: string;
  stream?: NodeJS.WritableStream;
}

export class Reporter {
  readonly #options: ReporterOptions;
  readonly #stream: NodeJS.WritableStream;
  /** The entry failed to start and no reload has committed since: nothing is serving yet. */
  #waitingForStart = false;

  constructor(options: ReporterOptions) {
    this.#options = options;
    this.#stream = options.stream ?? process.stderr;
  }

  info(message: string, data: Record<string, unknown> = {}): void {
    if (this.#options.format === 'json') return this.#json({ level: 'info', message, ...data });
    this.#line(message);
  }

  error(error: unknown, context = 'error'): void {
    if (this.#options.format === 'json') return this.#json({ level: 'error', event: context, error: serializeError(error) });
    const text = formatError(error, this.#options.root);
    this.#line(`${this.#color('red', '✗')} ${text.split('\n').join('\n          ')}`);
  }

  /** The entry failed on its first load: nothing runs, and the next save is a new attempt. */
  startFailed(error: unknown): void {
    this.#waitingForStart = true;
    if (this.#options.format === 'json') return this.#json({ level: 'error', event: 'start', error: serializeError(error) });
    this.error(withoutServingClaim(error), 'start');
    this.#line('the app did not start: it is waiting for a fix (save a file to try again)');
  }

  reload(result: ReloadResult): void {
    const waiting = this.#waitingForStart;
    if (result.status === 'committed') this.#waitingForStart = false;
    if (this.#options.format === 'json') return this.#json({ level: result.status === 'failed' ? 'error' : 'info', event: 'reload', ...toJson(result) });
    const rel = (f: string): string => relativePath(f, this.#options.root);
    // a burst of thousands of files is one readable line
    const files = firstFew(result.files.map(rel), 12) || '(all)';
    switch (result.status) {
      case 'skipped':
        if (this.#options.verbose) this.#line(this.#color('gray', `· ${files}: no change`));
        return;
      case 'declined':
        this.#line(`${this.#color('yellow', '!')} ${rel(result.module)} declined hot updates (import.meta.hot.decline()): restart the process to apply ${files}`);
        return;
      case 'failed':
        if (result.fatal) {
          this.#line(`${this.#color('red', '✗ FATAL')} reload #${result.id} failed (${files}): ${result.fatal.message}`);
          // The new version's error, without its "the last good version keeps serving" hint: none does.
          if (this.#options.format === 'pretty') this.#line(`${this.#color('red', '✗')} ${formatError(result.error, this.#options.root).split('\n').filter((l) => !l.startsWith('hint:')).join('\n          ')}`);
          this.error(result.fatal.error, 'fatal');
          return;
        }
        if (waiting) {
          this.#line(`${this.#color('red', '✗')} start attempt #${result.id} failed (${files}); the app has not started yet and is waiting for a fix`);
          this.error(withoutServingClaim(result.error), 'reload');
          return;
        }
        this.#line(`${this.#color('red', '✗')} reload #${result.id} failed (${files}); the last good version keeps serving${result.restored ? ' (restored)' : ''}`);
        this.error(result.error, 'reload');
        return;
      case 'committed': {
        // A transaction that changed no module (a participant looked at a file it does not want) is no reload to speak of.
        if (result.updated.length === 0 && result.pruned.length === 0) return;
        if (waiting) return this.#line(`${this.#color('green', '↻')} started (${files}) ${this.#color('gray', `${result.timings.total.toFixed(1)} ms`)}`);
        // One concise line: a reload that re-ran 1,000 modules names the first few and counts the rest.
        const rerunFiles = new Set(result.rerun.map((r) => r.file));
        const updated = firstFew(result.updated.filter((u) => !rerunFiles.has(u.file)).map((u) => `${rel(u.file)}@v${u.version}`)) || `pruned ${firstFew(result.pruned.map(rel))}`;
        // Importers that re-ran lost their module-level state: say so, the user did not edit them.
        const rerun = result.rerun.length > 0 ? `; re-ran ${result.rerun.length === 1 ? '' : `${result.rerun.length}: `}${firstFew(result.rerun.map((r) => rel(r.file)))} (state reset: not kept in import.meta.hot.data)` : '';
        const pending = result.pending?.length ? this.#color('yellow', ` · still failing: ${firstFew(result.pending.map((f) => rel(f.file)), 12)}`) : '';
        this.#line(`${this.#color('green', '↻')} ${updated}${rerun} ${this.#color('gray', `${result.timings.total.toFixed(1)} ms`)}${pending}`);
        for (const w of result.warnings ?? []) this.#line(`${this.#color('yellow', '!')} warning: ${w.message}`);
        if (this.#options.verbose) {
          const t = result.timings;
          this.#line(this.#color('gray', `  stage ${t.stage.toFixed(2)} · validate ${t.validate.toFixed(2)} · commit ${t.commit.toFixed(2)} · dispose ${t.dispose.toFixed(2)} ms`));
          for (const r of result.rerun) this.#line(this.#color('gray', `  re-ran ${rel(r.file)}: ${r.reason}`));
          for (const p of result.pruned) this.#line(this.#color('gray', `  pruned ${rel(p)}`));
        }
        return;
      }
    }
  }

  #color(color: 'red' | 'green' | 'yellow' | 'gray', text: string): string {
    // styleText checks the stream (TTY, NO_COLOR); a plain object stream (tests, embedders) gets no color.
    if (!(this.#stream instanceof Stream)) return text;
    return styleText(color, text, { stream: this.#stream, validateStream: true });
  }

  #line(text: string): void {
    this.#stream.write(`${this.#color('gray', '[hotswap]')} ${text}\n`);
  }

  #json(data: Record<string, unknown>): void {
    this.#stream.write(`${JSON.stringify({ source: 'hotswap', time: new Date().toISOString(), ...data })}\n`);
  }
}

/** Hints written for a running app ("the last good version keeps serving") are untrue before the first start. */
function withoutServingClaim(error: unknown): unknown {
  if (!isHotswapError(error) || !error.hint || !/keeps serving/.test(error.hint)) return error;
  const hint = error.hint.replace(/;?\s*the (?:last good|previous) version keeps serving\.?/, '; the app starts once it loads without errors.');
  return new HotswapError(error.code, error.message, { cause: error.cause, location: error.location, frame: error.frame, hint });
}

export function toJson(result: ReloadResult): Record<string, unknown> {
  if (result.status === 'failed') {
    const fatal = result.fatal ? { ...result.fatal, error: serializeError(result.fatal.error) } : undefined;
    return { ...result, error: serializeError(result.error as HotswapError), ...(fatal ? { fatal } : {}) };
  }
  return { ...result };
}

/** `a, b, c and 997 more`: the first few items of a list that may be long. */
function firstFew(items: readonly string[], max = 3): string {
  return items.length <= max + 1 ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
