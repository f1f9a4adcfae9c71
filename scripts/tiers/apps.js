'use strict';
// Real apps and drivers, unmodified, with fastnet preloaded (transparent
// mode): PostgreSQL through pg (Client and Pool), MariaDB through mysql2,
// express with fetch and axios, socket.io. The cases are plain app code
// (test/apps/cases/); test/apps/observer.js watches every TCP connection and
// reads the fast-path status; test/apps/judge.js checks data, status and
// socket options. The database servers run on Linux, started once per run.
//
//   node scripts/tiers/apps.js                      plain net (the reference), then
//                                                   pass-through, simulated Windows with
//                                                   the ioctl refused, and with it applied
//   node scripts/tiers/apps.js --wine PATH/node.exe plain net and fastnet on node.exe under Wine
//                                                   (the servers stay on Linux, same loopback)
// Options: --cases pg,http  --modes passthrough,simulated-applied  --details (statuses and options per connection kind)
//          --no-preload   leave the preload out but expect its statuses (must fail)
//          --fault corrupt   change one byte of every large write (data checks must fail)
// One summary line per mode starts with "apps: ". Exit code 1 on any failure.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const servers = require('../../test/apps/servers');
const { judge, judgeStrays, markGaps, caseLine } = require('../../test/apps/judge');
const { ensurePackages } = require('./debian');

const root = path.join(__dirname, '..', '..');
const { values: args } = parseArgs({
  args: process.argv.slice(2),
  options: {
    cases: { type: 'string' },
    modes: { type: 'string' },
    wine: { type: 'string' },
    details: { type: 'boolean', default: false },
    'no-preload': { type: 'boolean', default: false },
    fault: { type: 'string' },
  },
});

const ALL_CASES = ['pg', 'mysql2', 'http', 'socketio'];
const cases = args.cases ? args.cases.split(',') : ALL_CASES;
const wineExe = args.wine ? path.resolve(args.wine) : null;
const noPreload = args['no-preload'];
const fault = args.fault;
if (fault !== undefined && fault !== 'corrupt') throw new Error('apps: --fault takes one value: corrupt');

const RUNNER = path.join(root, 'test', 'apps', 'run.js');
const PRELOAD = path.join(root, 'dist', 'register.js');
const SIMULATE = path.join(root, 'test', 'support', 'simulate.js');
const EOPNOTSUPP = os.constants.errno.EOPNOTSUPP;

/** The runs, in order. The first of each platform is plain net, the others' reference. */
const MODES = wineExe ? [
  { name: 'wine plain net', key: 'plain', expected: null },
  { name: 'wine', key: 'wine', preload: true, expected: { state: 'unsupported', code: 'WSAEOPNOTSUPP', errno: 10045 } },
] : [
  { name: 'plain net', key: 'plain', expected: null },
  { name: 'pass-through', key: 'passthrough', preload: true, expected: { state: 'skipped', reason: 'platform' } },
  { name: 'simulated-refused', key: 'simulated-refused', preload: true, simulate: {},
    expected: { state: 'unsupported', code: 'EOPNOTSUPP', errno: EOPNOTSUPP } },
  { name: 'simulated-applied', key: 'simulated-applied', preload: true, simulate: { FASTNET_TEST_BINDING: 'applied' },
    expected: { state: 'applied' } },
];

const secs = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** Node's arguments and the extra environment for one run. */
function runSpec(mode, serverEnv) {
  // Every connection runs fastnet's full plumbing: a refusal is not remembered.
  const env = { ...serverEnv, FASTNET_REMEMBER_REFUSAL: '0' };
  if (mode.expected) env.APPS_READ_STATUS = '1';
  if (fault) env.APPS_FAULT = fault;
  const preloads = [];
  if (mode.simulate) {
    preloads.push(SIMULATE);
    Object.assign(env, { FASTNET_TEST_SIMULATE: 'win32' }, mode.simulate);
  }
  if (mode.preload && !noPreload) preloads.push(PRELOAD);
  return { preloads, env };
}

/** Run test/apps/run.js on this host's node; resolves { code, output }. */
function runLinux(mode, serverEnv) {
  const { preloads, env } = runSpec(mode, serverEnv);
  const base = { ...process.env };
  for (const k of Object.keys(base)) if (k === 'NODE_OPTIONS' || k.startsWith('FASTNET_') || k.startsWith('APPS_')) delete base[k];
  const args = [...preloads.flatMap((p) => ['-r', p]), RUNNER, cases.join(',')];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const entry = servers.track(child);
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 280_000);
    entry.exited.then((code) => { clearTimeout(timer); resolve({ code, output }); });
  });
}

