/**
 * The server side. Node makes its listening handle inside `listen()` and binds
 * it there (createServerHandle: `new TCP(SERVER)`, then `bind`/`bind6`).
 * fastnet puts its socket, ioctl applied, into that very handle right before
 * Node binds it, from guards on the TCP handle's `bind`/`bind6`, which act
 * only while a `listen()` of ours is under way. So Node's own listen does
 * everything else, on every Node from 20 to 27: backlog, exclusive,
 * ipv6Only, reusePort, signal, host-name lookup, errors and their timing,
 * 'listening', `address()`, `_connectionKey`, the `net.server.listen`
 * tracing channel. No `_listen2` is read, called or replaced (Node 27
 * deprecates it: DEP0208).
 *
 * `listen()` goes asynchronous in two places, and the server's options are
 * carried there through the callback Node passes on: the host lookup
 * (`dns.lookup`, for any host, IP literals included) and, in a cluster
 * worker, the primary's handle (`cluster._getServer`). Accepted sockets
 * inherit the fast path: each is stamped with the listener's state when Node
 * sets it up, and on the fast path their handles are guarded from
 * unsupported options. The server's own status lives on its listening handle
 * (status.ts), so it goes when that listen ends.
 */
import type { Server as NetServer } from 'node:net';
import {
  lookupSeam, normalizeArgs, primarySeam, tcpClass, UV_TCP_IPV6ONLY, type CreateServerHandle, type TcpClass, type TcpHandle,
} from './node-internals.js';
import { adoptedBoundSocket, takeOver } from './bound.js';
import { announceToWorkers, fromPrimary, inClusterWorker } from './cluster.js';
import { clusterOptionError } from './errors.js';
import { closeSocket, makeSocket } from './native-socket.js';
import {
  beginAccept, endAccept, guardBoundHandle, installGuards, markThrowMode, ownerOf, readFastnetOptions,
  unsupportedOptionErrorFor, type FastnetOptions,
} from './options.js';
import { currentEnv, currentPlatform, decide, failClosed, loopbackPeer, type SkipReason } from './policy.js';
import {
  clearServerStatus, countAccepted, countSkip, countStatus, decideAtAccept, getStatus, INHERITED, placeStatus, recount,
  setStatus, skipped, stampAccepted, stampOf, uncountAccepted, undecidedPeer, uvFailed, type FastPathStatus,
} from './status.js';

// A registered key with the format's version: servers configured by one copy
// of fastnet are read by another (status.ts says why).
const kConfig: unique symbol = Symbol.for('fastnet.v1.server') as never;
const NO_OPTIONS: FastnetOptions = Object.freeze({});

