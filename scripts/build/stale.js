'use strict';
// What dev-setup.js must rebuild: build outputs older than their sources, and
// compiled files whose source is gone. The decisions are pure functions over
// modification times and file names, so that test/dev-setup.test.js can drive
// them from tables; plan() reads them off a checkout.
const fs = require('node:fs');
const path = require('node:path');

/**
 * Whether outputs must be rebuilt from inputs. Both are lists of modification
 * times in ms, null for a file that does not exist. Stale when there is no
 * output, when an output is missing, or when an input is newer than the oldest
 * output (as make decides). Missing inputs are ignored: the build reports them.
 */
function stale(outputs, inputs) {
  if (outputs.length === 0 || outputs.some((t) => t === null)) return true;
  const oldest = Math.min(...outputs);
  return inputs.some((t) => t !== null && t > oldest);
}

// dist/ file names tsc makes from lib/X.ts and lib/X.mts.
const COMPILED = [
  ['.d.ts.map', '.ts'], ['.d.mts.map', '.mts'], ['.js.map', '.ts'], ['.mjs.map', '.mts'],
  ['.d.ts', '.ts'], ['.d.mts', '.mts'], ['.js', '.ts'], ['.mjs', '.mts'],
];

/**
 * The compiled files (paths relative to dist/) whose source (relative to lib/)
 * is gone, say after a file moved in lib/; left in dist/ they would still load.
 * Files of other kinds are not tsc's and are left alone.
 */
function orphans(compiled, sources) {
  const have = new Set(sources.map((s) => s.split(path.sep).join('/')));
  return compiled.filter((file) => {
    const f = file.split(path.sep).join('/');
    const kind = COMPILED.find(([out]) => f.endsWith(out));
    return kind !== undefined && !have.has(f.slice(0, -kind[0].length) + kind[1]);
  });
}

/** Modification time in ms, or null when the file does not exist. */
function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch (err) {
    if (err.code === 'ENOENT') return null;
    throw err;
  }
}

/** Files under dir (relative to it, '/'-separated) whose names pass keep; [] when dir is missing. */
function walk(dir, keep) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true })
    .map((f) => String(f).split(path.sep).join('/'))
    .filter((f) => keep(f) && fs.statSync(path.join(dir, f)).isFile());
}

/** The POSIX twin's sources: native/binding.gyp, native/*.cc, native/*.h and native/posix/. */
function twinSources(root) {
  const native = path.join(root, 'native');
  const top = fs.existsSync(native)
    ? fs.readdirSync(native).filter((f) => f === 'binding.gyp' || f.endsWith('.cc') || f.endsWith('.h'))
    : [];
  const posix = walk(path.join(native, 'posix'), () => true).map((f) => `posix/${f}`);
  return [...top, ...posix].sort().map((f) => path.join(native, f));
}

const TWIN = ['native', 'build', 'Release', 'fastnet.node'];

/**
 * What a checkout at root needs: { twin: the sources newer than the built
 * binding (all of them when it is missing), or null when it is up to date;
 * orphans: dist/ files with no source in lib/ }.
 */
function plan(root) {
  const built = path.join(root, ...TWIN);
  const sources = twinSources(root);
  const out = mtime(built);
  let twin = null;
  if (stale([out], sources.map(mtime))) {
    twin = sources.filter((f) => out === null || mtime(f) > out).map((f) => path.relative(root, f));
  }
  const ts = walk(path.join(root, 'lib'), (f) => f.endsWith('.ts') || f.endsWith('.mts'));
  const dist = walk(path.join(root, 'dist'), () => true);
  return { twin, built: path.join(...TWIN), orphans: orphans(dist, ts).map((f) => path.join('dist', f)) };
}

module.exports = { stale, orphans, twinSources, plan };
