/**
 * The client hook. Our socket, ioctl applied, goes into the very handle Node
 * is about to use for the connection, before Node binds or connects it, so
 * Node's bind, its errors, the onread buffer, the async id and the handle's
 * owner all stay Node's. When that happens depends on the destination:
 *
 * - an IP address: Node creates the handle in connect() and connects on the
 *   next tick, so the decision is made right after Node's connect() returns;
 * - a host name: Node calls the handle's `connect`/`connect6` once per
 *   happy-eyeballs attempt, each on a fresh handle that the socket owns, with
 *   the address it resolved: a wrapper on those methods (installed at the
 *   first host-name connection) decides there. No listener is added to the
 *   socket, so its listeners are net's;
 * - a host name with localAddress (never happy eyeballs): Node binds before it
 *   connects, and binds from the lookup's callback right after it emits
 *   'lookup', so a 'lookup' listener is the moment. Node offers no seam
 *   between its lookup and its bind that is not observable: a wrapper on the
 *   handle's bind would also have to be put ahead of the server's bind guards
 *   on the same prototype (server.ts). That one case keeps its listener.
 */
import { isIP, type Socket as NetSocket } from 'node:net';
import { tcpClass, UV_TCP_IPV6ONLY, wrapConnect, type Method, type TcpHandle } from './node-internals.js';
import { adopt, boundHandleStatus, connectAdopted } from './bound.js';
import { closeSocket, makeSocket } from './native-socket.js';
import {
  clearPendingOptions, guardHandle, ownerOf, readFastnetOptions, requestedOptions, unsupportedOptionErrorFor,
  type FastnetOptions, type UnsupportedOptionsMode,
} from './options.js';
import { currentEnv, decide, type Decision, type PolicyEnv, type SkipReason } from './policy.js';
import { PENDING, setStatus, skipped, uvFailed, type FastPathStatus } from './status.js';

/**
 * A socket's fastnet options, kept only for sockets that have any or that
 * connect by name. Every copy of fastnet in the process reads the same record
 * (the key carries its format's version): a copy's setFastPathOptions() holds
 * for the copy that patched net.
 */
interface ClientConfig {
  loopbackFastPath?: boolean;
  mode: UnsupportedOptionsMode;
}

const kConfig = Symbol.for('fastnet.v1.client');

/**
 * This copy's own state of a socket's connect() under way, where another
 * copy must not act on it (each copy decides only for connections it hooked).
 */
interface Connecting {
  /** A host name: Node's next connect on a handle this socket owns is decided (or adopted) there. */
  byName: boolean;
  localAddress: string | undefined;
  localPort: number;
  /** A handle the socket already had before connect() (TLS, a bound socket): not Node's fresh one. */
  foreign: object | null;
  /** The TCP handle decided for last: Node connecting it again (a lookup that calls back twice) is left to Node. */
  decided: object | undefined;
  /** A BoundSocket's handle adopted towards a host name: the construction's outcome, taken over at Node's connect. */
  adopting: FastPathStatus | undefined;
  onLookup?: boolean;
}

const kConnecting = Symbol('fastnet.client.connecting');

const NO_OPTIONS: FastnetOptions = Object.freeze({});

type Attempt = Extract<Decision, { action: 'attempt' }>;

type HookedSocket = NetSocket & {
  [kConfig]?: ClientConfig; [kConnecting]?: Connecting; _handle: TcpHandle | null; connecting: boolean;
};

function configOf(socket: HookedSocket): ClientConfig {
  return socket[kConfig] ??= { mode: 'ignore' };
}

function apply(config: ClientConfig, fastnet: FastnetOptions): void {
  if (fastnet.loopbackFastPath !== undefined) config.loopbackFastPath = fastnet.loopbackFastPath;
  if (fastnet.unsupportedOptions !== undefined) config.mode = fastnet.unsupportedOptions;
}

/** Read fastnet's options from `new Socket(options)`. */
export function initClient(socket: NetSocket, options: unknown): void {
  const fastnet = readFastnetOptions(options);
  if (fastnet.loopbackFastPath !== undefined || fastnet.unsupportedOptions !== undefined) {
    apply(configOf(socket as HookedSocket), fastnet);
  }
}

/** Per-socket fastnet options, for sockets fastnet did not construct (transparent mode). */
export function configureClient(socket: NetSocket, options: FastnetOptions): void {
  apply(configOf(socket as HookedSocket), options);
}

type Connect = (this: NetSocket, ...args: unknown[]) => unknown;

// The last destination string, its IP family and the decision for a socket
// without options of its own: a client that connects to one address over and
// over (a pool, a health check, a benchmark) then parses it once, not twice
// per connection. The decision is kept only for the environment it was made in.
let lastHost: string | undefined;
let lastFamily = 0;
let lastEnv: PolicyEnv | undefined;
let lastDecision: Decision | undefined;

