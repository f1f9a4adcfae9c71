/**
 * The client hook. Node emits 'connectionAttempt' synchronously right before
 * each `_handle.connect()`, once per happy-eyeballs attempt, on a fresh
 * handle. That is the moment to put our socket, with the ioctl applied, into
 * the handle Node is about to connect.
 */
import type { Socket as NetSocket } from 'node:net';
import { native, type TcpHandle } from './binding.js';
import { isUnsupportedCode, osErrorName, uvErrorName } from './errors.js';
import {
  clearPendingOptions, guardHandle, readFastnetOptions, unguardHandle, unsupportedOptionErrorFor, unsupportedOptionOf,
  type FastnetOptions, type UnsupportedOptionsMode,
} from './options.js';
import { currentEnv, currentPlatform, decide, type SkipReason } from './policy.js';
import { warnKnownIssue } from './known-issues.js';
import { setStatus, type FastPathStatus } from './status.js';

/** Per-socket settings and requests, gathered before the decision is made. */
interface ClientConfig extends FastnetOptions {
  mode: UnsupportedOptionsMode;
  /** Unsupported options asked for before connect (constructor options or early calls). */
  requested: Set<string>;
  userBuffer: boolean;
  localAddress: boolean;
  localPort: number;
  listening: boolean;
}

const kConfig = Symbol('fastnet.client');

/** Handles that already hold a socket fastnet put there. */
const prepared = new WeakSet<object>();

type HookedSocket = NetSocket & { [kConfig]?: ClientConfig; _handle: TcpHandle | null };

function configOf(socket: HookedSocket): ClientConfig {
  return socket[kConfig] ??= {
    mode: 'ignore', requested: new Set(), userBuffer: false, localAddress: false, localPort: 0, listening: false,
  };
}

/** Read fastnet's options (and what they imply) from `new Socket(options)`. */
export function initClient(socket: NetSocket, options: unknown): void {
  const fastnet = readFastnetOptions(options);
  const o = (options ?? {}) as { noDelay?: unknown; keepAlive?: unknown; onread?: unknown; typeOfService?: unknown };
  if (fastnet.loopbackFastPath === undefined && fastnet.unsupportedOptions === undefined &&
      !o.noDelay && !o.keepAlive && !o.onread && !o.typeOfService) return;
  const config = configOf(socket as HookedSocket);
  Object.assign(config, fastnet);
  if (fastnet.unsupportedOptions) config.mode = fastnet.unsupportedOptions;
  if (o.noDelay) config.requested.add('noDelay');
  if (o.keepAlive) config.requested.add('keepAlive');
  if (o.typeOfService) config.requested.add('typeOfService');
  config.userBuffer = Boolean(o.onread);
}

/** Per-socket fastnet options, for sockets fastnet did not construct (transparent mode). */
export function configureClient(socket: NetSocket, options: FastnetOptions): void {
  const config = configOf(socket as HookedSocket);
  if (options.loopbackFastPath !== undefined) config.loopbackFastPath = options.loopbackFastPath;
  if (options.unsupportedOptions !== undefined) config.mode = options.unsupportedOptions;
}

/** Called on Windows from `connect()` with Node's normalized options, before Node connects. */
export function prepareConnect(socket: NetSocket, options: Record<string, unknown>): void {
  const s = socket as HookedSocket;
  const config = configOf(s);
  const fastnet = readFastnetOptions(options);
  if (fastnet.loopbackFastPath !== undefined) config.loopbackFastPath = fastnet.loopbackFastPath;
  if (fastnet.unsupportedOptions !== undefined) config.mode = fastnet.unsupportedOptions;
  config.localPort = Number(options.localPort) || 0;
  config.localAddress = Boolean(options.localAddress);
  if (!config.listening) {
    config.listening = true;
    s.prependListener('connectionAttempt', onConnectionAttempt);
  }
  setStatus(s, { state: 'pending' });
}

/**
 * `setNoDelay` / `setKeepAlive` on a fastnet socket. Before the decision the
 * request is remembered (Node applies it after connect); on a fast-path
 * socket the handle guard withholds it or throws.
 */
export function noteOptionRequest(socket: NetSocket, method: string, enable: unknown): void {
  const s = socket as HookedSocket;
  const opt = unsupportedOptionOf(method);
  if (!opt || s[kConfig] === undefined && currentPlatform() !== 'win32') return;
  const on = method === 'setNoDelay' ? enable === undefined || Boolean(enable) : Boolean(enable);
  const config = configOf(s);
  if (on) config.requested.add(opt.option);
  else config.requested.delete(opt.option);
}

function skip(socket: object, reason: SkipReason): void {
  setStatus(socket, { state: 'skipped', reason });
}

