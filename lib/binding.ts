/**
 * The only module that touches the native `.node` file and Node's internal
 * TCP handle class. Both are loaded lazily, the first time a decision says
 * "attempt", so nothing native is loaded on other platforms or paths.
 * Tests inject their own binding with `setBindingForTesting`.
 */
import * as path from 'node:path';
import { debug } from './status.js';

/** The native binding: numbers in, numbers out. */
export interface NativeBinding {
  /** A new unbound TCP socket for family 4 or 6, or -(OS error number). */
  createSocket(family: 4 | 6): number;
  /** 0, or the OS error number from SIO_LOOPBACK_FAST_PATH. */
  enableLoopbackFastPath(sock: number): number;
  /** Closes a socket never handed to Node; 0 or the OS error number. */
  closeSocket(sock: number): number;
}

/** Node's TCP handle (from tcp_wrap): just the parts fastnet uses. */
export interface TcpHandle {
  open(sock: number): number;
  bind(address: string, port: number, flags?: number): number;
  bind6(address: string, port: number, flags: number): number;
  getsockname(out: Record<string, unknown>): number;
  close(cb?: () => void): void;
  setNoDelay(enable: boolean): number;
  setKeepAlive(enable: boolean, delay: number): number;
  onread?: unknown;
  onconnection?: (err: number, clientHandle?: TcpHandle) => void;
  owner?: unknown;
  [key: string]: unknown;
}

export interface TcpWrap {
  TCP: new (type: number) => TcpHandle;
  constants: { SOCKET: number; SERVER: number; UV_TCP_IPV6ONLY: number };
}

export interface Native {
  binding: NativeBinding;
  tcp: TcpWrap;
}

const ROOT = path.join(__dirname, '..');

let injected: NativeBinding | Error | undefined;
let loaded: Native | Error | undefined;
let warned = false;

type NodeGypBuild = ((dir: string) => NativeBinding) & { resolve(dir: string): string };

function loadBinding(): NativeBinding {
  if (injected instanceof Error) throw injected;
  if (injected) return injected;
  // node-gyp-build picks build/Release or prebuilds/<platform>-<arch>.
  return (require('node-gyp-build') as NodeGypBuild)(ROOT);
}

/** Where the binding would be loaded from (for `fastnet doctor`), or why it cannot be. */
export function bindingLocation(): { path: string; kind: 'prebuild' | 'local build' } | { error: string } {
  try {
    const file = (require('node-gyp-build') as NodeGypBuild).resolve(ROOT);
    return { path: file, kind: file.includes(`${path.sep}prebuilds${path.sep}`) ? 'prebuild' : 'local build' };
  } catch (err) {
    return { error: (err as Error).message.split('\n')[0] };
  }
}

function loadTcpWrap(): TcpWrap {
  // process.binding('tcp_wrap') is on Node's allow-list and is how a socket
  // made elsewhere reaches a TCP handle (`handle.open(socket)`).
  return (process as unknown as { binding(name: string): TcpWrap }).binding('tcp_wrap');
}

/**
 * The native pieces, or null when they cannot be had. A failure warns once
 * per process (code FASTNET_NO_BINDING) and fastnet then behaves like net.
 */
export function native(): Native | null {
  if (loaded === undefined) {
    try {
      loaded = { binding: loadBinding(), tcp: loadTcpWrap() };
    } catch (err) {
      loaded = err instanceof Error ? err : new Error(String(err));
    }
  }
  if (loaded instanceof Error) {
    if (!warned) {
      warned = true;
      debug('native binding unavailable: %s', loaded.message);
      process.emitWarning(
        `fastnet: the native binding could not be loaded, so the loopback fast path is off (${loaded.message})`,
        { type: 'FastnetWarning', code: 'FASTNET_NO_BINDING' });
    }
    return null;
  }
  return loaded;
}

/**
 * Tests: use this binding (or fail to load with this error) from now on.
 * `undefined` goes back to the real one. Resets the once-per-process warning.
 */
export function setBindingForTesting(binding: NativeBinding | Error | undefined): void {
  injected = binding;
  loaded = undefined;
  warned = false;
}
