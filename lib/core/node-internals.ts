/**
 * The one module that reads Node's internals: net's own methods (the
 * originals, kept under net's own property names), the patch record shared
 * by every copy of fastnet, `net._normalizeArgs`, `net._createServerHandle`,
 * the TCP handle class from `process.binding('tcp_wrap')`, Node's internal
 * symbols (found by their description), `net.BoundSocket`'s class, and the
 * two places where Node's `listen()` goes asynchronous (`dns.lookup`,
 * `cluster._getServer`). Nothing else in lib/ reads them (test/layout.test.js
 * greps to keep it so), so the next change in Node's net touches this file.
 *
 * It imports nothing of fastnet's: a leaf.
 */
// The real exports object (not a namespace copy): patching writes to it.
import net = require('node:net');

/** Methods of net's classes, whatever their own parameters. */
export type Method = (this: any, ...args: any[]) => unknown;

/** Node's TCP handle (tcp_wrap): just the parts fastnet uses. */
export interface TcpHandle {
  open(sock: number): number;
  bind(address: string, port: number, flags?: number): number;
  bind6(address: string, port: number, flags: number): number;
  getsockname(out: Record<string, unknown>): number;
  close(cb?: () => void): void;
  setNoDelay(enable: boolean): number;
  setKeepAlive(enable: boolean, delay: number): number;
  onread?: unknown;
  onconnection?: (err: number, clientHandle?: TcpHandle) => void;
  owner?: unknown;
  [key: string]: unknown;
}

export type TcpClass = new (type: number) => TcpHandle;

export const UV_TCP_IPV6ONLY = 1;

/** `net._createServerHandle(address, port, addressType, fd, flags)`: a bound TCP handle, or a libuv error code. */
export type CreateServerHandle = (address: string | null, port: number, addressType: number,
  fd: number | undefined, flags: number) => TcpHandle | number;

/** The places fastnet patches in transparent mode, by the names Originals uses for them. */
export const targets = {
  server: net.Server.prototype as unknown as Record<string, unknown>,
  socket: net.Socket.prototype as unknown as Record<string, unknown>,
  net: net as unknown as Record<string, unknown>,
};

/**
 * Node's own `net.BoundSocket` class (Node 26.4+, and 24 builds that carry
 * it), undefined where Node has none. Read through the prototype, which
 * fastnet's function shares and whose `constructor` stays Node's: so it is
 * Node's class even when net is patched already (by this or another copy).
 */
export const NodeBoundSocket: (new (...args: unknown[]) => unknown) | undefined =
  typeof targets.net.BoundSocket === 'function'
    ? (targets.net.BoundSocket as { prototype: { constructor: new (...args: unknown[]) => unknown } }).prototype.constructor
    : undefined;

/** net's own methods, per target, under net's own property names, as they were before any copy of fastnet patched. */
export interface Originals {
  server: { listen: Method };
  /** setTypeOfService: Node 24+ only. */
  socket: { connect: Method; setNoDelay: Method; setKeepAlive: Method; setTypeOfService?: Method };
  /** BoundSocket: where Node has one. */
  net: { _createServerHandle: CreateServerHandle; BoundSocket?: new (...args: unknown[]) => unknown };
}

/** Where patch() keeps net's originals, shared by every copy of fastnet in the process. */
const PATCH_KEY = Symbol.for('fastnet.patch');

/** What patch() records on net: the originals, and the hooks it put in their places (same targets and names). */
export interface PatchRecord {
  originals: Originals;
  hooks: { [T in keyof Originals]: Record<string, unknown> };
}

/** The patch record on net, if a copy of fastnet has patched it. */
export function patchRecord(): PatchRecord | undefined {
  return targets.net[PATCH_KEY as unknown as string] as PatchRecord | undefined;
}

/**
 * Record a patch (`record`) or its undoing (`undefined`). The originals are
 * also written under the flat names an older copy of fastnet reads
 * (`listen`, `connect`, ..., `createServerHandle`), so that a copy loaded
 * later, or one that unpatches, finds net's methods whichever version it is.
 */
