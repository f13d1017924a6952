/**
 * Servers follow their module version, and a new version's `listen()` on the
 * port its old version's server holds takes over the listening socket itself
 * (the same file descriptor): no close and re-bind, so no EADDRINUSE and no
 * connection refused or reset, even those queued in the kernel's backlog.
 *
 * While the new version is staged its server shares the socket but the old
 * server keeps accepting (the socket's owner decides who gets a connection).
 * At the commit the owner flips to the new server; the old one keeps its open
 * connections, finishes the requests running on them, and hands every later
 * request on a keep-alive connection to the new server's handlers. A
 * discarded staged version gives the socket back untouched.
 */
import net from 'node:net';
import { forwardRequests, retireHandedOver, type Lineage } from './handed-over-server.ts';
import { outsideScopes, recordingScope, liveScope, creationStack, type ReleaseReason, type ResourceScope, type TrackedResource } from './resource-scope.ts';

/** How long a replaced version's server keeps serving while the new version may still call `listen()` (an un-awaited `start()`). */
const HANDOVER_GRACE_MS = 1500;

interface InternalServer extends net.Server {
  _handle: object | null;
  _connections: number;
}

const originalListen = net.Server.prototype.listen;
const records = new WeakMap<net.Server, ServerRecord>();
/** Servers listening now, per module: where a new version looks for the socket to take over. */
const listeningByModule = new Map<string, Set<ServerRecord>>();

class ServerRecord implements TrackedResource {
  readonly kind = 'server';
  readonly server: InternalServer;
  readonly scope: ResourceScope;
  readonly stack: string | undefined;
  port: number | undefined;
  /** The port `listen()` asked for: 0 (any port) is taken over from a version that also asked for any port. */
  requested: number | undefined;
  /** The record whose socket this server took (pending until that version retires). */
  adoptedFrom: ServerRecord | undefined;
  /** The record that takes this server's socket. */
  handedTo: ServerRecord | undefined;
  handedOver = false;
  lineage: Lineage | undefined;
  #graceTimer: NodeJS.Timeout | undefined;
  /** Gave a borrowed socket back (discarded before the commit): nothing left to close. */
  #gaveBack = false;

  constructor(server: net.Server, scope: ResourceScope, stack: string | undefined) {
    this.server = server as InternalServer;
    this.scope = scope;
    this.stack = stack;
  }

  get label(): string {
    const state = this.handedOver ? ', handed over' : '';
    return `${this.server.constructor.name} ${this.port === undefined ? '' : `:${this.port}`}${state}`.trim();
  }

  retire(discarded: boolean): void {
    if (discarded) {
      this.#giveBack();
      return;
    }
    const next = this.handedTo;
    if (next && next.scope.state === 'open') handOver(this, next);
  }

