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
/** How often a file that keeps changing while it is read is read again (1 ms apart) before its last read is taken. */
const UNSTABLE_READS = 20;

type Stat = { size: number; mtimeMs: number };

function sameStat(a: Stat | undefined, b: Stat | undefined): boolean {
  return a?.size === b?.size && a?.mtimeMs === b?.mtimeMs;
}

export class SourceStore {
  readonly reader: SourceReader;
  readonly #clock: Clock;
  readonly #root: string;
  readonly #latest = new Map<string, string>();
  /** Size and mtime of each file when its text was last read (when the reader tells). */
  readonly #statAtRead = new Map<string, Stat>();

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
   * taken as empty. `previousHash`: the running version's; without one, the text read last counts.
   */
  async readSettled(file: string, previousHash: string | undefined): Promise<SourceText> {
    // Without a running version (an entry that never started), the text read last tells whether it had content.
    const latest = this.#latest.get(file);
    const hadContent = previousHash !== undefined ? previousHash !== EMPTY_HASH : latest !== undefined && latest !== '';
    let read = await this.readStable(file);
    if (read.hash !== EMPTY_HASH || !hadContent) return read;
    for (let waited = 0; waited < IN_PLACE_WRITE_WAIT_MS && read.hash === EMPTY_HASH; waited += 1) {
      await this.#clock.sleep(1);
      read = await this.readStable(file);
    }
    return read;
  }

  /**
   * Read a file that is not being written right now: when its size or mtime moved
   * during the read (or the text read is not as long as the file), a write was in
   * progress (a file written in parts), so it is read again (bounded).
   */
  async readStable(file: string): Promise<SourceText> {
    const { reader } = this;
    if (!reader.stat) return this.read(file);
    let read: SourceText = { source: '', hash: EMPTY_HASH };
    for (let attempt = 0; attempt < UNSTABLE_READS; attempt++) {
      if (attempt > 0) await this.#clock.sleep(1);
      const before = reader.stat(file);
      read = this.read(file);
      const after = reader.stat(file);
      if (after) this.#statAtRead.set(file, after);
      if (sameStat(before, after) && after?.size === Buffer.byteLength(read.source)) return read;
    }
    return read;
  }

  /** Whether `file` changed since its text was last read (size or mtime moved; false when the reader cannot tell). */
  changedSinceRead(file: string): boolean {
    const at = this.#statAtRead.get(file);
    return at !== undefined && this.reader.stat !== undefined && !sameStat(at, this.reader.stat(file));
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
