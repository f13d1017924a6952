/**
 * hotswap's own output goes to stderr, every line prefixed `[hotswap]`, so it
 * can never be mistaken for the app's stdout. One line per reload by default,
 * phase timings with --verbose, JSON lines with --log-format json.
 */
import { Stream } from 'node:stream';
import { styleText } from 'node:util';
import { formatError, relativePath, serializeError, type HotswapError } from '../errors.ts';
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

  reload(result: ReloadResult): void {
    if (this.#options.format === 'json') return this.#json({ level: result.status === 'failed' ? 'error' : 'info', event: 'reload', ...toJson(result) });
    const rel = (f: string): string => relativePath(f, this.#options.root);
    const files = listOf(result.files.map(rel)) || '(all)';
    switch (result.status) {
      case 'skipped':
        if (this.#options.verbose) this.#line(this.#color('gray', `· ${files}: no change`));
        return;
      case 'declined':
        this.#line(`${this.#color('yellow', '!')} ${rel(result.module)} declined hot updates (import.meta.hot.decline()): restart the process to apply ${files}`);
        return;
      case 'failed':
        this.#line(`${this.#color('red', '✗')} reload #${result.id} failed (${files}); the last good version keeps serving${result.restored ? ' (restored)' : ''}`);
        this.error(result.error, 'reload');
        return;
      case 'committed': {
        const updated = listOf(result.updated.map((u) => `${rel(u.file)}@v${u.version}`));
        const rerun = result.rerun.length > 0 ? `; re-ran ${listOf(result.rerun.map((r) => rel(r.file)))}` : '';
        this.#line(`${this.#color('green', '↻')} ${updated}${rerun} ${this.#color('gray', `${result.timings.total.toFixed(1)} ms`)}`);
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

/** One line per reload stays one readable line: a burst of thousands of files names the first few. */
const LISTED = 12;
function listOf(items: string[]): string {
  return items.length <= LISTED ? items.join(', ') : `${items.slice(0, LISTED).join(', ')} and ${items.length - LISTED} more`;
}

export function toJson(result: ReloadResult): Record<string, unknown> {
  if (result.status === 'failed') return { ...result, error: serializeError(result.error as HotswapError) };
  return { ...result };
}
