/**
 * Moving a listening Server or a connected Socket to another thread
 * (`worker.postMessage(obj, [obj])`, Node 24.22+ and 26.6+): the object in
 * the worker keeps its fastnet status and, on the fast path, its option
 * guards, wherever fastnet is loaded there (explicit or transparent mode).
 *
 * Node moves them with the messaging methods on net.Server.prototype and
 * net.Socket.prototype: on the sending thread `[kTransfer]()` returns
 * `{ data, deserializeInfo }` (the handle and a few options), and the
 * receiving thread makes a fresh net.Server / net.Socket and calls its
 * `[kDeserialize](data)`. Both are wrapped here. The sender adds fastnet's
 * record to `data` under a key of its own; Node's deserialize reads only the
 * fields it knows, so a thread without fastnet gets exactly what Node gives
 * it. The receiver restores the record after Node's own deserialize.
 *
 * The symbols are Node's internal ones (messaging_transfer_symbol and
 * messaging_deserialize_symbol), found by their description. Where Node has
 * none (Node 20 and 22; 24.22.3 and 26.12.1 have them), or should it rename
 * them, nothing is installed and a moved object arrives as Node makes it:
 * untracked, or, in transparent mode, a server listening on a handle from
 * elsewhere ('external-handle'), with no option guards.
 *
 * One copy of fastnet per thread installs them (the first to load, as with
 * patch()); servers and sockets of a second copy move as Node moves them.
 */
import net = require('node:net');
import { internalSymbol, NODE_SYMBOLS, targets, tcpClass, type TcpHandle } from './node-internals.js';
import { guardHandle, modeOf, type UnsupportedOptionsMode } from './options.js';
import { acceptsOf } from './server.js';
import { getStatus, INHERITED, listenerOf, restoreStatus, snapshot, withoutDecisions, type FastPathStatus } from './status.js';

const TRANSFER = NODE_SYMBOLS.transfer;
const DESERIALIZE = NODE_SYMBOLS.deserialize;

/** Where fastnet's record travels in Node's transfer data. */
const KEY = 'fastnet';

/** fastnet's record, as it travels (structured-cloned). */
interface Carried {
  v: 1;
  /** The status, without the withheld options (those are `ignoredOptions`). */
  status: FastPathStatus;
  ignoredOptions: string[];
  /** 'throw' for a socket or listener in unsupportedOptions: 'throw' mode. */
  mode: UnsupportedOptionsMode;
}

type Method = (this: object, ...args: unknown[]) => unknown;
type Moved = { _handle?: TcpHandle | null };

/**
 * fastnet's record for a server or socket about to move, if fastnet has one:
 * its own, or for an accepted socket its listener's, as `inherited`.
 */
function recordOf(target: object): Carried | undefined {
  let status = getStatus(target);
  let extra: object | undefined;
  const listener = target instanceof net.Socket ? listenerOf(target) : undefined;
  if (status === undefined && listener) {
    status = getStatus(listener);
    extra = INHERITED;
  }
  if (status === undefined) return undefined;
  const { ignoredOptions = [], ...rest } = snapshot(target, status, extra);
  // An accepted socket's mode is its listener's: one moved from a 'connection' listener is not marked itself yet.
  const inherits = listener !== undefined && (extra !== undefined || rest.state !== 'pending' && 'inherited' in rest);
  const mode = modeOf(target) === 'throw' || (inherits && modeOf(listener!) === 'throw') ? 'throw' : 'ignore';
  return { v: 1, status: rest as FastPathStatus, ignoredOptions, mode };
}

/** The record in transfer data, checked; undefined when there is none (a thread without fastnet sent it). */
function carriedIn(data: unknown): Carried | undefined {
  const c = data !== null && typeof data === 'object' ? (data as Record<string, unknown>)[KEY] : undefined;
  if (c === null || typeof c !== 'object') return undefined;
  const { v, status, ignoredOptions, mode } = c as Partial<Carried>;
  if (v !== 1 || status === null || typeof status !== 'object' || typeof status.state !== 'string') return undefined;
  return {
    v,
    status: Object.freeze({ ...status }),
    ignoredOptions: Array.isArray(ignoredOptions) ? ignoredOptions.filter((o) => typeof o === 'string') : [],
    mode: mode === 'throw' ? 'throw' : 'ignore',
  };
}