/** Run test/apps/run.js on node.exe under Wine; it gets a clean environment plus ours. */
async function runWine(mode, serverEnv) {
  const wine = require('./wine');
  const { preloads, env } = runSpec(mode, serverEnv);
  env.PREBUILDS_ONLY = '1';
  // Checkouts sharing one Wine chroot can each use their own prefix (one wineserver per prefix).
  const args = [...preloads.flatMap((p) => ['-r', wine.winPath(p)]), RUNNER, cases.join(',')];
  return wine.runNodeExe(wineExe, args, { cwd: root, env, timeoutMs: 150_000 });
}

function parse(output) {
  const results = [];
  let strays = null;
  for (const line of output.split(/\r?\n/)) {
    if (line.startsWith('APPS-RESULT ')) results.push(JSON.parse(line.slice('APPS-RESULT '.length)));
    if (line.startsWith('APPS-STRAYS ')) strays = JSON.parse(line.slice('APPS-STRAYS '.length));
  }
  return { results, strays };
}

function prepare() {
  const unknown = cases.filter((c) => !ALL_CASES.includes(c));
  if (unknown.length) throw new Error(`apps: unknown case ${unknown.join(', ')} (cases: ${ALL_CASES.join(', ')})`);
  if (!fs.existsSync(PRELOAD)) throw new Error('apps: dist/ is missing; run `npm run build` (or `npm test` once) first');
  const debs = [];
  if (cases.includes('pg')) debs.push('postgresql');
  if (cases.includes('mysql2')) debs.push('mariadb-server');
  ensurePackages(debs, 'apps');
  if (wineExe) {
    const wine = require('./wine');
    wine.ensureWine();
    if (!fs.existsSync(path.join(root, 'prebuilds', 'win32-x64'))) {
      ensurePackages(['g++-mingw-w64-x86-64'], 'apps');
      require('node:child_process').execFileSync(process.execPath, [path.join(root, 'scripts', 'build', 'prebuild.js'), '--arch', 'x64'],
        { stdio: 'inherit' });
    }
  } else if (!fs.existsSync(path.join(root, 'native', 'build', 'Release', 'fastnet.node'))) {
    throw new Error('apps: native/build/Release/fastnet.node is missing; run `npm test` once (or node scripts/build/dev-setup.js)');
  }
}

