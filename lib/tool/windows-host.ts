/**
 * What `fastnet doctor` shows about this host's loopback: the Windows build
 * and edition, the loopback settings `netsh` reports (Windows Server 2019 and
 * later have their own loopback tuning), and the known-issue entries that
 * match. Nothing here throws: a field that cannot be read stays unknown (null).
 */
import { execFile } from 'node:child_process';
import * as os from 'node:os';
import { allowKnownIssuesFromEnv, knownIssuesFor, parseWindowsBuild, type KnownIssue } from '../core/known-issues.js';

/** The command whose output is parsed; Windows Server 2019 and later list loopback settings in it. */
export const NETSH_ARGS: readonly string[] = Object.freeze(['interface', 'ipv4', 'show', 'global']);
const NETSH_TIMEOUT_MS = 5000;

/** The loopback lines of `netsh interface ipv4 show global`, parsed. */
export interface LoopbackFields {
  /** `Loopback Execution Mode`: adaptive, inline or worker. */
  executionMode: string | null;
  /** `Loopback Worker Queue Depth`. */
  workerQueueDepth: number | null;
  /** `Loopback Large Mtu`: enabled or disabled. */
  largeMtu: string | null;
  /** Every line whose label starts with "Loopback", as printed (label → value). */
  all: Record<string, string>;
}

/** What running netsh gave. */
export interface NetshResult {
  command: string;
  /** Whether netsh started and ended on its own (any exit code). */
  ran: boolean;
  exitCode: number | null;
  /** Why it did not run or did not succeed; null when it exited with 0. */
  error: string | null;
  /** stdout as printed, for `--json`. */
  raw: string;
}

/** The host section of the doctor report. */
export interface HostReport {
  /** null off Windows. */
  windows: { release: string; build: number | null; edition: string | null } | null;
  /** null off Windows. */
  loopback: (LoopbackFields & { netsh: NetshResult }) | null;
  knownIssues: KnownIssue[];
  /** FASTNET_ALLOW_KNOWN_ISSUES is set. */
  allowKnownIssues: boolean;
}

/** Runs a program and reports; never rejects. Injected by tests. */
export type Runner = (file: string, args: readonly string[]) => Promise<NetshResult>;

/**
 * Parse `netsh interface ipv4 show global` output. Tolerates missing lines,
 * empty output, CRLF and any other text (localized Windows prints other
 * labels: those fields stay null).
 */
export function parseNetshGlobal(text: string): LoopbackFields {
  const all: Record<string, string> = {};
  for (const line of String(text ?? '').split(/\r?\n/)) {
    const m = /^\s*(Loopback[^:]*?)\s*:\s*(.*?)\s*$/i.exec(line);
    if (m && !(m[1] in all)) all[m[1]] = m[2];
  }
  const field = (label: string): string | null => {
    const key = Object.keys(all).find((k) => k.toLowerCase() === label.toLowerCase());
    return key !== undefined && all[key] !== '' ? all[key] : null;
  };
  const depth = field('Loopback Worker Queue Depth');
  return {
    executionMode: field('Loopback Execution Mode'),
    workerQueueDepth: depth !== null && /^\d+$/.test(depth) ? Number(depth) : null,
    largeMtu: field('Loopback Large Mtu'),
    all,
  };
}

/** execFile with a timeout, as a NetshResult; never throws or rejects. */
export const runCommand: Runner = (file, args) => new Promise((resolve) => {
  const command = [file, ...args].join(' ');
  const done = (exitCode: number | null, error: string | null, raw: unknown) =>
    resolve({ command, ran: exitCode !== null, exitCode, error, raw: typeof raw === 'string' ? raw : '' });
  try {
    execFile(file, args as string[], { timeout: NETSH_TIMEOUT_MS, windowsHide: true, maxBuffer: 1 << 20 },
      (err, stdout) => {
        if (!err) return done(0, null, stdout);
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: string | number };
        if (e.killed) return done(null, `timed out after ${NETSH_TIMEOUT_MS / 1000} s`, stdout);
        if (typeof e.code === 'number') return done(e.code, `exited with code ${e.code}`, stdout);
        done(null, e.code === 'ENOENT' ? `${file} not found` : `${e.code ?? 'error'}: ${e.message}`, stdout);
      });
  } catch (err) {
    // Spawning can throw synchronously (for example under --permission).
    done(null, `${(err as NodeJS.ErrnoException).code ?? 'error'}: ${(err as Error).message}`, '');
  }
});

