/**
 * The only module that touches the native `.node` file. It is loaded
 * lazily, the first time a decision says "attempt", so nothing native is
 * loaded on other platforms or paths. (Node's TCP handle class, which takes
 * our socket, is node-internals.ts's.)
 * Tests inject their own binding with `setBindingForTesting`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { flagOn } from './env.js';
import { DamagedFileError, inspectNativeFile, mismatch } from './native-file.js';
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

// The package root: this file is dist/core/binding.js.
const ROOT = path.join(__dirname, '..', '..');

let injected: NativeBinding | Error | undefined;
let loaded: NativeBinding | Error | undefined;
let warned = false;
let targetOverride: { platform: string; arch: string } | undefined;
let choice: BindingChoice | undefined;

/** A file the loader looked at and did not use, and why. */
export interface PassedOver {
  path: string;
  reason: string;
}

/** Which binding file was used, and which were passed over. */
export interface BindingChoice {
  path?: string;
  kind?: 'prebuild' | 'local build';
  passedOver: PassedOver[];
  /** Set when no file could be used. */
  error?: string;
}

/** Where to look and how to load; each field defaults to this process. */
export interface ChooseOptions {
  root?: string;
  platform?: string;
  arch?: string;
  env?: NodeJS.ProcessEnv;
  load?: (file: string) => NativeBinding;
}

/** The CPU the loader and `doctor` act for: the real one unless a test injected another. */
export function currentArch(): string {
  return targetOverride?.arch ?? process.arch;
}

/**
 * Pick the binding file for this process and load it. In order:
 *  1. prebuilds/<platform>-<arch>/node.napi.node, shipped in the package;
 *  2. native/build/Release/fastnet.node, from `npx node-gyp rebuild -C native`
 *     in the package folder (skipped when PREBUILDS_ONLY is set).
 * A file for another OS or CPU, a damaged one, or one the OS refuses to load
 * is passed over, with the reason, and the next one is tried. This is why a
 * checkout shared by Linux node and Windows node.exe works on both: neither
 * loads the other's build.
 */
export function chooseBinding(opts: ChooseOptions = {}): { choice: BindingChoice; binding?: NativeBinding } {
  const root = opts.root ?? ROOT;
  const platform = opts.platform ?? targetOverride?.platform ?? process.platform;
  const arch = opts.arch ?? currentArch();
  const env = opts.env ?? process.env;
  const load = opts.load ?? ((file: string) => require(file) as NativeBinding);
  const candidates: { path: string; kind: 'prebuild' | 'local build' }[] = [
    { path: path.join(root, 'prebuilds', `${platform}-${arch}`, 'node.napi.node'), kind: 'prebuild' },
    { path: path.join(root, 'native', 'build', 'Release', 'fastnet.node'), kind: 'local build' },
  ];
  const passedOver: PassedOver[] = [];
  for (const c of candidates) {
    let buf: Buffer;
    try {
      buf = fs.readFileSync(c.path);
    } catch {
      continue; // not there: nothing to pass over
    }
    if (c.kind === 'local build' && flagOn(env.PREBUILDS_ONLY)) {
      passedOver.push({ path: c.path, reason: 'PREBUILDS_ONLY is set' });
      continue;
    }
    let reason: string | null;
    try {
      reason = mismatch(inspectNativeFile(buf), platform, arch);
    } catch (err) {
      if (!(err instanceof DamagedFileError)) throw err;
      reason = `damaged (${err.message}); reinstall fastnet`;
    }
    if (reason === null) {
      try {
        const binding = load(c.path);
        return { choice: { path: c.path, kind: c.kind, passedOver }, binding };
      } catch (err) {
        reason = `the OS refused to load it: ${String((err as Error).message).split(/\r?\n/)[0]}`;
      }
    }
    passedOver.push({ path: c.path, reason });
  }
  return { choice: { passedOver, error: noBindingMessage(root, platform, arch, passedOver) } };
}

function noBindingMessage(root: string, platform: string, arch: string, passedOver: PassedOver[]): string {
  const parts = [`no usable binding for ${platform}-${arch}`];
  const target = `${platform}-${arch}`;
  if (!fs.existsSync(path.join(root, 'prebuilds', target, 'node.napi.node'))) {
    let shipped: string[] = [];
    try {
      shipped = fs.readdirSync(path.join(root, 'prebuilds')).sort();
    } catch { /* a checkout before `npm run build:prebuilds` */ }
    parts.push(`this copy of fastnet has no prebuild for ${target}${shipped.length ? ` (only ${shipped.join(', ')})` : ''},`
      + ' so it runs without the fast path; a source build (`npx node-gyp rebuild -C native` in the fastnet folder) is used if present');
  }
  for (const p of passedOver) parts.push(`passed over ${p.path}: ${p.reason}`);
  return parts.join('; ');
}

function loadBinding(): NativeBinding {
  if (injected instanceof Error) throw injected;
  if (injected) return injected;
  const r = chooseBinding();
  choice = r.choice;
  if (!r.binding) throw new Error(r.choice.error);
  return r.binding;
}

/**
 * For `fastnet doctor`: the file the binding came from and the files passed
 * over (loading it first if nothing has yet), or why there is none.
 */
export function bindingReport(): { loaded: boolean; path?: string; kind?: string; passedOver: PassedOver[]; error?: string } {
  const n = native();
  if (injected !== undefined) {
    return injected instanceof Error
      ? { loaded: false, passedOver: [], error: injected.message }
      : { loaded: n !== null, kind: 'injected for testing', passedOver: [] };
  }
  if (!choice) return { loaded: false, passedOver: [], error: loaded instanceof Error ? loaded.message : 'not loaded' };
  return { loaded: n !== null, ...choice, ...(n === null && choice.path ? { error: (loaded as Error).message } : {}) };
}

/**
 * The native binding, or null when it cannot be had. A failure warns once
 * per process (code FASTNET_NO_BINDING) and fastnet then behaves like net.
 */
export function native(): NativeBinding | null {
  // Every fast-path socket asks: small enough for V8 to inline into the caller.
  return ready ?? loadOnce();
}

/** The loaded binding; null until loaded, and again after a test swaps it. */
let ready: NativeBinding | null = null;

function loadOnce(): NativeBinding | null {
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
  return ready = loaded;
}

/**
 * Tests: use this binding (or fail to load with this error) from now on.
 * `undefined` goes back to the real one. Resets the once-per-process warning.
 */
export function setBindingForTesting(binding: NativeBinding | Error | undefined): void {
  injected = binding;
  loaded = undefined;
  ready = null;
  choice = undefined;
  warned = false;
}

/**
 * Tests: pick binding files as a process on this platform and CPU would (and
 * show that CPU in `doctor`), e.g. win32/arm64 to see what Windows on arm64
 * gets. `undefined` goes back to the real ones. Resets the loaded binding.
 * (setPlatform alone does not change the loader: a simulated Windows process
 * on Linux still loads the Linux build.)
 */
export function setNativeTargetForTesting(target: { platform: string; arch: string } | undefined): void {
  targetOverride = target;
  loaded = undefined;
  ready = null;
  choice = undefined;
  warned = false;
}
