/**
 * The server hook. Node's source names `Server.prototype._listen2` as the
 * method to wrap. Before it runs, we put a handle holding our socket (ioctl
 * applied, bound with Node's own bind/bind6) into `server._handle`; Node's
 * listen then does the rest, so backlog, errors, 'listening' and the
 * connection key all stay Node's. Accepted sockets inherit the fast path:
 * their state is the listener's, and on the fast path their handles are
 * guarded from unsupported options.
 */
import type { Server as NetServer } from 'node:net';
import { tcpClass, TCP_SERVER, UV_TCP_IPV6ONLY, type TcpHandle } from './binding.js';
import { announceToWorkers, fromPrimary, inClusterWorker } from './cluster.js';
import { clusterOptionError, uvErrorName } from './errors.js';
import { closeSocket, makeSocket } from './fastsocket.js';
import {
  beginAccept, endAccept, installGuards, markThrowMode, readFastnetOptions, unsupportedOptionErrorFor, type FastnetOptions,
} from './options.js';
import { currentEnv, currentPlatform, decide, type Decision } from './policy.js';
import { countAccepted, countSkip, countStatus, setStatus, skipped, type FastPathStatus } from './status.js';

export type Listen2 = (this: NetServer, address: string | null, port: number, addressType: number,
  backlog: number, fd: number | undefined, flags: number) => void;

const kConfig = Symbol('fastnet.server');
const NO_OPTIONS: FastnetOptions = Object.freeze({});

type HookedServer = NetServer & {
  [kConfig]?: FastnetOptions;
  _handle: TcpHandle | null;
  noDelay?: boolean;
  keepAlive?: boolean;
};

/** Read fastnet's options from `createServer(options)`. */
export function initServer(server: NetServer, options: unknown): void {
  const fastnet = readFastnetOptions(options);
  if (fastnet.loopbackFastPath !== undefined || fastnet.unsupportedOptions !== undefined) {
    (server as HookedServer)[kConfig] = fastnet;
  }
}

/** Per-server fastnet options, for servers fastnet did not construct (transparent mode). */
export function configureServer(server: NetServer, options: FastnetOptions): void {
  (server as HookedServer)[kConfig] = { ...(server as HookedServer)[kConfig], ...options };
}

function failed(err: number): FastPathStatus {
  return Object.freeze({ state: 'failed', code: uvErrorName(err), errno: err });
}

/** `_listen2` with the fast path: prepares `this._handle`, then calls Node's `_listen2`. */
export function listenWithFastPath(this: NetServer, original: Listen2, address: string | null, port: number,
  addressType: number, backlog: number, fd: number | undefined, flags: number): void {
  const server = this as HookedServer;
  const listen = () => original.call(server, address, port, addressType, backlog, fd, flags);
  if (currentPlatform() !== 'win32') {
    countSkip();
    return listen();
  }
  const config = server[kConfig] ?? NO_OPTIONS;
  if (server._handle) {
    if (inClusterWorker()) return listenInWorker(server, config, listen, address, port, addressType);
    setStatus(server, skipped('external-handle')); // listen(handle)
    return listen();
  }
  if (typeof fd === 'number' && fd >= 0) return setStatus(server, skipped('fd')), listen();
  if (addressType === -1) return setStatus(server, skipped('pipe')), listen();

  const decision = decide('server', address, config, currentEnv());
  if (decision.action === 'skip') {
    setStatus(server, skipped(decision.reason));
    announceToWorkers(address, port, addressType, skipped(decision.reason));
    return listen();
  }
  if (refuseOptions(server, config)) return;

  const made = makeServerHandle(decision, address!, port, flags);
  setStatus(server, made.status);
  announceToWorkers(address, port, addressType, made.status);
  if (!made.handle) return listen();
  server._handle = made.handle;
  listen();
  if (server._handle === made.handle && made.status.state === 'applied') watchAccepts(server, made.handle, config);
}

/**
 * In 'throw' mode a server's own noDelay/keepAlive (http's default noDelay)
 * would reach every accepted fast-path socket: listen fails with the error.
 */
function refuseOptions(server: HookedServer, config: FastnetOptions): boolean {
  if (config.unsupportedOptions !== 'throw' || !(server.noDelay || server.keepAlive)) return false;
  setStatus(server, skipped('unsupported-option'));
  const err = unsupportedOptionErrorFor(server.noDelay ? 'noDelay' : 'keepAlive');
  process.nextTick(() => server.emit('error', err));
  return true;
}

/**
 * A cluster worker listens on a handle its primary made (Windows' default
 * scheduling shares the listening socket; round-robin hands over accepted
 * ones). A primary running fastnet says what it did for that listener before
 * it sends the handle; without that word, the primary did nothing.
 */
