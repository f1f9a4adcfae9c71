/**
 * fastnet's own options, and the socket-option subset a fast-path socket
 * supports. Unsupported options are kept away from the OS at the handle, the
 * one place every route (Socket methods, constructor options, a server's
 * noDelay/keepAlive, Node re-applying them after connect) goes through.
 */
import { Socket as NetSocket } from 'node:net';
import type { TcpHandle } from './binding.js';
import { invalidArgType, invalidArgValue, unsupportedOptionError } from './errors.js';
import { recordIgnoredOption } from './status.js';

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
  /** 'ignore' (default): withhold the option, record it in the status. 'throw': TypeError ERR_FASTNET_UNSUPPORTED_OPTION. */
  unsupportedOptions?: UnsupportedOptionsMode;
}

/** Validate fastnet's options the way net validates its own: synchronously, Node error codes. */
export function readFastnetOptions(options: unknown): FastnetOptions {
  if (options === null || typeof options !== 'object') return {};
  const { loopbackFastPath, unsupportedOptions } = options as Record<string, unknown>;
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
  { method: 'setNoDelay', option: 'noDelay', sockopt: 'TCP_NODELAY' },
  { method: 'setKeepAlive', option: 'keepAlive', sockopt: 'SO_KEEPALIVE' },
  // Node 24+: the typeOfService option and socket.setTypeOfService().
  { method: 'setTypeOfService', option: 'typeOfService', sockopt: 'IP_TOS' },
] as const;

/** The option a Socket method would set, if it is one the fast path lacks. */
export function unsupportedOptionOf(method: string): { option: string; sockopt: string } | undefined {
  return GUARDED.find((g) => g.method === method);
}

/** The error for an unsupported option, by its Node name (noDelay, keepAlive, typeOfService). */
export function unsupportedOptionErrorFor(option: string): TypeError & { code: string } {
  const sockopt = GUARDED.find((g) => g.option === option)?.sockopt ?? option;
  return unsupportedOptionError(option, sockopt);
}

/**
 * Make a fast-path handle refuse unsupported options: 'ignore' records them on
 * `record` and does nothing; 'throw' throws to the caller, after undoing the
 * request in Node's socket state so Node does not re-apply it later.
 */
export function guardHandle(handle: TcpHandle, record: object, mode: UnsupportedOptionsMode): void {
  for (const { method, option, sockopt } of GUARDED) {
    if (typeof handle[method] !== 'function') continue;
    handle[method] = function guarded(enable: boolean): number {
      if (!enable) return 0;
      if (mode === 'throw') {
        const owner = handle.owner;
        const undo = (NetSocket.prototype as unknown as Record<string, unknown>)[method];
        if (owner instanceof NetSocket && typeof undo === 'function' && method !== 'setTypeOfService') {
          undo.call(owner, false);
        }
        throw unsupportedOptionError(option, sockopt);
      }
      recordIgnoredOption(record, option);
      return 0;
    };
  }
}

/** Remove the guards again (the socket did not end up on the fast path). */
export function unguardHandle(handle: TcpHandle): void {
  for (const { method } of GUARDED) delete handle[method];
}

/**
 * Clear libuv's pending TCP_NODELAY / keepalive flags on a handle that has no
 * socket yet, so they are not applied when our socket is opened into it. No
 * system call is made: libuv only flips its flags. Node keeps its own record
 * and re-applies the options after connect, which the guards then catch.
 */
export function clearPendingOptions(handle: TcpHandle): void {
  const proto = Object.getPrototypeOf(handle) as TcpHandle;
  proto.setNoDelay.call(handle, false);
  proto.setKeepAlive.call(handle, false, 0);
}
