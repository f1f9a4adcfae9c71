'use strict';
// npm's install hook. The native binding only matters on Windows, so nothing
// is built (and no compiler is needed) anywhere else. On Windows a prebuild is
// used when present; node-gyp-build falls back to a source build otherwise.
if (process.platform !== 'win32') process.exit(0);
const { spawnSync } = require('node:child_process');
const bin = require.resolve('node-gyp-build/bin.js');
const r = spawnSync(process.execPath, [bin], { stdio: 'inherit' });
process.exit(r.status === null ? 1 : r.status);
