#!/usr/bin/env node
'use strict';
// User-space instructions per client connection, counted by valgrind's
// callgrind: sequential connects from one process to a plain-net server in
// the same process, the count at N2 connections minus the count at N1,
// divided by N2 - N1. Steadier than wall-clock figures, but only once V8 has
// finished optimizing: below a few thousand connections the difference still
// holds TurboFan compiling, which fastnet (more functions to optimize) makes
// look several percent dearer than it is. V8's helper threads are off so that
// all of it is counted on one thread.
//
//   node scripts/tiers/instructions.js [--n1 4000] [--n2 10000] [--variants net,fastnet,passthrough]
//   node scripts/tiers/instructions.js --by-function [--variants net,fastnet] [--n1 4000] [--n2 10000] [--top 30]
//
// --by-function: two variants (net and fastnet unless named) once each, with
// `node --perf-basic-prof` so that JIT code can be named from
// /tmp/perf-PID.map, and the functions whose per-connection share differs
// most between them, the second minus the first (callgrind_annotate's
// per-function totals, self cost).
//
// V8's hash and random seeds are fixed: V8 picks its hash seed at start-up by
// a search of random length, which otherwise showed up as thousands of
// instructions "per connection" in one variant or the other.
//
// net: net.connect. fastnet: fastnet.connect on the simulated Windows path,
// ioctl applied (the POSIX twin, ioctl stubbed). passthrough: fastnet.connect
// on this (non-Windows) host, where it only wraps net.
// Needs valgrind and a built binding (npm start).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');

const root = path.join(__dirname, '..', '..');

function child(variant, n) {
  const net = require('node:net');
  const fastnet = require(root);
  if (variant === 'fastnet') {
    const testing = fastnet[Symbol.for('fastnet.testing')];
    testing.setPlatform('win32');
    const { binding } = require(path.join(root, 'dist', 'core', 'binding.js')).chooseBinding();
    testing.setBinding({ ...binding, enableLoopbackFastPath: () => 0 });
  }
  const impl = variant === 'net' ? net : fastnet;
  const server = net.createServer((s) => s.end());
  server.listen(0, '127.0.0.1', async () => {
    const { port } = server.address();
    for (let i = 0; i < n; i++) {
      await new Promise((resolve, reject) => {
        const s = impl.connect({ port, host: '127.0.0.1' }, () => s.end());
        s.on('error', reject).on('close', resolve).resume();
      });
    }
    server.close();
  });
}

function callgrind(outFile, nodeFlags, variant, n) {
  const r = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${outFile}`,
    process.execPath, '--single-threaded', '--v8-pool-size=0', '--hash-seed=1', '--random-seed=1', ...nodeFlags, __filename, '--child', variant, String(n)],
  { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.error) throw r.error;
  return r;
}

function count(variant, n) {
  // callgrind reports its totals on stderr.
  const r = callgrind('/dev/null', [], variant, n);
  const m = /Collected\s*:\s*(\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no instruction count from callgrind for ${variant} ${n}`);
  return Number(m[1]);
}

