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
import { noteOptionRequest, prepareConnect } from './socket.js';
import { currentPlatform } from './policy.js';
import { countSkip } from './status.js';

// Socket methods, whatever their own parameters.
type Method = (this: net.Socket, ...args: any[]) => unknown;

/** net's own methods, as they were before any copy of fastnet patched them. */
export interface Originals {
  listen2: Listen2;
  connect: Method;
  setNoDelay: Method;
  setKeepAlive: Method;
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
  connect: socketProto.connect,
  setNoDelay: socketProto.setNoDelay,
  setKeepAlive: socketProto.setKeepAlive,
  createServerHandle: netAny._createServerHandle as CreateServerHandle,
};

const normalizeArgs = netAny._normalizeArgs as (args: unknown[]) => unknown[];

function _listen2(this: net.Server, address: string | null, port: number, addressType: number, backlog: number,
  fd: number | undefined, flags: number): void {
  listenWithFastPath.call(this, originals.listen2, address, port, addressType, backlog, fd, flags);
}

function connect(this: net.Socket, ...args: unknown[]): unknown {
  if (currentPlatform() !== 'win32') {
    countSkip();
    return originals.connect.apply(this, args);
  }
  // Node marks normalized argument arrays; reuse them as they are.
  const normalized = (Array.isArray(args[0]) ? args[0] : normalizeArgs(args)) as [Record<string, unknown>, unknown];
  if (normalized[0].path == null) prepareConnect(this, normalized[0]);
  return originals.connect.call(this, normalized);
}

function setNoDelay(this: net.Socket, noDelay?: boolean): unknown {
  noteOptionRequest(this, 'setNoDelay', noDelay);
  return originals.setNoDelay.call(this, noDelay);
}

function setKeepAlive(this: net.Socket, ...args: unknown[]): unknown {
  noteOptionRequest(this, 'setKeepAlive', args[0]);
  return originals.setKeepAlive.apply(this, args);
}

function _createServerHandle(address: string | null, port: number, addressType: number,
  fd: number | undefined, flags: number): ReturnType<CreateServerHandle> {
  return createServerHandleWithFastPath(originals.createServerHandle, address, port, addressType, fd, flags);
}

export const hooks = { _listen2, connect, setNoDelay, setKeepAlive, _createServerHandle };
export type Hooks = typeof hooks;
