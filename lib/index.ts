/**
 * fastnet: everything from `node:net`, with the Windows loopback fast path
 * (SIO_LOOPBACK_FAST_PATH) applied to loopback TCP servers and clients.
 * Everywhere else it is net, untouched.
 */
import * as net from 'node:net';
import * as dc from 'node:diagnostics_channel';
import { setBindingForTesting, setNativeTargetForTesting } from './binding.js';
import { SUPPORTED_SOCKET_OPTIONS, readFastnetOptions, type FastnetOptions } from './options.js';
import { invalidArgType } from './errors.js';
import { currentPlatform, setPlatformForTesting } from './policy.js';
import { hooks } from './hooks.js';
import { configureServer, initServer } from './server.js';
import { configureClient, initClient } from './socket.js';
import { patch, unpatch, isPatched } from './register.js';
import { getEntry, snapshot, stats, type FastPathStats, type FastPathStatus } from './status.js';

export * from 'node:net';
export { SUPPORTED_SOCKET_OPTIONS };
export type { FastnetOptions, FastPathStats, FastPathStatus };
export type { UnsupportedOptionsMode } from './options.js';
export type { SkipReason } from './policy.js';
export type { NativeBinding } from './binding.js';

/** `net.ServerOpts` plus fastnet's options. */
export type ServerOpts = net.ServerOpts & FastnetOptions;
/** `net.SocketConstructorOpts` plus fastnet's options. */
export type SocketConstructorOpts = net.SocketConstructorOpts & FastnetOptions;

const normalizeArgs = (net as unknown as { _normalizeArgs(args: unknown[]): unknown[] })._normalizeArgs;

/** fastnet's `Server`: a `net.Server` with the fast-path options. */
export interface Server extends net.Server {}
export interface ServerConstructor {
  new (connectionListener?: (socket: net.Socket) => void): Server;
  new (options?: ServerOpts, connectionListener?: (socket: net.Socket) => void): Server;
  (connectionListener?: (socket: net.Socket) => void): Server;
  (options?: ServerOpts, connectionListener?: (socket: net.Socket) => void): Server;
  readonly prototype: Server;
}

/** fastnet's `Socket`: a `net.Socket` with the fast-path options. */
export interface Socket extends net.Socket {
  connect(options: net.SocketConnectOpts & FastnetOptions, connectionListener?: () => void): this;
  connect(port: number, host: string, connectionListener?: () => void): this;
  connect(port: number, connectionListener?: () => void): this;
  connect(path: string, connectionListener?: () => void): this;
}
export interface SocketConstructor {
  new (options?: SocketConstructorOpts): Socket;
  (options?: SocketConstructorOpts): Socket;
  readonly prototype: Socket;
}

// Written as functions, not classes: like net's, they work with and without `new`.

/**
 * `net.Server` that applies the loopback fast path to its listening socket on
 * Windows (so accepted sockets inherit it). Options: `loopbackFastPath`
 * (false opts out, true also covers 0.0.0.0) and `unsupportedOptions`.
 */
export const Server = function Server(this: Server, options?: unknown, connectionListener?: unknown): Server {
  if (!(this instanceof Server)) return new (Server as ServerConstructor)(options as ServerOpts, connectionListener as undefined);
  (net.Server as unknown as (...a: unknown[]) => void).call(this, options, connectionListener);
  if (typeof options === 'object' && options !== null) initServer(this, options);
  return this;
} as unknown as ServerConstructor;
Object.setPrototypeOf(Server.prototype, net.Server.prototype);
Object.setPrototypeOf(Server, net.Server);

Object.defineProperty(Server.prototype, '_listen2', { configurable: true, writable: true, value: hooks._listen2 });

/**
 * `net.Socket` whose connections to loopback addresses use the fast path on
 * Windows. Options: `loopbackFastPath` and `unsupportedOptions`.
 */
export const Socket = function Socket(this: Socket, options?: SocketConstructorOpts): Socket {
  if (!(this instanceof Socket)) return new (Socket as SocketConstructor)(options);
  (net.Socket as unknown as (...a: unknown[]) => void).call(this, options);
  initClient(this, options);
  return this;
} as unknown as SocketConstructor;
Object.setPrototypeOf(Socket.prototype, net.Socket.prototype);
Object.setPrototypeOf(Socket, net.Socket);

