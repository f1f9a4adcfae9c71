/**
 * The one place that decides whether a socket gets the loopback fast path,
 * and why not. Pure: everything it depends on comes in through arguments.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { envFlag } from './env.js';
import { crashIssueFor, knownIssueEnv } from './known-issues.js';

export type Role = 'server' | 'client';

/** Why a socket did not get the fast path. */
export type SkipReason =
  | 'platform'        // not Windows
  | 'disabled'        // FASTNET_DISABLE is set
  | 'opted-out'       // loopbackFastPath: false
  | 'pipe'            // a named pipe / Unix socket, not TCP
  | 'not-loopback'    // a specific address outside 127.0.0.0/8 and ::1; for an accepted socket, its peer
  | 'wildcard'        // 0.0.0.0 under FASTNET_LOOPBACK_BINDS_ONLY without opt-in, or no address at all
  | 'dual-stack'      // '::' under FASTNET_LOOPBACK_BINDS_ONLY
  | 'ipv4-mapped'     // a client towards ::ffff:127.x (a dual-stack socket), or a listener bound to one
  | 'fd'              // listen({ fd }): the socket is not ours
  | 'external-handle' // listen(handle) or a handle from elsewhere
  | 'cluster'         // a cluster worker listens on its primary's handle
  | 'bound-socket'    // the adopter's loopbackFastPath contradicts what its net.BoundSocket did (ERR_FASTNET_BOUND_OPTION)
  | 'local-port'      // a host name with localPort and happy eyeballs: Node binds before the attempt
  | 'local-address'   // localAddress of the other family: Node's bind fails, exactly as with net
  | 'unsupported-option' // unsupportedOptions: 'throw' and an unsupported option was requested
  | 'no-binding'      // the native binding could not be loaded
  | 'known-issue'     // a Windows build with a reproduced kernel crash (lib/core/known-issues.ts), no explicit opt-in
  | 'node-changed'    // a seam of Node's that fastnet relies on stopped behaving as assumed: fastnet failed closed (FASTNET_NODE_CHANGED)
  | 'untracked';      // fastnet never saw this object (not made or connected through fastnet)

export type Decision =
  // knownIssue: attempted only by explicit opt-in. unspecified: a listener on 0.0.0.0 or ::, whose
  // peers are decided one by one as they are accepted (loopbackPeer), and whose IPv6 socket is bound as Node binds it.
  | { action: 'attempt'; family: 4 | 6; knownIssue?: string; unspecified?: true }
  | { action: 'skip'; reason: SkipReason };

/** What the process looks like to the policy. */
export interface PolicyEnv {
  platform: string;
  disabled: boolean;
  /** The Windows build number (third part of `os.release()`); undefined off Windows or when unknown. */
  windowsBuild?: number;
  /** FASTNET_ALLOW_KNOWN_ISSUES: attempt even on a build with a known crash. */
  allowKnownIssues?: boolean;
  /** FASTNET_LOOPBACK_BINDS_ONLY: listeners on 0.0.0.0 / :: are left alone (0.0.0.0 still by opt-in). */
  loopbackBindsOnly?: boolean;
  /** A seam of Node's stopped behaving as fastnet assumes (failClosed()): nothing is attempted any more. */
  nodeChanged?: boolean;
}

/** Per-server or per-connection policy flags. */
export interface PolicyOptions {
  /** `false` opts out; `true` also opts a 0.0.0.0 listener in under FASTNET_LOOPBACK_BINDS_ONLY, and a known-issue build. */
  loopbackFastPath?: boolean;
}

/** 4 for 127.0.0.0/8, 6 for ::1, 0 otherwise. IPv4-mapped addresses are not loopback here. */
export function loopbackFamily(address: string): 0 | 4 | 6 {
  if (isIPv4(address)) return address.startsWith('127.') ? 4 : 0;
  if (isIPv6(address)) {
    const g = expandIPv6(address);
    return g !== null && g.slice(0, 7).every((x) => x === 0) && g[7] === 1 ? 6 : 0;
  }
  return 0;
}

/** The eight groups of a plain IPv6 address; null for zoned or dotted forms. */
function expandIPv6(address: string): number[] | null {
  if (/[.%]/.test(address)) return null;
  const [head, tail] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined ? (tail ? tail.split(':') : []) : [];
  if (tail === undefined && h.length !== 8) return null;
  const fill = 8 - h.length - t.length;
  if (fill < 0) return null;
  return [...h, ...Array(tail === undefined ? 0 : fill).fill('0'), ...t].map((g) => parseInt(g, 16));
}

function isIPv4Mapped(address: string): boolean {
  return isIPv6(address) && /^::ffff:/i.test(address);
}

/**
 * Whether an accepted connection's peer is on the loopback path: 127.0.0.0/8,
 * ::1, or on a dual-stack listener an IPv4 loopback peer as Node reports it
 * (::ffff:127.x.x.x). Only these are fast-path connections; any other peer
 * is left exactly as net leaves it.
 */
export function loopbackPeer(address: string | undefined): boolean {
  if (typeof address !== 'string') return false;
  if (isIPv4(address)) return address.startsWith('127.');
  if (!isIPv6(address)) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return mapped[1].startsWith('127.');
  const g = expandIPv6(address);
  if (g === null || !g.slice(0, 5).every((x) => x === 0)) return false;
  return (g[5] === 0 && g[6] === 0 && g[7] === 1) || (g[5] === 0xffff && g[6] >> 8 === 127);
}

