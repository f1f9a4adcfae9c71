/**
 * The hook functions, built once over net's pristine methods. Explicit mode
 * puts them on fastnet's own Server/Socket prototypes; transparent mode
 * (register.ts) puts the very same functions on net's prototypes.
 */
// The real exports object (not a namespace copy): patching writes to it.
import net = require('node:net');
import {
  createServerHandleWithFastPath, listenWithFastPath, type CreateServerHandle, type Listen2,
} from './server.js';
import { connectWithFastPath } from './socket.js';
import { checkOptionCall } from './options.js';
import { currentPlatform } from './policy.js';
import { countSkip, setStatus, skipped } from './status.js';

// Methods of net's classes, whatever their own parameters.
type Method = (this: any, ...args: any[]) => unknown;

/** net's own methods, as they were before any copy of fastnet patched them. */
export interface Originals {
  listen2: Listen2;
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
  listen2: serverProto._listen2 as unknown as Listen2,
  listen: serverProto.listen,
  connect: socketProto.connect,
  setNoDelay: socketProto.setNoDelay,
  setKeepAlive: socketProto.setKeepAlive,
  setTypeOfService: socketProto.setTypeOfService,
  createServerHandle: netAny._createServerHandle as CreateServerHandle,
};

/**
 * Whether `_listen2` is the seam it has been since Node 8: the plain internal
 * setupListenHandle that listen() calls. Node main deprecates it (DEP0208):
 * there, overriding or calling it prints a DeprecationWarning, and it will
 * be removed. fastnet then leaves servers alone, and clients too, since the
 * fast path needs both ends (see docs/design.md for the way forward).
 */
export function listenSeam(listen2: unknown): 'ok' | 'deprecated' | 'missing' {
  if (typeof listen2 !== 'function') return 'missing';
  return listen2.name === 'setupListenHandle' ? 'ok' : 'deprecated';
}

/** This Node's server seam. */
export const seam = listenSeam(originals.listen2);

const normalizeArgs = netAny._normalizeArgs as (args: unknown[]) => unknown[];

function _listen2(this: net.Server, address: string | null, port: number, addressType: number, backlog: number,
  fd: number | undefined, flags: number): void {
  listenWithFastPath.call(this, originals.listen2, address, port, addressType, backlog, fd, flags);
}

/** Only where the seam is missing or deprecated: servers say why they were skipped. */
function listen(this: net.Server, ...args: unknown[]): unknown {
  if (currentPlatform() === 'win32') setStatus(this, skipped('no-listen-hook'));
  else countSkip();
  return originals.listen.apply(this, args);
}

function connect(this: net.Socket, ...args: unknown[]): unknown {
  if (currentPlatform() !== 'win32') {
    countSkip();
    return originals.connect.apply(this, args);
  }
  // Node marks normalized argument arrays; reuse them as they are.
  const normalized = (Array.isArray(args[0]) ? args[0] : normalizeArgs(args)) as [Record<string, unknown>, unknown];
  if (normalized[0].path != null) return originals.connect.call(this, normalized);
  if (seam !== 'ok') {
    setStatus(this, skipped('no-listen-hook'));
    return originals.connect.call(this, normalized);
  }
  return connectWithFastPath(this, originals.connect, normalized);
}

// A user's own call on a fast-path socket in 'throw' mode throws here, before
// Node records anything; in 'ignore' mode the handle guard withholds it.
function setNoDelay(this: net.Socket, enable?: boolean): unknown {
  if (currentPlatform() === 'win32') checkOptionCall(this, 'setNoDelay', enable === undefined || Boolean(enable));
  return originals.setNoDelay.call(this, enable);
}

function setKeepAlive(this: net.Socket, ...args: unknown[]): unknown {
  if (currentPlatform() === 'win32') checkOptionCall(this, 'setKeepAlive', Boolean(args[0]));
  return originals.setKeepAlive.apply(this, args);
}

function setTypeOfService(this: net.Socket, ...args: unknown[]): unknown {
  if (currentPlatform() === 'win32') checkOptionCall(this, 'setTypeOfService', Boolean(args[0]));
  return originals.setTypeOfService!.apply(this, args);
}

function _createServerHandle(address: string | null, port: number, addressType: number,
  fd: number | undefined, flags: number): ReturnType<CreateServerHandle> {
  return createServerHandleWithFastPath(originals.createServerHandle, address, port, addressType, fd, flags);
}

/** The server-side hook this Node allows: `_listen2`, or only a `listen` that reports why not. */
const serverHooks: Partial<Record<'_listen2' | 'listen', Method>> = seam === 'ok' ? { _listen2 } : { listen };

/** The socket-side hooks (setTypeOfService only where Node has it). */
const socketHooks: Record<string, Method> = { connect, setNoDelay, setKeepAlive };
if (originals.setTypeOfService) socketHooks.setTypeOfService = setTypeOfService;

export const hooks = { server: serverHooks, socket: socketHooks, _createServerHandle };
export type Hooks = typeof hooks;