function familyOf(host: string): number {
  if (host !== lastHost) {
    lastHost = host;
    lastFamily = isIP(host);
    lastDecision = undefined;
  }
  return lastFamily;
}

/** decide() for `lastHost` and no per-socket options. */
function decideForLastHost(): Decision {
  const env = currentEnv();
  if (lastDecision === undefined || lastEnv !== env) {
    lastDecision = decide('client', lastHost, NO_OPTIONS, env);
    lastEnv = env;
  }
  return lastDecision;
}

/**
 * `connect()` on Windows, with Node's normalized arguments: Node's connect,
 * with our socket put into its handle at the right moment.
 */
export function connectWithFastPath(socket: NetSocket, original: Connect,
  normalized: [Record<string, unknown>, unknown]): unknown {
  const s = socket as HookedSocket;
  const options = normalized[0];
  const fastnet = readFastnetOptions(options);
  const host = options.host || 'localhost';
  // Only a string can be an IP address here; anything else is Node's to reject.
  const family = typeof host === 'string' ? familyOf(host) : 0;
  const localAddress = options.localAddress as string | undefined;
  const localPort = Number(options.localPort) || 0;
  // `_handle` is a getter that every socket in the process goes through, so
  // V8 cannot make it cheap: read it once before Node's connect, once after.
  const before = s._handle;
  const foreign = before !== null && !s.destroyed ? before : null;
  // A socket that ever connected by name has a config, so this is where what
  // is left of that connect() is reset; a plain socket pays nothing more.
  const config = fastnet.loopbackFastPath !== undefined || fastnet.unsupportedOptions !== undefined ||
    localAddress || localPort || foreign || family === 0 ? configOf(s) : s[kConfig];
  let state: Connecting | undefined;
  if (config) {
    apply(config, fastnet);
    state = s[kConnecting] ??= {
      byName: false, localAddress, localPort, foreign, decided: undefined, adopting: undefined,
    };
    state.byName = false;
    state.localAddress = localAddress;
    state.localPort = localPort;
    state.foreign = foreign;
    state.decided = undefined;
    state.adopting = undefined;
  }
  // A net.BoundSocket's handle that fastnet made: the outcome of its construction is taken over (bound.ts).
  const made = foreign !== null ? boundHandleStatus(foreign) : undefined;
  if (made && family !== 0) return connectAdopted(s, original, normalized, foreign!, made, host as string, config!);
  if (family === 0) {
    // A host name: decided at Node's connect on the handle, once the name is resolved.
    setStatus(s, PENDING, !made);
    if (made) state!.adopting = made;
    else if (localAddress && !state!.onLookup) {
      // Node binds before it connects: our socket must be in by then.
      state!.onLookup = true;
      s.prependListener('lookup', onLookup);
    }
    state!.byName = made !== undefined || !localAddress;
    if (state!.byName) connectSeamReady(before);
    return original.call(s, normalized);
  }
  // familyOf(host) has just made `host` the last one.
  const decision = config ? decide('client', host as string, config, currentEnv()) : decideForLastHost();
  if (decision.action === 'skip') {
    setStatus(s, skipped(decision.reason));
    return original.call(s, normalized);
  }
  const result = original.call(s, normalized);
  // Node has validated everything and made its handle; it binds and connects on the next tick.
  const handle = s._handle;
  if (handle && s.connecting) prepare(s, decision, handle, config, state, foreign === null);
  return result;
}

let tcpSeam = false;

/**
 * The wrappers on Node's connect/connect6, installed at the first host-name
 * connection: on TCP handles, and on a TLS socket's wrap (Node's happy
 * eyeballs gives a retried TLS attempt a TCP handle whose owner is not set:
 * its wrap's is).
 */
function connectSeamReady(handle: object | null): void {
  if (!tcpSeam) {
    const TCP = tcpClass(handle !== null && handle.constructor?.name === 'TCP' ? handle : undefined);
    if (typeof TCP === 'number') return;
    tcpSeam = true;
    wrapConnect(TCP, (node) => function connect(this: TcpHandle, req: unknown, address: string, port: number): unknown {
      beforeConnect(this, address);
      return node.call(this, req, address, port);
    });
  }
  if (handle !== null && (handle as TcpHandle)._parent !== undefined) {
    wrapConnect(handle, (node: Method) => function connect(this: TcpHandle, ...args: unknown[]): unknown {
      beforeConnect(this, args[1] as string);
      return node.apply(this, args);
    });
  }
}

