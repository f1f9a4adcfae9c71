/**
 * The only module that touches the native `.node` file and Node's internal
 * TCP handle class. Both are loaded lazily, the first time a decision says
 * "attempt", so nothing native is loaded on other platforms or paths.
 * Tests inject their own binding with `setBindingForTesting`.
 */
import * as fs from 'node:fs';
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
  const file = (require('node-gyp-build') as NodeGypBuild).resolve(ROOT);
  checkIntegrity(file);
  return require(file) as NativeBinding;
}

/**
 * Refuse a truncated binary before the OS loader maps it: mapping an ELF file
 * shorter than its headers claim kills the process with SIGBUS instead of
 * failing the load. Checks that every loaded segment (ELF) or section (PE)
 * lies inside the file.
 */
export function checkIntegrity(file: string): void {
  const buf = fs.readFileSync(file);
  const fail = (what: string) => { throw new Error(`${file} is damaged (${what}); reinstall fastnet`); };
  if (buf.length >= 64 && buf.readUInt32BE(0) === 0x7f454c46) { // \x7fELF
    const is64 = buf[4] === 2;
    const le = buf[5] === 1;
    const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
    const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
    const word = (o: number) => (is64 ? Number(le ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o)) : u32(o));
    const phoff = word(is64 ? 0x20 : 0x1c);
    const phentsize = u16(is64 ? 0x36 : 0x2a);
    const phnum = u16(is64 ? 0x38 : 0x2c);
    if (phoff + phentsize * phnum > buf.length) fail('program headers past the end');
    for (let i = 0; i < phnum; i++) {
      const ph = phoff + i * phentsize;
      if (u32(ph) !== 1) continue; // PT_LOAD
      const offset = word(is64 ? ph + 8 : ph + 4);
      const filesz = word(is64 ? ph + 32 : ph + 16);
      if (offset + filesz > buf.length) fail('a loadable segment past the end');
    }
  } else if (buf.length >= 64 && buf.readUInt16LE(0) === 0x5a4d) { // MZ
    const pe = buf.readUInt32LE(0x3c);
    if (pe + 24 > buf.length || buf.readUInt32LE(pe) !== 0x4550) fail('no PE header');
    const sections = buf.readUInt16LE(pe + 6);
    const table = pe + 24 + buf.readUInt16LE(pe + 20);
    if (table + sections * 40 > buf.length) fail('section table past the end');
    for (let i = 0; i < sections; i++) {
      const sh = table + i * 40;
      if (buf.readUInt32LE(sh + 20) + buf.readUInt32LE(sh + 16) > buf.length) fail('a section past the end');
    }
  } else {
    fail('not a native module');
  }
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