type HookedServer = NetServer & {
  [kConfig]?: FastnetOptions;
  _handle: TcpHandle | null;
  _listeningId?: number;
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

/** A server's fastnet options (none set: an empty object). */
export function serverConfig(server: NetServer): FastnetOptions {
  return (server as HookedServer)[kConfig] ?? NO_OPTIONS;
}

/**
 * What the next bind of a fresh TCP handle is for, while it is armed: a
 * server's listen() (`server`), the cluster primary's shared handle, or a
 * net.BoundSocket's construction (bound-socket.ts: no server, and nothing to
 * tell cluster workers).
 */
interface Arming {
  kind: 'listen' | 'primary' | 'bound' | 'refuse';
  server?: HookedServer;
  config: FastnetOptions;
  /** The listener's key as Node passes it to cluster (address, port, addressType); null until known. */
  key: [string | null, number, number] | null;
  /** Set by the first bind: a listen() whose IPv6 bind fails retries on 0.0.0.0 under the same decision. */
  status?: FastPathStatus;
  /** Whether our socket was put into the handle (status says how the ioctl went). */
  attempted?: boolean;
  /** The handle of the first bind (holding our socket once `attempted` and opened). */
  handle?: TcpHandle;
  /** The libuv error of Node's `listen()` on that handle (libuv reports EADDRINUSE there on Windows). */
  listenError?: number;
  /**
   * unsupportedOptions 'throw' and a server option that a fast-path listener would pass on;
   * for kind 'refuse', fastnet's validation error, thrown at the bind.
   */
  refused?: Error;
  /** Whether Node binds from the lookup's callback (the key is then the address it resolved). */
  lookedUp?: boolean;
  /** Callbacks of Node's (lookup, primary's handle) that listen() still waits for. */
  pending: number;
  /** Whether Node's listen() went on through a lookup or the primary (then it binds later, or not here). */
  carried?: boolean;
  /** The server's `_listeningId` for this listen() (Node adds one per call; close() too). */
  listeningId?: number;
  settled?: boolean;
}

let arming: Arming | undefined;

/** Run `fn` with `a` armed (nested listen() calls keep their own). */
function armed<T>(a: Arming, fn: () => T): T {
  const previous = arming;
  arming = a;
  try {
    return fn();
  } finally {
    arming = previous;
  }
}

/**
 * Node's own `bind`/`bind6`, behind the guards (read at each call, so that
 * tests can watch what Node really does).
 */
export const bindMethods: { bind?: TcpHandle['bind']; bind6?: TcpHandle['bind6']; listen?: HandleListen } = {};
type HandleListen = (this: TcpHandle, backlog: number) => number;

/**
 * The bind guards on TCP.prototype: installed the first time a server is
 * set up on Windows. Unarmed (any bind not of a listen() or a BoundSocket
 * of ours, a client's localAddress) they call Node's method and nothing else.
 */
function installBindGuards(TCP: TcpClass): void {
  if (bindMethods.bind) return;
  const proto = TCP.prototype as unknown as TcpHandle;
  bindMethods.bind = proto.bind;
  bindMethods.bind6 = proto.bind6;
  proto.bind = function bind(this: TcpHandle, address: string, port: number, flags?: number): number {
    const a = arming;
    if (a === undefined || a.status !== undefined) return bindMethods.bind!.call(this, address, port, flags);
    return bindWithFastPath(this, a, 4, address, port, flags);
  };
  proto.bind6 = function bind6(this: TcpHandle, address: string, port: number, flags: number): number {
    const a = arming;
    if (a === undefined || a.status !== undefined) return bindMethods.bind6!.call(this, address, port, flags);
    return bindWithFastPath(this, a, 6, address, port, flags);
  };
  // The listen that follows an armed bind: its error settles the status (settle()).
  bindMethods.listen = proto.listen as HandleListen;
  proto.listen = function listen(this: TcpHandle, backlog: number): number {
    const err = bindMethods.listen!.call(this, backlog);
    const a = arming;
    if (err !== 0 && a !== undefined && a.handle === this) a.listenError = err;
    return err;
  };
}

/** The TCP class with the bind guards on it, or a libuv error code if Node's TCP class cannot be had. */
export function bindGuardsReady(): TcpClass | number {
  const TCP = tcpClass();
  if (typeof TCP !== 'number') installBindGuards(TCP);
  return TCP;
}

/**
 * The first bind of an armed listen(): decide for the address Node binds, and
 * if it is a go, open our socket into Node's fresh handle before Node binds it.
 * Every failure leaves the handle to Node as it was (or closes what we made).
 */
function bindWithFastPath(handle: TcpHandle, a: Arming, family: 4 | 6, address: string, port: number,
  flags: number | undefined): number {
  if (a.kind === 'refuse') {
    // Nothing is bound: the fresh handle is closed, and fastnet's error takes the bind's place.
    handle.close();
    throw a.refused;
  }
  // Node binds synchronously inside listen() only for an unspecified host (IPv6 first, then 0.0.0.0);
  // for any host it binds from the lookup's callback, to the address it resolved.
  a.key ??= a.lookedUp ? [address, port, family] : [null, port, 4];
  a.handle = handle;
  const nodeBind = family === 6 ? bindMethods.bind6! : bindMethods.bind!;
  const decision = decide('server', address, a.config, currentEnv());
  if (decision.action === 'skip') {
    decided(a, skipped(decision.reason));
    return nodeBind.call(handle, address, port, flags);
  }
  if (a.server && refuseOptions(a, a.server, decision.unspecified)) return nodeBind.call(handle, address, port, flags);
  const made = makeSocket(decision, false);
  if (made.sock < 0) {
    const err = nodeBind.call(handle, address, port, flags);
    // No IPv6 socket for a listen() with no host: Node's bind6 most likely fails too, and it retries on 0.0.0.0.
    if (err === 0 || !retriedOnIPv4(a, address)) decided(a, made.status, true);
    return err;
  }
  const opened = handle.open(made.sock);
  if (opened !== 0) {
    closeSocket(made.sock); // open() failed, so the socket is still ours
    decided(a, uvFailed(opened), true);
    return nodeBind.call(handle, address, port, flags);
  }
  // From here on Node's handle owns the socket; Node closes it on any error.
  // Our IPv6 socket is V6ONLY, and libuv sets V6ONLY from the flags at bind:
  // a loopback bind keeps it; :: is bound as Node binds it (dual-stack unless ipv6Only).
  const bindFlags = family === 6 && !decision.unspecified ? (flags ?? 0) | UV_TCP_IPV6ONLY : flags;
  const err = nodeBind.call(handle, address, port, bindFlags);
  if (err !== 0 && retriedOnIPv4(a, address)) return err;
  decided(a, err === 0 ? made.status : uvFailed(err), true);
  return err;
}

/**
 * A listen() with no host (or the cluster primary's handle for one) binds ::
 * first and, if that fails (no IPv6 on the host, or the port taken there),
 * Node closes that handle and binds 0.0.0.0: that second bind is decided
 * afresh, as the one Node keeps.
 */
function retriedOnIPv4(a: Arming, address: string): boolean {
  // The cluster primary's createServerHandle(null, ...) does the same inside Node's createServerHandle.
  return address === '::' && (a.kind === 'listen' ? !a.lookedUp : a.kind === 'primary' && a.key?.[0] == null);
}

/** Record the decision: on the server (counted once), and for the cluster's workers. */
function decided(a: Arming, status: FastPathStatus, attempted = false): void {
  a.status = status;
  a.attempted = attempted;
  // On the handle being bound: the listener's record lives on its handle (status.ts).
  if (a.server) setStatus(a.server, status, true, a.handle);
  if (a.kind !== 'bound' && a.key) announceToWorkers(a.key[0], a.key[1], a.key[2], status);
}

/**
 * In 'throw' mode a server's own noDelay/keepAlive (http's default noDelay)
 * would reach every accepted fast-path socket: listen fails with the error.
 * A listener on 0.0.0.0 or :: (`unspecified`) also serves other hosts, for
 * which the option is fine: it listens as net's, not on the fast path.
 */
function refuseOptions(a: Arming, server: HookedServer, unspecified = false): boolean {
  const refused = optionRefusal(a.config, server);
  if (!refused) return false;
  if (!unspecified) a.refused = refused;
  decided(a, skipped('unsupported-option'));
  return true;
}

function optionRefusal(config: FastnetOptions, server: HookedServer): Error | undefined {
  if (config.unsupportedOptions !== 'throw' || !(server.noDelay || server.keepAlive)) return undefined;
  return unsupportedOptionErrorFor(server.noDelay ? 'noDelay' : 'keepAlive');
}

type Listen = (this: NetServer, ...args: unknown[]) => unknown;

/** `listen()` with the fast path: Node's listen, armed. */
export function listenWithFastPath(server: NetServer, original: Listen, args: unknown[]): unknown {
  if (currentPlatform() !== 'win32') {
    countSkip();
    return original.apply(server, args);
  }
  const s = server as HookedServer;
  // Decided again at each listen(): what an earlier failed one left on the server goes.
  clearServerStatus(s);
  const TCP = bindGuardsReady();
  if (typeof TCP === 'number') {
    const result = original.apply(server, args);
    setStatus(s, uvFailed(TCP));
    return result;
  }
  // Node's listen() counts each call in _listeningId; a later listen() or close() supersedes this one.
  const a: Arming = {
    kind: 'listen', server: s, config: s[kConfig] ?? NO_OPTIONS, key: null, pending: 0, listeningId: (s._listeningId ?? 0) + 1,
  };
  const undo: Undo = [];
  // Node resolves any host with dns.lookup(host, ...) and binds from its callback.
  const { host, port } = listenTarget(args);
  if (host !== undefined) carry(undo, lookupSeam(), a, (callArgs) => callArgs[0] === host, (cb) => resolved(a, cb));
  if (inClusterWorker()) carryToPrimary(undo, a);
  // armed() written out, here and in resolved(): Node's own throws from listen() keep two of our frames, not four.
  const previous = arming;
  arming = a;
  let result: unknown;
  try {
    result = original.apply(server, args);
  } finally {
    arming = previous;
    for (const f of undo) f();
  }
  // The seams this relies on, checked once listen() returned (it threw otherwise).
  if (typeof s._listeningId !== 'number') failClosed("net.Server's _listeningId is not a number after listen()");
  if (host !== undefined && port && !a.carried && !s._handle) {
    // A TCP listener with a host that Node resolves past dns.lookup: it will bind it without fastnet.
    failClosed("a listener's host was not resolved through dns.lookup() during listen()");
    setStatus(s, skipped('node-changed'));
  }
  if (a.pending === 0) settle(a, TCP, args);
  return result;
}

/**
 * The host Node's listen() will look up, if any, and whether it listens on a
 * TCP port (port given, or one Node picks), as Node reads its arguments.
 */
function listenTarget(args: unknown[]): { host: string | undefined; port: boolean } {
  const first = normalizeArgs(args)[0] as { host?: unknown; port?: unknown } | null | undefined;
  if (first === null || typeof first !== 'object') return { host: undefined, port: false };
  const host = typeof first.host === 'string' && first.host !== '' ? first.host : undefined;
  const p = first.port;
  const port = args.length === 0 || typeof args[0] === 'function' || typeof p === 'number' || typeof p === 'string' ||
    p === null || ('port' in first && p === undefined);
  return { host, port };
}

/** dns.lookup's callback, armed: Node binds from here, to the address it resolved. */
function resolved(a: Arming, cb: Callback): Callback {
  return function (this: unknown, ...cbArgs: unknown[]): unknown {
    a.pending--;
    // A failed lookup is emitted as Node's error, with nothing armed.
    if (cbArgs[0]) return cb.apply(this, cbArgs);
    a.lookedUp = true;
    const undo: Undo = [];
    if (inClusterWorker()) carryToPrimary(undo, a);
    const previous = arming;
    arming = a;
    let result: unknown;
    try {
      result = cb.apply(this, cbArgs);
    } finally {
      arming = previous;
      for (const f of undo) f();
    }
    if (a.pending === 0) settle(a, null, null);
    return result;
  };
}

/** In a cluster worker, Node's listen() asks the primary for the handle (node-internals.ts: primarySeam). */
function carryToPrimary(undo: Undo, a: Arming): void {
  carry(undo, primarySeam(), a, (callArgs) => callArgs[0] === a.server,
    (cb, callArgs) => onPrimaryHandle(a, cb, callArgs[1]));
}

/**
 * After Node's synchronous set-up of a listener (in listen() itself, or in
 * the lookup's or the primary's callback), once: guard accepted handles of a
 * fast-path listener, fail a refused one, and name the reason where Node
 * bound nothing of its own (a pipe, a handle or descriptor it was given).
 */
function settle(a: Arming, TCP: TcpClass | null, args: unknown[] | null): void {
  const server = a.server!;
  // A later listen() or close() superseded this one (unless Node no longer counts them: then failed closed).
  if (a.settled || (typeof server._listeningId === 'number' && server._listeningId !== a.listeningId)) return;
  a.settled = true;
  const handle = server._handle;
  if (a.status === undefined && args) takeBoundSocket(a, server, handle, args[0]);
  if (a.refused) {
    // The listen fails: its record stays with the server, which has no handle now.
    if (a.status) placeStatus(server, a.status);
    // Before 'listening' (Node emits it on the next tick only while the handle is there).
    if (handle) {
      server._handle = null;
      handle.close();
    }
    const err = a.refused;
    process.nextTick(() => server.emit('error', err));
    return;
  }
  if (a.status === undefined) {
    // Node neither bound a socket nor went on to a lookup or the primary.
    if (handle && TCP && args && !a.carried) setStatus(server, skipped(notBound(handle, TCP, args)));
    return;
  }
  if (handle !== a.handle) {
    // Node let go of the handle it bound first: its bind or its listen failed
    // (Node emits the error), or it bound 0.0.0.0 after '::' failed. The
    // record moves to where the server now is; a fast-path attempt whose
    // listen failed is 'failed' with that error, not a success.
    if (a.attempted && a.listenError !== undefined) {
      const failed = uvFailed(a.listenError);
      recount(a.status, failed);
      setStatus(server, failed, false, handle ?? server);
    } else {
      placeStatus(handle ?? server, a.status);
    }
    return;
  }
  if (handle) acceptsOf(server, handle, a.config, a.status);
}

/**
 * A listener's accepted sockets keep its state, whatever becomes of it: a
 * fast-path listener's are guarded (watchAccepts), any other's are stamped
 * with its state as Node makes them, so that a socket still open after its
 * listener closed does not turn `untracked`.
 */
export function acceptsOf(server: NetServer, handle: TcpHandle, config: FastnetOptions, status: FastPathStatus): void {
  if (status.state === 'applied') watchAccepts(server, handle, config, status);
  else if (status.state !== 'pending') stampAccepts(handle, status);
}

function stampAccepts(handle: TcpHandle, status: FastPathStatus): void {
  const onconnection = handle.onconnection!;
  const inherited: FastPathStatus = Object.freeze({ ...status, ...INHERITED });
  handle.onconnection = function (this: TcpHandle, err: number, clientHandle?: TcpHandle) {
    const result = onconnection.call(this, err, clientHandle);
    // After Node made the socket: while it does, its listener's status is its own.
    const socket = clientHandle && ownerOf(clientHandle);
    if (socket !== undefined) stampAccepted(socket, inherited);
    return result;
  };
}

/**
 * `listen(bound)` / `listen({ handle: bound })` of a net.BoundSocket fastnet
 * made: the server takes over the construction's outcome (bound.ts). On the
 * fast path its accepted sockets are guarded, and its own unsupportedOptions
 * apply; a loopbackFastPath of its own that contradicts the construction
 * fails listen() with ERR_FASTNET_BOUND_OPTION. If Node's listen failed (it
 * emits its error), the server just reports what the BoundSocket was.
 */
function takeBoundSocket(a: Arming, server: HookedServer, handle: TcpHandle | null, given: unknown): void {
  const made = adoptedBoundSocket(given);
  if (made === undefined) return;
  const taken = handle ? takeOver(made, a.config.loopbackFastPath) : { status: made, error: undefined };
  let status = taken.status;
  a.refused = taken.error;
  if (handle && !a.refused && status.state === 'applied') {
    a.refused = optionRefusal(a.config, server);
    if (a.refused) status = skipped('unsupported-option');
  }
  a.status = status;
  a.handle = handle ?? undefined;
  setStatus(server, status, false); // counted when the BoundSocket was made
}

/** Why a listener Node set up without a bind of its own is not ours: a TCP handle it was given, `{ fd }`, or a pipe. */
function notBound(handle: TcpHandle, TCP: TcpClass, args: unknown[]): SkipReason {
  if (!(handle instanceof TCP)) return 'pipe';
  // As Node reads listen()'s first argument.
  const first = args[0] as { _handle?: unknown; handle?: unknown; fd?: unknown } | null | undefined;
  const given = first !== null && typeof first === 'object' ? first._handle || first.handle || first : first;
  if (given instanceof TCP) return 'external-handle';
  const fd = given !== null && typeof given === 'object' ? (given as { fd?: unknown }).fd : undefined;
  if (typeof fd === 'number' && fd >= 0) return 'fd';
  if (!listenTarget(args).port) return 'external-handle';
  // A listener on a port that Node bound past fastnet's bind guards.
  failClosed('a TCP listener came up without fastnet\'s bind');
  return 'node-changed';
}

type Undo = Array<() => void>;
type Callback = (this: unknown, ...args: unknown[]) => unknown;

/**
 * Wrap `target[name]` for the one call Node makes while `fn` runs (`isNodes`
 * tells it from any other: a tracing subscriber's own lookup goes straight
 * through), wrapping the callback it passes. Undone right after; a reference
 * taken meanwhile keeps calling the original.
 */
function carry(undo: Undo, { target, name }: { target: Record<string, unknown>; name: string }, a: Arming,
  isNodes: (callArgs: unknown[]) => boolean, wrapCallback: (cb: Callback, callArgs: unknown[]) => Callback): void {
  const original = target[name] as Callback;
  if (typeof original !== 'function') return;
  let done = false;
  const once = function (this: unknown, ...callArgs: unknown[]): unknown {
    if (done || !isNodes(callArgs)) return original.apply(this, callArgs);
    done = true;
    if (target[name] === once) target[name] = original;
    const last = callArgs.length - 1;
    if (typeof callArgs[last] === 'function') {
      a.pending++;
      a.carried = true;
      callArgs[last] = wrapCallback(callArgs[last] as Callback, callArgs);
    }
    return original.apply(this, callArgs);
  };
  try {
    target[name] = once;
  } catch {
    return; // read-only: that path goes unarmed, and stays Node's
  }
  undo.push(() => {
    done = true;
    if (target[name] === once) target[name] = original;
  });
}

/**
 * A cluster worker listens on a handle its primary made (Windows' default
 * scheduling shares the listening socket; round-robin hands over accepted
 * ones). A primary running fastnet says what it did for that listener before
 * it sends the handle; without that word, the primary did nothing.
 */
function onPrimaryHandle(a: Arming, cb: Callback, query: unknown): Callback {
  const server = a.server!;
  const q = query as { address?: string | null; port?: number; addressType?: number } | null;
  const key = q ? [q.address ?? null, Number(q.port), Number(q.addressType)] as const : null;
  const listeningId = server._listeningId;
  return function (this: unknown, err: unknown, handle: unknown, ...rest: unknown[]) {
    a.pending--;
    const primaryHandle = handle as TcpHandle | null;
    // Errors, and a listen() superseded meanwhile (Node closes the handle), stay Node's.
    if (err || !primaryHandle || server._listeningId !== listeningId) return cb.call(this, err, handle, ...rest);
    const primary = key ? fromPrimary(key[0], key[1], key[2]) : undefined;
    const applied = primary?.state === 'applied';
    const config = a.config;
    // The primary made the socket, so the worker's own opt-out or wildcard
    // opt-in cannot be honoured: say so rather than ignore it.
    const conflict = config.loopbackFastPath === false ? applied
      : config.loopbackFastPath === true && key?.[0] === '0.0.0.0' && !applied;
    if (conflict) {
      primaryHandle.close();
      setStatus(server, skipped('cluster'), true, server);
      process.nextTick(() => server.emit('error', clusterOptionError(config.loopbackFastPath!, applied)));
      return undefined;
    }
    if (applied && config.unsupportedOptions === 'throw' && (server.noDelay || server.keepAlive)) {
      primaryHandle.close();
      refuseOptions(a, server);
      const refused = a.refused!;
      process.nextTick(() => server.emit('error', refused));
      return undefined;
    }
    const status = config.loopbackFastPath === false && !applied ? skipped('opted-out')
      : primary && primary.state !== 'skipped' ? Object.freeze({ ...primary, via: 'cluster-primary' }) : skipped('cluster');
    // On the primary's handle, which Node makes the server's in cb.
    setStatus(server, status, true, primaryHandle);
    const result = cb.call(this, err, handle, ...rest);
    if (server._handle === primaryHandle) acceptsOf(server, primaryHandle, config, status);
    return result;
  };
}

/**
 * `net._createServerHandle` with the fast path: the cluster primary makes the
 * listening handle it shares with workers (Windows' default scheduling) here.
 * Its status is recorded on the handle, counted, and announced to workers.
 */
export function createServerHandleWithFastPath(original: CreateServerHandle, address: string | null, port: number,
  addressType: number, fd: number | undefined, flags: number): TcpHandle | number {
  const make = () => original(address, port, addressType, fd, flags);
  if (currentPlatform() !== 'win32' || (typeof fd === 'number' && fd >= 0) || addressType === -1) return make();
  const TCP = bindGuardsReady();
  if (typeof TCP === 'number') {
    countStatus(uvFailed(TCP));
    return make();
  }
  const a: Arming = { kind: 'primary', config: NO_OPTIONS, key: [address, port, addressType], pending: 0 };
  const handle = armed(a, make);
  if (a.attempted) {
    if (typeof handle === 'number') countStatus(a.status!);
    else setStatus(handle, a.status!);
  }
  return handle;
}

/**
 * A net.BoundSocket's construction (bound-socket.ts): Node's constructor,
 * armed, so that its bind puts our socket in, decided under the
 * BoundSocket's own `config`. `out` receives what the bind guards did: the
 * handle Node bound and its status (none if Node bound no TCP handle: a pipe).
 */
export function constructArmed<T>(config: FastnetOptions, construct: () => T,
  out: { status?: FastPathStatus; handle?: TcpHandle }): T {
  const TCP = bindGuardsReady();
  if (typeof TCP === 'number') {
    out.status = uvFailed(TCP);
    return construct();
  }
  const a: Arming = { kind: 'bound', config, key: null, pending: 0 };
  try {
    return armed(a, construct);
  } finally {
    out.status = a.status;
    out.handle = a.handle;
  }
}

/**
 * A net.BoundSocket's construction with an invalid fastnet option: Node's
 * constructor runs up to its bind, so that Node's own validation errors
 * come first, and `error` is thrown at the bind, before anything is bound
 * (net validates every option before it binds).
 */
export function constructRefused<T>(error: Error, construct: () => T): T {
  const TCP = bindGuardsReady();
  if (typeof TCP === 'number') return construct();
  return armed({ kind: 'refuse', config: NO_OPTIONS, key: null, pending: 0, refused: error }, construct);
}

/**
 * Accepted handles of a fast-path listener are guarded while Node sets them
 * up, and each accepted socket is then stamped with the listener's state
 * (`status`, as inherited): it keeps it, and its guard, whatever becomes of
 * the listener (closed, listening again without the fast path, moved). On
 * 0.0.0.0 or :: the stamp waits for the connection's peer to be decided.
 */
export function watchAccepts(server: NetServer, handle: TcpHandle, config: FastnetOptions, status: FastPathStatus): void {
  const onconnection = handle.onconnection!;
  const mode = config.unsupportedOptions ?? 'ignore';
  if (mode === 'throw') markThrowMode(server);
  const TCP = tcpClass();
  if (typeof TCP !== 'number') installGuards(TCP);
  const inherited: FastPathStatus = Object.freeze({ ...status, ...INHERITED });
  // A listener on 0.0.0.0 or :: also accepts peers that are not on the loopback path: each is decided by its address
  // when something first needs it (status.ts, decidePeer), and any other peer is left as net leaves it (the ioctl
  // has no effect there; its options must reach the OS).
  const perPeer = !loopbackPeer(localAddressOf(handle));
  const stamp = perPeer ? undecidedPeer(inherited) : inherited;
  const atAccept = perPeer && decideAtAccept();
  // One guard and one stamp for all of this listener's connections; withheld options are recorded per socket.
  const guard = { mode, perPeer } as const;
  handle.onconnection = function (this: TcpHandle, err: number, clientHandle?: TcpHandle) {
    if (!clientHandle) return onconnection.call(this, err, clientHandle);
    countAccepted(perPeer ? 'undecided' : 'fast-path');
    // Stamped before Node makes the socket, so that its 'connection' listeners see it; the socket itself after.
    stampAccepted(clientHandle, stamp);
    if (atAccept) getStatus(clientHandle);
    beginAccept(clientHandle, guard);
    try {
      return onconnection.call(this, err, clientHandle);
    } finally {
      endAccept();
      // Node made the socket (none if it dropped the connection: maxConnections).
      const socket = ownerOf(clientHandle);
      if (socket !== undefined) {
        // The handle's stamp, decided meanwhile if Node applied an option or a 'connection' listener asked.
        stampAccepted(socket, stampOf(clientHandle)!);
        if (mode === 'throw') markThrowMode(socket);
      } else if (clientHandle.onread !== undefined) {
        // Node made a socket on it, and its owner symbol does not lead there: guard the handle itself.
        if (getStatus(clientHandle)?.state === 'applied') guardBoundHandle(clientHandle);
        failClosed('an accepted handle has no socket under Node\'s owner symbol');
      } else {
        // Node dropped it (maxConnections, blockList): no connection of the server's.
        uncountAccepted(clientHandle);
      }
    }
  };
}

/** The address a listening handle is bound to. */
function localAddressOf(handle: TcpHandle): string | undefined {
  const out: { address?: string } = {};
  return handle.getsockname(out) === 0 ? out.address : undefined;
}
