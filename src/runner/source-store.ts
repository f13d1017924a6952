/**
 * Source text as the runner reads it: through the injected reader, or given
 * in memory by a reload request. Remembers the latest text of each file, for
 * code frames (an error points at what was evaluated, not at the disk now).
 */
import { ERROR_CODES, HotswapError, relativePath } from '../errors.ts';
import { codeFrame } from '../shared/code-frame.ts';
import { sha256 } from '../shared/hash.ts';
import type { Clock, SourceReader } from './seams.ts';

export interface SourceText {
  source: string;
  hash: string;
}

const EMPTY_HASH = sha256('');
/** How long an empty read of a file that had content waits for the editor's write, ms. */
const IN_PLACE_WRITE_WAIT_MS = 50;

export class SourceStore {
  readonly reader: SourceReader;
  readonly #clock: Clock;
  readonly #root: string;
  readonly #latest = new Map<string, string>();

  constructor(reader: SourceReader, clock: Clock, root: string) {
    this.reader = reader;
    this.#clock = clock;
    this.#root = root;
  }

  /** Read a project file for a version. A missing file is a located, actionable error. */
  read(file: string): SourceText {
    let source: string;
    try {
      source = this.reader.read(file);
    } catch (error) {
      throw new HotswapError(ERROR_CODES.FILE_DELETED, `${relativePath(file, this.#root)} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
        cause: error,
        hint: 'Restore the file, or remove the imports of it; the last good version keeps serving.',
      });
    }
    return this.use(file, source);
  }

  /** Text given in memory (a request's `sources`): remembered like a read one. */
  use(file: string, source: string): SourceText {
    this.#latest.set(file, source);
    return { source, hash: sha256(source) };
  }

  /**
   * Read a changed file once it is written. An editor that saves in place truncates
   * the file, then writes it: a read in between sees an empty file. An empty read of
   * a file that had content waits (bounded) for the write; a file that stays empty is
   * taken as empty.
   */
  async readSettled(file: string, previousHash: string | undefined): Promise<SourceText> {
    let read = this.read(file);
    if (read.hash !== EMPTY_HASH || previousHash === undefined || previousHash === EMPTY_HASH) return read;
    for (let waited = 0; waited < IN_PLACE_WRITE_WAIT_MS && read.hash === EMPTY_HASH; waited += 1) {
      await this.#clock.sleep(1);
      read = this.read(file);
    }
    return read;
  }

  latest(file: string): string | undefined {
    return this.#latest.get(file);
  }

  /** A code frame at a location, from the source hotswap last read of that file. */
  frameFor(location: { file: string; line: number; column: number } | undefined): string | undefined {
    const source = location ? this.#latest.get(location.file) : undefined;
    return location && source !== undefined ? codeFrame(source, location.line, location.column) : undefined;
  }
}
