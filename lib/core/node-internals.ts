/**
 * The one module that reads Node's internals: net's prototypes and the
 * places fastnet patches (under net's own property names), the patch record
 * shared by every copy of fastnet, `net._normalizeArgs`, `net._createServerHandle`,
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
  getpeername(out: Record<string, unknown>): number;
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

/** The objects whose methods fastnet's hooks stand in front of (transparent mode patches them in place). */
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

/** A place's target, and per target, functions under net's own names. */
export type Target = keyof typeof targets;
export type Places = { [T in Target]: Record<string, unknown> };

/** Where patch() keeps its record on net, shared by every copy of fastnet in the process (v1: this format). */
const PATCH_KEY = Symbol.for('fastnet.v1.patch');

/**
 * What patch() records on net: for each place (target and net's own name),
 * the hook it put there and what it replaced (net's method as it was then,
 * or a wrapper someone had put on it). Another copy can undo it from this alone.
 */
export interface PatchRecord {
  hooks: Places;
  replaced: Places;
}

/** The patch record on net, if a copy of fastnet has patched it. */
export function patchRecord(): PatchRecord | undefined {
  return (targets.net as Record<symbol, unknown>)[PATCH_KEY] as PatchRecord | undefined;
}

/** Record a patch (`record`) or its undoing (`undefined`). */
export function setPatchRecord(record: PatchRecord | undefined): void {
  if (record) Object.defineProperty(net, PATCH_KEY, { value: record, configurable: true });
  else delete (targets.net as Record<symbol, unknown>)[PATCH_KEY];
}

/**
 * net's methods as this copy of fastnet found them when it loaded (or, if
 * another copy had patched net already, what that copy replaced): for the
 * few calls fastnet makes on its own behalf, which no wrapper should see.
 */
export const loaded = {
  setKeepAlive: (patchRecord()?.replaced.socket.setKeepAlive ?? targets.socket.setKeepAlive) as Method,
  createServerHandle: (patchRecord()?.replaced.net._createServerHandle ?? targets.net._createServerHandle) as CreateServerHandle,
};

/** What goes on net itself, under net's own name: `createServerHandle` as `_createServerHandle` (the cluster primary's shared handle). */
export function onNet<T>(createServerHandle: T): Record<string, T> {
  return typeof targets.net._createServerHandle === 'function' ? { _createServerHandle: createServerHandle } : {};
}

/** `net._normalizeArgs`: how net reads `listen()`/`connect()` arguments; Node marks the array it returns. */
export const normalizeArgs = targets.net._normalizeArgs as (args: unknown[]) => unknown[];

/**
 * Whether Node's `Socket.prototype.connect` publishes the `net.client.socket`
 * diagnostics channel itself, as Node 22.17+, 24.2+ and 25+ do (nodejs/node#58349);
 * older ones publish it in net.connect(). Decided by version: the method may
 * be wrapped (an APM) before fastnet loads, so its source says nothing.
 */
export const connectPublishesClientSocket: boolean = publishesInConnect(process.versions.node);

export function publishesInConnect(version: string): boolean {
  const [major, minor] = version.split('.').map(Number);
  return major >= 25 || (major === 24 && minor >= 2) || (major === 22 && minor >= 17);
}

/**
 * The socket a TLS socket wraps (`_parent`, kept after close): for a TLS socket of a tls/https server, the
 * accepted socket, which holds the connection's record.
 */
export function wrappedSocket(socket: object): object | undefined {
  const parent = (socket as { _parent?: unknown })._parent;
  return parent instanceof net.Socket ? parent : undefined;
}

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
  // Not through net (fastnet's own hook may be there): net's as this copy found it.
  const handle = loaded.createServerHandle('127.0.0.1', 0, 4, undefined, 0);
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