function listenInWorker(server: HookedServer, config: FastnetOptions, listen: () => void,
  address: string | null, port: number, addressType: number): void {
  const primary = fromPrimary(address, port, addressType);
  const applied = primary?.state === 'applied';
  // The primary made the socket, so the worker's own opt-out or wildcard
  // opt-in cannot be honoured: say so rather than ignore it.
  const conflict = config.loopbackFastPath === false ? applied
    : config.loopbackFastPath === true && address === '0.0.0.0' && !applied;
  if (conflict) {
    const handle = server._handle!;
    server._handle = null;
    handle.close();
    setStatus(server, skipped('cluster'));
    process.nextTick(() => server.emit('error', clusterOptionError(config.loopbackFastPath!, applied)));
    return;
  }
  if (applied && refuseOptions(server, config)) {
    const handle = server._handle!;
    server._handle = null;
    handle.close();
    return;
  }
  setStatus(server, config.loopbackFastPath === false && !applied ? skipped('opted-out')
    : primary && primary.state !== 'skipped' ? Object.freeze({ ...primary, via: 'cluster-primary' }) : skipped('cluster'));
  const handle = server._handle!;
  listen();
  if (applied && server._handle === handle) watchAccepts(server, handle, config);
}

/**
 * A server handle holding our socket, ioctl applied, bound as Node's
 * createServerHandle would bind it. Without a handle, the caller falls back
 * to Node's own path (which also reports any bind error exactly as usual).
 */
function makeServerHandle(decision: Extract<Decision, { action: 'attempt' }>, address: string, port: number,
  flags: number): { handle?: TcpHandle; status: FastPathStatus } {
  const family = decision.family;
  const TCP = tcpClass();
  if (typeof TCP === 'number') return { status: failed(TCP) };
  const made = makeSocket(decision, false);
  if (made.sock < 0) return { status: made.status };
  const handle = new TCP(TCP_SERVER);
  let err = handle.open(made.sock);
  if (err !== 0) {
    closeSocket(made.sock); // open() failed, so the socket is still ours
    handle.close();
    return { status: failed(err) };
  }
  // From here on the handle owns the socket.
  err = family === 6
    ? handle.bind6(address, port, (flags ?? 0) | UV_TCP_IPV6ONLY)
    : handle.bind(address, port, flags);
  if (err !== 0) {
    handle.close();
    return { status: failed(err) };
  }
  return { handle, status: made.status };
}

export type CreateServerHandle = (address: string | null, port: number, addressType: number,
  fd: number | undefined, flags: number) => TcpHandle | number;

/**
 * `net._createServerHandle` with the fast path: the cluster primary makes the
 * listening handle it shares with workers (Windows' default scheduling) here.
 * Its status is recorded on the handle, counted, and announced to workers.
 */
export function createServerHandleWithFastPath(original: CreateServerHandle, address: string | null, port: number,
  addressType: number, fd: number | undefined, flags: number): TcpHandle | number {
  const fallback = () => original(address, port, addressType, fd, flags);
  if (currentPlatform() !== 'win32' || (typeof fd === 'number' && fd >= 0) || addressType === -1) return fallback();
  const decision = decide('server', address, NO_OPTIONS, currentEnv());
  if (decision.action === 'skip') {
    announceToWorkers(address, port, addressType, skipped(decision.reason));
    return fallback();
  }
  const made = makeServerHandle(decision, address!, port, flags);
  announceToWorkers(address, port, addressType, made.status);
  if (!made.handle) {
    countStatus(made.status);
    return fallback();
  }
  setStatus(made.handle, made.status);
  return made.handle;
}

/** Accepted handles of a fast-path listener are guarded; they report the listener's state. */
export function watchAccepts(server: HookedServer, handle: TcpHandle, config: FastnetOptions): void {
  const onconnection = handle.onconnection!;
  const mode = config.unsupportedOptions ?? 'ignore';
  if (mode === 'throw') markThrowMode(server);
  const TCP = tcpClass();
  if (typeof TCP !== 'number') installGuards(TCP);
  // One guard for all of this listener's connections; withheld options are recorded per socket.
  const guard = { mode } as const;
  handle.onconnection = function (this: TcpHandle, err: number, clientHandle?: TcpHandle) {
    if (!clientHandle) return onconnection.call(this, err, clientHandle);
    countAccepted();
    const previous = beginAccept(clientHandle, guard);
    try {
      return onconnection.call(this, err, clientHandle);
    } finally {
      endAccept(previous);
    }
  };
}
