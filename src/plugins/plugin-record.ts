/**
 * What the host knows about one plugin file for its whole life (across
 * versions, failures, disable and enable), and the stats it shows.
 */
import { basename, extname } from 'node:path';
import { relativePath, type SerializedError } from '../errors.ts';
import type { FailurePhase, ReloadReason } from './host-events.ts';
import type { CallCounters, PluginVersion } from './plugin-version.ts';

export type PluginStatus = 'loading' | 'enabled' | 'disabled' | 'failed';

export interface PluginStats {
  name: string;
  file: string;
  status: PluginStatus;
  /** Live version (none when failed before its first version, or disabled). */
  version: number | undefined;
  loads: number;
  reloads: number;
  failures: number;
  lastError: (SerializedError & { phase: FailurePhase; at: string }) | null;
  calls: number;
  errors: number;
  /** Calls running on the live version. */
  inFlight: number;
  /** Replaced versions still finishing calls. */
  draining: { version: number; inFlight: number; running: string[] }[];
  registrations: { tools: string[]; commands: string[]; routes: string[]; hooks: string[] };
  /** Assets the live version read in setup (root-relative). */
  assets: string[];
}

/** One plugin file, for the life of the host. */
export interface PluginRecord {
  file: string;
  /** Creation order: plugin load order for hooks and conflicts. */
  seq: number;
  name: string;
  status: PluginStatus;
  active: PluginVersion | undefined;
  /** The last version's state after a disable, for `migrate` on enable. */
  parked: { state: object; version: number } | undefined;
  lastVersion: number;
  draining: Set<PluginVersion>;
  loads: number;
  reloads: number;
  failures: number;
  lastError: PluginStats['lastError'];
  lastPhase: FailurePhase | undefined;
  /** The last attempt failed (cleared when a version commits). */
  failing: boolean;
  totals: CallCounters;
}

export type ChangeKind = 'load' | 'reload' | 'enable' | 'disable' | 'unload';

/** One plugin's part in a swap. */
export interface Change {
  record: PluginRecord;
  kind: ChangeKind;
  reason: ReloadReason;
  /** The module namespace to take the definition from; none for disable/unload. */
  namespace: object | undefined;
}

export function createRecord(file: string, seq: number): PluginRecord {
  return {
    file,
    seq,
    name: basename(file, extname(file)),
    status: 'loading',
    active: undefined,
    parked: undefined,
    lastVersion: 0,
    draining: new Set(),
    loads: 0,
    reloads: 0,
    failures: 0,
    lastError: null,
    lastPhase: undefined,
    failing: false,
    totals: { calls: 0, errors: 0 },
  };
}

export function statsOf(record: PluginRecord, root: string): PluginStats {
  const active = record.active;
  const registrations = active?.registrations;
  return {
    name: record.name,
    file: record.file,
    status: record.status,
    version: active?.version,
    loads: record.loads,
    reloads: record.reloads,
    failures: record.failures,
    lastError: record.lastError,
    calls: record.totals.calls,
    errors: record.totals.errors,
    inFlight: active?.inFlight ?? 0,
    draining: [...record.draining].map((v) => ({ version: v.version, inFlight: v.inFlight, running: v.runningCalls() })),
    registrations: {
      tools: [...(registrations?.tools.keys() ?? [])],
      commands: [...(registrations?.commands.keys() ?? [])],
      routes: (registrations?.routes ?? []).map((r) => `${r.method} ${r.path}`),
      hooks: (registrations?.hooks ?? []).map((h) => h.event),
    },
    assets: [...(active?.assetsRead ?? [])].map((a) => relativePath(a, root)),
  };
}
