/**
 * The hook functions, built once over net's pristine methods. Explicit mode
 * puts them on fastnet's own Server/Socket prototypes; transparent mode
 * (register.ts) puts the very same functions on net's prototypes.
 */
// The real exports object (not a namespace copy): patching writes to it.
import net = require('node:net');
import { createServerHandleWithFastPath, listenWithFastPath, type CreateServerHandle } from './server.js';
import { connectWithFastPath } from './client.js';
import { checkOptionCall } from './options.js';
import { currentPlatform } from './policy.js';
import { countSkip } from './status.js';

// Methods of net's classes, whatever their own parameters.
type Method = (this: any, ...args: any[]) => unknown;

/** net's own methods, as they were before any copy of fastnet patched them. */
export interface Originals {
  listen: Method;
  connect: Method;
  setNoDelay: Method;
  setKeepAlive: Method;
  /** Node 24+ only. */
  setTypeOfService?: Method;
  createServerHandle: CreateServerHandle;
}

/** Where patch() keeps net's originals, shared by every copy of fastnet in the process. */
export const PATCH_KEY = Symbol.for('fastnet.patch');

export interface PatchRecord {
  originals: Originals;
  hooks: Hooks;
}

const netAny = net as unknown as Record<string | symbol, unknown>;
const serverProto = net.Server.prototype as unknown as Record<string, Method>;
const socketProto = net.Socket.prototype as unknown as Record<string, Method>;

/** The pristine methods, even if another copy of fastnet has already patched net. */
export const originals: Originals = (netAny[PATCH_KEY] as PatchRecord | undefined)?.originals ?? {
  listen: serverProto.listen,
  connect: socketProto.connect,
  setNoDelay: socketProto.setNoDelay,
  setKeepAlive: socketProto.setKeepAlive,
  setTypeOfService: socketProto.setTypeOfService,
  createServerHandle: netAny._createServerHandle as CreateServerHandle,
};

const normalizeArgs = netAny._normalizeArgs as (args: unknown[]) => unknown[];

/** Node's listen, with our socket put into the handle Node makes and binds (server.ts). */
function listen(this: net.Server, ...args: unknown[]): unknown {
  return listenWithFastPath(this, originals.listen, args);
}

function connect(this: net.Socket, ...args: unknown[]): unknown {
  if (currentPlatform() !== 'win32') {
    countSkip();
    return originals.connect.apply(this, args);
  }
  // Node marks normalized argument arrays; reuse them as they are.
  const normalized = (Array.isArray(args[0]) ? args[0] : normalizeArgs(args)) as [Record<string, unknown>, unknown];
  if (normalized[0].path != null) return originals.connect.call(this, normalized);
  return connectWithFastPath(this, originals.connect, normalized);
}

// A user's own call on a fast-path socket in 'throw' mode throws here, before
// Node records anything; in 'ignore' mode the handle guard withholds it.
function setNoDelay(this: net.Socket, enable?: boolean): unknown {
  if (currentPlatform() === 'win32') checkOptionCall(this, 'setNoDelay', enable === undefined || Boolean(enable));
  return originals.setNoDelay.call(this, enable);
}

function setKeepAlive(this: net.Socket, ...args: unknown[]): unknown {
  if (currentPlatform() === 'win32') checkOptionCall(this, 'setKeepAlive', keepAliveEnabled(args[0]));
  return originals.setKeepAlive.apply(this, args);
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
      originals.setKeepAlive.call(probe, { enable: false });
    } catch { /* then it reads no options object */ }
    const recorded = Object.getOwnPropertySymbols(probe).find((sym) => sym.description === 'kSetKeepAlive');
    keepAliveOptions = recorded !== undefined && probe[recorded] === false;
  }
  return keepAliveOptions;
}

function setTypeOfService(this: net.Socket, ...args: unknown[]): unknown {
  // A value Node refuses (not an integer from 0 to 255) gets Node's own error, not ours.
  const tos = args[0];
  const valid = typeof tos === 'number' && Number.isInteger(tos) && tos >= 0 && tos <= 255;
  if (currentPlatform() === 'win32' && valid) checkOptionCall(this, 'setTypeOfService', tos !== 0);
  return originals.setTypeOfService!.apply(this, args);
}

function _createServerHandle(address: string | null, port: number, addressType: number,
  fd: number | undefined, flags: number): ReturnType<CreateServerHandle> {
  return createServerHandleWithFastPath(originals.createServerHandle, address, port, addressType, fd, flags);
}

/** The server-side hook: Node's listen, armed. No `_listen2` is read or replaced (DEP0208). */
const serverHooks: Record<string, Method> = { listen };

/** The socket-side hooks (setTypeOfService only where Node has it). */
const socketHooks: Record<string, Method> = { connect, setNoDelay, setKeepAlive };
if (originals.setTypeOfService) socketHooks.setTypeOfService = setTypeOfService;

export const hooks = { server: serverHooks, socket: socketHooks, _createServerHandle };
export type Hooks = typeof hooks;
