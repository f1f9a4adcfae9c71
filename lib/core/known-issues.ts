/**
 * What is publicly known about the fast path on particular Windows builds,
 * and the process-wide facts the policy needs about it: this host's Windows
 * build and the FASTNET_ALLOW_KNOWN_ISSUES override. The table is data; the
 * decision that uses it stays in policy.ts (pure).
 */
import * as os from 'node:os';
import { envFlag } from './env.js';

/**
 * `kernel-crash`: a crash was reproduced on this build; fastnet skips the
 * fast path there unless explicitly asked for it. `caution`: a public report
 * without a reproduction; fastnet attempts as usual and `doctor` shows it.
 */
export type KnownIssueKind = 'kernel-crash' | 'caution';

/** One entry of the table. */
export interface KnownIssue {
  /** Stable identifier, used in warnings and in `doctor --json`. */
  id: string;
  /** Windows build numbers (the third part of `os.release()`), inclusive. */
  builds: { from: number; to: number };
  /** The Windows releases that carry these builds. */
  windows: string;
  kind: KnownIssueKind;
  /** What happened, in one or two sentences. */
  what: string;
  /** The same in a few words, for warnings and the verdict line. */
  short: string;
  /** Public references, most direct first. */
  references: readonly string[];
}

/** The table. Each entry is sourced from the public threads it cites. */
export const KNOWN_ISSUES: readonly KnownIssue[] = Object.freeze([
  Object.freeze({
    id: 'ws2016-bugcheck',
    builds: Object.freeze({ from: 14393, to: 14393 }),
    windows: 'Windows Server 2016 and Windows 10 1607 (build 14393)',
    kind: 'kernel-crash' as const,
    what: 'Blue screens on Windows Server 2016 machines running gRPC with the fast path on. Microsoft\'s security '
      + 'team reproduced the crash from the reporter\'s sample (MSRC case 51262), rated it a local denial of '
      + 'service and advised to stop using the ioctl; gRPC reverted the fast path.',
    short: 'Microsoft reproduced a kernel crash (blue screen) with it, MSRC case 51262',
    references: Object.freeze([
      'https://github.com/grpc/grpc/issues/18057',
      'https://github.com/grpc/grpc/pull/18834',
      'https://github.com/grpc/grpc/pull/18846',
    ]),
  }),
  Object.freeze({
    id: 'ws2019-system-cpu',
    builds: Object.freeze({ from: 17763, to: 17763 }),
    windows: 'Windows Server 2019 and Windows 10 1809 (build 17763)',
    kind: 'caution' as const,
    what: 'High CPU in the System process after an upgrade from Server 2016 to Server 2019, which Windows Server '
      + 'support engineers attributed to the fast path in tcp.sys (a user report, not a reproduction). '
      + 'Pipelines.Sockets.Unofficial, the socket layer under StackExchange.Redis, removed the fast path.',
    short: 'high CPU in the System process was reported with it',
    references: Object.freeze([
      'https://github.com/mgravell/Pipelines.Sockets.Unofficial/issues/58',
      'https://github.com/mgravell/Pipelines.Sockets.Unofficial/pull/59',
    ]),
  }),
]);

/** The build number from an `os.release()` string such as '10.0.14393'; undefined if it has none. */
export function parseWindowsBuild(release: string | null | undefined): number | undefined {
  const m = /^\d+\.\d+\.(\d+)/.exec(release ?? '');
  return m ? Number(m[1]) : undefined;
}

/** The entries whose build range holds `build`. */
export function knownIssuesFor(build: number | undefined): KnownIssue[] {
  if (build === undefined) return [];
  return KNOWN_ISSUES.filter((k) => build >= k.builds.from && build <= k.builds.to);
}

/** The entry with a reproduced kernel crash on `build`, if any. */
export function crashIssueFor(build: number | undefined): KnownIssue | undefined {
  // Runs for every decision on Windows: a plain loop, no allocation.
  if (build === undefined) return undefined;
  for (const k of KNOWN_ISSUES) {
    if (k.kind === 'kernel-crash' && build >= k.builds.from && build <= k.builds.to) return k;
  }
  return undefined;
}

/** FASTNET_ALLOW_KNOWN_ISSUES on (env.ts: any value but '', '0' or 'false'). */
export function allowKnownIssuesFromEnv(): boolean {
  return envFlag('FASTNET_ALLOW_KNOWN_ISSUES');
}

/** The policy's view of this host, for `currentEnv()`. */
export interface KnownIssueEnv {
  windowsBuild?: number;
  allowKnownIssues: boolean;
}

let releaseOverride: string | null | undefined;
let cached: KnownIssueEnv | undefined;
const warned = new Set<string>();

/**
 * This host's Windows build and the override, read once per process: the
 * build cannot change while we run, and a decision must stay cheap.
 */
export function knownIssueEnv(): KnownIssueEnv {
  if (!cached) {
    const real = process.platform === 'win32' ? os.release() : null;
    const release = releaseOverride !== undefined ? releaseOverride : real;
    const windowsBuild = parseWindowsBuild(release);
    cached = windowsBuild === undefined
      ? { allowKnownIssues: allowKnownIssuesFromEnv() }
      : { windowsBuild, allowKnownIssues: allowKnownIssuesFromEnv() };
  }
  return cached;
}

/**
 * Tests: act as if `os.release()` were `release` (null: no Windows build);
 * `undefined` goes back to the real host. Also re-reads
 * FASTNET_ALLOW_KNOWN_ISSUES and resets the once-per-process warning.
 */
export function setWindowsReleaseForTesting(release: string | null | undefined): void {
  releaseOverride = release;
  cached = undefined;
  warned.clear();
}

/**
 * Called when fastnet attempts the fast path on a build with a known crash
 * (only an explicit opt-in gets it there). Warns once per process.
 */
export function warnKnownIssue(id: string): void {
  if (warned.has(id)) return;
  warned.add(id);
  const issue = KNOWN_ISSUES.find((k) => k.id === id);
  if (!issue) return;
  process.emitWarning(
    `fastnet: the loopback fast path is on by explicit opt-in on ${issue.windows}, where ${issue.short} `
      + `(${issue.references[0]}). Without loopbackFastPath: true or FASTNET_ALLOW_KNOWN_ISSUES=1, fastnet `
      + 'skips it on this build.',
    { type: 'FastnetWarning', code: 'FASTNET_KNOWN_ISSUE' });
}
