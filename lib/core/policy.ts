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
  | 'not-loopback'    // a specific address outside 127.0.0.0/8 and ::1
  | 'wildcard'        // 0.0.0.0 without opt-in, or an unspecified address
  | 'dual-stack'      // '::' would be a dual-stack socket, where the fast path has crashed Windows
  | 'ipv4-mapped'     // ::ffff:127.x needs a dual-stack socket, see above
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
  | { action: 'attempt'; family: 4 | 6; knownIssue?: string } // knownIssue: attempted only by explicit opt-in
  | { action: 'skip'; reason: SkipReason };

/** What the process looks like to the policy. */
export interface PolicyEnv {
  platform: string;
  disabled: boolean;
  /** The Windows build number (third part of `os.release()`); undefined off Windows or when unknown. */
  windowsBuild?: number;
  /** FASTNET_ALLOW_KNOWN_ISSUES: attempt even on a build with a known crash. */
  allowKnownIssues?: boolean;
  /** A seam of Node's stopped behaving as fastnet assumes (failClosed()): nothing is attempted any more. */
  nodeChanged?: boolean;
}

/** Per-server or per-connection policy flags. */
export interface PolicyOptions {
  /** `true` also opts an IPv4 wildcard (0.0.0.0) listener in; `false` opts out. */
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
  if (!address || typeof address !== 'string') return { action: 'skip', reason: role === 'server' ? 'dual-stack' : 'not-loopback' };
  const family = loopbackFamily(address);
  if (family !== 0) return { action: 'attempt', family };
  if (role === 'server' && address === '0.0.0.0') {
    return options.loopbackFastPath === true
      ? { action: 'attempt', family: 4 }
      : { action: 'skip', reason: 'wildcard' };
  }
  if (role === 'server' && isIPv6(address) && expandIPv6(address)?.every((g) => g === 0)) {
    return { action: 'skip', reason: 'dual-stack' };
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
  return env ??= { platform: currentPlatform(), disabled, ...(nodeChanged ? { nodeChanged } : {}), ...knownIssueEnv() };
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