/**
 * loopbackPeer() for an address as Node's getpeername gives it: canonical
 * (inet_ntop: 127.x dotted, `::1`, `::ffff:127.x` dotted), so string tests
 * suffice. It runs once per accepted connection on a listener on 0.0.0.0 or
 * ::, where the address parsing of loopbackPeer() cost measurably.
 */
export function canonicalLoopbackPeer(address: string | undefined): boolean {
  return address !== undefined && (address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.'));
}

function unspecified(address: string): boolean {
  return address === '0.0.0.0' || (isIPv6(address) && expandIPv6(address)?.every((g) => g === 0) === true);
}

/**
 * Decide for one socket. `address` is the resolved IP the socket binds to
 * (server) or connects to (client); null/undefined/'' means unspecified.
 */
export function decide(role: Role, address: string | null | undefined,
  options: PolicyOptions, env: PolicyEnv): Decision {
  const decision = decideByAddress(role, address, options, env);
  if (decision.action === 'skip') return decision;
  // Where Microsoft reproduced a kernel crash, only an explicit opt-in attempts.
  const issue = crashIssueFor(env.windowsBuild);
  if (!issue) return decision;
  if (options.loopbackFastPath === true || env.allowKnownIssues) return { ...decision, knownIssue: issue.id };
  return { action: 'skip', reason: 'known-issue' };
}

function decideByAddress(role: Role, address: string | null | undefined,
  options: PolicyOptions, env: PolicyEnv): Decision {
  if (env.platform !== 'win32') return { action: 'skip', reason: 'platform' };
  if (env.disabled) return { action: 'skip', reason: 'disabled' };
  if (env.nodeChanged) return { action: 'skip', reason: 'node-changed' };
  if (options.loopbackFastPath === false) return { action: 'skip', reason: 'opted-out' };
  // Node 20 lets a non-string host (an array) through to the connection attempt.
  if (!address || typeof address !== 'string') return { action: 'skip', reason: role === 'server' ? 'wildcard' : 'not-loopback' };
  const family = loopbackFamily(address);
  if (family !== 0) return { action: 'attempt', family };
  if (role === 'server' && unspecified(address)) {
    const v4 = address === '0.0.0.0';
    // Each accepted peer is decided as it comes: the ioctl has no effect on a non-loopback path (Microsoft's page).
    if (!env.loopbackBindsOnly) return { action: 'attempt', family: v4 ? 4 : 6, unspecified: true };
    if (v4 && options.loopbackFastPath === true) return { action: 'attempt', family: 4, unspecified: true };
    return { action: 'skip', reason: v4 ? 'wildcard' : 'dual-stack' };
  }
  if (isIPv4Mapped(address)) return { action: 'skip', reason: 'ipv4-mapped' };
  return { action: 'skip', reason: 'not-loopback' };
}

let platformOverride: string | undefined;
let env: PolicyEnv | undefined;

/** Tests run the Windows path on other hosts by injecting the platform. */
export function setPlatformForTesting(platform: string | undefined): void {
  platformOverride = platform;
  env = undefined;
}

/** The platform fastnet acts for: the real one unless a test injected another. */
export function currentPlatform(): string {
  return platformOverride ?? process.platform;
}

// Read once: process.env is slow to read (on Windows especially), and the
// decision runs for every connection.
let disabled = envDisabled();
let loopbackBindsOnly = envFlag('FASTNET_LOOPBACK_BINDS_ONLY');

/** Tests set FASTNET_LOOPBACK_BINDS_ONLY at run time (`undefined` re-reads the environment). */
export function setLoopbackBindsOnlyForTesting(on: boolean | undefined): void {
  loopbackBindsOnly = on ?? envFlag('FASTNET_LOOPBACK_BINDS_ONLY');
  env = undefined;
}

function envDisabled(): boolean {
  return envFlag('FASTNET_DISABLE');
}

/** The kill switch: FASTNET_DISABLE on (env.ts: any value but '', '0' or 'false') when fastnet loaded, or setKillSwitch(). */
export function killSwitchOn(): boolean {
  return disabled;
}

/**
 * Turn the kill switch on or off at run time; `undefined` re-reads
 * FASTNET_DISABLE. It applies to servers and connections set up from now on.
 */
export function setKillSwitch(on: boolean | undefined): void {
  disabled = on ?? envDisabled();
  env = undefined;
}

/** Forget the cached environment (a test changed the Windows release it reports). */
export function refreshEnv(): void {
  env = undefined;
}

export function currentEnv(): PolicyEnv {
  return env ??= {
    platform: currentPlatform(), disabled, loopbackBindsOnly, ...(nodeChanged ? { nodeChanged } : {}), ...knownIssueEnv(),
  };
}

let nodeChanged = false;

/**
 * A seam of Node's that fastnet relies on (the `dns.lookup` route of a
 * listener with a host, the bind of a listener, `_listeningId`, the owner
 * symbol of an accepted handle) did not behave as assumed: a fast-path
 * socket could go unguarded, or a listener fastnet meant to decide could come
 * up without it. Fail closed: nothing is attempted from now on in this
 * process (status: skipped, 'node-changed'), and one warning says which seam.
 */
export function failClosed(seam: string): void {
  if (nodeChanged) return;
  nodeChanged = true;
  env = undefined;
  process.emitWarning(
    `fastnet: ${seam}; this Node does not behave as fastnet assumes. fastnet no longer attempts the loopback `
      + "fast path in this process (status: skipped, reason 'node-changed'). Please report it with your Node version.",
    { type: 'FastnetWarning', code: 'FASTNET_NODE_CHANGED' });
}
