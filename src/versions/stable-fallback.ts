/**
 * Start on the last stable version of a module that is broken on disk. A
 * process restarted while a file does not load would otherwise serve nothing
 * until the file is fixed. The fallback is a source reader (the runtime's
 * seam): while a module's file on disk is byte for byte the broken text it saw
 * at start, the reader answers the stable source from the version store
 * instead; the file itself is never touched. Any other content on disk (the
 * developer's next save) is read as it is, so a valid save switches to the
 * disk version like any save. It is said loudly: a stderr line per module, a
 * status problem (disk and running code differ) and an event.
 */
import { ERROR_CODES, isHotswapError, type HotswapError } from '../errors.ts';
import type { ReloadParticipant } from '../reload/participant.ts';
import type { Runtime } from '../runtime/runtime.ts';
import type { SourceReader } from '../runner/seams.ts';
import { sha256 } from '../shared/hash.ts';
import type { VersionsLog } from './attach-versions.ts';
import type { VersionService } from './version-service.ts';
import type { VersionRow } from './version-store.ts';

interface Substitute {
  /** The stable version's source, served instead of the disk. */
  source: string;
  /** Hash of the broken text on disk: any other content ends the substitution. */
  diskHash: string;
  row: VersionRow;
  /** Why the disk version does not load, e.g. `HS_SYNTAX at 2:10`. */
  why: string;
  announced: boolean;
}

export class StableFallback {
  readonly reader: SourceReader;
  readonly #disk: SourceReader;
  readonly #substitutes = new Map<string, Substitute>();
  #service: VersionService | undefined;
  #log: VersionsLog | undefined;

  constructor(disk: SourceReader) {
    this.#disk = disk;
    this.reader = {
      read: (file) => {
        const text = disk.read(file);
        const substitute = this.#substitutes.get(file);
        if (!substitute) return text;
        if (sha256(text) === substitute.diskHash) return substitute.source;
        // The file changed on disk: from now on the disk is what runs (or fails, as any save).
        this.#substitutes.delete(file);
        return text;
      },
      isFile: (file) => disk.isFile(file),
      stat: (file) => {
        const stats = disk.stat?.(file);
        const substitute = this.#substitutes.get(file);
        // The size must match the text read, or a reader that checks for files written in parts reads again.
        return stats && substitute ? { size: Buffer.byteLength(substitute.source), mtimeMs: stats.mtimeMs } : stats;
      },
    };
  }

  /** Use the versions of `service`; announce each substitution once the load that used it committed. */
  attach(runtime: Runtime, service: VersionService, log?: VersionsLog): void {
    this.#service = service;
    this.#log = log;
    // Registered after the version store's participant: its record of the start-up load clears `diverged`.
    const participant: ReloadParticipant = { name: 'stable-fallback', finalize: (result) => result.status === 'committed' && this.#announce(runtime) };
    runtime.on('close', runtime.addParticipant(participant));
  }

  /**
   * Run `load` (the start-up import); when it fails in a project module that has a stable version
   * other than the text on disk, load again with that version, once per module. Rejects as `load`
   * does when no stable version helps.
   */
  async start<T>(runtime: Runtime, load: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await load();
      } catch (error) {
        if (!this.#substitute(runtime, error)) throw error;
      }
    }
  }

  #substitute(runtime: Runtime, error: unknown): boolean {
    const store = this.#service?.store;
    const location = isHotswapError(error) ? error.location : undefined;
    if (!store || store.isClosed() || !location || !runtime.isProjectFile(location.file) || this.#substitutes.has(location.file)) return false;
    const file = location.file;
    let disk: string;
    try {
      disk = this.#disk.read(file);
    } catch {
      return false;
    }
    const service = this.#service as VersionService;
    const diskHash = sha256(disk);
    const row = store.lastStable(service.rel(file));
    const source = row?.hash && row.hash !== diskHash ? store.source(row.hash) : undefined;
    if (!row || source === undefined) return false;
    const code = (error as HotswapError).code ?? ERROR_CODES.EVALUATION;
    this.#substitutes.set(file, { source, diskHash, row, why: `${code} at ${location.line}:${location.column}`, announced: false });
    return true;
  }

  #announce(runtime: Runtime): void {
    const service = this.#service;
    if (!service) return;
    for (const [file, substitute] of this.#substitutes) {
      const { row } = substitute;
      if (substitute.announced || runtime.moduleVersion(file)?.hash !== row.hash || !row.hash) continue;
      substitute.announced = true;
      const label = `${row.module}@${row.seq}`;
      const message = `${row.module} on disk does not load (${substitute.why}); running its last stable version ${label} from ${new Date(row.createdAt).toISOString()} instead — fix the file and save`;
      service.diverged.set(file, { running: row.hash, disk: substitute.diskHash, why: `the file on disk does not load (${substitute.why}); running its last stable version ${label}; fix the file and save` });
      this.#log?.warn(message, { event: 'stable-fallback', module: row.module, version: row.id });
      service.emit({ type: 'started-on-stable', version: row, message }, { startup: true });
    }
  }
}
