'use strict';
// Installs fastnet as its users do, from the tarball `npm pack` makes, and
// uses it from a new project.
//
//   node scripts/tiers/consumer.js [--tarball FILE] [--wine] [--keep]
//
// Linux (default):
//   - npm pack (prepack builds dist/ and the prebuilds), its size, and its
//     file list against the expected one;
//   - npm install and npm ci of the tarball into a new project with no
//     compiler on PATH: no install script, no warning about one; pnpm 10 too;
//     a copy of the tarball given an install script must be flagged (so the
//     checks can fail);
//   - CommonJS and ES module consumers, `--import fastnet/register`, the
//     `fastnet` bin, and `tsc --noEmit` with moduleResolution node16 and bundler.
// --wine: the same project under node.exe 24 (Wine 10): doctor names the
//   win32-x64 prebuild, and a loopback echo shows the ioctl attempted on both
//   ends; this checkout (which holds the Linux build) loads the prebuild too;
//   a package whose only binary is the Linux one warns once and works as net.
const assert = require('node:assert/strict');
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { ensurePackages } = require('./debian');

const root = path.join(__dirname, '..', '..');
const { values: args } = parseArgs({
  args: process.argv.slice(2),
  options: {
    tarball: { type: 'string' },
    wine: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const WINE = args.wine;
const NODE_EXE = '24.21.0';
const fixtures = path.join(root, 'test', 'consumer');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fastnet-consumer-'));

let passed = 0;
let failed = 0;
async function check(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`  ok    ${name} (${Date.now() - t0} ms)`);
  } catch (err) {
    failed++;
    console.log(`  FAIL  ${name}\n${String(err.stack || err).split('\n').map((l) => `        ${l}`).join('\n')}`);
  }
}

/** A PATH with node, npm, npx and sh, and no compiler, make or python. */
function bareBin() {
  const dir = path.join(work, 'bin');
  fs.mkdirSync(dir);
  const npmDir = path.dirname(fs.realpathSync(execFileSync('sh', ['-c', 'command -v npm']).toString().trim()));
  fs.symlinkSync(process.execPath, path.join(dir, 'node'));
  fs.symlinkSync(path.join(npmDir, 'npm-cli.js'), path.join(dir, 'npm'));
  fs.symlinkSync(path.join(npmDir, 'npx-cli.js'), path.join(dir, 'npx'));
  fs.symlinkSync('/bin/sh', path.join(dir, 'sh'));
  return dir;
}

let bin;
/** Run a command in `cwd` with the bare PATH and a clean environment; { code, out }. */
function bare(cwd, cmd, args, extraEnv = {}) {
  const env = { PATH: bin, HOME: process.env.HOME, npm_config_cache: path.join(work, 'npm-cache'), ...extraEnv };
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 600_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}`, stdout: r.stdout };
}

function newProject(name) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: `consumer-${name}`, version: '1.0.0', private: true }, null, 2)}\n`);
  for (const f of fs.readdirSync(fixtures)) fs.copyFileSync(path.join(fixtures, f), path.join(dir, f));
  // The TypeScript consumers that test/types.test.js checks against the checkout.
  for (const f of ['consumer.mts', 'consumer.cts']) fs.copyFileSync(path.join(root, 'test', 'types', f), path.join(dir, f));
  return dir;
}

/** What must be in the tarball, no more and no less: the package as users need it. */
function expectedFiles() {
  // npm always packs the LICENSE file.
  const files = ['package.json', 'README.md', ...(fs.existsSync(path.join(root, 'LICENSE')) ? ['LICENSE'] : [])];
  for (const f of fs.readdirSync(path.join(root, 'lib'), { recursive: true })) {
    const base = f.split(path.sep).join('/').replace(/\.m?ts$/, '');
    if (f.endsWith('.mts')) files.push(`dist/${base}.mjs`, `dist/${base}.d.mts`);
    else if (f.endsWith('.ts')) files.push(`dist/${base}.js`, `dist/${base}.d.ts`);
  }
  // The sources and gyp file for a source build, as committed.
  files.push(...execFileSync('git', ['ls-files', 'native'], { cwd: root }).toString().trim().split('\n'));
  for (const arch of ['x64', 'ia32', 'arm64']) files.push(`prebuilds/win32-${arch}/node.napi.node`);
  return files.sort();
}

