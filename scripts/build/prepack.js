'use strict';
// npm pack / npm publish: the package is built from scratch, so that nothing
// stale ships: dist/ compiled anew from lib/, and the Windows prebuilds
// (which are never committed) cross-built and checked (scripts/build/prebuild.js).
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
for (const dir of ['dist', 'prebuilds']) fs.rmSync(path.join(root, dir), { recursive: true, force: true });
execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
  { cwd: root, stdio: 'inherit' });
execFileSync(process.execPath, [path.join(__dirname, 'prebuild.js')], { cwd: root, stdio: 'inherit' });
