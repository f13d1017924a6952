/**
 * `apply` and `rollback` in the running process. Both follow one path:
 * checkpoint (the running version is recorded) → evaluate the new source in
 * memory → checks and validation → commit → write the file atomically →
 * probation → stable. A failure before commit changes neither the file nor the
 * running code; only a committed version is written to disk. Operations run
 * one at a time, so each sees the result of the one before.
 */
import { readFileSync } from 'node:fs';
import { ERROR_CODES, HotswapError, serializeError, type SerializedError } from '../errors.ts';
import type { ReloadResult } from '../reload/reload-result.ts';
import { sha256 } from '../shared/hash.ts';
import { writeFileAtomic } from '../shared/atomic-write.ts';
import type { Impact, VersionCalls } from './impact.ts';
import { resolveProjectModule } from './project-path.ts';
import type { VersionService } from './version-service.ts';
import type { Trigger, VersionRow } from './version-store.ts';

export interface ApplyInput {
  module: string;
  /** The code from `--from` (the whole file for `replace`). */
  code: string;
  mode?: string | undefined;
  /** Names the code's origin in errors (`helper.ts`, `stdin`). */
  from?: string | undefined;
  reason?: string | undefined;
  caller?: string | undefined;
  dryRun?: boolean | undefined;
  /** Refuse if the file changed since the preview (SHA-256 of the file the preview was made from). */
  expectHash?: string | undefined;
}

export interface ChangeOutcome {
  status: 'dry-run' | 'committed' | 'failed' | 'skipped';
  module: string;
  impact?: Impact;
  /** The version recorded for the change (committed), or the failed attempt. */
  version: VersionRow | null;
  error: SerializedError | null;
  /** The running version's calls before the change (for the before/after report). */
  before?: VersionCalls;
}

export function changeQueue(): <T>(op: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(op: () => Promise<T>): Promise<T> => {
    const run = tail.then(op);
    tail = run.catch(() => {});
    return run;
  };
}

export async function applyChange(service: VersionService, input: ApplyInput): Promise<ChangeOutcome> {
  const { runtime } = service;
  const file = resolveProjectModule(input.module, runtime.root, runtime.roots);
  const module = service.rel(file);
  if (!runtime.moduleVersion(file)) {
    throw new HotswapError(ERROR_CODES.USAGE, `${module} is not loaded in the running process`, { hint: 'apply changes a module the app runs ("hotswap graph" lists them); to add a new file, save it and import it.' });
  }
  // oxc-parser and the impact code load on the first apply, never at the app's start.
  const [{ editSource, parseApplyMode }, { callsOf, describeImpact }] = await Promise.all([import('./edit-source.ts'), import('./impact.ts')]);
  const baseText = readFileSync(file, 'utf8');
  const base = { text: baseText, hash: sha256(baseText) };
  if (input.expectHash !== undefined && input.expectHash !== base.hash) {
    throw new HotswapError(ERROR_CODES.APPLY, `${module} changed on disk since the preview; nothing was changed`, { hint: 'Run the apply again to see the new impact.' });
  }
  const text = editSource(parseApplyMode(input.mode), baseText, input.code, module, input.from ?? 'the new code');
  const next = { text, hash: sha256(text) };
  const impact = describeImpact(runtime, file, (f) => service.rel(f), base, next);
  if (input.dryRun) return { status: 'dry-run', module, impact, version: null, error: null };
  const before = callsOf(runtime.moduleVersion(file));
  const outcome = await swap(service, file, text, { trigger: 'apply', caller: input.caller, reason: input.reason });
  return { ...outcome, impact, before };
}

export type RollbackTarget = number | string;

/** A version by id (`12`) or by `module@n` (`lib/engine.ts@3`). */
export function findVersion(service: VersionService, target: RollbackTarget): VersionRow {
  const store = service.store;
  if (!store) throw new HotswapError(ERROR_CODES.VERSIONS_UNAVAILABLE, service.unavailable ?? 'history is off', { hint: 'Run "hotswap doctor" to see why the version store cannot be opened.' });
  const text = String(target).trim();
  const at = /^(.+)@v?(\d+)$/.exec(text);
  const row = /^\d+$/.test(text) ? store.get(Number(text)) : at ? store.bySeq(service.rel(resolveProjectModule(at[1] as string, service.runtime.root, service.runtime.roots)), Number(at[2])) : undefined;
  if (!row || row.hash === null) {
    throw new HotswapError(ERROR_CODES.VERSION_NOT_FOUND, `No version ${text}${row ? ' with a source (a failed attempt)' : ''}`, { hint: 'Run "hotswap rollback" to list the rollback points, or "hotswap history <module>".' });
  }
  return row;
}

export async function rollbackTo(service: VersionService, target: RollbackTarget, meta: { trigger?: Trigger; caller?: string | undefined; reason?: string | undefined; writeFile?: boolean } = {}): Promise<ChangeOutcome> {
  const row = findVersion(service, target);
  const file = resolveProjectModule(row.module, service.runtime.root, service.runtime.roots);
  const source = service.store?.source(row.hash as string);
  if (source === undefined) throw new HotswapError(ERROR_CODES.VERSION_NOT_FOUND, `The source of ${row.module}@${row.seq} is not in the store`, { hint: 'It may have been pruned; pick another version.' });
  return swap(service, file, source, { trigger: meta.trigger ?? 'rollback', caller: meta.caller, reason: meta.reason ?? `rollback to ${row.module}@${row.seq} (#${row.id})` }, meta.writeFile ?? true);
}

/** Evaluate `text` as the new version of `file` in memory; only after it committed is the file written. */
async function swap(service: VersionService, file: string, text: string, meta: { trigger: Trigger; caller?: string | undefined; reason?: string | undefined }, writeFile = true): Promise<ChangeOutcome> {
  const { runtime, store } = service;
  const module = service.rel(file);
  const onDisk = readFileSync(file, 'utf8');
  const result: ReloadResult = await runtime.request({ sources: new Map([[file, text]]), trigger: meta.trigger, ...(meta.caller ? { caller: meta.caller } : {}), ...(meta.reason ? { reason: meta.reason } : {}) });
  if (result.status === 'failed') {
    const failed = service.recordFailure(file, text, meta, result);
    return { status: 'failed', module, version: failed ?? null, error: serializeError(result.error) };
  }
  if (result.status === 'declined') {
    const error = new HotswapError(ERROR_CODES.DECLINED, `${service.rel(result.module)} declines hot updates: restart the process to run this change`, { hint: 'Nothing was changed.' });
    service.recordFailure(file, text, meta, { error });
    return { status: 'failed', module, version: null, error: serializeError(error) };
  }
  if (writeFile && onDisk !== text) {
    try {
      writeFileAtomic(file, text);
    } catch (error) {
      // The running code changed but the file cannot: put the code back too, so both stay as they were.
      await runtime.request({ sources: new Map([[file, onDisk]]), trigger: 'rollback', reason: `undo ${meta.trigger}: ${module} could not be written` });
      const wrapped = new HotswapError(ERROR_CODES.APPLY, `${module} could not be written (${(error as Error).message}); the running code was restored`, { cause: error, hint: 'Check the file\'s permissions and the disk, then apply again.' });
      return { status: 'failed', module, version: null, error: serializeError(wrapped) };
    }
  }
  const version = result.status === 'committed' ? (store?.latest(module) ?? null) : null;
  return { status: result.status === 'committed' ? 'committed' : 'skipped', module, version, error: null };
}
