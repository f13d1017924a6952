/**
 * What the core needs from the outside world, injected through `createRuntime`
 * so the transaction can run on sources held in memory and under a fake clock
 * (test/engine). The defaults are the real ones: the disk, the system clock, `vm`.
 */
import { readFileSync, statSync } from 'node:fs';
import type { CompiledModule } from './evaluate.ts';
import { compileModule } from './evaluate.ts';
import type { ModuleVersion } from './module-node.ts';

export interface SourceReader {
  /** The text of a project file. Throws (with an errno `code`, e.g. ENOENT) when it cannot be read. */
  read(file: string): string;
  /** Whether `file` exists as a file (import resolution: `./x` → `./x.ts`). */
  isFile(file: string): boolean;
  /** Size and modification time, to notice a file that changes while it is read; undefined when unknown or gone. */
  stat?(file: string): { size: number; mtimeMs: number } | undefined;
}

export interface Clock {
  /** Wall-clock time, ms since the epoch (reload `startedAt`, `lastReloadAt`). */
  now(): number;
  /** Monotonic time, ms (phase timings). */
  monotonic(): number;
  /** Resolve after `ms` (the in-place-write wait). */
  sleep(ms: number): Promise<void>;
}

export interface Evaluator {
  /** Compile a version's transformed code into the function the runner calls. */
  compile(version: ModuleVersion, cachedData: Buffer | undefined): CompiledModule;
}

export const diskReader: SourceReader = {
  read: (file) => readFileSync(file, 'utf8'),
  isFile: (file) => statSync(file, { throwIfNoEntry: false })?.isFile() ?? false,
  stat(file) {
    const stats = statSync(file, { throwIfNoEntry: false });
    return stats ? { size: stats.size, mtimeMs: stats.mtimeMs } : undefined;
  },
};

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export const vmEvaluator: Evaluator = { compile: compileModule };
