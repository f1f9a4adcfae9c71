/**
 * fastnet's own `Server` and `Socket` (net's classes with fastnet's methods on
 * their prototypes, hooks.ts), and `createServer()` / `connect()` that make
 * them: explicit mode. They answer `instanceof` as net's classes do, and
 * can be inherited from in the ES5 way (`fastnet.Server.call(this)` with
 * util.inherits) as net's can.
 */
import * as net from 'node:net';
import * as dc from 'node:diagnostics_channel';
import { classMethods } from './hooks.js';
import { connectPublishesClientSocket, normalizeArgs } from './node-internals.js';
import type { FastnetOptions } from './options.js';
import { initServer } from './server.js';
import { initClient } from './client.js';

/** `net.ServerOpts` plus fastnet's options. */
export type ServerOpts = net.ServerOpts & FastnetOptions;
/** `net.SocketConstructorOpts` plus fastnet's options. */
export type SocketConstructorOpts = net.SocketConstructorOpts & FastnetOptions;

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

// Real classes behind exported functions: a prototype chain built with
// Object.setPrototypeOf (the ES5 way) made every fastnet socket measurably
// slower in Node's own code (docs/testing.md, "Measuring"). The functions in
// front keep net's behaviour of working with and without `new`.
class FastServer extends net.Server {
  constructor(options?: unknown, connectionListener?: unknown) {
    super(options as net.ServerOpts, connectionListener as undefined);
    if (typeof options === 'object' && options !== null) initServer(this, options);
  }
}
class FastSocket extends net.Socket {
  constructor(options?: SocketConstructorOpts) {
    super(options);
    initClient(this, options);
  }
}

/**
 * `net.Server` that applies the loopback fast path to its listening socket on
 * Windows (so accepted sockets inherit it). Options: `loopbackFastPath`
 * (false opts out, true also covers 0.0.0.0) and `unsupportedOptions`.
 */
export const Server = function Server(this: unknown, options?: unknown, connectionListener?: unknown): Server {
  if (new.target === undefined) {
    // ES5-style inheritance: a constructor whose prototype inherits ours calls `fastnet.Server.call(this, ...)`.
    if (this instanceof FastServer) {
      net.Server.call(this, options as net.ServerOpts, connectionListener as undefined);
      if (typeof options === 'object' && options !== null) initServer(this, options);
      return this;
    }
    return new FastServer(options, connectionListener);
  }
  // A subclass of ours (`class X extends fastnet.Server`) gets an instance of itself.
  return new.target === Server ? new FastServer(options, connectionListener)
    : Reflect.construct(FastServer, [options, connectionListener], new.target);
} as unknown as ServerConstructor;

/**
 * `net.Socket` whose connections to loopback addresses use the fast path on
 * Windows. Options: `loopbackFastPath` and `unsupportedOptions`.
 */
export const Socket = function Socket(this: unknown, options?: SocketConstructorOpts): Socket {
  if (new.target === undefined) {
    if (this instanceof FastSocket) {
      net.Socket.call(this, options);
      initClient(this, options);
      return this;
    }
    return new FastSocket(options);
  }
  return new.target === Socket ? new FastSocket(options) : Reflect.construct(FastSocket, [options], new.target);
} as unknown as SocketConstructor;

const ordinaryHasInstance = Function.prototype[Symbol.hasInstance];

for (const [Exported, Impl, Base, own] of [
  [Server, FastServer, net.Server, classMethods.server], [Socket, FastSocket, net.Socket, classMethods.socket],
] as const) {
  (Exported as { prototype: object }).prototype = Impl.prototype;
  Object.defineProperty(Impl.prototype, 'constructor', { configurable: true, writable: true, value: Exported });
  // Static members (net.Socket has none of its own today) come from net's class.
  Object.setPrototypeOf(Exported, Base);
  for (const [name, value] of Object.entries(own)) {
    Object.defineProperty(Impl.prototype, name, { configurable: true, writable: true, value });
  }
  // Any net socket or server is one of ours, as with node:net itself (an
  // accepted socket, http's server, `new net.Socket()`); a subclass of ours
  // answers for its own instances only.
  Object.defineProperty(Exported, Symbol.hasInstance, {
    configurable: true,
    value: function (this: Function, value: unknown): boolean {
      return this === Exported ? value instanceof Base : ordinaryHasInstance.call(this, value);
    },
  });
}

const clientSocketChannel = dc.channel('net.client.socket');
// Older Nodes publish 'net.client.socket' in net.connect(), newer ones in
// Socket.prototype.connect(), which fastnet's connect() goes through. Publish
// exactly where net does, so diagnostics tools see each socket once.
const connectPublishes = !connectPublishesClientSocket;

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
  const socket: Socket = new FastSocket(options as SocketConstructorOpts);
  if (connectPublishes && clientSocketChannel.hasSubscribers) clientSocketChannel.publish({ socket });
  if (options.timeout) socket.setTimeout(options.timeout);
  return (socket.connect as (...a: unknown[]) => Socket)(normalized);
}