export function setPatchRecord(record: PatchRecord | undefined): void {
  if (!record) {
    delete (targets.net as Record<symbol, unknown>)[PATCH_KEY];
    return;
  }
  const o = record.originals;
  const flat = {
    listen: o.server.listen, ...o.socket, createServerHandle: o.net._createServerHandle,
  };
  Object.defineProperty(net, PATCH_KEY, { value: { ...record, originals: { ...flat, ...o } }, configurable: true });
}

/** The pristine methods, even if another copy of fastnet has already patched net. */
export const originals: Originals = recordedOriginals(patchRecord()) ?? {
  server: { listen: targets.server.listen as Method },
  socket: {
    connect: targets.socket.connect as Method,
    setNoDelay: targets.socket.setNoDelay as Method,
    setKeepAlive: targets.socket.setKeepAlive as Method,
    ...(typeof targets.socket.setTypeOfService === 'function'
      ? { setTypeOfService: targets.socket.setTypeOfService as Method } : {}),
  },
  net: { _createServerHandle: targets.net._createServerHandle as CreateServerHandle, ...boundSocketOriginal() },
};

/**
 * A record's originals in this shape. A copy of fastnet from before the
 * originals were keyed by net's names keeps them flat (and `_createServerHandle`
 * as `createServerHandle`); Node's BoundSocket is known from its prototype.
 */
export function recordedOriginals(record: PatchRecord | undefined): Originals | undefined {
  if (!record) return undefined;
  const o = record.originals as Originals | (Record<string, Method> & { server?: undefined });
  if (o.server) return o as Originals;
  const flat = o as Record<string, Method>;
  return {
    server: { listen: flat.listen },
    socket: {
      connect: flat.connect, setNoDelay: flat.setNoDelay, setKeepAlive: flat.setKeepAlive,
      ...(flat.setTypeOfService ? { setTypeOfService: flat.setTypeOfService } : {}),
    },
    net: { _createServerHandle: flat.createServerHandle as unknown as CreateServerHandle, ...boundSocketOriginal() },
  };
}

function boundSocketOriginal(): Pick<Originals['net'], 'BoundSocket'> {
  return NodeBoundSocket ? { BoundSocket: NodeBoundSocket } : {};
}

/** Node's own `net._createServerHandle` (what the cluster primary's hook calls). */
export const nodeCreateServerHandle: CreateServerHandle = originals.net._createServerHandle;

/** The hooks that go on net itself, under net's own names (patch.ts puts them there). */
export function netHooks(hooks: { createServerHandle: CreateServerHandle; BoundSocket?: unknown }): Record<string, unknown> {
  // Named as net's own, as it was when the hook was declared under that name.
  Object.defineProperty(hooks.createServerHandle, 'name', { value: '_createServerHandle' });
  return { _createServerHandle: hooks.createServerHandle, ...(hooks.BoundSocket ? { BoundSocket: hooks.BoundSocket } : {}) };
}

/** `net._normalizeArgs`: how net reads `listen()`/`connect()` arguments; Node marks the array it returns. */
export const normalizeArgs = targets.net._normalizeArgs as (args: unknown[]) => unknown[];

/**
 * Whether Node's `Socket.prototype.connect` publishes the `net.client.socket`
 * diagnostics channel itself (Node 22+); Node 20 publishes it in net.connect().
 */
export const connectPublishesClientSocket: boolean =
  Function.prototype.toString.call(originals.socket.connect).includes('netClientSocketChannel');

/** An own symbol of `obj` whose description is `description` (Node's internal symbols are not exported). */
export function internalSymbol(obj: object, description: string): symbol | undefined {
  return Object.getOwnPropertySymbols(obj).find((s) => s.description === description);
}

/** The own symbols of `obj`, in its order (read their `description`). */
export function internalSymbols(obj: object): symbol[] {
  return Object.getOwnPropertySymbols(obj);
}

/**
 * The descriptions of the Node internal symbols fastnet reads: where a socket
 * keeps options asked for before it has a handle (Node 20 to 26), the owner
 * of a handle, and the messaging methods that move a Server or Socket to
 * another thread.
 */
