/**
 * The hooks that let a version's scope see what its top level creates: the
 * global timers, listeners added to EventEmitters and EventTargets, emitters
 * created (to tell the version's own emitters from those that outlive it,
 * and to catch servers, child processes and workers), and `listen()`.
 * Installed once, the first time a scope is created; each hook costs one
 * AsyncLocalStorage read when no version's top level is running.
 */
import { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { creationStack, recordingScope, type ResourceScope, type TrackedResource } from './resource-scope.ts';
import { installServerHandover, recordServerCreation } from './server-handover.ts';

/** Emitters created while a version's top level ran: listeners on them die with the version and are not recorded. */
const createdBy = new WeakMap<object, ResourceScope>();

type Clear = (handle: never) => void;

function patchTimer<F extends (...args: never[]) => unknown>(name: 'setTimeout' | 'setInterval' | 'setImmediate', clear: Clear): void {
  const original = globalThis[name] as unknown as F;
  const patched = function (this: unknown, ...args: Parameters<F>): ReturnType<F> {
    const handle = Reflect.apply(original, this, args) as ReturnType<F>;
    const scope = recordingScope();
    if (scope) {
      const ended = (): boolean => (handle as { _destroyed?: boolean })._destroyed === true;
      scope.add({ kind: 'timer', label: name, stack: creationStack(patched), release: () => clear(handle as never), alive: () => false, ended });
    }
    return handle;
  };
  // Keep util.promisify.custom and friends.
  for (const key of Reflect.ownKeys(original)) {
    if (key === 'name' || key === 'length' || key === 'prototype') continue;
    Object.defineProperty(patched, key, Reflect.getOwnPropertyDescriptor(original, key) as PropertyDescriptor);
  }
  Object.defineProperty(patched, 'name', { value: name });
  (globalThis as Record<string, unknown>)[name] = patched;
}

function describeTarget(target: object): string {
  if (target === process) return 'process';
  const name = (target as { constructor?: { name?: string } }).constructor?.name;
  return name && name !== 'Object' ? name : 'emitter';
}

function patchEmitters(): void {
  const proto = EventEmitter.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const remove = EventEmitter.prototype.removeListener;
  for (const method of ['on', 'addListener', 'prependListener'] as const) {
    const original = proto[method] as (...args: unknown[]) => unknown;
    const patched = function (this: EventEmitter, type: string | symbol, listener: (...args: unknown[]) => void): unknown {
      const result = original.call(this, type, listener);
      const scope = recordingScope();
      if (scope && createdBy.get(this) !== scope && typeof listener === 'function') {
        const off = (): void => void remove.call(this, type, listener);
        const ended = (): boolean => !this.rawListeners(type).includes(listener);
        const resource: TrackedResource = { kind: 'listener', label: `${describeTarget(this)}.${method}('${String(type)}')`, stack: creationStack(patched), retire: off, release: off, alive: () => false, ended };
        scope.add(resource);
      }
      return result;
    };
    proto[method] = patched as (...args: unknown[]) => unknown;
  }
  const holder = EventEmitter as unknown as { init: (this: EventEmitter, options?: unknown) => void };
  const init = holder.init;
  // Fixed arity (no rest array): every emitter, socket and request goes through here.
  holder.init = function (this: EventEmitter, options?: unknown): void {
    const scope = recordingScope();
    if (scope) {
      createdBy.set(this, scope);
      if (this instanceof net.Server) recordServerCreation(this, scope);
      else if (this instanceof ChildProcess) scope.add(childResource(this));
      else if (this instanceof Worker) scope.add(workerResource(this));
    }
    return init.call(this, options);
  };
}

function childResource(child: ChildProcess): TrackedResource {
  const alive = (): boolean => child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  return {
    kind: 'child-process',
    get label() {
      return `child process ${child.spawnfile ?? ''} (pid ${child.pid ?? '-'})`;
    },
    stack: creationStack(childResource),
    release: () => void (alive() && child.kill()),
    alive,
  };
}

function workerResource(worker: Worker): TrackedResource {
  return {
    kind: 'worker',
    get label() {
      return `worker ${worker.threadId}`;
    },
    stack: creationStack(workerResource),
    release: async () => void (await worker.terminate()),
    // threadId is -1 once the thread has stopped.
    alive: () => worker.threadId !== -1,
  };
}

function patchEventTargets(): void {
  const proto = EventTarget.prototype;
  const original = proto.addEventListener;
  const remove = proto.removeEventListener;
  type Listener = Parameters<EventTarget['addEventListener']>[1];
  proto.addEventListener = function patched(this: EventTarget, type: string, listener: Listener, options?: AddEventListenerOptions | boolean): void {
    original.call(this, type, listener, options);
    const scope = recordingScope();
    if (!scope || !listener) return;
    const capture = typeof options === 'boolean' ? options : (options?.capture ?? false);
    const off = (): void => remove.call(this, type, listener, { capture });
    scope.add({ kind: 'listener', label: `${describeTarget(this)}.addEventListener('${type}')`, stack: creationStack(patched), retire: off, release: off, alive: () => false });
  };
}

let installed = false;

export function installResourceHooks(): void {
  if (installed) return;
  installed = true;
  patchTimer('setTimeout', clearTimeout as Clear);
  patchTimer('setInterval', clearInterval as Clear);
  patchTimer('setImmediate', clearImmediate as Clear);
  patchEmitters();
  patchEventTargets();
  installServerHandover();
}
