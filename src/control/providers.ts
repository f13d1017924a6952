/**
 * Optional data sources the control plane shows beside the runtime's own.
 * Plugin hosts announce themselves to src/plugins (they never import the
 * control plane); the control plane shows the latest one as the provider
 * named `plugins` (its `stats()` and its events). Stats appear under `stats.providers[name]`; events go out on the
 * event stream as `<name>:<type>`.
 *
 * The registry lives on `globalThis` under a `Symbol.for` key: the app may
 * load hotswap from dist/ while the CLI runs from src/ (or two copies of the
 * package are installed), and both must meet in one registry.
 */
import { pluginHosts, watchPluginHosts, type AnnouncedHost } from '../plugins/host-registry.ts';

export interface ControlProvider {
  /** Key in `/api/stats` (`providers.<name>`) and prefix of its event names. Unique. */
  name: string;
  /** A JSON-serializable snapshot, read on every stats request. */
  stats?(): unknown;
  /** Lines for `status.problems` (something the user should know is wrong), read on every status request. */
  problems?(): string[];
  /** Forward events to `emit`; return the disposer. */
  subscribe?(emit: (type: string, data: unknown) => void): () => void;
}

interface ProviderRegistry {
  providers: Map<string, ControlProvider>;
  listeners: Set<(change: 'added' | 'removed', provider: ControlProvider) => void>;
}

const KEY = Symbol.for('hotswap.control.providers');

function registry(): ProviderRegistry {
  const holder = globalThis as unknown as Record<symbol, ProviderRegistry | undefined>;
  return (holder[KEY] ??= { providers: new Map(), listeners: new Set() });
}

/** Register a provider (replacing one of the same name); returns the disposer. */
export function registerControlProvider(provider: ControlProvider): () => void {
  const reg = registry();
  const previous = reg.providers.get(provider.name);
  if (previous) notify('removed', previous);
  reg.providers.set(provider.name, provider);
  notify('added', provider);
  return () => {
    if (reg.providers.get(provider.name) !== provider) return;
    reg.providers.delete(provider.name);
    notify('removed', provider);
  };
}

export function controlProviders(): ControlProvider[] {
  const providers = new Map(registry().providers);
  const host = pluginHosts().at(-1);
  if (host && !providers.has(PLUGINS)) providers.set(PLUGINS, pluginProvider(host));
  return [...providers.values()];
}

/** Be told when providers come and go (plugin hosts included); returns the disposer. */
export function watchControlProviders(listener: (change: 'added' | 'removed', provider: ControlProvider) => void): () => void {
  const { listeners } = registry();
  listeners.add(listener);
  const unwatchHosts = watchPluginHosts((change, host) => listener(change, pluginProvider(host)));
  return () => {
    listeners.delete(listener);
    unwatchHosts();
  };
}

const PLUGINS = 'plugins';
const hostProviders = new WeakMap<AnnouncedHost, ControlProvider>();

/** One provider object per host, so `added` and `removed` name the same one. */
function pluginProvider(host: AnnouncedHost): ControlProvider {
  let provider = hostProviders.get(host);
  if (!provider) hostProviders.set(host, (provider = { name: PLUGINS, stats: () => host.stats(), subscribe: (emit) => host.subscribe(emit) }));
  return provider;
}

function notify(change: 'added' | 'removed', provider: ControlProvider): void {
  for (const listener of registry().listeners) {
    try {
      listener(change, provider);
    } catch {
      // a listener's bug must not stop a provider from registering
    }
  }
}
