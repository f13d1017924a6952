/**
 * Versions for one runtime: the service (store, recording, probation), the
 * queue that runs apply and rollback one at a time, and the automatic
 * rollback of a version whose calls fail in probation. `hotswap run` attaches
 * it before the app starts, so the start-up load is recorded too; the control
 * API finds it through `versionsFor(runtime)` (and control/versions-provider.ts
 * shows its stats and events: versions never import the control plane).
 */
import type { Runtime } from '../runtime/runtime.ts';
import { applyChange, changeQueue, rollbackTo, type ApplyInput, type ChangeOutcome, type RollbackTarget } from './live-change.ts';
import { VersionService, type VersionsOptions } from './version-service.ts';

export interface Versions {
  readonly service: VersionService;
  apply(input: ApplyInput): Promise<ChangeOutcome>;
  rollback(target: RollbackTarget, meta?: { caller?: string | undefined; reason?: string | undefined }): Promise<ChangeOutcome>;
}

export interface VersionsLog {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
}

const attached = new WeakMap<Runtime, Versions>();

export function versionsFor(runtime: Runtime): Versions | undefined {
  return attached.get(runtime);
}

export function attachVersions(runtime: Runtime, options: VersionsOptions = {}, log?: VersionsLog): Versions {
  const existing = attached.get(runtime);
  if (existing) return existing;
  const service = new VersionService(runtime, options);
  const queue = changeQueue();
  const versions: Versions = {
    service,
    apply: (input) => queue(() => applyChange(service, input)),
    rollback: (target, meta = {}) => queue(() => rollbackTo(service, target, meta)),
  };
  attached.set(runtime, versions);
  if (service.unavailable) log?.warn(service.unavailable);

  service.onFailing = (row, sample) => {
    const store = service.store;
    const label = `${row.module}@${row.seq}`;
    const rate = `${sample.errors}/${sample.calls} calls failed`;
    const stable = store?.lastStable(row.module, row.id);
    if (!store || !stable) {
      log?.warn(`${label} is failing in probation (${rate}) but has no stable version to roll back to; it keeps running`, { event: 'auto-rollback', module: row.module, ok: false });
      service.emit({ type: 'rolled-back', from: row, to: undefined, ok: false, message: `${label}: no stable version to roll back to` });
      return;
    }
    // After apply (or a rollback) the file changed with the code: both go back. A save in `run`
    // stays on disk as the developer wrote it; only the running code goes back.
    const writeFile = row.trigger === 'apply' || row.trigger === 'rollback';
    const reason = `${label} failed in probation (${rate}); back to stable ${stable.module}@${stable.seq}`;
    void queue(() => rollbackTo(service, stable.id, { trigger: 'auto-rollback', reason, writeFile })).then(
      (outcome) => {
        const ok = outcome.status === 'committed' || outcome.status === 'skipped';
        if (ok) {
          store.setState(row.id, 'rolled-back');
          if (!writeFile && row.hash && stable.hash) service.diverged.set(service.abs(row.module), { running: stable.hash, disk: row.hash });
        }
        const message = ok ? `rolled back automatically: ${reason}${writeFile ? '' : ' (the file on disk keeps your edit)'}` : `automatic rollback of ${label} failed: ${outcome.error?.text ?? 'unknown error'}`;
        log?.warn(message, { event: 'auto-rollback', module: row.module, from: row.id, to: stable.id, ok });
        service.emit({ type: 'rolled-back', from: row, to: stable, ok, message });
      },
      (error: unknown) => log?.warn(`automatic rollback of ${label} failed: ${(error as Error).message}`, { event: 'auto-rollback', module: row.module, ok: false }),
    );
  };

  runtime.on('close', () => attached.delete(runtime));
  return versions;
}