/** Node is about to connect `handle` to `ip`: for a socket of ours connecting by name, decide now. */
function beforeConnect(handle: TcpHandle, ip: string): void {
  const socket = ownerOf(handle) as HookedSocket | undefined;
  const state = socket?.[kConnecting];
  if (state === undefined || !state.byName || typeof ip !== 'string') return;
  // A TLS socket's wrap forwards to its TCP handle, whose connect comes next.
  const tcp = (handle._parent as TcpHandle | undefined) ?? handle;
  // Decided already (from the wrap, or a lookup that called back twice): a
  // connect is under way on it. Leave it to Node, as net would.
  if (state.decided === tcp) return;
  state.decided = tcp;
  const config = configOf(socket!);
  if (state.adopting !== undefined) {
    const made = state.adopting;
    state.adopting = undefined;
    state.byName = false;
    if (tcp === state.foreign) adopt(socket!, tcp, made, ip, config);
    return;
  }
  const decision = decide('client', ip, config, currentEnv());
  if (decision.action === 'skip') return skip(socket!, decision.reason);
  // With happy eyeballs, Node binds a fixed localPort before the attempt.
  if (state.localPort) return skip(socket!, 'local-port');
  prepare(socket!, decision, handle, config, state);
}

function onLookup(this: NetSocket, err: Error | null, ip: string, family: number): void {
  const socket = this as HookedSocket;
  const state = socket[kConnecting];
  // Only for a local bind: then Node binds right after this event, and never tries several addresses.
  if (err || !state?.localAddress || state.byName || !socket.connecting || !socket._handle) return;
  if (state.decided === socket._handle || isIP(ip) !== family) return;
  state.decided = socket._handle;
  const config = configOf(socket);
  const decision = decide('client', ip, config, currentEnv());
  if (decision.action === 'skip') return skip(socket, decision.reason);
  prepare(socket, decision, socket._handle, config, state);
}

function skip(socket: object, reason: SkipReason): void {
  setStatus(socket, skipped(reason));
}

/**
 * Put our socket into `handle`, which Node made for this connection and has
 * not bound yet. `fresh`: Node made it a moment ago, in this very connect()
 * call, so it is a TCP handle and no code can have asked it for options yet.
 */
function prepare(socket: HookedSocket, decision: Attempt, handle: TcpHandle, config: ClientConfig | undefined,
  state: Connecting | undefined, fresh = false): void {
  const family = decision.family;
  // A TLS socket's handle wraps the TCP handle and forwards to it.
  const tcp = fresh ? handle : (handle._parent as TcpHandle | undefined) ?? handle;
  if (!fresh && (handle === state?.foreign ? !adoptable(tcp) : !isTcp(tcp))) return skip(socket, 'external-handle');
  // A local address of the other family fails in Node's bind, exactly as with net.
  if (state?.localAddress && isIP(state.localAddress) !== family) return skip(socket, 'local-address');

  const mode = config?.mode ?? 'ignore';
  if (mode === 'throw') {
    // Options asked for before the decision (constructor options, early
    // calls) cannot be carried, and the caller asked for an error rather
    // than silence: report it the way net reports I/O errors.
    const requested = requestedOptions(socket);
    if (requested.length > 0) {
      skip(socket, 'unsupported-option');
      process.nextTick(() => socket.destroy(unsupportedOptionErrorFor(requested[0])));
      return;
    }
  }

  // Node binds a socket for localAddress/localPort itself; otherwise IPv6
  // sockets are bound [::]:0 here, so that libuv never binds them dual-stack.
  const nodeBinds = Boolean(state?.localAddress || state?.localPort);
  const made = makeSocket(decision, family === 6 && !nodeBinds);
  if (made.sock < 0) return setStatus(socket, made.status);
  const applied = made.status.state === 'applied';
  if (applied && !fresh) clearPendingOptions(tcp);
  const err = tcp.open(made.sock);
  if (err !== 0) {
    closeSocket(made.sock); // open() failed, so the socket is still ours
    return setStatus(socket, uvFailed(err));
  }
  // From here on Node's handle owns the socket.
  if (applied) guardHandle(tcp, socket, mode);
  if (nodeBinds && family === 6) keepV6Only(handle);
  setStatus(socket, made.status);
}

/**
 * Node's own TCP handle class: learned from a handle Node made with `new TCP`
 * in this connect(), so a test double or a handle from elsewhere is told apart.
 */
function isTcp(tcp: TcpHandle): boolean {
  const TCP = tcpClass(tcp.constructor?.name === 'TCP' ? tcp : undefined);
  return typeof TCP !== 'number' && tcp instanceof TCP;
}

/** A handle that was there before connect() (a TLS socket's): only a TCP handle holding no socket yet. */
function adoptable(tcp: TcpHandle): boolean {
  // Bound (Node 24's BoundSocket) or connected: not ours to touch.
  return isTcp(tcp) && tcp.getsockname({}) !== 0;
}

/** Node binds a local IPv6 address without V6ONLY; keep our socket single-stack for that one bind. */
function keepV6Only(handle: TcpHandle): void {
  const bind6 = handle.bind6;
  handle.bind6 = function bind6Only(this: TcpHandle, address: string, port: number, flags?: number): number {
    delete (handle as { bind6?: unknown }).bind6;
    return bind6.call(this, address, port, (flags ?? 0) | UV_TCP_IPV6ONLY);
  };
}
