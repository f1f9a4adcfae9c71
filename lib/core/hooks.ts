/**
 * What fastnet does in front of each of net's methods, written once as a
 * behaviour `(self, next, args)`: `next` is the method it stands in front of.
 * Two kinds of hook are made from the same behaviours:
 *
 * - fastnet's own classes (explicit mode) get methods whose `next` is net's
 *   prototype method as it is at the call, so a wrapper installed on net
 *   later (an APM, a spy) is still called. When net is patched too, the
 *   transparent hook further down sees that the call is being handled
 *   (`calls`) and only calls through, so nothing is done twice.
 * - patch() makes transparent hooks whose `next` is what it replaced (net's
 *   method, or a wrapper put there earlier). Once that patch is undone they
 *   only call `next`, so a wrapper put on top of one can stay where it is.
 */
import type * as net from 'node:net';
import { BoundSocket } from './bound-socket.js';
import {
  internalSymbol, loaded, NODE_SYMBOLS, normalizeArgs, onNet, patchRecord, targets, type CreateServerHandle, type Method,
  type PatchRecord, type Target,
} from './node-internals.js';
import { createServerHandleWithFastPath, listenWithFastPath } from './server.js';
import { connectWithFastPath } from './client.js';
import { checkOptionCall } from './options.js';
import { currentPlatform } from './policy.js';
import { countSkip } from './status.js';

type Behaviour = (self: any, next: Method, args: unknown[]) => unknown;

/** Node's listen, with our socket put into the handle Node makes and binds (server.ts). No `_listen2` is read or replaced (DEP0208). */
const listen: Behaviour = listenWithFastPath;

const connect: Behaviour = (self: net.Socket, next, args) => {
  if (currentPlatform() !== 'win32') {
    countSkip();
    return next.apply(self, args);
  }
  // Node marks normalized argument arrays; reuse them as they are.
  const normalized = (Array.isArray(args[0]) ? args[0] : normalizeArgs(args)) as [Record<string, unknown>, unknown];
  if (normalized[0].path != null) return next.call(self, normalized);
  return connectWithFastPath(self, next, normalized);
};

// A user's own call on a fast-path socket in 'throw' mode throws here, before
// Node records anything; in 'ignore' mode the handle guard withholds it.
const setNoDelay: Behaviour = (self: net.Socket, next, args) => {
  const enable = args[0];
  if (currentPlatform() === 'win32') checkOptionCall(self, 'setNoDelay', enable === undefined || Boolean(enable));
  return next.apply(self, args);
};

const setKeepAlive: Behaviour = (self: net.Socket, next, args) => {
  if (currentPlatform() === 'win32') checkOptionCall(self, 'setKeepAlive', keepAliveEnabled(args[0]));
  return next.apply(self, args);
};

/**
 * `enable` as this Node reads it. Node 24 and 26 also take an options object
 * (`{ enable, initialDelay, interval, count }`); older ones read any object as
 * true. Which of the two this Node does is asked of Node's own method, once.
 */
function keepAliveEnabled(first: unknown): boolean {
  if (first !== null && typeof first === 'object' && readsKeepAliveOptions()) {
    return Boolean((first as { enable?: unknown }).enable);
  }
  return Boolean(first);
}

let keepAliveOptions: boolean | undefined;
function readsKeepAliveOptions(): boolean {
  if (keepAliveOptions === undefined) {
    // A socket-shaped object with no handle: Node only records what it was asked.
    const probe: Record<string | symbol, unknown> = { _handle: null };
    try {
      loaded.setKeepAlive.call(probe, { enable: false });
    } catch { /* then it reads no options object */ }
    const recorded = internalSymbol(probe, NODE_SYMBOLS.setKeepAlive);
    keepAliveOptions = recorded !== undefined && probe[recorded] === false;
  }
  return keepAliveOptions;
}

