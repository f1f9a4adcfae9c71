/**
 * fastnet's own options, and the socket-option subset a fast-path socket
 * supports. Unsupported options are kept away from the OS at the TCP handle,
 * the one place every route goes through (Socket methods, constructor
 * options, a server's noDelay/keepAlive, Node re-applying them after
 * connect, TLS sockets, whose handles forward to the TCP handle).
 */
import type { Socket as NetSocket } from 'node:net';
import { internalSymbol, internalSymbols, NODE_SYMBOLS, type TcpClass, type TcpHandle } from './node-internals.js';
import { invalidArgType, invalidArgValue, unsupportedOptionError } from './errors.js';
import { getStatus, recordIgnoredOption } from './status.js';

/**
 * The socket options Microsoft documents as supported on a socket that uses
 * SIO_LOOPBACK_FAST_PATH. TCP_NODELAY and SO_KEEPALIVE are not among them.
 */
export const SUPPORTED_SOCKET_OPTIONS: readonly string[] = Object.freeze([
  'IP_TTL', 'IP_UNICAST_IF', 'IPV6_UNICAST_HOPS', 'IPV6_UNICAST_IF', 'IPV6_V6ONLY',
  'SO_CONDITIONAL_ACCEPT', 'SO_EXCLUSIVEADDRUSE', 'SO_PORT_SCALABILITY', 'SO_RCVBUF',
  'SO_REUSEADDR', 'TCP_BSDURGENT',
]);

/** What to do when an unsupported option is requested on a fast-path socket. */
export type UnsupportedOptionsMode = 'ignore' | 'throw';

/** Options fastnet adds to `createServer`, `new Socket` and `connect`. */
export interface FastnetOptions {
  /** false: never use the fast path here. true: also for a 0.0.0.0 listener. Default: loopback only. */
  loopbackFastPath?: boolean;
  /**
   * 'ignore' (default): withhold the option, record it in the status.
   * 'throw': a call on a fast-path socket throws TypeError ERR_FASTNET_UNSUPPORTED_OPTION;
   * an option requested before the connection was set up destroys it with that error.
   */
  unsupportedOptions?: UnsupportedOptionsMode;
}

const NONE: FastnetOptions = Object.freeze({});

/** Validate fastnet's options the way net validates its own: synchronously, Node error codes. */
export function readFastnetOptions(options: unknown): FastnetOptions {
  if (options === null || typeof options !== 'object') return NONE;
  const { loopbackFastPath, unsupportedOptions } = options as Record<string, unknown>;
  if (loopbackFastPath === undefined && unsupportedOptions === undefined) return NONE;
  if (loopbackFastPath !== undefined && typeof loopbackFastPath !== 'boolean') {
    throw invalidArgType('options.loopbackFastPath', 'boolean', loopbackFastPath);
  }
  if (unsupportedOptions !== undefined && unsupportedOptions !== 'ignore' && unsupportedOptions !== 'throw') {
    throw invalidArgValue('options.unsupportedOptions', unsupportedOptions, "must be one of: 'ignore', 'throw'");
  }
  const out: FastnetOptions = {};
  if (loopbackFastPath !== undefined) out.loopbackFastPath = loopbackFastPath;
  if (unsupportedOptions !== undefined) out.unsupportedOptions = unsupportedOptions;
  return out;
}

/** The handle methods that would set an unsupported option, with the names users know. */
const GUARDED = [
  { method: 'setNoDelay', option: 'noDelay', sockopt: 'TCP_NODELAY', symbol: NODE_SYMBOLS.setNoDelay },
  { method: 'setKeepAlive', option: 'keepAlive', sockopt: 'SO_KEEPALIVE', symbol: NODE_SYMBOLS.setKeepAlive },
  // Node 24+: the typeOfService option and socket.setTypeOfService().
  { method: 'setTypeOfService', option: 'typeOfService', sockopt: 'IP_TOS', symbol: NODE_SYMBOLS.setTypeOfService },
] as const;

type GuardedMethod = typeof GUARDED[number]['method'];

/** The error for an unsupported option, by its Node name (noDelay, keepAlive, typeOfService). */
export function unsupportedOptionErrorFor(option: string): TypeError & { code: string } {
  const sockopt = GUARDED.find((g) => g.option === option)?.sockopt ?? option;
  return unsupportedOptionError(option, sockopt);
}

/** Where a fast-path handle records withheld options, and how it reacts to them. */
interface Guard {
  mode: UnsupportedOptionsMode;
  /** The object whose status lists withheld options: the client socket; for accepted ones, their own socket. */
  record?: object;
  /** In 'throw' mode, the socket to destroy if Node itself applies an unsupported option. */
  socket?: NetSocket;
  /** A listener on 0.0.0.0 or ::: an accepted handle is on the fast path only if its peer is loopback. */
  perPeer?: boolean;
}

