'use strict';
// Runs Node's own test/parallel/test-net-*.js (or another pattern) from
// Debian's nodejs source package with `net` aliased to fastnet, and compares
// against plain net on the same node binary. A test counts only if it passes
// with plain net in the same run.
//
//   node scripts/tiers/node-suite.js [--node PATH] [--major N] [--pattern test-net-]
//        [--mode passthrough|simulated|both] [--jobs N] [--only NAME,...] [--retries N]
//        [--dep0208] [--applied]
//   node scripts/tiers/node-suite.js --register [--pattern '^test-(http|https|tls)-'] [...]
//   node scripts/tiers/node-suite.js --wine PATH/TO/node.exe [...]
// --register runs fastnet in transparent mode (-r fastnet/register) instead of
// aliasing `net`, so Node's http/https/tls modules go through it.
// With --wine the tests run on the Windows node.exe under Wine, and fastnet
// runs for real (mode 'windows'): no simulation.
// --dep0208 preloads test/support/dep0208.js (Node main's deprecation of
// Server.prototype._listen2, emulated) before anything else, in the plain-net
// runs and the fastnet runs alike, so fastnet is compared with plain net
// under the same emulation.
// --applied makes every fastnet socket take the branch where the ioctl
// succeeded: test/support/simulate.js with FASTNET_TEST_BINDING=applied keeps
// the binding fastnet would load and stubs only the ioctl. On Linux that is
// mode 'simulated' only (the POSIX twin); under Wine, the real Winsock binding
// on Windows libuv. Files in EXPECTED_DIFFERENCES fail there by design; they
// are reported with their reason, and one that passes fails the run (the
// list is stale).
// A file that passed with plain net but fails with fastnet is run again with
// fastnet, up to --retries times (default 2): some of Node's tests are racy
// under Wine even with plain net (test-tls-enable-keylog-cli.js failed 1 run
// in 8 with plain net here). It is a regression only if every attempt fails,
// and files that needed a retry are listed by name.
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { debianMirror } = require('./debian');

const root = path.join(__dirname, '..', '..');
const { values: args } = parseArgs({
  args: process.argv.slice(2),
  options: {
    node: { type: 'string' },
    wine: { type: 'string' },
    major: { type: 'string' },
    pattern: { type: 'string' },
    mode: { type: 'string' },
    jobs: { type: 'string' },
    only: { type: 'string' },
    retries: { type: 'string' },
    register: { type: 'boolean' },
    dep0208: { type: 'boolean' },
    applied: { type: 'boolean' },
  },
});
const wine = args.wine ? require('./wine') : null;
const nodeBin = path.resolve(args.wine || args.node || process.execPath);
const nodeVersion = wine ? path.basename(path.dirname(args.wine)) : execFileSync(nodeBin, ['-p', 'process.versions.node']).toString().trim();
const major = args.major || nodeVersion.split('.')[0];
const register = Boolean(args.register);
const dep0208 = Boolean(args.dep0208);
const applied = Boolean(args.applied);
const pattern = new RegExp(args.pattern || (register ? '^test-(http|https|tls)-' : '^test-net-'));
if (applied && !wine && args.mode && args.mode !== 'simulated') {
  throw new Error('node-suite: --applied runs the simulated Windows path on Linux (--mode simulated), not pass-through');
}
if (args.mode && !['passthrough', 'simulated', 'both'].includes(args.mode)) throw new Error(`node-suite: unknown --mode ${args.mode}`);
const modes = wine ? ['windows'] : applied ? ['simulated']
  : args.mode === 'both' || !args.mode ? ['passthrough', 'simulated'] : [args.mode];
const jobs = Number(args.jobs) || Math.max(1, os.availableParallelism ? os.availableParallelism() : 2);
const TIMEOUT_MS = 120_000;
const RETRIES = args.retries !== undefined ? Number(args.retries) : 2;
/** What the summary lines call this run, e.g. "dep0208, applied, simulated". */
const label = (mode) => [register && 'register', dep0208 && 'dep0208', applied && 'applied', mode].filter(Boolean).join(', ');

const SUPPORT = path.join(root, 'test', 'support');
/**
 * Node's files that fail on fastnet's applied branch (--applied) by design:
 * file name -> why, and what its failure must look like (the assertion, and
 * fastnet's frame that led to it). A listed file that fails some other way is
 * a regression; one that passes makes the list stale. Seen on Linux node 20
 * and 26 (simulated) and on node.exe 26 under Wine.
 */
