/**
 * The server hook. Node's source names `Server.prototype._listen2` as the
 * method to wrap. Before it runs, we put a handle holding our socket (ioctl
 * applied, bound with Node's own bind/bind6) into `server._handle`; Node's
 * listen then does the rest, so backlog, errors, 'listening' and the
 * connection key all stay Node's. Accepted sockets inherit the fast path.
 */
import type { Server as NetServer } from 'node:net';
import { native, type TcpHandle } from './binding.js';
import { isUnsupportedCode, osErrorName, uvErrorName } from './errors.js';
import { guardHandle, readFastnetOptions, unsupportedOptionErrorFor, type FastnetOptions } from './options.js';
import { currentEnv, currentPlatform, decide, type SkipReason } from './policy.js';
import { warnKnownIssue } from './known-issues.js';
import { countSkip, inheritStatus, linkStatus, setStatus, type FastPathStatus } from './status.js';

export type Listen2 = (this: NetServer, address: string | null, port: number, addressType: number,
  backlog: number, fd: number | undefined, flags: number) => void;

const kConfig = Symbol('fastnet.server');

type HookedServer = NetServer & {
  [kConfig]?: FastnetOptions;
  _handle: TcpHandle | null;
  noDelay?: boolean;
  keepAlive?: boolean;
};

/** Read fastnet's options from `createServer(options)`. */
export function initServer(server: NetServer, options: unknown): void {
  const fastnet = readFastnetOptions(options);
  if (Object.keys(fastnet).length > 0) (server as HookedServer)[kConfig] = fastnet;
}

function skip(server: HookedServer, reason: SkipReason): void {
  setStatus(server, { state: 'skipped', reason });
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
  const config = server[kConfig] ?? {};
  if (server._handle) {
    // A cluster worker gets its primary's handle; listen(handle) brings one.
    skip(server, process.env.NODE_UNIQUE_ID !== undefined ? 'cluster' : 'external-handle');
    return listen();
  }
  if (typeof fd === 'number' && fd >= 0) return skip(server, 'fd'), listen();
  if (addressType === -1) return skip(server, 'pipe'), listen();

  const decision = decide('server', address, config, currentEnv());
  if (decision.action === 'skip') return skip(server, decision.reason), listen();
  if (decision.knownIssue) warnKnownIssue(decision.knownIssue);

  if (config.unsupportedOptions === 'throw' && (server.noDelay || server.keepAlive)) {
    // Accepted sockets would inherit the fast path, and these options with it.
    skip(server, 'unsupported-option');
    const err = unsupportedOptionErrorFor(server.noDelay ? 'noDelay' : 'keepAlive');
    process.nextTick(() => server.emit('error', err));
    return;
  }

  const made = makeServerHandle(decision.family, address!, port, flags);
  setStatus(server, made.status);
  if (!made.handle) return listen();
  const handle = made.handle;
  server._handle = handle;
  listen();
  if (server._handle === handle) watchAccepts(server, handle, made.status.state === 'applied', config);
}

/**
 * A server handle holding our socket, ioctl applied, bound as Node's
 * createServerHandle would bind it. Without a handle, the caller falls back
 * to Node's own path (which also reports any bind error exactly as usual).
 */
function makeServerHandle(family: 4 | 6, address: string, port: number, flags: number):
  { handle?: TcpHandle; status: FastPathStatus } {
  const n = native();
  if (!n) return { status: { state: 'skipped', reason: 'no-binding' } };
  const { binding, tcp } = n;
  const platform = currentPlatform();

  const sock = binding.createSocket(family);
  if (sock < 0) return { status: { state: 'failed', code: osErrorName(-sock, platform), errno: -sock } };
  const ioctl = binding.enableLoopbackFastPath(sock);
  const handle = new tcp.TCP(tcp.constants.SERVER);
  let err = handle.open(sock);
  if (err !== 0) {
    binding.closeSocket(sock); // open() failed, so the socket is still ours
    return { status: { state: 'failed', code: uvErrorName(err), errno: err } };
  }
  // From here on the handle owns the socket.
  err = family === 6
    ? handle.bind6(address, port, (flags ?? 0) | tcp.constants.UV_TCP_IPV6ONLY)
    : handle.bind(address, port, flags);
  if (err !== 0) {
    handle.close();
    return { status: { state: 'failed', code: uvErrorName(err), errno: err } };
  }
  if (ioctl === 0) return { handle, status: { state: 'applied' } };
  const code = osErrorName(ioctl, platform);
  return { handle, status: { state: isUnsupportedCode(code) ? 'unsupported' : 'failed', code, errno: ioctl } };
}

export type CreateServerHandle = (address: string | null, port: number, addressType: number,
  fd: number | undefined, flags: number) => TcpHandle | number;

/**
 * `net._createServerHandle` with the fast path: the cluster primary makes the
 * listening handle it shares with workers (Windows' default scheduling) here.
 * Its status is recorded on the handle and counted in this process.
 */
export function createServerHandleWithFastPath(original: CreateServerHandle, address: string | null, port: number,
  addressType: number, fd: number | undefined, flags: number): TcpHandle | number {
  const fallback = () => original(address, port, addressType, fd, flags);
  if (currentPlatform() !== 'win32' || (typeof fd === 'number' && fd >= 0) || addressType === -1) return fallback();
  const decision = decide('server', address, {}, currentEnv());
  if (decision.action === 'skip') return fallback();
  if (decision.knownIssue) warnKnownIssue(decision.knownIssue);
  const made = makeServerHandle(decision.family, address!, port, flags);
  if (!made.handle) {
    countSkip();
    return fallback();
  }
  setStatus(made.handle, made.status);
  return made.handle;
}

/** Per-server fastnet options, for servers fastnet did not construct (transparent mode). */
export function configureServer(server: NetServer, options: FastnetOptions): void {
  (server as HookedServer)[kConfig] = { ...(server as HookedServer)[kConfig], ...options };
}

/** Accepted sockets report the listener's state; on the fast path they get the option guards too. */
function watchAccepts(server: HookedServer, handle: TcpHandle, applied: boolean, config: FastnetOptions): void {
  const onconnection = handle.onconnection!;
  handle.onconnection = function (this: TcpHandle, err: number, clientHandle?: TcpHandle) {
    if (clientHandle) {
      inheritStatus(clientHandle, server);
      if (applied) guardHandle(clientHandle, clientHandle, config.unsupportedOptions ?? 'ignore');
    }
    onconnection.call(this, err, clientHandle);
    const socket = clientHandle?.owner;
    if (socket && typeof socket === 'object') linkStatus(socket, clientHandle!);
  };
}

