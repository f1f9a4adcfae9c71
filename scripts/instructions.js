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
//   node scripts/instructions.js [--n1 4000] [--n2 10000] [--variants net,fastnet,passthrough]
//
// net: net.connect. fastnet: fastnet.connect on the simulated Windows path,
// ioctl applied (the POSIX twin, ioctl stubbed). passthrough: fastnet.connect
// on this (non-Windows) host, where it only wraps net.
// Needs valgrind and a built binding (npm start).
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');

function child(variant, n) {
  const net = require('node:net');
  const fastnet = require(root);
  if (variant === 'fastnet') {
    const testing = fastnet[Symbol.for('fastnet.testing')];
    testing.setPlatform('win32');
    const { binding } = require(path.join(root, 'dist', 'binding.js')).chooseBinding();
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

function count(variant, n) {
  // callgrind reports its totals on stderr.
  const r = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null',
    process.execPath, '--single-threaded', '--v8-pool-size=0', __filename, '--child', variant, String(n)],
  { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.error) throw r.error;
  const m = /Collected\s*:\s*(\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no instruction count from callgrind for ${variant} ${n}`);
  return Number(m[1]);
}

function main(argv) {
  const opt = (name, dflt) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : dflt; };
  const n1 = Number(opt('--n1', 4000));
  const n2 = Number(opt('--n2', 10000));
  const variants = opt('--variants', 'net,fastnet,passthrough').split(',');
  if (!(n2 > n1 && n1 >= 0)) throw new Error('--n2 must be greater than --n1');
  const unknown = variants.filter((v) => !['net', 'fastnet', 'passthrough'].includes(v));
  if (unknown.length) throw new Error(`unknown variant ${unknown.join(', ')} (net, fastnet, passthrough)`);
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