// None today. test-net-connect-nodelay.js and test-net-connect-keepalive.js
// were here: they put a mock on the handle that asserts every setNoDelay /
// setKeepAlive is (true), and fastnet cleared libuv's pending flags through
// whatever the handle held. It now calls Node's own methods (behind its guards).
const EXPECTED_DIFFERENCES = new Map([]);

/**
 * Node's test tree from Debian's nodejs source package, cached under .cache/:
 * this major's own where Debian serves it, otherwise the nearest major that
 * it serves (24's source is listed but not always served).
 */
function nodeTests(major) {
  const listed = debianVersions();
  const majors = [...new Set(listed.map((v) => Number(v.split('.')[0])))]
    .sort((a, b) => Math.abs(a - major) - Math.abs(b - major) || b - a);
  const tried = [];
  for (const m of majors) {
    const dir = path.join(root, '.cache', 'node-src', String(m));
    if (fs.existsSync(path.join(dir, '.complete'))) return { dir, major: m, version: fs.readFileSync(path.join(dir, '.complete'), 'utf8'), tried };
    const version = listed.filter((v) => v.startsWith(`${m}.`)).sort(compareVersions).at(-1);
    if (download(version, dir)) return { dir, major: m, version, tried };
    tried.push(version);
  }
  throw new Error(`node-suite: Debian serves no nodejs source (tried ${tried.join(', ')})`);
}

function download(version, dir) {
  const dl = path.join(root, '.cache', 'deb-src');
  fs.mkdirSync(dl, { recursive: true });
  console.log(`node-suite: fetching Debian nodejs ${version} source`);
  try {
    execFileSync('apt-get', ['source', '--download-only', `nodejs=${version}`], { cwd: dl, stdio: 'ignore' });
  } catch {
    // Some side files of the source package can be missing from the archive;
    // the .orig tarball, which holds the tests, is what matters.
  }
  const upstream = version.replace(/-[^-]+$/, '');
  const tarball = path.join(dl, `nodejs_${upstream}.orig.tar.xz`);
  if (!fs.existsSync(tarball)) {
    console.log(`node-suite: Debian lists nodejs ${version} but does not serve its source`);
    return false;
  }
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('tar', ['-xJf', tarball, '-C', dir, '--strip-components=1', '--wildcards',
    '*/test/common/*', '*/test/fixtures/*', '*/test/parallel/*'], { stdio: 'inherit' });
  fs.writeFileSync(path.join(dir, '.complete'), version);
  return true;
}

/** Every nodejs source version Debian lists. */
function debianVersions() {
  ensureDebSrc();
  const out = execFileSync('apt-cache', ['showsrc', 'nodejs']).toString();
  return [...new Set([...out.matchAll(/^Version: (\S+)/gm)].map((m) => m[1]))];
}

function compareVersions(a, b) {
  const pa = a.split(/[.+~-]/).map((x) => parseInt(x, 10) || 0);
  const pb = b.split(/[.+~-]/).map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    if ((pa[i] || 0) !== (pb[i] || 0)) return (pa[i] || 0) - (pb[i] || 0);
  }
  return 0;
}

/** Add deb-src entries (for sid and trixie) on the machine's own Debian mirror, once. */
function ensureDebSrc() {
  const list = '/etc/apt/sources.list.d/fastnet-src.sources';
  if (fs.existsSync(list)) return;
  const uri = debianMirror();
  if (!uri) throw new Error('node-suite: no Debian mirror configured to derive a deb-src entry from');
  fs.writeFileSync(list, [
    'Types: deb-src', `URIs: ${uri}`, 'Suites: sid trixie trixie-updates', 'Components: main',
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg', '',
  ].join('\n'));
  execFileSync('apt-get', ['update'], { stdio: 'ignore' });
}

function flagsOf(file) {
  const m = /^\/\/ Flags: (.+)$/m.exec(fs.readFileSync(file, 'utf8'));
  return m ? m[1].trim().split(/\s+/) : [];
}

/** The --require preloads of one run, in order: dep0208.js first, before anything loads net. */
function preloadsFor(mode) {
  const list = [];
  if (dep0208) list.push(path.join(SUPPORT, 'dep0208.js'));
  if (mode !== 'plain') {
    if (register) list.push(path.join(SUPPORT, 'simulate.js'), path.join(root, 'dist', 'register.js'));
    else list.push(path.join(SUPPORT, 'alias-net.js'));
    if (applied && !register) list.push(path.join(SUPPORT, 'simulate.js'));
  }
  return list;
}