const setTypeOfService: Behaviour = (self: net.Socket, next, args) => {
  // A value Node refuses (not an integer from 0 to 255) gets Node's own error, not ours.
  const tos = args[0];
  const valid = typeof tos === 'number' && Number.isInteger(tos) && tos >= 0 && tos <= 255;
  if (currentPlatform() === 'win32' && valid) checkOptionCall(self, 'setTypeOfService', tos !== 0);
  return next.apply(self, args);
};

/** net's createServerHandle (the cluster primary's shared handle), with the fast path. */
const createServerHandle: Behaviour = (_self, next, args) =>
  createServerHandleWithFastPath(next as CreateServerHandle, ...args as Parameters<CreateServerHandle>);

/** The behaviours, by target and net's own name; only where this Node has the method (setTypeOfService: 24+). */
const behaviours: { [T in Target]: Record<string, Behaviour> } = { server: { listen }, socket: {}, net: {} };
for (const [name, b] of Object.entries({ connect, setNoDelay, setKeepAlive, setTypeOfService })) {
  if (typeof targets.socket[name] === 'function') behaviours.socket[name] = b;
}
Object.assign(behaviours.net, onNet(createServerHandle));

/** A function named and sized as the method it stands in for (stack traces, and wrappers that copy them). */
function like<F extends Method>(hook: F, original: unknown): F {
  const o = original as Function;
  Object.defineProperty(hook, 'name', { value: o.name, configurable: true });
  Object.defineProperty(hook, 'length', { value: o.length, configurable: true });
  return hook;
}

/**
 * The object whose call an outer hook of fastnet's is handling right now
 * (set for the synchronous length of the call), shared by every copy of
 * fastnet in the process: a hook further down the chain (a transparent hook
 * under a class's method, or under a wrapper) then only calls through, so a
 * call is decided once, by the outermost hook, whatever was installed or
 * restored in between (a spy restored while net is patched, say).
 */
const calls: { handling: object | undefined } =
  ((globalThis as Record<symbol, unknown>)[Symbol.for('fastnet.v1.calls')] ??= { handling: undefined }) as never;

/** `behaviour` for `self`'s call, which hooks further down the chain then leave alone. */
function handle(self: object, behaviour: Behaviour, next: Method, args: unknown[]): unknown {
  const previous = calls.handling;
  calls.handling = self;
  try {
    return behaviour(self, next, args);
  } finally {
    calls.handling = previous;
  }
}

/** The methods of fastnet's own Server and Socket (classes.ts puts them on their prototypes). */
export const classMethods = { server: methodsOf('server'), socket: methodsOf('socket') };

function methodsOf(target: 'server' | 'socket'): Record<string, Method> {
  const proto = targets[target];
  const out: Record<string, Method> = {};
  for (const [name, behaviour] of Object.entries(behaviours[target])) {
    out[name] = like(function (this: object, ...args: unknown[]): unknown {
      const next = proto[name] as Method;
      return calls.handling === this ? next.apply(this, args) : handle(this, behaviour, next, args);
    }, proto[name]);
  }
  return out;
}

/**
 * A new patch record: a transparent hook for every place (and fastnet's
 * BoundSocket for net.BoundSocket, where Node has one), each in front of
 * what is there now. patch.ts installs it.
 */
export function transparentHooks(): PatchRecord {
  const record: PatchRecord = { hooks: { server: {}, socket: {}, net: {} }, replaced: { server: {}, socket: {}, net: {} } };
  for (const target of Object.keys(behaviours) as Target[]) {
    for (const [name, behaviour] of Object.entries(behaviours[target])) {
      const next = targets[target][name] as Method;
      record.replaced[target][name] = next;
      record.hooks[target][name] = like(function (this: object, ...args: unknown[]): unknown {
        // Undone (by any copy), this hook may still sit under a wrapper: it only calls through; so it does
        // under a hook of fastnet's that handles this call already.
        return patchRecord() !== record || calls.handling === this ? next.apply(this, args) : handle(this, behaviour, next, args);
      }, next);
    }
  }
  if (BoundSocket !== undefined) {
    record.replaced.net.BoundSocket = targets.net.BoundSocket;
    record.hooks.net.BoundSocket = BoundSocket;
  }
  return record;
}
