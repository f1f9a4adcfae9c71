'use strict';
// Runs Node's own test/parallel/test-net-*.js (or another pattern) from
// Debian's nodejs source package with `net` aliased to fastnet, and compares
// against plain net on the same node binary. A test counts only if it passes
// with plain net in the same run.
//
//   node scripts/node-suite.js [--node PATH] [--major N] [--pattern test-net-]
//        [--mode passthrough|simulated|both] [--jobs N] [--only NAME,...] [--retries N]
//   node scripts/node-suite.js --register [--pattern '^test-(http|https|tls)-'] [...]
//   node scripts/node-suite.js --wine PATH/TO/node.exe [...]
// --register runs fastnet in transparent mode (-r fastnet/register) instead of
// aliasing `net`, so Node's http/https/tls modules go through it.
// With --wine the tests run on the Windows node.exe under Wine, and fastnet
// runs for real (mode 'windows'): no simulation.
// A file that passed with plain net but fails with fastnet is run again with
// fastnet, up to --retries times (default 2): some of Node's tests are racy
// under Wine even with plain net (test-tls-enable-keylog-cli.js failed 1 run
// in 8 with plain net here). It is a regression only if every attempt fails,
// and files that needed a retry are listed by name.
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { debianMirror } = require('./debian');

const root = path.join(__dirname, '..');
const args = parseArgs(process.argv.slice(2));
const wine = args.wine ? require('./wine') : null;
const nodeBin = path.resolve(args.wine || args.node || process.execPath);
const nodeVersion = wine ? path.basename(path.dirname(args.wine)) : execFileSync(nodeBin, ['-p', 'process.versions.node']).toString().trim();
const major = args.major || nodeVersion.split('.')[0];
const register = Boolean(args.register);
const pattern = new RegExp(args.pattern || (register ? '^test-(http|https|tls)-' : '^test-net-'));
const modes = wine ? ['windows'] : args.mode === 'both' || !args.mode ? ['passthrough', 'simulated'] : [args.mode];
const jobs = Number(args.jobs) || Math.max(1, os.availableParallelism ? os.availableParallelism() : 2);
const TIMEOUT_MS = 120_000;
const RETRIES = args.retries !== undefined ? Number(args.retries) : 2;

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) throw new Error(`unknown argument ${argv[i]}`);
    if (m[1] === 'register') out.register = true;
    else out[m[1]] = m[2] !== undefined ? m[2] : argv[++i];
  }
  return out;
}

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

function runOne(file, mode, slot) {
  // Node's own runner gives each parallel worker its own test/.tmp.N through
  // TEST_THREAD_ID; without it, concurrent files wipe each other's tmpdir.
  // FASTNET_REMEMBER_REFUSAL=0: every socket runs fastnet's full plumbing,
  // also where the ioctl is refused (the POSIX twin, Wine).
  const extra = { NODE_SKIP_FLAG_CHECK: '1', TEST_THREAD_ID: String(slot), FASTNET_REMEMBER_REFUSAL: '0' };
  if (mode !== 'plain') {
    const preloads = register
      ? [path.join(root, 'test', 'support', 'simulate.js'), path.join(root, 'dist', 'preload.js')]
      : [path.join(root, 'test', 'support', 'alias-net.js')];
    extra.NODE_OPTIONS = preloads.map((p) => `--require=${wine ? wine.winPath(p) : p}`).join(' ');
    if (mode === 'simulated') extra.FASTNET_TEST_SIMULATE = 'win32';
  }
  const env = { ...process.env, ...extra };
  if (mode === 'plain') delete env.NODE_OPTIONS;
  if (mode !== 'simulated') delete env.FASTNET_TEST_SIMULATE;
  if (wine) {
    // Our checkout also holds the Linux build of the binding; Windows must use the prebuild.
    // node.exe gets a clean environment: only what the test needs.
    return wine.runNodeExe(nodeBin, [...flagsOf(file), file],
      { cwd: path.dirname(path.dirname(file)), env: { ...extra, PREBUILDS_ONLY: '1' }, timeoutMs: TIMEOUT_MS })
      .then((r) => ({ ok: r.code === 0, code: r.code, signal: r.signal, output: r.output.slice(-4000) }));
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
      resolve({ ok: code === 0, code, signal, output: output.slice(-4000) });
    });
  });
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
  let regressions = 0;
  for (const mode of modes) {
    const results = await pool(baseline, (f, slot) => runOne(f, mode, slot));
    let failed = baseline.filter((_, i) => !results[i].ok);
    const retried = [];
    for (let attempt = 2; attempt <= RETRIES + 1 && failed.length; attempt++) {
      const again = await pool(failed, (f, slot) => runOne(f, mode, slot));
      failed.forEach((f, i) => { if (again[i].ok) retried.push(`${path.basename(f)} (attempt ${attempt})`); });
      failed = failed.filter((_, i) => !again[i].ok);
    }
    regressions += failed.length;
    console.log(`node-suite [${register ? 'register, ' : ''}${mode}]: plain net passed ${baseline.length}/${files.length}; ` +
      `fastnet passed ${baseline.length - failed.length}/${baseline.length}; regressions: ${failed.length}`);
    if (retried.length) console.log(`node-suite [${mode}]: failed first with fastnet, passed on a retry: ${retried.join(', ')}`);
    for (const f of failed) {
      const r = results[baseline.indexOf(f)];
      console.log(`  REGRESSION ${path.basename(f)} (exit ${r.code}${r.signal ? `, ${r.signal}` : ''})\n` +
        r.output.split('\n').slice(-25).map((l) => `    | ${l}`).join('\n'));
    }
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

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