/** Self cost per function of one run, JIT code named through V8's perf map. */
function functionCosts(variant, n, dir) {
  const out = path.join(dir, `${variant}.${n}.cg`);
  callgrind(out, ['--perf-basic-prof'], variant, n);
  const pid = /^pid:\s*(\d+)/m.exec(fs.readFileSync(out, 'utf8'))[1];
  const mapFile = `/tmp/perf-${pid}.map`;
  const jit = fs.readFileSync(mapFile, 'utf8').split('\n').filter(Boolean).map((line) => {
    const [start, size, ...name] = line.split(' ');
    return { start: parseInt(start, 16), end: parseInt(start, 16) + parseInt(size, 16), name: name.join(' ') };
  }).sort((a, b) => a.start - b.start);
  fs.rmSync(mapFile, { force: true });
  const named = (address) => {
    let lo = 0;
    let hi = jit.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (jit[mid].end <= address) lo = mid + 1;
      else if (jit[mid].start > address) hi = mid - 1;
      else return `JS ${jit[mid].name.replace(/^(JS|LazyCompile|Function):[~^*+]?/, '')}`;
    }
    return 'JIT code (unnamed)';
  };
  const annotated = spawnSync('callgrind_annotate', ['--threshold=100', out], { encoding: 'utf8' }).stdout;
  const costs = new Map();
  for (const line of annotated.split('\n')) {
    const m = /^\s*([\d,]+)\s+\([\s\d.]+%\)\s+(.*)$/.exec(line);
    if (!m || m[2].startsWith('PROGRAM TOTALS')) continue;
    const unknown = /^\?\?\?:0x([0-9a-f]+) \[\?\?\?\]$/.exec(m[2].trim());
    const name = unknown ? named(parseInt(unknown[1], 16)) : m[2].trim();
    costs.set(name, (costs.get(name) ?? 0) + Number(m[1].replace(/,/g, '')));
  }
  return costs;
}

function byFunction(n1, n2, top, [base, other]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fastnet-instructions-'));
  try {
    const share = {};
    for (const v of [base, other]) {
      const a = functionCosts(v, n1, dir);
      const b = functionCosts(v, n2, dir);
      share[v] = new Map([...new Set([...a.keys(), ...b.keys()])].map((k) => [k, ((b.get(k) ?? 0) - (a.get(k) ?? 0)) / (n2 - n1)]));
    }
    const names = new Set([...share[base].keys(), ...share[other].keys()]);
    const rows = [...names].map((k) => [k, (share[other].get(k) ?? 0) - (share[base].get(k) ?? 0)])
      .sort((x, y) => Math.abs(y[1]) - Math.abs(x[1]));
    const total = rows.reduce((t, r) => t + r[1], 0);
    process.stdout.write(`${other} minus ${base}, instructions per connection (self cost; ${Math.round(total)} in all):\n`);
    for (const [name, d] of rows.slice(0, top)) process.stdout.write(`${Math.round(d).toString().padStart(7)}  ${name.slice(0, 120)}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function main(argv) {
  const { values: args } = parseArgs({
    args: argv,
    options: {
      n1: { type: 'string', default: '4000' },
      n2: { type: 'string', default: '10000' },
      variants: { type: 'string' },
      'by-function': { type: 'boolean', default: false },
      top: { type: 'string', default: '30' },
    },
  });
  const n1 = Number(args.n1);
  const n2 = Number(args.n2);
  const byFn = args['by-function'];
  const variants = (args.variants ?? (byFn ? 'net,fastnet' : 'net,fastnet,passthrough')).split(',');
  if (!(n2 > n1 && n1 >= 0)) throw new Error('--n2 must be greater than --n1');
  const unknown = variants.filter((v) => !['net', 'fastnet', 'passthrough'].includes(v));
  if (unknown.length) throw new Error(`unknown variant ${unknown.join(', ')} (net, fastnet, passthrough)`);
  if (byFn) {
    if (variants.length !== 2) throw new Error('--by-function compares two variants: --variants A,B (B minus A)');
    return byFunction(n1, n2, Number(args.top), variants);
  }
  const results = {};
  for (const v of variants) {
    results[v] = Math.round((count(v, n2) - count(v, n1)) / (n2 - n1));
    process.stdout.write(`${v.padEnd(12)} ${results[v]} instructions per connection\n`);
  }
  if (results.net) {
    for (const v of variants.filter((x) => x !== 'net')) {
      process.stdout.write(`${v} vs net: ${results[v] - results.net >= 0 ? '+' : ''}${results[v] - results.net} (${((results[v] / results.net - 1) * 100).toFixed(1)}%)\n`);
    }
  }
}

if (process.argv[2] === '--child') child(process.argv[3], Number(process.argv[4]));
else main(process.argv.slice(2));
