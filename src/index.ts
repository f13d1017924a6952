/**
 * hotswap's public API. Everything a host needs to embed the runner; nothing
 * else is exported (internals live behind this door and may change).
 */
export { createRuntime, Runtime } from './runtime/runtime.ts';
export type { RuntimeOptions, WatchOptions, RuntimeEvents, RuntimeEventName, ModuleInfo, RuntimeStats } from './runtime/runtime.ts';
export type { ReloadResult, ReloadCommitted, ReloadFailed, ReloadSkipped, ReloadDeclined, PhaseTimings } from './reload/reload-result.ts';
export { HotswapError, isHotswapError, ERROR_CODES, formatError, serializeError } from './errors.ts';
export type { ErrorCode, SerializedError, SourceLocation } from './errors.ts';
export type { RetainedVersion } from './runner/version-tracker.ts';
export type { ChangeSet } from './watch/watcher.ts';
export type { ReloadParticipant, TransactionView, StagedModule } from './reload/participant.ts';
