/**
 * FASTNET_SUMMARY: one summary at exit, on standard error, of what fastnet
 * did in this process: what took the fast path, what did not and why, and
 * what the user could change. Off unless asked for (env.ts's flag rule), so
 * that no process gets output or an 'exit' listener it did not ask for.
 */
import { envFlag } from './env.js';
import type { SkipReason } from './policy.js';
import type { FastPathStats } from './status.js';

/** What a user could do about each reason a socket or listener was skipped; absent where nothing is to be done. */
const HINTS: Partial<Record<SkipReason, string>> = {
  platform: 'fastnet is a pass-through on this platform: the fast path exists on Windows only',
  disabled: 'FASTNET_DISABLE (or setKillSwitch(true)) turned the fast path off',
  'opted-out': 'loopbackFastPath: false was set on these',
  'not-loopback': 'not towards, or not from, a loopback address: the fast path is loopback-only (nothing to change)',
  wildcard: 'a listener on 0.0.0.0 under FASTNET_LOOPBACK_BINDS_ONLY: unset it, or set loopbackFastPath: true',
  'dual-stack': 'a listener on :: (listen(port) with no host) under FASTNET_LOOPBACK_BINDS_ONLY: unset it',
  'ipv4-mapped': 'a client towards ::ffff:127.x: connect to 127.0.0.1 instead',
  pipe: 'a pipe, not TCP',
  fd: 'listen({ fd }): the socket was made elsewhere; listen on a port instead',
  'external-handle': 'a handle made elsewhere; listen or connect through net instead',
  cluster: 'a cluster worker whose primary does not run fastnet: preload fastnet/register in the primary too',
  'local-port': 'a host name with localPort and happy eyeballs: add localAddress, or connect to an IP address',
  'local-address': 'localAddress of the other IP family than the destination',
  'unsupported-option': "unsupportedOptions: 'throw' refused an unsupported option (noDelay, keepAlive, typeOfService)",
  'no-binding': 'the native binding did not load: run `npx fastnet doctor`',
  'known-issue': 'this Windows build has a known kernel crash with the fast path (docs/known-issues.md); '
    + 'FASTNET_ALLOW_KNOWN_ISSUES=1 overrides it, at your own risk',
  'bound-socket': "an adopter's loopbackFastPath contradicted what its net.BoundSocket did: give it the same option",
  'node-changed': 'this Node does not behave as fastnet assumes, so fastnet stopped attempting (a FASTNET_NODE_CHANGED '
    + 'warning says where): please report it with your Node version',
  untracked: 'made or moved past fastnet (a handle from another process, say)',
};

/** The summary's lines for `stats`. */
export function formatSummary(stats: FastPathStats, platform: string): string {
  const lines = [`fastnet summary (pid ${process.pid}, ${platform}):`];
  // Each happy-eyeballs attempt of a client is decided, and counted, on its own.
  lines.push(`  on the fast path: ${stats.applied} listener(s) and client connection attempt(s); `
    + `${stats.acceptedOnFastPath} accepted connection(s) from loopback peers`);
  if (stats.acceptedNotLoopback > 0) {
    lines.push(`  left to the OS as net leaves them: ${stats.acceptedNotLoopback} accepted connection(s) from non-loopback peers`);
  }
  if (stats.acceptedUndecided > 0) {
    lines.push(`  not decided: ${stats.acceptedUndecided} accepted connection(s) on 0.0.0.0 or :: whose peer was never needed `
      + 'or was gone when it was (left as net leaves them; on the fast path if the peer was loopback and opted in)');
  }
  if (stats.unsupported > 0) {
    lines.push(`  refused by the OS: ${stats.unsupported} (this Windows, a layered provider, or Wine does not support the ioctl)`);
  }
  if (stats.failed > 0) lines.push(`  failed: ${stats.failed} (see fastPathStatus() of those sockets for the code)`);
  const reasons = Object.entries(stats.skippedBy).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  if (reasons.length > 0) {
    lines.push(`  skipped: ${stats.skipped}`);
    for (const [reason, n] of reasons) {
      const hint = HINTS[reason as SkipReason];
      lines.push(`    ${reason} ${n}${hint ? `: ${hint}` : ''}`);
    }
  }
  if (stats.ignoredOptions > 0) {
    lines.push(`  options withheld from fast-path sockets: ${stats.ignoredOptions} (noDelay/keepAlive/typeOfService are not supported there)`);
  }
  return lines.join('\n');
}

let armed = false;

/** With FASTNET_SUMMARY on, print the summary when the process exits (once per process, whichever copy of fastnet). */
export function summaryAtExit(stats: () => FastPathStats, platform: () => string): void {
  if (armed || !envFlag('FASTNET_SUMMARY')) return;
  const g = globalThis as Record<symbol, unknown>;
  const key = Symbol.for('fastnet.v1.summary');
  if (g[key]) return;
  g[key] = true;
  armed = true;
  process.once('exit', () => process.stderr.write(`${formatSummary(stats(), platform())}\n`));
}
