/**
 * fastnet: everything from `node:net`, with the Windows loopback fast path
 * (SIO_LOOPBACK_FAST_PATH) applied to loopback TCP servers and clients.
 * Everywhere else it is net, untouched.
 */
import * as net from 'node:net';
import * as classes from './core/classes.js';
import { setBindingForTesting, setNativeTargetForTesting } from './core/binding.js';
import { tcpClass, wrappedSocket } from './core/node-internals.js';
import { setUp } from './core/setup.js';
import { rememberRefusal } from './core/native-socket.js';
import * as optionsModule from './core/options.js';
import { handleMethods, installGuards, readFastnetOptions, type FastnetOptions } from './core/options.js';
import { invalidArgType } from './core/errors.js';
import {
  currentPlatform, killSwitchOn, setKillSwitch as setKillSwitch_, refreshEnv, setLoopbackBindsOnlyForTesting, setPlatformForTesting,
} from './core/policy.js';
import { setWindowsReleaseForTesting } from './core/known-issues.js';
import { bindGuardsReady, bindMethods, configureServer } from './core/server.js';
import * as bound from './core/bound-socket.js';
import { NodeBoundSocket } from './core/bound-socket.js';
import { configureClient } from './core/client.js';
import * as patching from './core/patch.js';
import nodeNet = require('node:net');
import {
  getStatus, INHERITED, listenerOf, snapshot, stats, type FastPathStats, type FastPathStatus,
} from './core/status.js';

// net's own exports, as net has them: plain data properties (tsc's export-star
// would make them getters that no spy or wrapper can replace). Defined before
// the export-star below, which then adds nothing at run time (its types stay).
for (const key of Object.keys(nodeNet)) {
  Object.defineProperty(exports, key, Object.getOwnPropertyDescriptor(nodeNet, key)!);
}
export * from 'node:net';
export import SUPPORTED_SOCKET_OPTIONS = optionsModule.SUPPORTED_SOCKET_OPTIONS;
export type { FastnetOptions, FastPathStats, FastPathStatus };
export type { UnsupportedOptionsMode } from './core/options.js';
export type { SkipReason } from './core/policy.js';
export type { NativeBinding } from './core/binding.js';
export type { BoundSocketOptions, BoundSocketConstructor } from './core/bound-socket.js';

// Plain data properties, as net's own exports are (a test's spy or a wrapper may replace them).
export import Server = classes.Server;
export import Socket = classes.Socket;
export import Stream = classes.Socket;
export import createServer = classes.createServer;
export import connect = classes.connect;
export import createConnection = classes.connect;
export type { ServerOpts, SocketConstructorOpts, ServerConstructor, SocketConstructor } from './core/classes.js';

// The same set-up as the preload's (lib/core/setup.ts): cluster workers, transfer to threads.
setUp();

/**
 * `net.BoundSocket` (where Node has it; undefined elsewhere), deciding the
 * fast path when it binds, in its constructor: a loopback bind gets it, a
 * 0.0.0.0 one with `loopbackFastPath: true`. The server or socket that adopts
 * it takes that outcome over. Its objects are Node's own BoundSockets.
 */
export import BoundSocket = bound.BoundSocket;

/**
 * What happened to the fast path for this socket, server or BoundSocket:
 * `{state:'applied'}`, `{state:'unsupported'|'failed', code, errno}`,
 * `{state:'skipped', reason}` or `{state:'pending'}`. Accepted sockets report
 * their listener's state with `inherited: true`; on 0.0.0.0 or :: this decides
 * the peer if nothing did yet, and one closed or reset before stays `pending`.
 * A TLS socket of a tls/https server reports the accepted socket it wraps.
 * `ignoredOptions` lists options that were withheld from a fast-path socket.
 */
