'use strict';
// The soak on this host: fastnet's Windows path over real sockets, once with
// the ioctl refused (the POSIX twin) and once with it "applied" (stubbed), so
// the option guards are in play too. On Windows, the real binding.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const runs = process.platform === 'win32'
  ? [{ name: 'real binding', env: {} }]
  : [
    { name: 'simulated Windows, ioctl refused', env: { FASTNET_TEST_SIMULATE: 'win32' } },
    { name: 'simulated Windows, ioctl applied', env: { FASTNET_TEST_SIMULATE: 'win32', FASTNET_TEST_BINDING: 'applied' } },
  ];
let failed = false;
for (const run of runs) {
  console.log(`== soak, ${run.name}`);
  const r = spawnSync(process.execPath, ['-r', path.join(root, 'test', 'support', 'simulate.js'),
    path.join(root, 'test', 'soak', 'soak.js'), ...process.argv.slice(2)],
  // Every socket runs the full plumbing: a refusal is not remembered.
  { stdio: 'inherit', env: { ...process.env, FASTNET_REMEMBER_REFUSAL: '0', ...run.env } });
  if (r.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