  release(reason: ReleaseReason): void {
    clearTimeout(this.#graceTimer);
    this.#giveBack();
    if (this.#gaveBack || this.handedOver) return;
    // Only a TCP port can be taken over: a server on a pipe path closes at once, so the new version can bind the path.
    if (reason === 'replaced' && this.server.listening && this.port !== undefined) {
      // The new version may listen a little later (after an await): keep serving until it does, or until the grace ends.
      this.#graceTimer = setTimeout(() => this.#close(false), HANDOVER_GRACE_MS);
      this.#graceTimer.unref();
      return;
    }
    this.#close(reason === 'discarded');
  }

  /**
   * Discarded before the commit: the socket stays with the old server, which never
   * stopped accepting; this server lets go of it (a `close()` from its dispose handler
   * then closes nothing). Whether there was a socket to give back.
   */
  #giveBack(): boolean {
    const from = this.adoptedFrom;
    if (!from || from.handedOver) return false;
    this.server._handle = null;
    from.handedTo = undefined;
    this.adoptedFrom = undefined;
    this.#gaveBack = true;
    unlist(this);
    return true;
  }

  alive(): boolean {
    return this.server.listening || this.server._connections > 0;
  }

  /** A successor took the socket during the grace period. */
  cancelGrace(): void {
    clearTimeout(this.#graceTimer);
  }

  #close(now: boolean): void {
    unlist(this);
    if (this.server.listening) this.server.close();
    // A listen still resolving its host would bind after this release: close it when it does.
    else outsideScopes(() => this.server.once('listening', () => this.server.close()));
    // Closing waits for open connections; a version that never went live has none worth waiting for.
    if (now) (this.server as Partial<{ closeAllConnections(): void }>).closeAllConnections?.();
  }
}

/** The listening socket moves from `old` to `next`: `next` accepts from now on, `old` forwards its keep-alive requests. */
function handOver(old: ServerRecord, next: ServerRecord): void {
  const handle = old.server._handle;
  if (!handle || old.handedOver) return;
  setOwner(handle, next.server);
  old.server._handle = null;
  old.handedOver = true;
  old.cancelGrace();
  next.adoptedFrom = undefined;
  unlist(old);
  const lineage = old.lineage ?? { current: old.server };
  lineage.current = next.server;
  next.lineage = lineage;
  const from = old.server;
  from.removeAllListeners();
  forwardRequests(from, lineage);
  retireHandedOver(from);
}

/** The symbol-keyed owner a listening handle dispatches new connections to. */
function setOwner(handle: object, server: net.Server): void {
  const owner = Object.getOwnPropertySymbols(handle).find((s) => s.description === 'owner_symbol');
  if (owner) (handle as Record<symbol, unknown>)[owner] = server;
}

function unlist(record: ServerRecord): void {
  listeningByModule.get(record.scope.owner.module)?.delete(record);
}

/** The TCP port a `listen(...)` call asks for (0: any), undefined for a pipe, a handle or a callback only. */
function requestedPort(args: unknown[]): number | undefined {
  const first = args[0];
  const value = first !== null && typeof first === 'object' ? (first as { port?: unknown }).port : first;
  const port = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof port === 'number' && Number.isInteger(port) && port >= 0 ? port : undefined;
}

/** The server of another version of the same module listening on `port`, not already taken over. */
function takeoverCandidate(scope: ResourceScope, port: number): ServerRecord | undefined {
  for (const record of listeningByModule.get(scope.owner.module) ?? []) {
    if (record.scope === scope || record.handedTo || record.handedOver || !record.server.listening) continue;
    if (record.scope.owner.version >= scope.owner.version) continue;
    if (port === 0 ? record.requested === 0 : record.port === port) return record;
  }
  return undefined;
}

/** Record a server created by a version's top level (its listen may come later). */
export function recordServerCreation(server: net.Server, scope: ResourceScope): void {
  if (records.has(server)) return;
  const record = new ServerRecord(server, scope, creationStack(recordServerCreation));
  records.set(server, record);
  scope.add(record);
}

function patchedListen(this: net.Server, ...args: unknown[]): net.Server {
  const scope = records.get(this)?.scope ?? recordingScope() ?? liveScope();
  if (!scope || scope.state === 'released') return originalListen.apply(this, args as never) as net.Server;
  let record = records.get(this);
  if (!record) {
    record = new ServerRecord(this, scope, creationStack(patchedListen));
    records.set(this, record);
    scope.add(record);
  }
  const port = requestedPort(args);
  const old = port === undefined ? undefined : takeoverCandidate(scope, port);
  if (!old || !old.server._handle) {
    // The listening handle is created outside the scope: connections and request handlers must not run in the version's context.
    const result = outsideScopes(() => originalListen.apply(this, args as never) as net.Server);
    record.requested = port;
    record.port = addressPort(this) ?? port;
    // With a host name the bind comes after a lookup: note the real port then.
    if (!this.listening) outsideScopes(() => this.once('listening', () => (record.port = addressPort(this) ?? record.port)));
    list(record);
    return result;
  }
  const handle = old.server._handle;
  const callback = args.findLast((a) => typeof a === 'function') as (() => void) | undefined;
  outsideScopes(() => originalListen.call(this, handle as never, callback));
  record.requested = port;
  record.port = old.port;
  record.adoptedFrom = old;
  old.handedTo = record;
  list(record);
  if (old.scope.state === 'open') {
    // The new version is staged: the live server keeps accepting until the commit.
    setOwner(handle, old.server);
  } else {
    // The new version is already live (it listened after an await): take over now.
    handOver(old, record);
  }
  return this;
}

function addressPort(server: net.Server): number | undefined {
  const address = server.address();
  return address !== null && typeof address === 'object' ? address.port : undefined;
}

function list(record: ServerRecord): void {
  const module = record.scope.owner.module;
  let set = listeningByModule.get(module);
  if (!set) listeningByModule.set(module, (set = new Set()));
  set.add(record);
}

let installed = false;

/** Route every `net.Server#listen` (http, https, net, and the frameworks on them) through the hand-over. Idempotent. */
export function installServerHandover(): void {
  if (installed) return;
  installed = true;
  net.Server.prototype.listen = patchedListen as typeof net.Server.prototype.listen;
}