export function fastPathStatus(target: net.Socket | net.Server | bound.BoundSocket): FastPathStatus {
  if (!(target instanceof net.Socket) && !(target instanceof net.Server) &&
    !(NodeBoundSocket !== undefined && target instanceof NodeBoundSocket)) {
    throw invalidArgType('target', NodeBoundSocket ? 'net.Server, net.Socket or net.BoundSocket' : 'net.Server or net.Socket',
      target);
  }
  const own = getStatus(target);
  if (own) return snapshot(target, own);
  // A TLS socket of a tls/https server: the connection, and its record, is the accepted socket it wraps.
  const wrapped = target instanceof net.Socket ? wrappedSocket(target) : undefined;
  const record = wrapped && getStatus(wrapped);
  if (record) return snapshot(wrapped, record);
  const listener = target instanceof net.Socket ? listenerOf(target) : undefined;
  if (listener) {
    const parent = getStatus(listener);
    if (parent) return snapshot(target, parent, INHERITED);
  }
  if (currentPlatform() !== 'win32') {
    // An accepted socket reports its listener's state, here "not Windows" too.
    return listener ? { state: 'skipped', reason: 'platform', inherited: true } : { state: 'skipped', reason: 'platform' };
  }
  return { state: 'skipped', reason: 'untracked' };
}

/**
 * Set fastnet's options (`loopbackFastPath`, `unsupportedOptions`) on a
 * server or socket fastnet did not construct, such as an http server in
 * transparent mode. Call it before `listen()` / `connect()`.
 */
export function setFastPathOptions(target: net.Server | net.Socket, options: FastnetOptions): void {
  const checked = readFastnetOptions(options);
  if (target instanceof net.Server) configureServer(target, checked);
  else if (target instanceof net.Socket) configureClient(target, checked);
  else throw invalidArgType('target', 'net.Server or net.Socket', target);
}

export import patch = patching.patch;
export import unpatch = patching.unpatch;
export import isPatched = patching.isPatched;

/**
 * The kill switch at run time: `true` turns the fast path off for servers and
 * connections set up from now on, `false` back on, `undefined` re-reads
 * FASTNET_DISABLE (which is otherwise read once, when fastnet loads).
 * Returns the new state.
 */
export function setKillSwitch(on?: boolean): boolean {
  setKillSwitch_(on);
  return killSwitchOn();
}

/** Process-wide counts of fast-path outcomes. */
export function fastPathStats(): FastPathStats {
  return stats();
}

/**
 * For tests only (not part of the API): run the Windows code path on another
 * OS by injecting the platform, the native binding and the Windows release
 * (`os.release()`, for the known-issues table).
 */
Object.defineProperty(exports, Symbol.for('fastnet.testing'), {
  value: Object.freeze({
    setNativeTarget: setNativeTargetForTesting,
    setPlatform: setPlatformForTesting,
    // A new binding also forgets a remembered refusal.
    setBinding(binding: Parameters<typeof setBindingForTesting>[0]) {
      setBindingForTesting(binding);
      rememberRefusal(rememberRefusal());
    },
    rememberRefusal,
    /** Node's TCP handle methods behind the option guards (installed now if need be): what really reaches the OS. */
    handleMethods() {
      const TCP = tcpClass();
      if (typeof TCP !== 'number') installGuards(TCP);
      return handleMethods;
    },
    /** Node's TCP bind/bind6 behind the server's bind guards (installed now if need be). */
    bindMethods() {
      bindGuardsReady();
      return bindMethods;
    },
    /** FASTNET_LOOPBACK_BINDS_ONLY at run time; undefined re-reads the environment. */
    setLoopbackBindsOnly: setLoopbackBindsOnlyForTesting,
    setWindowsRelease(release: string | undefined) {
      setWindowsReleaseForTesting(release);
      refreshEnv();
    },
  }),
});

// `import fastnet from 'fastnet'` from TypeScript's CommonJS output reads `.default`.
const fastnet: typeof import('./index.js') = exports as never;
export default fastnet;
Object.defineProperty(exports, 'default', { enumerable: false });