/** `[kTransfer]` with fastnet's record added to Node's data. */
function transferWithRecord(original: Method): Method {
  return function transfer(this: object, ...args: unknown[]): unknown {
    // Read before Node detaches the handle (and destroys a socket).
    const carried = recordOf(this);
    const result = original.apply(this, args) as { data?: unknown } | undefined;
    if (carried !== undefined && result !== null && typeof result === 'object' &&
        result.data !== null && typeof result.data === 'object') {
      (result.data as Record<string, unknown>)[KEY] = carried;
    }
    return result;
  };
}

/*
 * The receiving side is installed in explicit mode too: a server or socket
 * moved to this thread arrives as a plain net object, whoever sent it. With no
 * fastnet record in the data (net's objects, or a sender without fastnet) it
 * is Node's deserialize alone, and nothing of fastnet's is touched.
 */

function deserializeServer(original: Method): Method {
  return function deserialize(this: object, ...args: unknown[]): unknown {
    const carried = carriedIn(args[0]);
    if (carried === undefined) return original.apply(this, args);
    // Node listens on the moved handle in here, where fastnet's listen hook
    // (transparent mode) would take it for a handle from elsewhere.
    const result = withoutDecisions(this, () => original.apply(this, args));
    restoreStatus(this, carried.status, carried.ignoredOptions);
    const handle = (this as Moved)._handle;
    if (handle) {
      tcpClass(handle); // Node checked it is its TCP handle
      // Node's noDelay / keepAlive came along in the data: on the fast path the guards keep them from accepted sockets.
      acceptsOf(this as Parameters<typeof acceptsOf>[0], handle, { unsupportedOptions: carried.mode }, carried.status);
    }
    return result;
  };
}

function deserializeSocket(original: Method): Method {
  return function deserialize(this: object, ...args: unknown[]): unknown {
    const carried = carriedIn(args[0]);
    if (carried === undefined) return original.apply(this, args);
    const result = original.apply(this, args);
    restoreStatus(this, carried.status, carried.ignoredOptions);
    const handle = (this as Moved)._handle;
    if (handle && carried.status.state === 'applied') guardHandle(handle, this as net.Socket, carried.mode);
    return result;
  };
}

/** Marks fastnet's wrappers, whichever copy of fastnet installed them. */
const MARK = Symbol.for('fastnet.transfer');

/**
 * Wrap a prototype's transfer pair, both or neither. False if this Node has
 * no such pair, or another copy of fastnet in this thread wrapped it first:
 * as with patch(), the first copy wins, and only its records travel.
 */
function wrapPair(proto: object, transfer: (m: Method) => Method, deserialize: (m: Method) => Method): boolean {
  const find = (description: string) => {
    const symbol = internalSymbol(proto, description);
    const descriptor = symbol && Object.getOwnPropertyDescriptor(proto, symbol);
    return descriptor && typeof descriptor.value === 'function' ? { symbol: symbol!, descriptor } : undefined;
  };
  const t = find(TRANSFER);
  const d = find(DESERIALIZE);
  if (!t || !d || (t.descriptor.value as { [MARK]?: true })[MARK]) return false;
  for (const [found, wrap] of [[t, transfer], [d, deserialize]] as const) {
    const value = wrap(found.descriptor.value as Method);
    Object.defineProperty(value, MARK, { value: true });
    Object.defineProperty(proto, found.symbol, { ...found.descriptor, value });
  }
  return true;
}

let installed: { server: boolean; socket: boolean } | undefined;

/**
 * Install the transfer hooks (once; from index.ts and the preload). Returns
 * whether this copy of fastnet installed them, per class.
 */
export function installTransfer(): { server: boolean; socket: boolean } {
  installed ??= {
    server: wrapPair(targets.server, transferWithRecord, deserializeServer),
    socket: wrapPair(targets.socket, transferWithRecord, deserializeSocket),
  };
  return installed;
}
