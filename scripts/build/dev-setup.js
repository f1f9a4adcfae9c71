'use strict';
// Runs before `npm test` and `npm start` on a fresh clone: installs the
// dependencies if they are missing, compiles lib/ to dist/, and builds the
// POSIX twin of the native binding that the simulated-Windows tests drive.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const npm = process.env.npm_execpath;
function run(cmd, args) {
  execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
}

if (!fs.existsSync(path.join(root, 'node_modules', 'typescript'))) {
  if (npm) run(process.execPath, [npm, 'install', '--no-audit', '--no-fund']);
  else run('npm', ['install', '--no-audit', '--no-fund']);
}
run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
if (!fs.existsSync(path.join(root, 'native', 'build', 'Release', 'fastnet.node'))) {
  // Development only: users on non-Windows hosts never build anything.
  // binding.gyp lives in native/, not at the top, so that npm and pnpm never
  // see a package to build at install time.
  const gyp = process.env.npm_config_node_gyp;
  if (gyp) run(process.execPath, [gyp, 'rebuild', '-C', 'native']);
  else run('npx', ['--yes', 'node-gyp', 'rebuild', '-C', 'native']);
}
