/**
 * What happened to each socket and server: one record per object, process-wide
 * counters, a diagnostics channel and NODE_DEBUG=fastnet lines. A listener's
 * record lives as long as its listen (on its listening handle); an accepted
 * socket of a fast-path listener is stamped with the listener's state as Node
 * sets it up (or brings its record along when moved here from another
 * thread), and a socket accepted by any other listener reports its listener's.
 */
import * as dc from 'node:diagnostics_channel';
import { Server as NetServer } from 'node:net';
import { debuglog } from 'node:util';
import { envFlag } from './env.js';
import { uvErrorName } from './errors.js';
import { canonicalLoopbackPeer, type SkipReason } from './policy.js';

/** The fast-path state of a socket or server, as returned by `fastPathStatus()`. */
export type FastPathStatus =
  | { state: 'applied'; inherited?: true; via?: 'cluster-primary'; ignoredOptions?: string[] }
  | {
    state: 'unsupported'; code: string; errno: number; remembered?: true; inherited?: true;
    via?: 'cluster-primary'; ignoredOptions?: string[];
  }
  | { state: 'failed'; code: string; errno: number; inherited?: true; via?: 'cluster-primary'; ignoredOptions?: string[] }
  | { state: 'skipped'; reason: SkipReason; inherited?: true; ignoredOptions?: string[] }
  | { state: 'pending'; inherited?: true; ignoredOptions?: string[] };

export type FastPathState = FastPathStatus['state'];

/** Process-wide counts of decisions by outcome, as returned by `fastPathStats()`. */
export interface FastPathStats {
  applied: number;
  unsupported: number;
  failed: number;
  skipped: number;
  /** The skips by reason (each also counted in `skipped`). */
  skippedBy: Partial<Record<SkipReason, number>>;
  /** Connections from loopback peers accepted by listeners whose state was 'applied': on the fast path. */
  acceptedOnFastPath: number;
  /** Connections from other peers accepted by such listeners (on 0.0.0.0 or ::): left as net leaves them. */
  acceptedNotLoopback: number;
  /**
   * Connections accepted by such listeners on 0.0.0.0 or :: not decided yet: nothing has needed their peer
   * (no option set on them, no status read), or it could no longer be read when something did (closed or
   * reset). Left as net leaves them, and on the fast path if their peer was loopback and opted in. Each
   * moves to one of the two counts above when it is decided.
   */
  acceptedUndecided: number;
  /** Socket options withheld from fast-path sockets. */
  ignoredOptions: number;
}

// Statuses are shared and frozen; callers get copies from snapshot(). The
// record is a hidden property of the socket or server itself, not a WeakMap
// entry: it lives and dies with the object all the same, and a WeakMap entry
// per connection measurably slowed connection set-up (ephemerons in every GC).
// The keys are registered symbols with the record format's version in them,
// so that every copy of fastnet in the process (two packages depending on
// different versions) reads and writes the same records; a new format gets a
// new key. Format v1: the status under STATUS_KEY; the names of the options
// withheld from the object, as an array in the order they were first
// withheld, under IGNORED_KEY (set only once one is withheld). A listener's
// record follows its life: it is kept on its listening handle (`_handle`),
// so it goes when the server closes, and a later listen() that fastnet does
// not see (a server moved to a thread without fastnet, listening again
// there) finds none; while the server has no handle (a listen() that
// failed, or one Node set up past fastnet) the record is on the server
// itself, and is read while the handle has none.

export const STATUS_KEY: unique symbol = Symbol.for('fastnet.v1.status') as never;
export const IGNORED_KEY: unique symbol = Symbol.for('fastnet.v1.ignored') as never;
type Recorded = { [STATUS_KEY]?: FastPathStatus; [IGNORED_KEY]?: string[] };

