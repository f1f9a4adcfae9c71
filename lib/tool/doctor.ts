/**
 * `fastnet doctor`: can the fast path work on this machine, and does it help?
 */
import { bindingReport, currentArch, native, type PassedOver } from '../core/binding.js';
import { runBench, type MetricResult } from './bench.js';
import { attempt } from '../core/native-socket.js';
import { crashIssueFor } from '../core/known-issues.js';
import { currentEnv, currentPlatform, decide, killSwitchOn, type PolicyEnv, type SkipReason } from '../core/policy.js';
import { formatHost, hostVerdict, inspectHost, type HostReport, type Verdict } from './windows-host.js';

export interface ProbeResult {
  state: 'applied' | 'unsupported' | 'failed' | 'not-attempted';
  code?: string;
  errno?: number;
  reason?: string;
  /** The known issue (lib/core/known-issues.ts) that kept the probe from attempting, or under which it attempted by opt-in. */
  knownIssue?: string;
}

/**
 * The ioctl on a throwaway socket (never connected, closed at once), attempted
 * only where the policy would attempt it for a loopback listener with no
 * options: the probe must not do what fastnet itself would not (on a build
 * with a reproduced kernel crash, above all).
 */
export function probe(env: PolicyEnv = currentEnv()): ProbeResult {
  const decision = decide('server', '127.0.0.1', {}, env);
  if (decision.action === 'skip') return notAttempted(decision.reason, env);
  const n = native();
  if (!n) return { state: 'not-attempted', reason: 'native binding not loaded' };
  // The hooks' own attempt, with nothing remembered; the socket is closed at once.
  const { sock, status } = attempt(n, decision.family, false);
  if (sock >= 0) n.closeSocket(sock);
  const issue = decision.knownIssue ? { knownIssue: decision.knownIssue } : {};
  if (status.state === 'applied') return { state: 'applied', ...issue };
  if (status.state === 'unsupported' || status.state === 'failed') {
    return { state: status.state, code: status.code, errno: status.errno, ...issue };
  }
  return { state: 'not-attempted', reason: status.state };
}

function notAttempted(reason: SkipReason, env: PolicyEnv): ProbeResult {
  if (reason === 'platform') return { state: 'not-attempted', reason: 'not Windows' };
  if (reason === 'disabled') return { state: 'not-attempted', reason: 'FASTNET_DISABLE is set' };
  if (reason === 'known-issue') {
    const issue = crashIssueFor(env.windowsBuild)!;
    return {
      state: 'not-attempted', knownIssue: issue.id,
      reason: `not probed: known issue ${issue.id} on build ${env.windowsBuild}, where ${issue.short} `
        + `(${issue.references[0]}); FASTNET_ALLOW_KNOWN_ISSUES=1 allows it`,
    };
  }
  return { state: 'not-attempted', reason };
}

export interface DoctorReport {
  platform: string;
  arch: string;
  node: string;
  napi: string;
  /** Where the binding came from, the files passed over and why, or why there is none. */
  binding: { loaded: boolean; path?: string; kind?: string; passedOver?: PassedOver[]; error?: string };
  probe: ProbeResult;
  killSwitch: boolean;
  /** The host's Windows build, loopback settings and matching known issues (lib/tool/windows-host.ts). */
  host: HostReport;
  /** net against fastnet on loopback, same run; empty where no comparison applies (`passThrough` says why). */
  bench: MetricResult[];
  /** Why fastnet is plain net here, so that comparing the two would only measure noise; absent where it is not. */
  passThrough?: string;
  verdict: Verdict;
}

/** Gather the report; the short benchmark takes about `benchSeconds`. */
export async function doctor(benchSeconds = 4, onProgress?: (m: string) => void): Promise<DoctorReport> {
  const platform = currentPlatform();
  const binding = platform !== 'win32'
    ? { loaded: false, error: 'not needed on this platform (fastnet is a pass-through here)' }
    : bindingReport();
  const killSwitch = killSwitchOn();
  const p = probe();
  const host = await inspectHost();
  // Where fastnet runs net's own code, a ratio of the two is noise presented as a result: none is measured.
  const passThrough = platform !== 'win32' ? 'not Windows' : killSwitch ? 'FASTNET_DISABLE is set'
    : !binding.loaded ? 'no native binding loaded' : undefined;
  const bench = passThrough !== undefined ? []
    : await runBench({ duration: benchSeconds, only: ['connections', 'stream-64KiB'], rounds: 3, onProgress });
  return {
    platform, arch: currentArch(), node: process.version, napi: process.versions.napi ?? 'unknown',
    binding, probe: p, killSwitch, host, bench, ...(passThrough !== undefined ? { passThrough } : {}),
    verdict: hostVerdict(verdict(p, bench), host),
  };
}

function verdict(p: ProbeResult, bench: MetricResult[]): Verdict {
  if (p.state !== 'applied') {
    return { use: 'not-available', why: p.reason ?? `the OS refused the ioctl (${p.code})` };
  }
  const best = Math.max(...bench.map((b) => b.ratio));
  const gain = bench.filter((b) => b.ratioIqr[0] > 1.05);
  if (gain.length > 0) {
    return { use: 'yes', why: `fastnet measured better on ${gain.map((g) => `${g.metric} (x${g.ratio.toFixed(2)})`).join(', ')}` };
  }
  return { use: 'no-gain', why: `the ioctl is applied, but no gain was measured (best ratio ${best.toFixed(2)}); a WFP filter may force the slow path` };
}

/** The report as text. */
export function formatDoctor(r: DoctorReport): string {
  const lines = [
    'fastnet doctor',
    `  platform      ${r.platform}-${r.arch}, node ${r.node}, Node-API ${r.napi}`,
    `  binding       ${r.binding.loaded ? `loaded (${r.binding.kind}${r.binding.path ? `: ${r.binding.path}` : ''})` : `not loaded: ${r.binding.error}`}`,
    ...(r.binding.loaded ? (r.binding.passedOver ?? []).map((p) => `                passed over ${p.path}: ${p.reason}`) : []),
    `  ioctl probe   ${r.probe.state}${r.probe.code ? ` (${r.probe.code}${r.probe.errno !== undefined ? `, ${r.probe.errno}` : ''})` : ''}${r.probe.reason ? ` (${r.probe.reason})` : ''}`,
    `  kill switch   ${r.killSwitch ? 'FASTNET_DISABLE is set: fast path off' : 'off'}`,
    ...(r.passThrough !== undefined
      ? [`  net vs fastnet not compared: fastnet is a pass-through here (${r.passThrough}), running net's own code, so any ratio would be noise`]
      : ['  net vs fastnet on loopback, same run (ratio > 1: fastnet better; the range is the middle half of the rounds):',
        ...r.bench.map((b) => `    ${b.metric.padEnd(14)} net ${fmt(b.net)} ${b.unit}, fastnet ${fmt(b.fastnet)} ${b.unit}, `
          + `ratio ${b.ratio.toFixed(3)} (${b.ratioIqr[0].toFixed(3)}-${b.ratioIqr[1].toFixed(3)}, ${b.rounds} rounds)`)]),
    ...formatHost(r.host),
    `verdict: ${r.verdict.use === 'yes' ? 'use it' : r.verdict.use === 'no-gain' ? 'no gain measured' : 'not available here'}: ${r.verdict.why}`,
  ];
  return lines.join('\n');
}

function fmt(x: number): string {
  return x >= 100 ? x.toFixed(0) : x.toFixed(1);
}
