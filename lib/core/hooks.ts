/**
 * The hook functions, built once over net's pristine methods. Explicit mode
 * puts them on fastnet's own Server/Socket prototypes; transparent mode
 * (patch.ts) puts the very same functions on net's prototypes.
 */
import type * as net from 'node:net';
import { BoundSocket } from './bound-socket.js';
import {
  internalSymbol, netHooks, NODE_SYMBOLS, nodeCreateServerHandle, normalizeArgs, originals, type CreateServerHandle, type Method, type PatchRecord,
} from './node-internals.js';
import { createServerHandleWithFastPath, listenWithFastPath } from './server.js';
import { connectWithFastPath } from './client.js';
import { checkOptionCall } from './options.js';
import { currentPlatform } from './policy.js';
import { countSkip } from './status.js';

/** Node's listen, with our socket put into the handle Node makes and binds (server.ts). */
function listen(this: net.Server, ...args: unknown[]): unknown {
  return listenWithFastPath(this, originals.server.listen, args);
}

function connect(this: net.Socket, ...args: unknown[]): unknown {
  if (currentPlatform() !== 'win32') {
    countSkip();
    return originals.socket.connect.apply(this, args);
  }
  // Node marks normalized argument arrays; reuse them as they are.
  const normalized = (Array.isArray(args[0]) ? args[0] : normalizeArgs(args)) as [Record<string, unknown>, unknown];
  if (normalized[0].path != null) return originals.socket.connect.call(this, normalized);
  return connectWithFastPath(this, originals.socket.connect, normalized);
}

// A user's own call on a fast-path socket in 'throw' mode throws here, before
// Node records anything; in 'ignore' mode the handle guard withholds it.
function setNoDelay(this: net.Socket, enable?: boolean): unknown {
  if (currentPlatform() === 'win32') checkOptionCall(this, 'setNoDelay', enable === undefined || Boolean(enable));
  return originals.socket.setNoDelay.call(this, enable);
}

function setKeepAlive(this: net.Socket, ...args: unknown[]): unknown {
  if (currentPlatform() === 'win32') checkOptionCall(this, 'setKeepAlive', keepAliveEnabled(args[0]));
  return originals.socket.setKeepAlive.apply(this, args);
}

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
      originals.socket.setKeepAlive.call(probe, { enable: false });
    } catch { /* then it reads no options object */ }
    const recorded = internalSymbol(probe, NODE_SYMBOLS.setKeepAlive);
    keepAliveOptions = recorded !== undefined && probe[recorded] === false;
  }
  return keepAliveOptions;
}

function setTypeOfService(this: net.Socket, ...args: unknown[]): unknown {
  // A value Node refuses (not an integer from 0 to 255) gets Node's own error, not ours.
  const tos = args[0];
  const valid = typeof tos === 'number' && Number.isInteger(tos) && tos >= 0 && tos <= 255;
  if (currentPlatform() === 'win32' && valid) checkOptionCall(this, 'setTypeOfService', tos !== 0);
  return originals.socket.setTypeOfService!.apply(this, args);
}

/** net's createServerHandle (the cluster primary's shared handle), with the fast path. */
function createServerHandle(address: string | null, port: number, addressType: number,
  fd: number | undefined, flags: number): ReturnType<CreateServerHandle> {
  return createServerHandleWithFastPath(nodeCreateServerHandle, address, port, addressType, fd, flags);
}

/** The server-side hook: Node's listen, armed. No `_listen2` is read or replaced (DEP0208). */
const serverHooks: Record<string, Method> = { listen };

/** The socket-side hooks (setTypeOfService only where Node has it). */
const socketHooks: Record<string, Method> = { connect, setNoDelay, setKeepAlive };
if (originals.socket.setTypeOfService) socketHooks.setTypeOfService = setTypeOfService;

/** Every hook (on net itself: the cluster primary's shared handle, and net.BoundSocket where Node has it), under the target and the name of the original it stands in for (node-internals.ts: Originals). */
export const hooks: PatchRecord['hooks'] & { server: Record<string, Method>; socket: Record<string, Method> } = {
  server: serverHooks, socket: socketHooks, net: netHooks({ createServerHandle, BoundSocket }),
};