/** Where `target`'s record is kept: a listener's is on its listening handle while it has one. */
function holderOf(target: object): Recorded {
  if (!(target instanceof NetServer)) return target as Recorded;
  return ((target as { _handle?: object | null })._handle ?? target) as Recorded;
}
// Process-wide: shared by every copy of fastnet in the process, as the records are (v1: this shape).
const counters: FastPathStats = ((globalThis as Record<symbol, unknown>)[Symbol.for('fastnet.v1.counters')] ??= {
  applied: 0, unsupported: 0, failed: 0, skipped: 0, skippedBy: {}, acceptedOnFastPath: 0, acceptedNotLoopback: 0,
  acceptedUndecided: 0, ignoredOptions: 0,
}) as FastPathStats;

/** Count (or, with -1, uncount) one outcome. */
function count(status: FastPathStatus, delta: 1 | -1 = 1): void {
  if (status.state === 'pending') return;
  counters[status.state] += delta;
  if (status.state === 'skipped') counters.skippedBy[status.reason] = (counters.skippedBy[status.reason] ?? 0) + delta;
}

/** NODE_DEBUG=fastnet */
export const debug = debuglog('fastnet');

/** diagnostics_channel 'fastnet:status' receives `{ target, status }` for every decision. */
export const statusChannel = dc.channel('fastnet:status');

export const APPLIED: FastPathStatus = Object.freeze({ state: 'applied' });
export const PENDING: FastPathStatus = Object.freeze({ state: 'pending' });
const skips = new Map<SkipReason, FastPathStatus>();

// One frozen status per outcome and code, shared by every socket that gets it.
const outcomes = new Map<string, FastPathStatus>();

/**
 * The (shared) status for an OS or libuv error: `failed`, or `unsupported`
 * (the stack refuses the ioctl; `remembered` when later sockets skip the attempt).
 */
export function errorStatus(state: 'failed' | 'unsupported', code: string, errno: number, remembered = false): FastPathStatus {
  const key = `${state}:${code}:${errno}:${remembered}`;
  let s = outcomes.get(key);
  if (!s) {
    s = Object.freeze(remembered ? { state, code, errno, remembered: true } : { state, code, errno }) as FastPathStatus;
    outcomes.set(key, s);
  }
  return s;
}

/** `failed` with a libuv error from Node's handle (making, opening or binding it). */
export function uvFailed(err: number): FastPathStatus {
  return errorStatus('failed', uvErrorName(err), err);
}

/**
 * The listener that accepted `socket`, if it is an accepted one. Node sets
 * `server` (and `_server`, which older code and some wrappers keep).
 */
export function listenerOf(socket: object): object | undefined {
  const s = socket as { server?: object | null; _server?: object | null };
  return s.server ?? s._server ?? undefined;
}

/** What an accepted socket adds to its listener's status. */
export const INHERITED = Object.freeze({ inherited: true });

/** The (shared) status for a skip. */
export function skipped(reason: SkipReason): FastPathStatus {
  let s = skips.get(reason);
  if (!s) skips.set(reason, s = Object.freeze({ state: 'skipped', reason }));
  return s;
}

// A server or socket moved here from another thread (lib/core/transfer.ts), while
// Node sets it up on this thread: fastnet's hooks see only a handle from
// elsewhere and would record that. Its record comes with it instead.
let carrying: object | undefined;

/**
 * Record the outcome for a socket, server or handle, count it and publish it.
 * `count: false` for an outcome already counted where it was decided (what
 * the adopter of a BoundSocket takes over from it).
 */
export function setStatus(target: object, status: FastPathStatus, counted = true, holder?: object): void {
  if (target === carrying) return;
  (holder as Recorded ?? holderOf(target))[STATUS_KEY] = status;
  if (counted) count(status);
  if (debug.enabled) {
    debug('%s: %s%s', target.constructor?.name ?? 'object', status.state,
      'reason' in status ? ` (${status.reason})` : 'code' in status ? ` (${status.code})` : '');
  }
  if (statusChannel.hasSubscribers) statusChannel.publish({ target, status: snapshot(target, status) });
}

/** Run `setup` (Node's own set-up of a moved object) without recording decisions for `target`. */
export function withoutDecisions<T>(target: object, setup: () => T): T {
  const previous = carrying;
  carrying = target;
  try {
    return setup();
  } finally {
    carrying = previous;
  }
}

