'use strict';
// Runs before `npm test` and `npm start` on a fresh clone: installs the
// dependencies if they are missing, compiles lib/ to dist/, and builds the
// POSIX twin of the native binding that the simulated-Windows tests drive.
// Every run brings them up to date with their sources (scripts/build/stale.js):
//   dist/   tsc compiles all of lib/ each time (well under a second, and no
//           build-info file to go wrong when dist/ is edited or removed), then
//           compiled files whose source left lib/ are removed;
//   native/build/Release/fastnet.node  rebuilt when it is missing or older
//           than native/binding.gyp, native/*.cc, native/*.h or native/posix/.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { plan } = require('./stale');

const root = path.join(__dirname, '..', '..');
const npm = process.env.npm_execpath;
/**
 * Run a build step quietly: a user sees one progress line per step, not the
 * tool's log (node-gyp prints about 40 lines of `gyp info`). The log is
 * printed only if the step fails, and the failure ends this script with the
 * step's exit code.
 */
function run(what, cmd, args) {
  const t0 = Date.now();
  process.stdout.write(`dev-setup: ${what}... `);
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status === 0) {
    console.log(`done (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return;
  }
  console.log('failed');
  process.stderr.write(`${r.stdout || ''}${r.stderr || ''}`);
  if (r.error) console.error(r.error.message);
  console.error(`dev-setup: ${what} failed (${r.error ? r.error.code : r.signal ? `signal ${r.signal}` : `exit ${r.status}`})`);
  process.exit(r.status || 1);
}

if (!fs.existsSync(path.join(root, 'node_modules', 'typescript'))) {
  const what = 'installing the dependencies (npm install)';
  if (npm) run(what, process.execPath, [npm, 'install', '--no-audit', '--no-fund']);
  else run(what, 'npm', ['install', '--no-audit', '--no-fund']);
}
// tsc: silent when there is nothing wrong, and its errors are the log to show.
run('compiling lib/ to dist/ (tsc)', process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
const todo = plan(root);
for (const file of todo.orphans) {
  console.log(`dev-setup: removing ${file}: its source is no longer in lib/`);
  fs.rmSync(path.join(root, file));
}
if (todo.twin) {
  const newer = todo.twin.length > 3 ? `${todo.twin.slice(0, 3).join(', ')} and ${todo.twin.length - 3} more` : todo.twin.join(', ');
  console.log(fs.existsSync(path.join(root, todo.built))
    ? `dev-setup: rebuilding the POSIX twin: ${newer} newer than ${todo.built}`
    : `dev-setup: building the POSIX twin (${todo.built} is missing)`);
  // Development only: users on non-Windows hosts never build anything.
  // binding.gyp lives in native/, not at the top, so that npm and pnpm never
  // see a package to build at install time.
  const gyp = process.env.npm_config_node_gyp;
  const what = 'compiling the POSIX twin (node-gyp)';
  if (gyp) run(what, process.execPath, [gyp, 'rebuild', '-C', 'native']);
  else run(what, 'npx', ['--yes', 'node-gyp', 'rebuild', '-C', 'native']);
}
