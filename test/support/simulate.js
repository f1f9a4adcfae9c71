'use strict';
// Preload for child processes in tests: FASTNET_TEST_SIMULATE=win32 runs
// fastnet's Windows path on this host over real sockets, and
// FASTNET_TEST_BINDING=applied makes the ioctl succeed (the POSIX twin
// otherwise refuses it), FASTNET_TEST_TARGET=platform-arch changes what the
// loader looks for. Real Windows and Wine need neither.
// FASTNET_TEST_WINDOWS_RELEASE=10.0.14393 makes fastnet see that os.release()
// (the known-issues table keys on the build).
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const fastnet = require(path.join(root, 'dist', 'index.js'));
const testing = fastnet[Symbol.for('fastnet.testing')];
if (process.env.FASTNET_TEST_SIMULATE === 'win32') testing.setPlatform('win32');
// FASTNET_TEST_TARGET=win32-arm64: pick binding files as that platform and CPU would.
if (process.env.FASTNET_TEST_TARGET) {
  const [platform, arch] = process.env.FASTNET_TEST_TARGET.split('-');
  testing.setNativeTarget({ platform, arch });
}
if (process.env.FASTNET_TEST_BINDING === 'applied') {
  const { binding: twin, choice } = require(path.join(root, 'dist', 'core', 'binding.js')).chooseBinding();
  if (!twin) throw new Error(choice.error);
  testing.setBinding({ ...twin, enableLoopbackFastPath: () => 0 });
}
if (process.env.FASTNET_TEST_WINDOWS_RELEASE) testing.setWindowsRelease(process.env.FASTNET_TEST_WINDOWS_RELEASE);