/**
 * Give an object moved here from another thread the record it had there,
 * with the options withheld from it there. Published, but not counted: the
 * thread that made the decision counted it.
 */
export function restoreStatus(target: object, status: FastPathStatus, ignoredOptions: readonly string[]): void {
  holderOf(target)[STATUS_KEY] = status;
  if (ignoredOptions.length > 0) (target as Recorded)[IGNORED_KEY] = [...new Set(ignoredOptions)];
  if (debug.enabled) debug('%s: %s, carried over from another thread', target.constructor?.name ?? 'object', status.state);
  if (statusChannel.hasSubscribers) statusChannel.publish({ target, status: snapshot(target, status) });
}

/** Count an outcome that has no object to hang on (pass-through on other platforms). */
export function countSkip(): void {
  counters.skipped++;
  counters.skippedBy.platform = (counters.skippedBy.platform ?? 0) + 1;
}

/** Count an outcome that has no object to hang on. */
export function countStatus(status: FastPathStatus): void {
  count(status);
}

/** A connection accepted on a fast-path listener: on a loopback address (on the fast path), or undecided yet. */
export function countAccepted(outcome: 'fast-path' | 'undecided'): void {
  if (outcome === 'fast-path') counters.acceptedOnFastPath++;
  else counters.acceptedUndecided++;
}

/** Note an option that was kept away from a fast-path socket (recorded on `target`). */
export function recordIgnoredOption(target: object, option: string): void {
  const t = target as Recorded;
  const names = t[IGNORED_KEY] ??= [];
  if (!names.includes(option)) {
    names.push(option);
    counters.ignoredOptions++;
  }
  if (debug.enabled) debug('%s: withheld unsupported option %s from a fast-path socket', target.constructor?.name, option);
}

/** Forget the options recorded as withheld from `target` (they were not withheld in the end). */
export function forgetIgnoredOptions(target: object): void {
  delete (target as Recorded)[IGNORED_KEY];
}

export function getStatus(target: object): FastPathStatus | undefined {
  if (!(target instanceof NetServer)) {
    // An accepted socket while Node sets it up ('connection' listeners): its handle is stamped already.
    const own = (target as Recorded)[STATUS_KEY] ?? ((target as PeerHolder)._handle ?? undefined)?.[STATUS_KEY];
    return own !== undefined && isUndecided(own) ? decidePeer(target, own) : own;
  }
  // A listener's handle has a record when fastnet decided this listen; the
  // server's own is there only after a listen() that failed or that Node set
  // up past fastnet (node-changed), until the next listen() of fastnet's.
  const handle = (target as { _handle?: Recorded | null })._handle;
  return handle?.[STATUS_KEY] ?? (target as Recorded)[STATUS_KEY];
}

/**
 * A new listen(): the server's record from an earlier one that failed (kept
 * on the server, see holderOf) no longer says anything.
 */
export function clearServerStatus(server: object): void {
  delete (server as Recorded)[STATUS_KEY];
}

/**
 * An outcome recorded (and counted) at bind was not what happened in the end:
 * Node's listen() failed after it. Count the final one instead.
 */
export function recount(from: FastPathStatus, to: FastPathStatus): void {
  count(from, -1);
  count(to);
}

/**
 * Keep a status already recorded (and published) where the object now is: a
 * listener's moves to the server itself when Node lets go of its handle.
 */
export function placeStatus(holder: object, status: FastPathStatus): void {
  (holder as Recorded)[STATUS_KEY] = status;
}

/**
 * Stamp an accepted socket, or before Node makes it its handle, with what it
 * inherits from its listener (`status` has `inherited`; for a non-loopback
 * peer, `not-loopback`).
 */
export function stampAccepted(socketOrHandle: object, status: FastPathStatus): void {
  (socketOrHandle as Recorded)[STATUS_KEY] = status;
}

