/**
 * The only module that touches the native `.node` file and Node's internal
 * TCP handle class. Both are loaded lazily, the first time a decision says
 * "attempt", so nothing native is loaded on other platforms or paths.
 * Tests inject their own binding with `setBindingForTesting`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
// The real exports object: in transparent mode _createServerHandle is ours.
import net = require('node:net');
import { debug } from './status.js';

/** The native binding: numbers in, numbers out. */
export interface NativeBinding {
  /**
   * A new TCP socket for family 4 or 6 (IPv6 ones are V6ONLY), or -(OS error
   * number). With `bindAny`, it is bound to the wildcard address, port 0.
   */
  createSocket(family: 4 | 6, bindAny?: boolean): number;
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

export type TcpClass = new (type: number) => TcpHandle;

/** tcp_wrap's TCPWrap::SERVER handle type and libuv's UV_TCP_IPV6ONLY flag: fixed values in Node and libuv. */
export const TCP_SERVER = 1;
export const UV_TCP_IPV6ONLY = 1;

const ROOT = path.join(__dirname, '..');

let injected: NativeBinding | Error | undefined;
let loaded: NativeBinding | Error | undefined;
let warned = false;
let TCP: TcpClass | undefined;

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

/**
 * Node's TCP handle class, which can adopt a socket made elsewhere
 * (`handle.open(socket)`). `from`, a handle Node itself just created with
 * `new TCP(...)`, tells it for free; otherwise Node's own createServerHandle
 * makes one (bound to 127.0.0.1, port 0) and it is closed at once. Never
 * process.binding('tcp_wrap'): that prints DEP0111 under --pending-deprecation.
 * Returns a (negative) libuv error code if even that fails, such as EMFILE.
 */
export function tcpClass(from?: object): TcpClass | number {
  if (TCP) return TCP;
  if (from) return TCP = from.constructor as TcpClass;
  const record = (net as unknown as Record<symbol, { originals: { createServerHandle: CreateServerHandle } } | undefined>)[
    Symbol.for('fastnet.patch')];
  const make = record?.originals.createServerHandle ??
    (net as unknown as { _createServerHandle: CreateServerHandle })._createServerHandle;
  const handle = make('127.0.0.1', 0, 4, undefined, 0);
  if (typeof handle === 'number') return handle;
  TCP = handle.constructor as TcpClass;
  handle.close();
  return TCP;
}

type CreateServerHandle = (address: string | null, port: number, addressType: number,
  fd: number | undefined, flags: number) => TcpHandle | number;

/**
 * The native binding, or null when it cannot be had. A failure warns once
 * per process (code FASTNET_NO_BINDING) and fastnet then behaves like net.
 */
export function native(): NativeBinding | null {
  if (loaded === undefined) {
    try {
      loaded = loadBinding();
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
