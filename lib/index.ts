/**
 * fastnet: everything from `node:net`, with the Windows loopback fast path
 * (SIO_LOOPBACK_FAST_PATH) applied to loopback TCP servers and clients.
 * Everywhere else it is net, untouched.
 */
import * as net from 'node:net';
import * as dc from 'node:diagnostics_channel';
import { setBindingForTesting, setNativeTargetForTesting } from './core/binding.js';
import { connectPublishesClientSocket, normalizeArgs, tcpClass } from './core/node-internals.js';
import { listenToPrimary } from './core/cluster.js';
import { rememberRefusal } from './core/native-socket.js';
import {
  SUPPORTED_SOCKET_OPTIONS, handleMethods, installGuards, readFastnetOptions, type FastnetOptions,
} from './core/options.js';
import { invalidArgType } from './core/errors.js';
import {
  currentPlatform, killSwitchOn, setKillSwitch as setKillSwitch_, refreshEnv, setPlatformForTesting,
} from './core/policy.js';
import { setWindowsReleaseForTesting } from './core/known-issues.js';
import { hooks } from './core/hooks.js';
import { bindGuardsReady, bindMethods, configureServer, initServer } from './core/server.js';
import { BoundSocket, NodeBoundSocket } from './core/bound-socket.js';
import { configureClient, initClient } from './core/client.js';
import { patch, unpatch, isPatched } from './core/patch.js';
import {
  getStatus, INHERITED, listenerOf, snapshot, stats, type FastPathStats, type FastPathStatus,
} from './core/status.js';
import { installTransfer } from './core/transfer.js';

export * from 'node:net';
export { SUPPORTED_SOCKET_OPTIONS };
export type { FastnetOptions, FastPathStats, FastPathStatus };
export type { UnsupportedOptionsMode } from './core/options.js';
export type { SkipReason } from './core/policy.js';
export type { NativeBinding } from './core/binding.js';
export type { BoundSocketOptions, BoundSocketConstructor } from './core/bound-socket.js';

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
export const Server = function Server(options?: unknown, connectionListener?: unknown): Server {
  // A subclass of ours (`class X extends fastnet.Server`) gets an instance of itself.
  return new.target === undefined || new.target === Server ? new FastServer(options, connectionListener)
    : Reflect.construct(FastServer, [options, connectionListener], new.target);
} as unknown as ServerConstructor;

/**
 * `net.Socket` whose connections to loopback addresses use the fast path on
 * Windows. Options: `loopbackFastPath` and `unsupportedOptions`.
 */
export const Socket = function Socket(options?: SocketConstructorOpts): Socket {
  return new.target === undefined || new.target === Socket ? new FastSocket(options)
    : Reflect.construct(FastSocket, [options], new.target);
} as unknown as SocketConstructor;

for (const [Exported, Impl, Base, own] of [
  [Server, FastServer, net.Server, hooks.server], [Socket, FastSocket, net.Socket, hooks.socket],
] as const) {
  (Exported as { prototype: object }).prototype = Impl.prototype;
  Object.defineProperty(Impl.prototype, 'constructor', { configurable: true, writable: true, value: Exported });
  // Static members (net.Socket has none of its own today) come from net's class.
  Object.setPrototypeOf(Exported, Base);
  for (const [name, value] of Object.entries(own)) {
    Object.defineProperty(Impl.prototype, name, { configurable: true, writable: true, value });
  }
}

const clientSocketChannel = dc.channel('net.client.socket');
// Node 20 publishes 'net.client.socket' in net.connect(); later versions in
// Socket.prototype.connect(), which fastnet's connect() goes through. Publish
// exactly where net does, so diagnostics tools see each socket once.
const connectPublishes = !connectPublishesClientSocket;

// A cluster worker hears from its primary what was done for shared listeners.
listenToPrimary();

// A server or socket moved to a worker thread keeps its record there, where Node can move them (lib/core/transfer.ts).
installTransfer();

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
export { connect as createConnection, Socket as Stream };

/**
 * `net.BoundSocket` (where Node has it; undefined elsewhere), deciding the
 * fast path when it binds, in its constructor: a loopback bind gets it, a
 * 0.0.0.0 one with `loopbackFastPath: true`. The server or socket that adopts
 * it takes that outcome over. Its objects are Node's own BoundSockets.
 */
export { BoundSocket };

/**
 * What happened to the fast path for this socket, server or BoundSocket:
 * `{state:'applied'}`, `{state:'unsupported'|'failed', code, errno}`,
 * `{state:'skipped', reason}` or `{state:'pending'}`. Accepted sockets report
 * their listener's state with `inherited: true`; `ignoredOptions` lists
 * options that were withheld from a fast-path socket.
 */
export function fastPathStatus(target: net.Socket | net.Server | BoundSocket): FastPathStatus {
  if (!(target instanceof net.Socket) && !(target instanceof net.Server) &&
    !(NodeBoundSocket !== undefined && target instanceof NodeBoundSocket)) {
    throw invalidArgType('target', NodeBoundSocket ? 'net.Server, net.Socket or net.BoundSocket' : 'net.Server or net.Socket',
      target);
  }
  const own = getStatus(target);
  if (own) return snapshot(target, own);
  const listener = target instanceof net.Socket ? listenerOf(target) : undefined;
  if (listener) {
    const parent = getStatus(listener);
    if (parent) return snapshot(target, parent, INHERITED);
  }
  if (currentPlatform() !== 'win32') {
    // An accepted socket reports its listener's state, here "not Windows" too.
    return listener ? { state: 'skipped', reason: 'platform', inherited: true } : { state: 'skipped', reason: 'platform' };
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

/**
 * The kill switch at run time: `true` turns the fast path off for servers and
 * connections set up from now on, `false` back on, `undefined` re-reads
 * FASTNET_DISABLE (which is otherwise read once, when fastnet loads).
 * Returns the new state.
 */
export function setKillSwitch(on?: boolean): boolean {
  setKillSwitch_(on);
  return killSwitchOn();
}

/** Process-wide counts of fast-path outcomes. */
export function fastPathStats(): FastPathStats {
  return stats();
}

/**
 * For tests only (not part of the API): run the Windows code path on another
 * OS by injecting the platform, the native binding and the Windows release
 * (`os.release()`, for the known-issues table).
 */
Object.defineProperty(exports, Symbol.for('fastnet.testing'), {
  value: Object.freeze({
    setNativeTarget: setNativeTargetForTesting,
    setPlatform: setPlatformForTesting,
    // A new binding also forgets a remembered refusal.
    setBinding(binding: Parameters<typeof setBindingForTesting>[0]) {
      setBindingForTesting(binding);
      rememberRefusal(rememberRefusal());
    },
    rememberRefusal,
    /** Node's TCP handle methods behind the option guards (installed now if need be): what really reaches the OS. */
    handleMethods() {
      const TCP = tcpClass();
      if (typeof TCP !== 'number') installGuards(TCP);
      return handleMethods;
    },
    /** Node's TCP bind/bind6 behind the server's bind guards (installed now if need be). */
    bindMethods() {
      bindGuardsReady();
      return bindMethods;
    },
    setWindowsRelease(release: string | undefined) {
      setWindowsReleaseForTesting(release);
      refreshEnv();
    },
  }),
});

// `import fastnet from 'fastnet'` from TypeScript's CommonJS output reads `.default`.
const fastnet: typeof import('./index.js') = exports as never;
export default fastnet;
Object.defineProperty(exports, 'default', { enumerable: false });