function fail(socket: object, code: string, errno: number): void {
  setStatus(socket, { state: 'failed', code, errno });
}

function ioctlStatus(errno: number): FastPathStatus {
  if (errno === 0) return { state: 'applied' };
  const code = osErrorName(errno, currentPlatform());
  return { state: isUnsupportedCode(code) ? 'unsupported' : 'failed', code, errno };
}

/** Is the handle already holding a (bound) socket? Node binds first when localAddress/localPort is given. */
function boundAddress(handle: TcpHandle): { address: string; port: number; family: string } | null {
  const out: Record<string, unknown> = {};
  if (handle.getsockname(out) !== 0 || typeof out.address !== 'string') return null;
  return out as { address: string; port: number; family: string };
}

function onConnectionAttempt(this: NetSocket, address: string, _port: number, family: number): void {
  const socket = this as HookedSocket;
  const config = configOf(socket);
  const decision = decide('client', address, config, currentEnv());
  if (decision.action === 'skip') return skip(socket, decision.reason);
  if (decision.knownIssue) warnKnownIssue(decision.knownIssue);
  const handle = socket._handle;
  if (!handle || family !== decision.family) return skip(socket, 'not-loopback');
  // The same handle again (a lookup that called back twice): it already holds
  // our socket and a connect is under way. Leave it to Node, as net would.
  if (prepared.has(handle)) return;

  if (config.mode === 'throw' && config.requested.size > 0) {
    // The caller asked for an option the fast path cannot carry, and for an
    // error rather than silence. Node is mid-connect here, so report it the
    // way net reports I/O problems: destroy(err), asynchronously.
    const err = unsupportedOptionErrorFor([...config.requested][0]);
    skip(socket, 'unsupported-option');
    process.nextTick(() => socket.destroy(err));
    return;
  }

  const n = native();
  if (!n) return skip(socket, 'no-binding');
  const { binding, tcp } = n;
  // Only Node's own TCP handle, or a TLS wrap around one, can take our
  // socket; anything else (a handle from elsewhere, a test double) is left be.
  const wrapsTcp = (handle as { _parent?: unknown })._parent instanceof tcp.TCP;
  if (!(handle instanceof tcp.TCP) && !wrapsTcp) return skip(socket, 'external-handle');

  const bound = boundAddress(handle);
  // A handle bound by someone other than Node's localAddress step (Node 24's
  // BoundSocket) carries the caller's own address and port: leave it alone.
  if (bound && !config.localAddress && !config.localPort) return skip(socket, 'external-handle');
  if (bound && config.localPort) return skip(socket, 'local-port');
  if (bound && config.userBuffer) return skip(socket, 'user-buffer');
  // A bound TLS socket's handle wraps the TCP handle; swapping it would unwrap TLS.
  if (bound && wrapsTcp) return skip(socket, 'external-handle');

  const sock = binding.createSocket(decision.family);
  if (sock < 0) return fail(socket, osErrorName(-sock, currentPlatform()), -sock);
  const ioctl = binding.enableLoopbackFastPath(sock);
  const applied = ioctl === 0;

  // Without a local bind, Node's own fresh handle takes our socket: nothing
  // else about the socket changes. With one, Node's handle already holds a
  // bound socket, so ours goes into a new handle bound to the same address.
  const target = bound ? new tcp.TCP(tcp.constants.SOCKET) : handle;
  if (applied) {
    clearPendingOptions(target);
    guardHandle(target, socket, config.mode);
  }
  let err = target.open(sock);
  if (err !== 0) {
    binding.closeSocket(sock); // open() failed, so the socket is still ours
    if (applied) unguardHandle(target);
    if (bound) target.close();
    return fail(socket, uvErrorName(err), err);
  }
  // From here on the handle owns the socket.

  if (bound) {
    err = bound.family === 'IPv6'
      ? target.bind6(bound.address, 0, tcp.constants.UV_TCP_IPV6ONLY)
      : target.bind(bound.address, 0);
    if (err !== 0) {
      target.close();
      return fail(socket, uvErrorName(err), err);
    }
    target.onread = handle.onread;
    target.owner = socket;
    handle.close();
    socket._handle = target;
  } else if (decision.family === 6) {
    // libuv would bind an unbound IPv6 socket to [::]:0 with V6ONLY off.
    // Bind it as libuv would, but keep it single-stack.
    err = target.bind6('::', 0, tcp.constants.UV_TCP_IPV6ONLY);
    if (err !== 0) return fail(socket, uvErrorName(err), err);
  }
  prepared.add(target);
  setStatus(socket, ioctlStatus(ioctl));
}

