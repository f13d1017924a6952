/**
 * What the core needs from the outside world, injected through `createRuntime`
 * so the transaction can run on sources held in memory and under a fake clock
 * (test/engine). The defaults are the real ones: the disk, the system clock, `vm`.
 */
import { readFileSync, statSync } from 'node:fs';
import type { CompiledModule } from './evaluate.ts';
import { compileModule, wrappedSource } from './evaluate.ts';
import type { ModuleVersion } from './module-node.ts';
import { ScriptCache } from './script-cache.ts';

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
  /** The script name a version runs under (stack traces, source maps); default `file?v=N`. */
  scriptNameFor?(version: ModuleVersion): string;
  /** The module left the graph: drop what was kept for it. */
  forget?(file: string): void;
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

/** A process-wide `vm` evaluator (in-memory test engines); runtimes create their own. */
export const vmEvaluator: Evaluator = createVmEvaluator();

/** `vm`, reusing a module's compiled script while its code does not change (one cache per runtime). */
export function createVmEvaluator(): Evaluator {
  const scripts = new ScriptCache();
  return {
    compile: (version, cachedData) => compileModule(version, cachedData, scripts),
    scriptNameFor: (version) => scripts.nameFor(version.node.id, version.version, wrappedSource(version)),
    forget: (file) => scripts.delete(file),
  };
}
