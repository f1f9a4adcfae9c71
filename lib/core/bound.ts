/**
 * What the adopter of a net.BoundSocket takes over. A BoundSocket binds in
 * its constructor, so fastnet decides there (bound-socket.ts), with the
 * BoundSocket's own options, and records the outcome here: on the
 * BoundSocket, for `server.listen(bound)`, and on its handle, which a
 * `new net.Socket({ handle: bound })` ends up holding. The socket cannot
 * change after that, so an adopter takes the outcome as it is:
 *
 * - a server: the construction's status; accepted sockets inherit it;
 * - a client: towards a loopback destination, the same; towards any other,
 *   `not-loopback` and no guard (the ioctl has no effect there), unless the
 *   construction did not attempt it, whose reason then stands;
 * - an adopter's own `loopbackFastPath` that contradicts the construction
 *   (false where the ioctl was applied; true where the BoundSocket was
 *   skipped for a reason `true` overrides) fails it with
 *   ERR_FASTNET_BOUND_OPTION, as a cluster worker's does
 *   (ERR_FASTNET_CLUSTER_OPTION); `false` where nothing was applied agrees:
 *   `opted-out`.
 *
 * Adopters' statuses are not counted again: the decision was counted once,
 * when the BoundSocket was made.
 */
import type { Socket as NetSocket } from 'node:net';
import type { TcpHandle } from './node-internals.js';
import { boundOptionError } from './errors.js';
import {
  guardBoundHandle, guardHandle, releaseHandle, requestedOptions, unsupportedOptionErrorFor, type UnsupportedOptionsMode,
} from './options.js';
import { decide, type PolicyEnv, type SkipReason } from './policy.js';
import { forgetIgnoredOptions, setStatus, skipped, type FastPathStatus } from './status.js';

/** BoundSockets fastnet made, and their handles, to the outcome of their construction. */
const byBound = new WeakMap<object, FastPathStatus>();
const byHandle = new WeakMap<object, FastPathStatus>();

/**
 * A BoundSocket fastnet made: its status (counted: this is the decision),
 * and, on the fast path, its handle guarded from then on, whoever adopts it.
 */
export function recordBound(bound: object, handle: TcpHandle | undefined, status: FastPathStatus): void {
  byBound.set(bound, status);
  if (handle) {
    byHandle.set(handle, status);
    if (status.state === 'applied') guardBoundHandle(handle);
  }
  setStatus(bound, status);
}

/** The construction's outcome of a BoundSocket given to listen() (itself or as `{ handle }`), if fastnet made it. */
export function adoptedBoundSocket(given: unknown): FastPathStatus | undefined {
  if (given === null || typeof given !== 'object') return undefined;
  return byBound.get(given) ?? byBound.get((given as { handle?: object }).handle as object);
}

/** The construction's outcome for a handle a socket holds, if it is a BoundSocket's that fastnet made. */
export function boundHandleStatus(handle: object): FastPathStatus | undefined {
  return byHandle.get(handle);
}

/** Reasons for which a construction was skipped that an adopter's `loopbackFastPath: true` would have overridden. */
const OVERRIDDEN_BY_TRUE: ReadonlySet<SkipReason> = new Set<SkipReason>(['wildcard', 'known-issue', 'opted-out']);

/** The adopter's status, given the construction's outcome and the adopter's own `loopbackFastPath`. */
export function takeOver(made: FastPathStatus, wanted: boolean | undefined): { status: FastPathStatus; error?: Error } {
  const applied = made.state === 'applied';
  if (wanted === false) return applied ? contradiction(false, true) : { status: skipped('opted-out') };
  if (wanted === true && made.state === 'skipped' && OVERRIDDEN_BY_TRUE.has(made.reason)) return contradiction(true, false);
  return { status: made };
}

function contradiction(requested: boolean, applied: boolean): { status: FastPathStatus; error: Error } {
  return { status: skipped('bound-socket'), error: boundOptionError(requested, applied) };
}

/** decide() for a destination alone: what the address says, whatever the process's switches. */
const ADDRESS_ONLY: PolicyEnv = Object.freeze({ platform: 'win32', disabled: false });
const NO_OPTIONS = Object.freeze({});

/** A client's settings that matter here (client.ts keeps them). */
export interface AdopterConfig {
  loopbackFastPath?: boolean;
  mode: UnsupportedOptionsMode;
}

type Connect = (this: NetSocket, ...args: unknown[]) => unknown;

/**
 * connect() of a socket holding a BoundSocket's handle fastnet made, to an IP
 * address: Node's connect, and the outcome taken over for that address. (For
 * a host name, client.ts calls adopt() right before Node connects the handle:
 * an adopted socket never uses happy eyeballs, so that is one address.)
 */
export function connectAdopted(socket: NetSocket, original: Connect, normalized: unknown[], handle: TcpHandle,
  made: FastPathStatus, ip: string, config: AdopterConfig): unknown {
  const result = original.call(socket, normalized);
  adopt(socket, handle, made, ip, config);
  return result;
}

/** The adopter's outcome towards `ip`, taken over from the BoundSocket's construction (`made`). */
export function adopt(socket: NetSocket, handle: TcpHandle, made: FastPathStatus, ip: string, config: AdopterConfig): void {
  const towards = decide('client', ip, NO_OPTIONS, ADDRESS_ONLY);
  if (towards.action === 'skip') {
    // Not towards loopback: Node's socket as it is, its options applied (Node applies the ones it holds
    // after connecting), unless the fast path was never there.
    if (made.state === 'skipped') return setStatus(socket, made, false);
    releaseHandle(handle);
    forgetIgnoredOptions(socket);
    return setStatus(socket, skipped(towards.reason), false);
  }
  const taken = takeOver(made, config.loopbackFastPath);
  let status = taken.status;
  let error = taken.error;
  if (!error && status.state === 'applied' && config.mode === 'throw') {
    // Options asked for before connect() were withheld; the caller asked for an error rather than silence.
    const requested = requestedOptions(socket);
    if (requested.length > 0) {
      status = skipped('unsupported-option');
      error = unsupportedOptionErrorFor(requested[0]);
    }
  }
  setStatus(socket, status, false);
  if (error) {
    const err = error;
    process.nextTick(() => socket.destroy(err));
    return;
  }
  if (status.state === 'applied') {
    // The construction's guard gives way to the socket's own (its mode, its status).
    releaseHandle(handle);
    guardHandle(handle, socket, config.mode);
  }
}
