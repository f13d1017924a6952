/**
 * Plugin hosts of this process, for the layers above (the control plane shows
 * their stats and events). A host announces itself here; it never imports the
 * control plane. On `globalThis` under a `Symbol.for` key: the app may load
 * hotswap from dist/ while the CLI runs from src/, and both must meet.
 */

export interface AnnouncedHost {
  /** Stats snapshot (JSON-serializable). */
  stats(): unknown;
  /** Forward every host event to `emit`; returns the disposer. */
  subscribe(emit: (type: string, data: unknown) => void): () => void;
}

type Listener = (change: 'added' | 'removed', host: AnnouncedHost) => void;

interface HostRegistry {
  hosts: Set<AnnouncedHost>;
  listeners: Set<Listener>;
}

const KEY = Symbol.for('hotswap.plugins.hosts');

function registry(): HostRegistry {
  const holder = globalThis as unknown as Record<symbol, HostRegistry | undefined>;
  return (holder[KEY] ??= { hosts: new Set(), listeners: new Set() });
}

/** Announce a host; returns the disposer. */
export function announcePluginHost(host: AnnouncedHost): () => void {
  const reg = registry();
  reg.hosts.add(host);
  notify('added', host);
  return () => {
    if (reg.hosts.delete(host)) notify('removed', host);
  };
}

export function pluginHosts(): AnnouncedHost[] {
  return [...registry().hosts];
}

/** Be told when hosts come and go; returns the disposer. */
export function watchPluginHosts(listener: Listener): () => void {
  const { listeners } = registry();
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notify(change: 'added' | 'removed', host: AnnouncedHost): void {
  for (const listener of registry().listeners) {
    try {
      listener(change, host);
    } catch {
      // a listener's bug must not stop a host from announcing itself
    }
  }
}
