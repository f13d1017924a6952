/**
 * Prompt and data files plugins read with `ctx.asset`: `.json` parsed, anything
 * else as text. Content is cached per absolute path and re-read when the
 * runtime reports the file changed. A JSON file that stops parsing (or a file
 * that disappears) keeps its last good content, with the error kept beside it.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { ERROR_CODES, HotswapError, relativePath } from '../errors.ts';

interface AssetEntry {
  /** Raw text of the last good read. */
  text: string | undefined;
  /** Parsed value of the last good read (the text itself for non-JSON). */
  value: unknown;
  /** Why the last read failed, until a read succeeds again. */
  error: HotswapError | undefined;
}

export interface AssetRefresh {
  /** Files whose good content changed. */
  changed: string[];
  /** Files that failed to re-read (they keep their last good content). */
  failed: { file: string; error: HotswapError }[];
}

export class AssetStore {
  readonly #entries = new Map<string, AssetEntry>();
  readonly #root: string;

  /** `root` only shortens paths in messages. */
  constructor(root: string) {
    this.#root = root;
  }

  /** Current content; the first read of a file loads it. Throws HS_ASSET if it never read well. */
  read(file: string): unknown {
    let entry = this.#entries.get(file);
    if (!entry) {
      entry = { text: undefined, value: undefined, error: undefined };
      this.#load(file, entry);
      // Remember failed first reads too: the file may appear (or be fixed) later.
      this.#entries.set(file, entry);
    }
    if (entry.text === undefined) throw entry.error ?? new HotswapError(ERROR_CODES.ASSET, `Asset ${this.#rel(file)} cannot be read`);
    return entry.value;
  }

  has(file: string): boolean {
    return this.#entries.has(file);
  }

  /** The error of the last read of `file`, if it failed. */
  errorOf(file: string): HotswapError | undefined {
    return this.#entries.get(file)?.error;
  }

  /** Re-read cached files among `files` (all cached files when omitted). */
  refresh(files?: Iterable<string>): AssetRefresh {
    const result: AssetRefresh = { changed: [], failed: [] };
    for (const file of files ?? [...this.#entries.keys()]) {
      const entry = this.#entries.get(file);
      if (!entry) continue;
      const before = entry.text;
      this.#load(file, entry);
      if (entry.error) result.failed.push({ file, error: entry.error });
      else if (entry.text !== before) result.changed.push(file);
    }
    return result;
  }

  /** Read the file into `entry`; a failure keeps the last good text and value. */
  #load(file: string, entry: AssetEntry): void {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      entry.error = new HotswapError(ERROR_CODES.ASSET, `Asset ${this.#rel(file)} cannot be read: ${code}`, {
        cause: error,
        hint: entry.text === undefined ? 'Create the file, or fix the path passed to ctx.asset().' : 'Restore the file; its last good content is still served.',
      });
      return;
    }
    if (extname(file) !== '.json') {
      Object.assign(entry, { text, value: text, error: undefined });
      return;
    }
    try {
      // Frozen: every reader shares this value, so none may change it under the others.
      entry.value = deepFreeze(JSON.parse(text) as unknown);
      entry.text = text;
      entry.error = undefined;
    } catch (error) {
      entry.error = new HotswapError(ERROR_CODES.ASSET, `Asset ${this.#rel(file)} is not valid JSON: ${(error as Error).message}`, {
        cause: error,
        location: jsonErrorLocation(file, text, error),
        hint: entry.text === undefined ? 'Fix the JSON and save again.' : 'Fix the JSON and save again; its last good content is still served.',
      });
    }
  }

  #rel(file: string): string {
    return relativePath(file, this.#root);
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** V8 reports JSON errors "at position N" (and newer versions "(line L column C)"). */
function jsonErrorLocation(file: string, text: string, error: unknown): { file: string; line: number; column: number } | undefined {
  const message = error instanceof Error ? error.message : '';
  const lineColumn = /line (\d+) column (\d+)/.exec(message);
  if (lineColumn) return { file, line: Number(lineColumn[1]), column: Number(lineColumn[2]) };
  const position = /position (\d+)/.exec(message);
  if (!position) return undefined;
  const before = text.slice(0, Number(position[1]));
  const lines = before.split('\n');
  return { file, line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}
