/**
 * hotswap's public API. Everything a host needs to embed the runner; nothing
 * else is exported (internals live behind this door and may change).
 */
export { createRuntime, Runtime } from './runtime/runtime.ts';
export type { RuntimeOptions, WatchOptions, RuntimeEvents, RuntimeEventName, ModuleInfo, RuntimeStats, RuntimeStatus, RuntimeState } from './runtime/runtime.ts';
export type { ReloadResult, ReloadCommitted, ReloadFailed, ReloadSkipped, ReloadDeclined, PhaseTimings, ReloadPhase, FatalState } from './reload/reload-result.ts';
export type { ReloadRequest, ReloadTrigger } from './reload/reload-request.ts';
export { HotswapError, isHotswapError, ERROR_CODES, formatError, serializeError } from './errors.ts';
export type { ErrorCode, SerializedError, SourceLocation } from './errors.ts';
export type { RetainedVersion } from './runner/version-tracker.ts';
export type { LeakReport, LeakOptions } from './resources/leak-report.ts';
export type { LingeringResource } from './resources/leak-registry.ts';
export type { ChangeSet } from './watch/watcher.ts';
export type { ReloadParticipant, TransactionView, StagedModule } from './reload/participant.ts';
export { definePlugin, isPluginDefinition } from './plugins/define-plugin.ts';
export type { PluginDefinition, PluginContext, PluginProbe, CallInfo, ToolHandler, CommandHandler, RouteHandler, HookHandler, HookOptions, Cleanup, ToolMeta, CommandMeta, HttpMethod } from './plugins/define-plugin.ts';
export { createPluginHost, PluginHost } from './plugins/plugin-host.ts';
export type { PluginHostOptions, PluginHostLogger, HostRuntime } from './plugins/plugin-host.ts';
export type { PluginStats, PluginStatus } from './plugins/plugin-record.ts';
export type { PluginHostEvents, PluginHostEventName, ReloadReason, FailurePhase } from './plugins/host-events.ts';
export type { ToolInfo, CommandInfo } from './plugins/registries.ts';
export { currentRuntime } from './plugins/current-runtime.ts';
export { registerControlProvider } from './control/providers.ts';
export type { ControlProvider } from './control/providers.ts';
export { defineConfig } from './define-config.ts';
export type { HotswapConfig } from './define-config.ts';
export { attachVersions, versionsFor } from './versions/attach-versions.ts';
export type { Versions, VersionsLog } from './versions/attach-versions.ts';
export type { VersionsOptions, VersionEvent } from './versions/version-service.ts';
export type { VersionRow, VersionState, Trigger as VersionTrigger } from './versions/version-store.ts';
export type { ApplyInput, ChangeOutcome } from './versions/live-change.ts';
export type { Impact, VersionCalls } from './versions/impact.ts';