function runOne(file, mode, slot) {
  // Node's own runner gives each parallel worker its own test/.tmp.N through
  // TEST_THREAD_ID; without it, concurrent files wipe each other's tmpdir.
  // FASTNET_REMEMBER_REFUSAL=0: every socket runs fastnet's full plumbing,
  // also where the ioctl is refused (the POSIX twin, Wine).
  const extra = { NODE_SKIP_FLAG_CHECK: '1', TEST_THREAD_ID: String(slot), FASTNET_REMEMBER_REFUSAL: '0' };
  const preloads = preloadsFor(mode);
  if (preloads.length) extra.NODE_OPTIONS = preloads.map((p) => `--require=${wine ? wine.winPath(p) : p}`).join(' ');
  if (mode === 'simulated') extra.FASTNET_TEST_SIMULATE = 'win32';
  if (mode !== 'plain' && applied) extra.FASTNET_TEST_BINDING = 'applied';
  const env = { ...process.env, ...extra };
  if (!preloads.length) delete env.NODE_OPTIONS;
  if (mode !== 'simulated') delete env.FASTNET_TEST_SIMULATE;
  if (!extra.FASTNET_TEST_BINDING) delete env.FASTNET_TEST_BINDING;
  if (wine) {
    // Our checkout also holds the Linux build of the binding; Windows must use the prebuild.
    // node.exe gets a clean environment: only what the test needs.
    return wine.runNodeExe(nodeBin, [...flagsOf(file), file],
      { cwd: path.dirname(path.dirname(file)), env: { ...extra, PREBUILDS_ONLY: '1' }, timeoutMs: TIMEOUT_MS })
      .then((r) => finish(r.code, r.signal, r.output));
  }
  return new Promise((resolve) => {
    const child = spawn(nodeBin, [...flagsOf(file), file], {
      cwd: path.dirname(path.dirname(file)), env, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve(finish(code, signal, output));
    });
  });
}

/** One run's result: its tail, and whether it printed DEP0208 anywhere (Node prints each warning to stderr). */
function finish(code, signal, output) {
  return { ok: code === 0, code, signal, output: output.slice(-4000), dep0208: /\[DEP0208\]/.test(output) };
}

async function pool(items, fn) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: jobs }, async (_, slot) => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], slot);
    }
  }));
  return results;
}

