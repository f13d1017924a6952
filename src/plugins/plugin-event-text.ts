/**
 * One line per plugin host event, as people read them (the event feed carries
 * it as `text`, so `hotswap logs` and the dashboard show the same words).
 */
import { relativePath } from '../errors.ts';
import type { PluginHostEventName, PluginHostEvents, ReloadReason } from './host-events.ts';

const WHY: Record<ReloadReason, string> = { module: 'its code changed', asset: 'an asset changed', manual: 'manual reload', enable: 'enabled' };

export function describePluginEvent<E extends PluginHostEventName>(event: E, payload: PluginHostEvents[E], root: string): string {
  const p = payload as PluginHostEvents[PluginHostEventName] & Record<string, unknown>;
  const rel = (file: string): string => relativePath(file, root);
  switch (event) {
    case 'plugin:loaded': {
      const e = p as PluginHostEvents['plugin:loaded'];
      return `plugin ${e.name} v${e.version} loaded (${fileVersion(rel(e.file), e.moduleVersion)})`;
    }
    case 'plugin:reloaded': {
      const e = p as PluginHostEvents['plugin:reloaded'];
      return `plugin ${e.name} v${e.version} live (was v${e.previousVersion}; ${WHY[e.reason]}; file ${fileVersion(rel(e.file), e.moduleVersion)})`;
    }
    case 'plugin:failed': {
      const e = p as PluginHostEvents['plugin:failed'];
      const serving = e.serving === undefined ? 'not loaded' : `v${e.serving} keeps serving`;
      return `plugin ${e.name} failed in ${e.phase}, ${serving}: ${e.error.code} ${firstLine(e.error.text)}`;
    }
    case 'plugin:disabled': {
      const e = p as PluginHostEvents['plugin:disabled'];
      return `plugin ${e.name} v${e.version} disabled`;
    }
    case 'plugin:enabled': {
      const e = p as PluginHostEvents['plugin:enabled'];
      return `plugin ${e.name} v${e.version} enabled`;
    }
    case 'plugin:unloaded': {
      const e = p as PluginHostEvents['plugin:unloaded'];
      return `plugin ${e.name}${e.version === undefined ? '' : ` v${e.version}`} unloaded (${rel(e.file)})`;
    }
    case 'plugin:drained': {
      const e = p as PluginHostEvents['plugin:drained'];
      if (e.timedOut) return `plugin ${e.name} v${e.version} torn down after the drain timeout (its running calls were aborted)`;
      return `plugin ${e.name} v${e.version} ${e.calls > 0 ? `drained ${e.calls} call${e.calls === 1 ? '' : 's'}` : 'had no calls running'}, torn down`;
    }
    case 'plugin:drain-timeout': {
      const e = p as PluginHostEvents['plugin:drain-timeout'];
      return `plugin ${e.name} v${e.version} still runs ${e.running.join(', ')} after the drain timeout: tearing it down`;
    }
    case 'plugin:error': {
      const e = p as PluginHostEvents['plugin:error'];
      return `plugin ${e.name} v${e.version}: ${e.kind} ${e.target} threw ${e.error.code} ${firstLine(e.error.text)}`;
    }
    case 'asset:changed': {
      const e = p as PluginHostEvents['asset:changed'];
      return `asset ${rel(e.file)} changed`;
    }
    case 'asset:error': {
      const e = p as PluginHostEvents['asset:error'];
      return `asset ${rel(e.file)}: ${e.error.code} ${firstLine(e.error.text)} (its last good content is served)`;
    }
    default:
      return String(event);
  }
}

/** The file as `hotswap` names it in its reload lines, `tools/echo.ts@v3`: its module version, another counter than the plugin's. */
function fileVersion(file: string, moduleVersion: number | undefined): string {
  return moduleVersion === undefined ? file : `${file}@v${moduleVersion}`;
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}
