'use strict';
// Cross-builds the Windows binding with mingw-w64 into prebuilds/, where
// node-gyp-build finds it: prebuilds/win32-x64/node.napi.node and
// prebuilds/win32-ia32/node.napi.node. Node-API only, linked statically
// against the C/C++ runtimes, importing Node-API from node.exe through an
// import library made from node-api-headers' def file.
//   node scripts/prebuild.js [--arch x64,ia32]
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const TOOLCHAINS = {
  x64: { triple: 'x86_64-w64-mingw32', machine: 'i386:x86-64', pkg: 'g++-mingw-w64-x86-64' },
  ia32: { triple: 'i686-w64-mingw32', machine: 'i386', pkg: 'g++-mingw-w64-i686' },
};

function archsFromArgs() {
  const i = process.argv.indexOf('--arch');
  return i >= 0 ? process.argv[i + 1].split(',') : Object.keys(TOOLCHAINS);
}

function which(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function build(arch) {
  const tc = TOOLCHAINS[arch];
  if (!tc) throw new Error(`prebuild: unknown arch ${arch}`);
  // The -posix compilers have the C++ threading headers node-addon-api uses.
  const cxx = `${tc.triple}-g++-posix`;
  if (!which(cxx)) throw new Error(`prebuild: ${cxx} not found (Debian package ${tc.pkg})`);
  const headers = path.dirname(require.resolve('node-api-headers/package.json', { paths: [root] }));
  const work = path.join(root, 'build', `mingw-${arch}`);
  fs.mkdirSync(work, { recursive: true });
  const implib = path.join(work, 'libnode_api.a');
  execFileSync(`${tc.triple}-dlltool`, ['-m', tc.machine, '-d', path.join(headers, 'def', 'node_api.def'),
    '-l', implib, '-D', 'node.exe'], { stdio: 'inherit' });
  const outDir = path.join(root, 'prebuilds', `win32-${arch}`);
  fs.mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, 'node.napi.node');
  execFileSync(cxx, [
    '-shared', '-O2', '-std=c++17', '-Wall',
    '-DNAPI_VERSION=8', '-DNAPI_DISABLE_CPP_EXCEPTIONS', '-DBUILDING_NODE_EXTENSION',
    '-I', path.join(headers, 'include'),
    '-I', path.dirname(require.resolve('node-addon-api/package.json', { paths: [root] })),
    path.join(root, 'native', 'fastnet.cc'), path.join(root, 'native', 'win', 'socket.cc'),
    '-o', out, implib, '-lws2_32', '-static', '-static-libgcc', '-static-libstdc++',
  ], { stdio: 'inherit' });
  execFileSync(`${tc.triple}-strip`, [out]);
  console.log(`prebuild: ${path.relative(root, out)} (${fs.statSync(out).size} bytes)`);
}

for (const arch of archsFromArgs()) build(arch);