async function main() {
  const tests = nodeTests(Number(major));
  const dir = tests.dir;
  const only = args.only ? new Set(args.only.split(',')) : null;
  const files = fs.readdirSync(path.join(dir, 'test', 'parallel'))
    .filter((f) => pattern.test(f) && /\.m?js$/.test(f) && (!only || only.has(f)))
    .sort().map((f) => path.join(dir, 'test', 'parallel', f));
  if (wine) wine.ensureWine();
  // Which tests ran against which binary, in one line the summaries can quote.
  console.log(`node-suite tests: ${files.length} ${pattern.source} files from Debian nodejs ${tests.version}` +
    `${tests.major !== Number(major) ? ` (the nearest major Debian serves; ${major}'s is not)` : ''} ` +
    `on node ${wine ? `${nodeVersion} (Windows node.exe under Wine)` : nodeVersion}${register ? ', transparent mode' : ''}, modes: ${modes.join(', ')}`);

  const plain = await pool(files, (f, slot) => runOne(f, 'plain', slot));
  const baseline = files.filter((_, i) => plain[i].ok);
  const listed = (f) => applied && EXPECTED_DIFFERENCES.has(path.basename(f));
  // With --dep0208, a file that prints DEP0208 with fastnet and not with plain
  // net fails: fastnet touched Server.prototype._listen2.
  const plainWarned = new Set(files.filter((_, i) => plain[i].dep0208));
  const judge = (f, r) => (dep0208 && r.ok && r.dep0208 && !plainWarned.has(f)
    ? { ...r, ok: false, output: `${r.output}\nnode-suite: DEP0208 was emitted with fastnet, and not with plain net` }
    : r);
  const run = (mode) => (f, slot) => runOne(f, mode, slot).then((r) => judge(f, r));
  let regressions = 0;
  for (const mode of modes) {
    const results = await pool(baseline, run(mode));
    // Each file's latest result. A listed file that fails as documented is
    // not run again; every other failure is retried.
    const last = new Map(baseline.map((f, i) => [f, results[i]]));
    const documented = (f) => listed(f) && !last.get(f).ok &&
      EXPECTED_DIFFERENCES.get(path.basename(f)).failure.test(last.get(f).output);
    let failed = baseline.filter((f) => !last.get(f).ok && !documented(f));
    const retried = [];
    for (let attempt = 2; attempt <= RETRIES + 1 && failed.length; attempt++) {
      const again = await pool(failed, run(mode));
      failed.forEach((f, i) => {
        last.set(f, again[i]);
        if (again[i].ok && !listed(f)) retried.push(`${path.basename(f)} (attempt ${attempt})`);
      });
      failed = failed.filter((f) => !last.get(f).ok && !documented(f));
    }
    const expected = baseline.filter(documented);
    const stale = baseline.filter((f) => listed(f) && last.get(f).ok);
    regressions += failed.length + stale.length;
    const passed = baseline.filter((f) => last.get(f).ok).length;
    console.log(`node-suite [${label(mode)}]: plain net passed ${baseline.length}/${files.length}; ` +
      `fastnet passed ${passed}/${baseline.length}; regressions: ${failed.length}` +
      `${applied ? `; expected differences: ${expected.length}` : ''}` +
      `${stale.length ? `; STALE expected differences (passed): ${stale.length}` : ''}`);
    if (retried.length) console.log(`node-suite [${label(mode)}]: failed first with fastnet, passed on a retry: ${retried.join(', ')}`);
    for (const f of expected) {
      const r = last.get(f);
      console.log(`  EXPECTED DIFFERENCE ${path.basename(f)} (exit ${r.code}${r.signal ? `, ${r.signal}` : ''}): ` +
        `${EXPECTED_DIFFERENCES.get(path.basename(f)).reason}\n${assertion(r.output)}`);
    }
    for (const f of stale) {
      console.log(`  STALE ${path.basename(f)} is listed in EXPECTED_DIFFERENCES but passed with fastnet; ` +
        'remove it from the list (scripts/tiers/node-suite.js) once understood');
    }
    for (const f of failed) {
      const r = last.get(f);
      const note = listed(f) ? ' (listed in EXPECTED_DIFFERENCES, but it failed some other way)' : '';
      console.log(`  REGRESSION ${path.basename(f)} (exit ${r.code}${r.signal ? `, ${r.signal}` : ''})${note}\n` +
        r.output.split('\n').slice(-25).map((l) => `    | ${l}`).join('\n'));
    }
  }
  if (plainWarned.size) console.log(`node-suite: DEP0208 printed with plain net too (so not held against fastnet): ${[...plainWarned].map((f) => path.basename(f)).join(', ')}`);
  if (applied) {
    const names = new Set(files.map((f) => path.basename(f)));
    const notCounted = files.filter((f) => listed(f) && !baseline.includes(f)).map((f) => path.basename(f));
    if (notCounted.length) console.log(`node-suite: listed in EXPECTED_DIFFERENCES but not counted (fail with plain net): ${notCounted.join(', ')}`);
    const absent = [...EXPECTED_DIFFERENCES.keys()].filter((n) => !names.has(n) && pattern.test(n) && !only);
    if (absent.length) console.log(`node-suite: listed in EXPECTED_DIFFERENCES but not in Debian nodejs ${tests.version}'s tests: ${absent.join(', ')}`);
  }
  const plainFailed = files.filter((_, i) => !plain[i].ok).map((f) => path.basename(f));
  if (plainFailed.length) console.log(`node-suite: not counted (fail with plain net too): ${plainFailed.join(', ')}`);
  if (baseline.length === 0) {
    // Nothing to compare against means the harness is broken, not that fastnet passed.
    console.log(`node-suite: no test passed with plain net; first failure:\n${plain[0] ? plain[0].output.slice(-2000) : '(no tests)'}`);
    regressions++;
  }
  process.exitCode = regressions === 0 ? 0 : 1;
}

/** The lines of a failed test's output that say what was asserted, for the report. */
function assertion(output) {
  const lines = output.split('\n');
  const at = lines.findIndex((l) => /AssertionError|^\s*(Error|TypeError)\b|Mismatched|mustCall/.test(l));
  const picked = at >= 0 ? lines.slice(at, at + 8) : lines.slice(-8);
  return picked.map((l) => `    | ${l}`).join('\n');
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