export interface InspectOptions {
  platform?: string;
  release?: string;
  version?: string;
  run?: Runner;
}

/** Inspect this host (or the one described by `options`, for tests). */
export async function inspectHost(options: InspectOptions = {}): Promise<HostReport> {
  const platform = options.platform ?? process.platform;
  const allowKnownIssues = allowKnownIssuesFromEnv();
  if (platform !== 'win32') return { windows: null, loopback: null, knownIssues: [], allowKnownIssues };
  const release = options.release ?? safe(() => os.release()) ?? '';
  const edition = options.version ?? safe(() => os.version()) ?? null;
  const build = parseWindowsBuild(release) ?? null;
  const netsh = await (options.run ?? runCommand)('netsh', NETSH_ARGS);
  return {
    windows: { release, build, edition: edition || null },
    loopback: { ...parseNetshGlobal(netsh.raw), netsh },
    knownIssues: knownIssuesFor(build ?? undefined),
    allowKnownIssues,
  };
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

/** The doctor's verdict: whether to use fastnet here, and why. */
export interface Verdict { use: 'yes' | 'no-gain' | 'not-available'; why: string }

/**
 * The verdict, with what the host says: on a build with a reproduced crash
 * fastnet skips the fast path unless overridden; other entries and the
 * build's own loopback tuning qualify it.
 */
export function hostVerdict(base: Verdict, host: HostReport): Verdict {
  const crash = host.knownIssues.find((k) => k.kind === 'kernel-crash');
  if (crash && !host.allowKnownIssues) {
    const skip = `fastnet skips the fast path on build ${host.windows?.build} by default: ${crash.short} `
      + `(${crash.references[0]}); loopbackFastPath: true or FASTNET_ALLOW_KNOWN_ISSUES=1 overrides this`;
    return { use: 'not-available', why: base.use === 'not-available' ? `${base.why}; also, ${skip}` : skip };
  }
  const notes: string[] = [];
  if (crash) notes.push(`FASTNET_ALLOW_KNOWN_ISSUES is set on a build where ${crash.short} (${crash.references[0]})`);
  for (const k of host.knownIssues.filter((i) => i.kind === 'caution')) {
    notes.push(`caution on build ${host.windows?.build}: ${k.short} (${k.references[0]})`);
  }
  if (base.use === 'no-gain' && host.loopback?.executionMode) {
    notes.push(`this build tunes ordinary loopback itself (Loopback Execution Mode ${host.loopback.executionMode}), `
      + 'and Microsoft says ordinary loopback has improved, so the fast path gives less');
  }
  return notes.length ? { use: base.use, why: `${base.why}; ${notes.join('; ')}` } : base;
}

const unknown = (v: unknown) => (v === null || v === undefined ? 'unknown' : String(v));

/** The host section of `fastnet doctor`'s text output, one string per line. */
export function formatHost(host: HostReport): string[] {
  if (!host.windows) return ['  windows       not Windows: no loopback settings or known issues apply'];
  const w = host.windows;
  const lines = [
    `  windows       release ${w.release || 'unknown'}, build ${unknown(w.build)}, edition ${unknown(w.edition)}`,
  ];
  const l = host.loopback!;
  const how = l.netsh.error ? `${l.netsh.command}: ${l.netsh.error}`
    : l.netsh.raw.trim() === '' ? `${l.netsh.command}: no output` : l.netsh.command;
  lines.push(`  loopback      execution mode ${unknown(l.executionMode)}, `
    + `worker queue depth ${unknown(l.workerQueueDepth)}, large MTU ${unknown(l.largeMtu)} (${how})`);
  if (host.knownIssues.length === 0) lines.push(`  known issues  none for build ${unknown(w.build)}`);
  for (const k of host.knownIssues) {
    const effect = k.kind === 'kernel-crash'
      ? host.allowKnownIssues ? 'fast path on: FASTNET_ALLOW_KNOWN_ISSUES is set' : 'fast path off unless opted in'
      : 'fast path attempted as usual';
    lines.push(`  known issue   ${k.windows}: ${k.short}; ${effect}; ${k.references.join(', ')}`);
  }
  return lines;
}