async function main() {
  const started = Date.now();
  prepare();
  let t0 = Date.now();
  const [pg, maria] = await Promise.all([
    cases.includes('pg') ? servers.startPostgres() : null,
    cases.includes('mysql2') ? servers.startMariadb() : null,
  ]);
  const serverEnv = { ...(pg && pg.env), ...(maria && maria.env) };
  console.log(`apps (servers): up in ${secs(t0)}${pg ? `, PostgreSQL on 127.0.0.1:${pg.port}` : ''}` +
    `${maria ? `, MariaDB on 127.0.0.1:${maria.port}` : ''}`);

  const only = args.modes ? args.modes.split(',') : null;
  const modes = MODES.filter((m) => m.key === 'plain' || !only || only.includes(m.key));
  let failed = false;
  let gaps = 0;
  let reference = {};
  let plainFailures = [];
  try {
    for (const mode of modes) {
      t0 = Date.now();
      const run = await (wineExe ? runWine : runLinux)(mode, serverEnv);
      const { results, strays } = parse(run.output);
      const missing = cases.filter((c) => !results.some((r) => r.case === c));
      const verdict = judge(mode, results, reference);
      verdict.failures.push(...judgeStrays(strays || []));
      if (!strays) missing.push('the run (it did not finish)');
      if (mode.key === 'plain') {
        reference = Object.fromEntries(results.map((r) => [r.case, r]));
        // Under Wine, a step that fails with plain net is Wine's, and is reported as such; but
        // not in a case where nothing passes with plain net (a broken set-up), nor with --fault.
        const working = new Set(verdict.cases.filter((c) => c.stepsOk > 0).map((c) => c.case));
        plainFailures = wineExe && !fault ? verdict.failures.filter((f) => working.has(f.case)) : [];
      }
      gaps += markGaps(verdict.failures, plainFailures);
      const real = verdict.failures.filter((f) => !f.gap);
      const lines = verdict.cases.map(caseLine);
      if (missing.length) lines.push(`no result from ${missing.join(', ')} (exit ${run.code})`);
      const bad = real.length > 0 || missing.length > 0 || run.code !== 0;
      const label = `[${mode.name}${noPreload && mode.preload ? ', preload left out' : ''}${fault ? `, fault ${fault}` : ''}]`;
      console.log(`apps: ${label} ${lines.join(', ')}; ${describe(mode, verdict)} (${secs(t0)})`);
      if (args.details) console.log(details(results));
      for (const f of verdict.failures.filter((x) => x.gap)) {
        console.log(`  WINE GAP (fails with plain net on this node.exe too) ${f.case} [${f.check}] ${f.detail}`);
      }
      if (bad) {
        failed = true;
        for (const f of real) console.log(`  FAIL ${f.case} [${f.check}] ${f.detail}`);
        if (run.code !== 0 || missing.length) {
          const tail = run.output.split('\n').filter((l) => !l.startsWith('APPS-RESULT ')).slice(-40);
          console.log(tail.map((l) => `  | ${l}`).join('\n'));
        }
      }
    }
  } finally {
    await Promise.all([pg && pg.stop(), maria && maria.stop()]);
    servers.removeDirs();
  }
  console.log(`apps: ${failed ? 'FAILED' : 'all ok'}${gaps ? ` (${gaps} Wine gaps)` : ''} in ${secs(started)} (${cases.join(', ')}; ${modes.length} runs${wineExe ? ` on ${path.basename(path.dirname(wineExe))} node.exe under Wine` : ''})`);
  process.exitCode = failed ? 1 : 0;
}

/** --details: per case and role, how many connections had which status and options. */
function details(results) {
  const out = [];
  for (const r of results) {
    const groups = new Map();
    for (const c of r.connections) {
      const st = c.status ? JSON.stringify(c.status) : 'plain net';
      const state = c.role === 'listener' ? '' : c.established ? '' : ' (not connected)';
      const k = `${c.role}${state}: status ${st}; asked for ${c.requested.join('+') || '-'}; socket got ${c.effective.join('+') || '-'}`;
      groups.set(k, (groups.get(k) || 0) + 1);
    }
    for (const [k, n] of groups) out.push(`    ${r.case}: ${n} x ${k}`);
  }
  return out.join('\n');
}

/** "21 client + 19 accepted conns unsupported/EOPNOTSUPP, 2 listeners; 40 options withheld" */
function describe(mode, verdict) {
  const n = verdict.cases.reduce((a, c) => ({
    clients: a.clients + c.counts.clients, accepted: a.accepted + c.counts.accepted,
    listeners: a.listeners + c.counts.listeners, aborted: a.aborted + c.counts.aborted,
    unaccepted: a.unaccepted + c.counts.unaccepted, attempts: a.attempts + c.counts.attempts,
  }), { clients: 0, accepted: 0, listeners: 0, aborted: 0, unaccepted: 0, attempts: 0 });
  const e = mode.expected;
  const state = !e ? 'plain net' : e.state === 'skipped' ? `skipped/${e.reason}` : e.code ? `${e.state}/${e.code}` : e.state;
  const real = verdict.failures.filter((f) => !f.gap).length;
  const bad = real ? `, ${real} failed checks` : '';
  const notes = [n.attempts && `${n.attempts} refused happy-eyeballs attempts`,
    n.aborted && `${n.aborted} given up while connecting`, n.unaccepted && `${n.unaccepted} never accepted`].filter(Boolean);
  const aborted = notes.length ? ` (${notes.join(', ')})` : '';
  return `${n.clients} client${aborted} + ${n.accepted} accepted conns, ${n.listeners} listeners, expected ${state}${bad}`;
}

// Whatever happens, no server or app process outlives this one.
process.on('exit', () => servers.killAll());
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    console.log(`apps: ${sig}, stopping the servers`);
    servers.killAllAndWait().finally(() => process.exit(128 + os.constants.signals[sig]));
  });
}
main().catch(async (err) => {
  console.error(err);
  await servers.killAllAndWait();
  process.exitCode = 1;
});