// An accepted connection of a listener on 0.0.0.0 or :: is decided by its peer, and the decision waits
// until something needs it: an option set on it (Node's own noDelay/keepAlive included), its status, a
// move to another thread. A getpeername per accept cost 3-4% of a listener's accept rate, paid even by
// the connections nothing ever asks about. Its stamp is 'pending' with what a loopback peer inherits
// (under PEER_KEY, not enumerable, so that no copy of a status carries it).
const PEER_KEY = Symbol.for('fastnet.v1.peer');
type Undecided = FastPathStatus & { [PEER_KEY]: FastPathStatus };

/** What a connection from a peer that is not on the loopback path gets: net's treatment, and this status. */
export const NOT_LOOPBACK: FastPathStatus = Object.freeze({ ...skipped('not-loopback'), ...INHERITED });

/** The stamp for a connection whose peer is not decided yet; a loopback peer gets `inherited`. */
export function undecidedPeer(inherited: FastPathStatus): FastPathStatus {
  return Object.freeze(Object.defineProperty({ state: 'pending', inherited: true }, PEER_KEY, { value: inherited })) as Undecided;
}

/**
 * Whether each connection is decided as it is accepted: when the user asked to see every decision
 * (NODE_DEBUG=fastnet, FASTNET_SUMMARY), the counts must be whole.
 */
export function decideAtAccept(): boolean {
  return debug.enabled || envFlag('FASTNET_SUMMARY');
}

type PeerHandle = Recorded & { getpeername?: (out: { address?: string }) => number };
type PeerHolder = PeerHandle & { _handle?: PeerHandle | null };

function isUndecided(status: FastPathStatus): status is Undecided {
  return status.state === 'pending' && PEER_KEY in status;
}

/**
 * Decide an accepted connection (its socket, or its TCP handle while Node sets it up) by its peer, read from
 * the live handle, and keep the decision on both. Where it cannot be read (the connection closed or was
 * reset before anything needed it), the connection stays undecided: nothing is recorded or counted that
 * fastnet does not know. Node's cached `_peername` is no witness: relays and PROXY-protocol code rewrite it.
 */
function decidePeer(target: object, stamp: Undecided): FastPathStatus {
  const t = target as PeerHolder;
  const handle = typeof t.getpeername === 'function' ? t : t._handle ?? undefined;
  if (typeof handle?.getpeername !== 'function') return stamp;
  const out: { address?: string } = {};
  const peer = handle.getpeername(out) === 0 ? out.address : undefined;
  if (peer === undefined) return stamp;
  const loopback = canonicalLoopbackPeer(peer);
  const status = loopback ? stamp[PEER_KEY] : NOT_LOOPBACK;
  counters.acceptedUndecided--;
  if (loopback) counters.acceptedOnFastPath++;
  else counters.acceptedNotLoopback++;
  t[STATUS_KEY] = status;
  handle[STATUS_KEY] = status;
  if (debug.enabled) {
    debug('accepted a connection from %s: %s', peer, loopback ? 'on the fast path' : 'not loopback, left as net leaves it');
  }
  return status;
}

/**
 * A connection Node dropped as it accepted it (maxConnections, its blockList): it never became a connection
 * of the server's, so it leaves the counts of accepted connections.
 */
export function uncountAccepted(handle: object): void {
  const status = (handle as Recorded)[STATUS_KEY];
  if (status === undefined) return;
  if (isUndecided(status)) counters.acceptedUndecided--;
  else if (status.state === 'applied') counters.acceptedOnFastPath--;
  else counters.acceptedNotLoopback--;
}

/** The stamp on an accepted socket or handle, as it is (undecided or not). */
export function stampOf(socketOrHandle: object): FastPathStatus | undefined {
  return (socketOrHandle as Recorded)[STATUS_KEY];
}

/** A copy of `status` for callers, with `extra` fields and the options withheld from `ignoredFrom`. */
export function snapshot(ignoredFrom: object | undefined, status: FastPathStatus, extra?: object): FastPathStatus {
  const out = { ...status, ...extra } as FastPathStatus;
  const names = ignoredFrom && (ignoredFrom as Recorded)[IGNORED_KEY];
  if (names?.length) out.ignoredOptions = [...names];
  return out;
}

export function stats(): FastPathStats {
  return { ...counters, skippedBy: { ...counters.skippedBy } };
}
