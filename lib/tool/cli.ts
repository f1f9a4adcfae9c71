#!/usr/bin/env node
/**
 * `fastnet doctor` and `fastnet bench`.
 *   fastnet doctor [--json] [--duration S]
 *   fastnet bench [--json] [--duration S] [--only a,b] [--rounds N] [--full-plumbing] [--control] [--peer ADDRESS]
 */
import { isIP } from 'node:net';
import { runBench, SCENARIOS, type MetricResult } from './bench.js';
import { doctor, formatDoctor } from './doctor.js';
import { rememberRefusal } from '../core/native-socket.js';

const USAGE = `usage: fastnet doctor [--json] [--duration SECONDS]
       fastnet bench [--json] [--duration SECONDS] [--only ${SCENARIOS.map((s) => s.name).join(',')}] [--rounds N]
                     [--full-plumbing]   (where the OS refuses the ioctl: make and open a socket every time,
                                          instead of remembering the refusal as fastnet does by default)
                     [--control]         (net in fastnet's place: how far this machine's noise alone moves the ratios)
                     [--peer ADDRESS]    (accepts-dual-stack's clients connect from this non-loopback address of
                                          the machine, such as 192.0.2.1 on lo in a private network namespace)`;

class UsageError extends Error {
  code = 'ERR_FASTNET_USAGE';
}

interface Args {
  command: string; json: boolean; duration?: number; only?: string[]; rounds?: number; fullPlumbing?: boolean;
  control?: boolean; peer?: string;
}

export function parseArgs(argv: string[]): Args {
  const [command, ...rest] = argv;
  if (command !== 'doctor' && command !== 'bench') throw new UsageError(command ? `unknown command '${command}'` : 'no command');
  const args: Args = { command, json: false };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--json') args.json = true;
    else if (a === '--full-plumbing' && command === 'bench') args.fullPlumbing = true;
    else if (a === '--control' && command === 'bench') args.control = true;
    else if (a === '--duration') {
      const v = Number(value());
      if (!Number.isFinite(v) || v <= 0 || v > 3600) throw new UsageError('--duration must be a number of seconds between 0 and 3600');
      args.duration = v;
    } else if (a === '--rounds' && command === 'bench') {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 1 || v > 1000) throw new UsageError('--rounds must be an integer from 1 to 1000');
      args.rounds = v;
    } else if (a === '--only' && command === 'bench') {
      const names = value().split(',');
      const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
      if (unknown.length) throw new UsageError(`unknown scenario ${unknown.join(', ')}`);
      args.only = names;
    } else if (a === '--peer' && command === 'bench') {
      const v = value();
      if (!isIP(v) || isLoopbackish(v)) throw new UsageError('--peer must be an IP address of this machine that is not loopback');
      args.peer = v;
    } else throw new UsageError(`unknown option ${a}`);
  }
  return args;
}

function isLoopbackish(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1' || /^::ffff:127\./i.test(ip);
}

function table(results: MetricResult[], second = 'fastnet'): string {
  const rows = results.map((r) => [r.metric, `${r.net.toFixed(1)} ${r.unit}`, `${r.fastnet.toFixed(1)} ${r.unit}`,
    r.ratio.toFixed(3), `${r.ratioIqr[0].toFixed(3)}-${r.ratioIqr[1].toFixed(3)}`]);
  const head = ['metric', 'net (median)', `${second} (median)`, 'ratio', 'ratio IQR'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`fastnet: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  const progress = (m: string) => { if (process.stderr.isTTY || !args.json) process.stderr.write(`  … ${m}\n`); };
  if (args.command === 'doctor') {
    const report = await doctor(args.duration ?? 4, progress);
    process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDoctor(report)}\n`);
    return 0;
  }
  if (args.fullPlumbing) rememberRefusal(false);
  const started = Date.now();
  const results = await runBench({
    duration: args.duration ?? 30, only: args.only, rounds: args.rounds, control: args.control, peer: args.peer,
    onProgress: progress,
  });
  const meta = {
    platform: process.platform, arch: process.arch, node: process.version,
    durationSeconds: (Date.now() - started) / 1000, refusalRemembered: rememberRefusal(),
    control: Boolean(args.control), peer: args.peer ?? null,
    note: args.control ? 'control run: net in both columns, so any ratio away from 1 is noise' : 'ratio > 1 means fastnet did better',
  };
  const [title, second] = args.control
    ? ['fastnet bench --control: net vs net', 'net again'] as const
    : ['fastnet bench: net vs fastnet', 'fastnet'] as const;
  const reading = args.control ? 'any ratio away from 1 is noise' : 'ratio > 1: fastnet better';
  if (args.json) process.stdout.write(`${JSON.stringify({ meta, results }, null, 2)}\n`);
  else process.stdout.write(`${title} on loopback, same run, alternating rounds (${reading})\n${table(results, second)}\n`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err) => {
    process.stderr.write(`fastnet: ${(err as Error).stack ?? err}\n`);
    process.exitCode = 1;
  });
}