/**
 * Which handles are on the fast path. No per-connection record is kept where
 * it can be derived: a handle's socket (Node keeps it under its owner symbol)
 * says whether it is on the fast path, and an accepted socket is exactly when
 * its listener is. A WeakMap entry per connection measurably slowed
 * connection set-up, so it is kept only for handles whose socket cannot be
 * found through them (a TLS socket's retried happy-eyeballs attempt), and an
 * accepted handle is known from the listener while Node sets it up.
 */
const fastHandles = new WeakMap<object, Guard>();
// The accepted handle Node is setting up, and its listener's guard: two
// variables, not an object, so that an accept allocates nothing here. libuv
// calls onconnection from the event loop only, so accepts never nest.
let acceptingHandle: object | undefined;
let acceptingGuard: Guard | undefined;
// Shared by every copy of fastnet in the process (the key carries the format's version).
const kThrow = Symbol.for('fastnet.v1.throw');

/** A socket or listener whose unsupported options throw (only 'throw' is recorded; 'ignore' is the default). */
export function markThrowMode(target: object): void {
  (target as Record<symbol, boolean>)[kThrow] = true;
}

/** The mode markThrowMode() recorded for a socket or listener. */
export function modeOf(target: object): UnsupportedOptionsMode {
  return (target as Record<symbol, boolean | undefined>)[kThrow] ? 'throw' : 'ignore';
}

function guardFor(handle: object): Guard | undefined {
  if (acceptingHandle === handle) {
    // Node applying a server's noDelay/keepAlive is what decides most connections' peers (status.ts).
    return acceptingGuard!.perPeer && getStatus(handle)?.state !== 'applied' ? undefined : acceptingGuard;
  }
  const kept = fastHandles.get(handle);
  if (kept !== undefined) return kept;
  const socket = ownerOf(handle) as (NetSocket & { server?: object | null; [kThrow]?: boolean }) | undefined;
  if (socket === undefined) return undefined;
  const own = getStatus(socket);
  if (own?.state === 'applied') {
    // An accepted socket has its listener's state as its own (stamped as
    // Node set it up, or moved from another thread), not whatever its
    // listener does later; like any accepted socket, it is not destroyed for an option.
    return { mode: socket[kThrow] ? 'throw' : 'ignore', record: socket, socket: own.inherited ? undefined : socket };
  }
  return undefined;
}

/**
 * Node's own TCP handle methods, which the guards call for every handle that
 * is not on the fast path. Exposed (via the testing hook) so tests can watch
 * what really reaches the OS.
 */
export const handleMethods: Partial<Record<GuardedMethod, (this: TcpHandle, ...args: unknown[]) => number>> = {};

let guardsOn = false;

/**
 * One guard per method on TCP.prototype, installed the first time a handle
 * goes on the fast path (never in pass-through). For other handles it costs a
 * lookup; for fast-path ones the option never reaches the OS.
 */
export function installGuards(TCP: TcpClass): void {
  if (guardsOn) return;
  guardsOn = true;
  const proto = TCP.prototype as unknown as Record<string, unknown>;
  for (const { method, option, symbol } of GUARDED) {
    if (typeof proto[method] !== 'function') continue;
    handleMethods[method] = proto[method] as never;
    proto[method] = function guarded(this: TcpHandle, ...args: unknown[]): number {
      const guard = guardFor(this);
      if (guard === undefined) return handleMethods[method]!.apply(this, args);
      // Turning an option off, or TOS 0, asks for nothing.
      if (args[0]) {
        // An accepted socket of a 'throw' listener (no socket of its own to destroy): the call is the user's,
        // unless Node makes it while it sets the socket up.
        if (guard.mode === 'throw' && guard.socket === undefined && !nodeSetsUp(this)) refuse(this, option, symbol);
        withhold(this, guard, option);
      }
      return 0;
    };
  }
}

/**
 * Whether Node itself is applying a listener's noDelay/keepAlive to an
 * accepted handle: net calls them only in the listener's onconnection
 * (inside beginAccept/endAccept), on Node 20 to 26, before it sets
 * `socket.server` and emits 'connection'. From then on, a call is the user's.
 */
function nodeSetsUp(handle: object): boolean {
  if (acceptingHandle !== handle) return false;
  const socket = ownerOf(handle) as { server?: object | null } | undefined;
  return socket === undefined || socket.server == null;
}

/**
 * The user's own call on an accepted socket of a 'throw' listener: throw to
 * the caller. Node's Socket method records the value before it calls the
 * handle; it is undone, so that the next call reaches the handle (and throws)
 * as it would on net.
 */
function refuse(handle: object, option: string, description: string): never {
  const socket = ownerOf(handle);
  const key = socket ? internalSymbol(socket, description) : undefined;
  if (key) (socket as Record<symbol, unknown>)[key] = option === 'typeOfService' ? undefined : false;
  throw unsupportedOptionErrorFor(option);
}