for (const name of ['connect', 'setNoDelay', 'setKeepAlive'] as const) {
  Object.defineProperty(Socket.prototype, name, { configurable: true, writable: true, value: hooks[name] });
}

const clientSocketChannel = dc.channel('net.client.socket');

/** Like `net.createServer()`, returning a fastnet `Server`. */
export function createServer(connectionListener?: (socket: net.Socket) => void): Server;
export function createServer(options?: ServerOpts, connectionListener?: (socket: net.Socket) => void): Server;
export function createServer(options?: ServerOpts | ((socket: net.Socket) => void),
  connectionListener?: (socket: net.Socket) => void): Server {
  return new Server(options as ServerOpts, connectionListener);
}

/** Like `net.connect()` / `net.createConnection()`, returning a fastnet `Socket`. */
export function connect(options: net.NetConnectOpts & FastnetOptions, connectionListener?: () => void): Socket;
export function connect(port: number, host?: string, connectionListener?: () => void): Socket;
export function connect(path: string, connectionListener?: () => void): Socket;
export function connect(...args: unknown[]): Socket {
  // The same steps as net.connect, with fastnet's Socket.
  const normalized = normalizeArgs(args) as [net.NetConnectOpts & { timeout?: number }, unknown];
  const options = normalized[0];
  const socket = new Socket(options as SocketConstructorOpts);
  if (clientSocketChannel.hasSubscribers) clientSocketChannel.publish({ socket });
  if (options.timeout) socket.setTimeout(options.timeout);
  return (socket.connect as (...a: unknown[]) => Socket)(normalized);
}
export { connect as createConnection, Socket as Stream };

/**
 * What happened to the fast path for this socket or server:
 * `{state:'applied'}`, `{state:'unsupported'|'failed', code, errno}`,
 * `{state:'skipped', reason}` or `{state:'pending'}`. Accepted sockets report
 * their listener's state with `inherited: true`; `ignoredOptions` lists
 * options that were withheld from a fast-path socket.
 */
export function fastPathStatus(target: net.Socket | net.Server): FastPathStatus {
  const t = target as unknown as { _handle?: object | null; server?: object | null };
  const entry = getEntry(target) ?? (t._handle ? getEntry(t._handle) : undefined);
  if (entry) return snapshot(entry);
  if (target instanceof net.Socket && t.server) {
    const parent = getEntry(t.server);
    if (parent) return { ...snapshot(parent), inherited: true } as FastPathStatus;
  }
  if (currentPlatform() !== 'win32') {
    // An accepted socket reports its listener's state, here "not Windows" too.
    return target instanceof net.Socket && t.server
      ? { state: 'skipped', reason: 'platform', inherited: true }
      : { state: 'skipped', reason: 'platform' };
  }
  return { state: 'skipped', reason: 'untracked' };
}

/**
 * Set fastnet's options (`loopbackFastPath`, `unsupportedOptions`) on a
 * server or socket fastnet did not construct, such as an http server in
 * transparent mode. Call it before `listen()` / `connect()`.
 */
export function setFastPathOptions(target: net.Server | net.Socket, options: FastnetOptions): void {
  const checked = readFastnetOptions(options);
  if (target instanceof net.Server) configureServer(target, checked);
  else if (target instanceof net.Socket) configureClient(target, checked);
  else throw invalidArgType('target', 'net.Server or net.Socket', target);
}

export { patch, unpatch, isPatched };

/** Process-wide counts of fast-path outcomes. */
export function fastPathStats(): FastPathStats {
  return stats();
}

/**
 * For tests only (not part of the API): run the Windows code path on another
 * OS by injecting the platform and the native binding.
 */
Object.defineProperty(exports, Symbol.for('fastnet.testing'), {
  value: Object.freeze({
    setPlatform: setPlatformForTesting, setBinding: setBindingForTesting, setNativeTarget: setNativeTargetForTesting,
  }),
});

// `import fastnet from 'fastnet'` from TypeScript's CommonJS output reads `.default`.
const fastnet: typeof import('./index.js') = exports as never;
export default fastnet;
Object.defineProperty(exports, 'default', { enumerable: false });
