/**
 * Error objects shaped like Node's own: a `code` property, Node's message
 * formats for argument errors, and OS error names for native results.
 */
import * as os from 'node:os';
import { getSystemErrorName, inspect } from 'node:util';

function withCode<E extends Error>(err: E, code: string): E & { code: string } {
  Object.defineProperty(err, 'code', { value: code, enumerable: true, writable: true, configurable: true });
  return err as E & { code: string };
}

/** Thrown (or emitted) when an option the fast path does not support is requested on a fast-path socket. */
export function unsupportedOptionError(option: string, sockopt: string): TypeError & { code: string } {
  return withCode(new TypeError(
    `The socket option '${option}' (${sockopt}) is not supported on a loopback fast-path socket`),
  'ERR_FASTNET_UNSUPPORTED_OPTION');
}

/**
 * A cluster worker's server asked for `loopbackFastPath` and its primary made
 * the listening socket the other way: the worker cannot change it.
 */
export function clusterOptionError(requested: boolean, applied: boolean): Error & { code: string } {
  return withCode(new Error(
    `The server option loopbackFastPath: ${requested} cannot be honoured in a cluster worker: ` +
    `the primary made the listening socket ${applied ? 'with' : 'without'} the loopback fast path. ` +
    'Set it where the primary creates its servers, or drop it here'), 'ERR_FASTNET_CLUSTER_OPTION');
}

/**
 * A server or socket asked for `loopbackFastPath` and the net.BoundSocket it
 * adopts was made the other way: the socket exists already and cannot change.
 */
export function boundOptionError(requested: boolean, applied: boolean): Error & { code: string } {
  return withCode(new Error(
    `The option loopbackFastPath: ${requested} cannot be honoured on an adopted net.BoundSocket: ` +
    `its socket was made ${applied ? 'with' : 'without'} the loopback fast path. ` +
    'Give the option to the BoundSocket, or drop it here'), 'ERR_FASTNET_BOUND_OPTION');
}

/** Same text as Node's ERR_INVALID_ARG_TYPE (for a single expected type). */
export function invalidArgType(name: string, expected: string, actual: unknown): TypeError & { code: string } {
  let received: string;
  if (actual == null) received = ` Received ${actual}`;
  else if (typeof actual === 'function') received = ` Received function ${actual.name}`;
  else if (typeof actual === 'object') received = ` Received ${inspect(actual, { depth: -1 })}`;
  else {
    let shown = inspect(actual, { colors: false });
    if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
    received = ` Received type ${typeof actual} (${shown})`;
  }
  // Node says "argument" for a parameter and "property" for a field of an options object.
  const kind = name.includes('.') ? 'property' : 'argument';
  return withCode(new TypeError(`The "${name}" ${kind} must be of type ${expected}.${received}`),
    'ERR_INVALID_ARG_TYPE');
}

/** Same text as Node's ERR_INVALID_ARG_VALUE. */
export function invalidArgValue(name: string, value: unknown, reason: string): TypeError & { code: string } {
  return withCode(new TypeError(`The property '${name}' ${reason}. Received ${inspect(value)}`),
    'ERR_INVALID_ARG_VALUE');
}

// Winsock errors the native side can report. Anything else is shown as WSA<n>.
const WSA_NAMES: Record<number, string> = {
  10004: 'WSAEINTR', 10009: 'WSAEBADF', 10013: 'WSAEACCES', 10014: 'WSAEFAULT',
  10022: 'WSAEINVAL', 10024: 'WSAEMFILE', 10035: 'WSAEWOULDBLOCK', 10038: 'WSAENOTSOCK',
  10043: 'WSAEPROTONOSUPPORT', 10044: 'WSAESOCKTNOSUPPORT', 10045: 'WSAEOPNOTSUPP',
  10047: 'WSAEAFNOSUPPORT', 10050: 'WSAENETDOWN', 10055: 'WSAENOBUFS',
  10093: 'WSANOTINITIALISED', 10104: 'WSAEINVALIDPROCTABLE', 10105: 'WSAEINVALIDPROVIDER',
  10106: 'WSAEPROVIDERFAILEDINIT',
};

/** Name of an OS error number returned by the native binding, for the given platform. */
export function osErrorName(errno: number, platform: string): string {
  if (platform === 'win32' && errno >= 10000) return WSA_NAMES[errno] ?? `WSA${errno}`;
  // EOPNOTSUPP and ENOTSUP share a number on Linux; the socket call's name is EOPNOTSUPP.
  if (errno === os.constants.errno.EOPNOTSUPP) return 'EOPNOTSUPP';
  for (const [name, value] of Object.entries(os.constants.errno)) {
    if (value === errno) return name;
  }
  return `E${errno}`;
}

/** Name of a (negative) libuv error code returned by a Node handle method. */
export function uvErrorName(err: number): string {
  try {
    return getSystemErrorName(err);
  } catch {
    return `UV${err}`;
  }
}

/** OS errors meaning "this stack has no loopback fast path" rather than "something broke". */
export function isUnsupportedCode(code: string): boolean {
  return code === 'WSAEOPNOTSUPP' || code === 'EOPNOTSUPP' || code === 'ENOTSUP';
}