function pack() {
  const given = args.tarball;
  if (given) return path.resolve(given);
  // The prebuilds are cross-built at pack time (prepack).
  ensurePackages(['g++-mingw-w64-x86-64-posix', 'g++-mingw-w64-i686-posix'], 'consumer');
  const dest = path.join(work, 'pack');
  fs.mkdirSync(dest);
  const out = execFileSync('npm', ['pack', '--pack-destination', dest], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return path.join(dest, out.trim().split('\n').at(-1));
}

const INSTALL_SCRIPT_WARNING = /install-scripts|node-gyp|gyp (info|ERR)|Ignored build scripts|lifecycle|postinstall|preinstall/i;

/** npm install / npm ci of `tgz` into a new project: no script, no warning. Returns the project. */
function npmInstall(name, tgz, { expectScripts = false } = {}) {
  const dir = newProject(name);
  const steps = [
    ['npm install', bare(dir, 'npm', ['install', '--no-audit', '--no-fund', tgz])],
  ];
  fs.rmSync(path.join(dir, 'node_modules'), { recursive: true });
  // npm ci works from the lockfile, which is where npm 11 lost `gypfile: false`.
  steps.push(['npm ci', bare(dir, 'npm', ['ci', '--no-audit', '--no-fund'])]);
  steps.push(['npm install-scripts ls', bare(dir, 'npm', ['install-scripts', 'ls'])]);
  const lock = JSON.parse(fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8'));
  const entry = lock.packages['node_modules/fastnet'];
  const found = [];
  for (const [what, r] of steps) {
    console.log(`    ${name}: ${what}: exit ${r.code}: ${r.out.trim().split('\n').join(' | ')}`);
    if (INSTALL_SCRIPT_WARNING.test(r.out) && !/No packages with unreviewed install scripts/.test(r.out)) found.push(`${what} printed: ${r.out.trim()}`);
  }
  if (entry.hasInstallScript) found.push('package-lock.json says hasInstallScript');
  for (const f of ['build', 'native/build', 'INSTALL_SCRIPT_RAN']) {
    if (fs.existsSync(path.join(dir, 'node_modules', 'fastnet', f))) found.push(`node_modules/fastnet/${f} exists: something ran`);
  }
  if (expectScripts) {
    assert.ok(found.length > 0, 'a package with an install script went unnoticed: the checks cannot fail');
  } else {
    assert.deepEqual(found, []);
    for (const [what, r] of steps) assert.equal(r.code, 0, `${what} failed`);
  }
  return dir;
}

/** The same tarball with an install script: the checks above must flag it. */
function tarballWithInstallScript(tgz) {
  const dir = path.join(work, 'scripted');
  fs.mkdirSync(dir);
  execFileSync('tar', ['-xzf', tgz, '-C', dir]);
  const pj = path.join(dir, 'package', 'package.json');
  const pkg = JSON.parse(fs.readFileSync(pj, 'utf8'));
  pkg.scripts = { ...pkg.scripts, install: 'node -e "require(\'fs\').writeFileSync(\'INSTALL_SCRIPT_RAN\', \'\')"' };
  fs.writeFileSync(pj, JSON.stringify(pkg, null, 2));
  const out = path.join(dir, 'fastnet-scripted.tgz');
  execFileSync('tar', ['-czf', out, '-C', dir, 'package']);
  return out;
}

/** `pnpm add` (pnpm 10, through npx) of `tgz` in `dir`. */
function pnpmAdd(dir, tgz) {
  const r = bare(dir, 'npx', ['--yes', 'pnpm@10', 'add', tgz, '--store-dir', path.join(work, 'pnpm-store')]);
  console.log(`    ${path.basename(dir)}: pnpm add: exit ${r.code}: ${r.out.trim().split('\n').filter((l) => /\w/.test(l)).join(' | ')}`);
  return r;
}

function runJson(cwd, args) {
  const r = bare(cwd, 'node', args);
  assert.equal(r.code, 0, r.out);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

function tsc(cwd, name, compilerOptions, files) {
  fs.writeFileSync(path.join(cwd, `tsconfig.${name}.json`), JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, types: ['node'], typeRoots: [path.join(root, 'node_modules', '@types')],
      skipLibCheck: false, ...compilerOptions,
    },
    files,
  }, null, 2));
  const r = bare(cwd, 'node', [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', `tsconfig.${name}.json`]);
  assert.equal(r.code, 0, r.out);
}

async function linux(tgz) {
  let project;
  await check('npm 11: install and ci from the tarball, no compiler on PATH: no install script, no warning', () => {
    const hidden = bare(work, 'sh', ['-c', 'command -v g++ || command -v gcc || command -v cc || command -v c++ || command -v make || command -v python3']);
    assert.notEqual(hidden.code, 0, `a compiler is on the consumer's PATH: ${hidden.out}`);
    console.log(`    npm ${bare(work, 'npm', ['--version']).out.trim()}`);
    project = npmInstall('npm', tgz);
  });
  await check('control: the same checks flag a copy of the tarball that has an install script (npm and pnpm)', () => {
    const scripted = tarballWithInstallScript(tgz);
    npmInstall('npm-scripted', scripted, { expectScripts: true });
    const r = pnpmAdd(newProject('pnpm-scripted'), scripted);
    assert.match(r.out, INSTALL_SCRIPT_WARNING);
  });
  await check('pnpm 10: add from the tarball: no build script ignored or run', () => {
    const dir = newProject('pnpm');
    const r = pnpmAdd(dir, tgz);
    assert.equal(r.code, 0);
    assert.doesNotMatch(r.out, INSTALL_SCRIPT_WARNING);
    assert.ok(fs.existsSync(path.join(dir, 'node_modules', 'fastnet', 'dist', 'index.js')));
    assert.ok(!fs.existsSync(path.join(dir, 'node_modules', 'fastnet', 'native', 'build')));
  });
  if (!project) return;
  const passThrough = { state: 'skipped', reason: 'platform' };
  await check('CommonJS consumer: require(\'fastnet\'), loopback echo', () => {
    const r = runJson(project, ['echo.cjs']);
    assert.deepEqual(r, { echo: 'echo from cjs', server: passThrough, accepted: { ...passThrough, inherited: true }, client: passThrough, warnings: [] });
  });
  await check('ES module consumer: default and named imports, loopback echo', () => {
    const r = runJson(project, ['echo.mjs']);
    assert.deepEqual(r, { echo: 'echo from esm', server: passThrough, accepted: { ...passThrough, inherited: true }, client: passThrough, warnings: [] });
  });
  await check('transparent mode: node --import fastnet/register', () => {
    const r = runJson(project, ['--import', 'fastnet/register', 'register.mjs']);
    assert.deepEqual(r, { echo: 'echo from register', server: passThrough, client: passThrough, warnings: [] });
  });
  await check('the fastnet bin: npx fastnet doctor --json', () => {
    const r = bare(project, 'npx', ['--no-install', 'fastnet', 'doctor', '--json', '--duration', '0.5']);
    assert.equal(r.code, 0, r.out);
    const d = JSON.parse(r.stdout);
    assert.equal(d.platform, process.platform);
    assert.equal(d.binding.loaded, false);
    assert.equal(d.verdict.use, 'not-available');
  });
  await check('TypeScript consumer: tsc --noEmit, moduleResolution node16', () => {
    tsc(project, 'node16', { module: 'node16', moduleResolution: 'node16', esModuleInterop: true }, ['consumer.mts', 'consumer.cts']);
  });
  await check('TypeScript consumer: tsc --noEmit, moduleResolution bundler', () => {
    tsc(project, 'bundler', { module: 'esnext', moduleResolution: 'bundler', esModuleInterop: true }, ['bundler.ts']);
  });
  await check('the README\'s source build (npx node-gyp rebuild -C native, compiler on PATH): the loader picks it', () => {
    const pkg = path.join(project, 'node_modules', 'fastnet');
    execFileSync('npx', ['--yes', 'node-gyp', 'rebuild', '-C', 'native'], { cwd: pkg, stdio: ['ignore', 'ignore', 'pipe'] });
    const { chooseBinding } = require(path.join(pkg, 'dist', 'core', 'binding.js'));
    const r = chooseBinding();
    assert.equal(r.choice.path, path.join(pkg, 'native', 'build', 'Release', 'fastnet.node'), r.choice.error);
    assert.equal(r.choice.kind, 'local build');
    assert.equal(typeof r.binding.createSocket, 'function');
  });
}

async function windows(tgz) {
  const wine = require('./wine');
  wine.ensureWine();
  const exe = wine.nodeExe(NODE_EXE);
  console.log(`  ${wine.wineVersion()}, node.exe ${NODE_EXE}`);
  bin = bareBin();
  const project = npmInstall('npm', tgz);
  const winNode = (cwd, args, env) => wine.runNodeExe(exe, args, { cwd, env, timeoutMs: 300_000 });
  const json = async (cwd, args, env) => {
    const r = await winNode(cwd, args, env);
    assert.equal(r.code, 0, r.output);
    return { report: JSON.parse(r.output.slice(r.output.indexOf('{'), r.output.lastIndexOf('}') + 1)), output: r.output };
  };
  const prebuild = /\\prebuilds\\win32-x64\\node\.napi\.node$/;
  const refused = { state: 'unsupported', code: 'WSAEOPNOTSUPP', errno: 10045 };

  await check('node.exe: doctor --json says the binding came from prebuilds/win32-x64', async () => {
    const { report } = await json(project, ['node_modules/fastnet/dist/tool/cli.js', 'doctor', '--json', '--duration', '1']);
    assert.equal(report.platform, 'win32');
    assert.equal(report.binding.loaded, true);
    assert.equal(report.binding.kind, 'prebuild');
    assert.match(report.binding.path, prebuild);
    assert.deepEqual(report.probe, refused);
  });
  for (const [label, args, echo] of [
    ['CommonJS', ['echo.cjs'], 'echo from cjs'],
    ['ES module', ['echo.mjs'], 'echo from esm'],
    ['--import fastnet/register', ['--import', 'fastnet/register', 'register.mjs'], 'echo from register'],
  ]) {
    // FASTNET_REMEMBER_REFUSAL=0: each end makes its own socket and attempts the ioctl.
    await check(`node.exe, ${label}: loopback echo, the ioctl attempted on both ends`, async () => {
      const { report } = await json(project, args, { FASTNET_REMEMBER_REFUSAL: '0' });
      assert.equal(report.echo, echo);
      assert.deepEqual(report.server, refused);
      assert.deepEqual(report.client, refused);
      if (report.accepted) assert.deepEqual(report.accepted, { ...refused, inherited: true });
      assert.deepEqual(report.warnings, []);
    });
  }
  await check('node.exe, as installed (the refusal remembered): the server attempts, the client goes straight to net', async () => {
    const { report } = await json(project, ['echo.cjs']);
    assert.equal(report.echo, 'echo from cjs');
    assert.deepEqual(report.server, refused);
    assert.deepEqual(report.client, { ...refused, remembered: true });
    assert.deepEqual(report.warnings, []);
  });
  await check('node.exe in this checkout, which holds the Linux build: loads the win32 prebuild', async () => {
    const linuxBuild = path.join(root, 'native', 'build', 'Release', 'fastnet.node');
    if (!fs.existsSync(linuxBuild)) execFileSync(process.execPath, [path.join(root, 'scripts', 'build', 'dev-setup.js')], { stdio: 'inherit' });
    assert.equal(fs.readFileSync(linuxBuild).readUInt32BE(0), 0x7f454c46, 'the checkout has no Linux (ELF) build');
    const { report } = await json(root, [path.join(root, 'dist', 'tool', 'cli.js'), 'doctor', '--json', '--duration', '1']);
    assert.equal(report.binding.loaded, true);
    assert.match(report.binding.path, prebuild);
    assert.deepEqual(report.probe, refused);
  });
  await check('node.exe, a package whose only binary is a Linux build: one FASTNET_NO_BINDING warning, works as net', async () => {
    const copy = path.join(work, 'linux-only');
    fs.cpSync(project, copy, { recursive: true });
    const pkg = path.join(copy, 'node_modules', 'fastnet');
    fs.rmSync(path.join(pkg, 'prebuilds'), { recursive: true });
    fs.mkdirSync(path.join(pkg, 'native', 'build', 'Release'), { recursive: true });
    fs.copyFileSync(path.join(root, 'native', 'build', 'Release', 'fastnet.node'), path.join(pkg, 'native', 'build', 'Release', 'fastnet.node'));
    const { report, output } = await json(copy, ['echo.cjs']);
    const none = { state: 'skipped', reason: 'no-binding' };
    assert.deepEqual(report, { echo: 'echo from cjs', server: none, accepted: { ...none, inherited: true }, client: none, warnings: ['FASTNET_NO_BINDING'] });
    assert.match(output, /passed over .*fastnet\.node: ELF x64 binary, not for win32/);
    const d = await json(copy, ['node_modules/fastnet/dist/tool/cli.js', 'doctor', '--json', '--duration', '0.5']);
    assert.equal(d.report.binding.loaded, false);
    assert.equal(d.report.verdict.use, 'not-available');
  });
  wine.killWine();
}

async function main() {
  const t0 = Date.now();
  const tgz = pack();
  const size = fs.statSync(tgz).size;
  const files = execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' }).trim().split('\n')
    .map((f) => f.replace(/^package\//, '')).filter((f) => !f.endsWith('/')).sort();
  console.log(`consumer: ${path.basename(tgz)}: ${size} bytes (${(size / 1024).toFixed(1)} KiB), ${files.length} files`);
  await check('the tarball holds exactly the expected files (no tests, caches or build output)', () => {
    const expected = expectedFiles();
    assert.deepEqual({ extra: files.filter((f) => !expected.includes(f)), missing: expected.filter((f) => !files.includes(f)) },
      { extra: [], missing: [] });
    const pkg = JSON.parse(execFileSync('tar', ['-xzOf', tgz, 'package/package.json'], { encoding: 'utf8' }));
    const lifecycle = ['preinstall', 'install', 'postinstall', 'prepare'].filter((s) => pkg.scripts && pkg.scripts[s]);
    assert.deepEqual(lifecycle, [], 'lifecycle scripts in the published package.json');
    assert.ok(!files.includes('binding.gyp'), 'a top-level binding.gyp makes npm and pnpm run node-gyp at install');
  });
  if (WINE) await windows(tgz);
  else {
    bin = bareBin();
    await linux(tgz);
  }
  console.log(`consumer: took ${Math.round((Date.now() - t0) / 1000)} s${WINE ? ' (node.exe under Wine)' : ''}`);
  console.log(`${WINE ? 'consumer-wine' : 'consumer'}: ${passed} passed, ${failed} failed`);
  if (!args.keep) fs.rmSync(work, { recursive: true, force: true });
  else console.log(`consumer: kept ${work}`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