let ownerSymbol: symbol | null | undefined;

/** The socket that owns a handle: Node sets it (under its owner_symbol) when it wraps the handle in a socket. */
export function ownerOf(handle: object): object | undefined {
  if (ownerSymbol === undefined) {
    const found = internalSymbol(handle, NODE_SYMBOLS.owner);
    if (!found) return undefined; // not set on this handle yet; look again next time
    ownerSymbol = found;
  }
  // Node sets the owner to null on a handle no socket holds yet (`new TCP()`): no owner either.
  return ownerSymbol ? (handle as Record<symbol, object | null | undefined>)[ownerSymbol] ?? undefined : undefined;
}

const reported = new WeakSet<object>();

function withhold(handle: object, guard: Guard, option: string): void {
  const socket = guard.socket;
  recordIgnoredOption(guard.record ?? ownerOf(handle) ?? handle, option);
  if (guard.mode === 'throw' && socket && !reported.has(socket)) {
    // Node applies options it was given before the connection existed from
    // inside its own callbacks, where a throw would crash the process:
    // report it the way net reports I/O errors.
    reported.add(socket);
    process.nextTick(() => socket.destroy(unsupportedOptionErrorFor(option)));
  }
}

/**
 * A client handle now holding our socket, ioctl applied: guard it. Nothing is
 * recorded when its socket can be found through it (the usual case).
 */
export function guardHandle(handle: TcpHandle, socket: NetSocket, mode: UnsupportedOptionsMode): void {
  if (!guardsOn) installGuards(handle.constructor as TcpClass);
  if (mode === 'throw') markThrowMode(socket);
  if (ownerOf(handle) !== socket) fastHandles.set(handle, { mode, record: socket, socket });
}

/**
 * A BoundSocket's handle, ioctl applied, from its construction on: whoever
 * adopts it (a Socket, even one fastnet never sees) has its options withheld
 * ('ignore'), recorded on the adopting socket, until a connect() of ours
 * decides again (`releaseHandle`, then `guardHandle` if the fast path stays).
 */
export function guardBoundHandle(handle: TcpHandle): void {
  if (!guardsOn) installGuards(handle.constructor as TcpClass);
  fastHandles.set(handle, { mode: 'ignore' });
}

/** Forget a handle's own guard (its socket's status decides again). */
export function releaseHandle(handle: TcpHandle): void {
  fastHandles.delete(handle);
}

/**
 * A fast-path listener's accepted handle, while Node wraps it in a socket and
 * applies the server's noDelay/keepAlive; afterwards the socket's stamp says.
 */
export function beginAccept(handle: object, guard: Guard): void {
  acceptingHandle = handle;
  acceptingGuard = guard;
}

export function endAccept(): void {
  acceptingHandle = undefined;
  acceptingGuard = undefined;
}

/**
 * Clear libuv's pending TCP_NODELAY / keepalive flags on a handle that has no
 * socket yet, so they are not applied when our socket is opened into it. No
 * system call is made: libuv only flips its flags. Node keeps its own record
 * and re-applies the options after connect, which the guards then catch.
 */
export function clearPendingOptions(handle: TcpHandle): void {
  // Node's own methods (behind the guards), never whatever the handle holds now: a test's mock or a
  // wrapper on the instance is the user's, and must not see fastnet's housekeeping.
  if (!guardsOn) installGuards(handle.constructor as TcpClass);
  handleMethods.setNoDelay!.call(handle, false);
  handleMethods.setKeepAlive!.call(handle, false, 0);
}

/**
 * The unsupported options Node holds for this socket, to apply once it is
 * connected: constructor options, and calls made before the connection was
 * set up. Node 20 to 26 keep them under these symbols; if a future Node
 * renames them, the guards still withhold the options when Node applies them.
 */
export function requestedOptions(socket: NetSocket): string[] {
  const out: string[] = [];
  const s = socket as unknown as Record<symbol, unknown>;
  for (const sym of internalSymbols(socket)) {
    const g = GUARDED.find((x) => x.symbol === sym.description);
    if (g && (g.option === 'typeOfService' ? Boolean(s[sym]) : s[sym] === true)) out.push(g.option);
  }
  return out;
}

/**
 * A user's own call (`setNoDelay(true)` and the like) on a socket that is on
 * the fast path, in 'throw' mode: throw to the caller, synchronously, before
 * Node records or applies anything.
 */
export function checkOptionCall(socket: NetSocket, method: GuardedMethod, enable: boolean): void {
  const handle = (socket as unknown as { _handle?: { _parent?: object } | null })._handle;
  if (!handle || !enable || !guardsOn) return;
  const guard = guardFor(handle._parent ?? handle);
  if (guard?.mode === 'throw') {
    throw unsupportedOptionErrorFor(GUARDED.find((g) => g.method === method)!.option);
  }
}