export const NODE_SYMBOLS = Object.freeze({
  setNoDelay: 'kSetNoDelay',
  setKeepAlive: 'kSetKeepAlive',
  setTypeOfService: 'kSetTOS',
  owner: 'owner_symbol',
  transfer: 'messaging_transfer_symbol',
  deserialize: 'messaging_deserialize_symbol',
});

/**
 * Node's cluster channel: an IPC message whose `cmd` starts with this prefix
 * is Node's own, and the receiving process emits it as `internalMessage`
 * rather than `message`, so that the application never sees it.
 */
export const CLUSTER_INTERNAL_PREFIX = 'NODE_';
export const CLUSTER_INTERNAL_MESSAGE = 'internalMessage';

let TCP: TcpClass | undefined;

/**
 * Node's TCP handle class, which can adopt a socket made elsewhere
 * (`handle.open(socket)`). In order:
 *  - `from`, a handle Node itself just created with `new TCP(...)`;
 *  - `process.binding('tcp_wrap')`. Under --pending-deprecation Node wraps
 *    process.binding in a deprecation (DEP0111) that checks
 *    `process.noDeprecation` on each call, before it warns or marks itself
 *    as warned: fastnet asks with that set, so it warns nobody (nor throws
 *    under --throw-deprecation), and the app's own first call still warns;
 *  - where that is refused (--permission), a handle made by Node's own
 *    createServerHandle (bound to 127.0.0.1, port 0) and closed at once:
 *    async_hooks see that one.
 * Returns a (negative) libuv error code if even that fails, such as EMFILE.
 */
export function tcpClass(from?: object): TcpClass | number {
  if (TCP) return TCP;
  if (from) return TCP = from.constructor as TcpClass;
  const binding = (process as unknown as { binding?: (name: string) => { TCP?: TcpClass } }).binding;
  if (typeof binding === 'function') {
    const p = process as unknown as { noDeprecation?: boolean };
    const own = Object.prototype.hasOwnProperty.call(p, 'noDeprecation');
    const was = p.noDeprecation;
    p.noDeprecation = true;
    try {
      const cls = binding.call(process, 'tcp_wrap').TCP;
      if (typeof cls === 'function') return TCP = cls;
    } catch { /* refused, as under --permission */ } finally {
      if (own) p.noDeprecation = was;
      else delete p.noDeprecation;
    }
  }
  // net's as it is now (a wrapper put on it later is called too), or the patch record's original.
  const make = recordedOriginals(patchRecord())?.net._createServerHandle ?? targets.net._createServerHandle as CreateServerHandle;
  const handle = make('127.0.0.1', 0, 4, undefined, 0);
  if (typeof handle === 'number') return handle;
  TCP = handle.constructor as TcpClass;
  handle.close();
  return TCP;
}

/** Node's listen() resolves a host with `dns.lookup` (any host, IP literals too), and binds from its callback. */
export function lookupSeam(): { target: Record<string, unknown>; name: string } {
  return { target: require('node:dns') as Record<string, unknown>, name: 'lookup' };
}

/** In a cluster worker, Node's listen() asks the primary for the handle: `cluster._getServer(server, query, cb)`. */
export function primarySeam(): { target: Record<string, unknown>; name: string } {
  return { target: require('node:cluster') as Record<string, unknown>, name: '_getServer' };
}

/**
 * Put `wrap(Node's method)` in place of `connect` and `connect6` on the
 * prototype of Node's TCP handles (`TCP`), or of a handle Node made that
 * forwards them to a TCP handle (a TLS socket's wrap), once per prototype.
 * Node calls them right before each connection attempt, once it has bound.
 */
export function wrapConnect(of: TcpClass | object, wrap: (node: Method) => Method): void {
  const proto = (typeof of === 'function' ? of.prototype : Object.getPrototypeOf(of)) as Record<string, unknown> | null;
  if (proto === null || wrapped.has(proto)) return;
  wrapped.add(proto);
  for (const name of ['connect', 'connect6']) {
    if (typeof proto[name] === 'function') proto[name] = wrap(proto[name] as Method);
  }
}

const wrapped = new WeakSet<object>();
