'use strict';
// Preload for child processes in tests: FASTNET_TEST_SIMULATE=win32 runs
// fastnet's Windows path on this host over real sockets, and
// FASTNET_TEST_BINDING=applied makes the ioctl succeed (the POSIX twin
// otherwise refuses it), FASTNET_TEST_TARGET=platform-arch changes what the
// loader looks for. Real Windows and Wine need neither.
// FASTNET_TEST_WINDOWS_RELEASE=10.0.14393 makes fastnet see that os.release()
// (the known-issues table keys on the build).
// It reaches fastnet's test hooks through its core modules, never its entry:
// loading the entry sets fastnet up (cluster, transfer), which would hide what
// a process preloaded with fastnet/register alone lacks.
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const core = (name) => require(path.join(root, 'dist', 'core', `${name}.js`));
const policy = core('policy');
const binding = core('binding');
if (process.env.FASTNET_TEST_SIMULATE === 'win32') policy.setPlatformForTesting('win32');
// FASTNET_TEST_TARGET=win32-arm64: pick binding files as that platform and CPU would.
if (process.env.FASTNET_TEST_TARGET) {
  const [platform, arch] = process.env.FASTNET_TEST_TARGET.split('-');
  binding.setNativeTargetForTesting({ platform, arch });
}
if (process.env.FASTNET_TEST_BINDING === 'applied') {
  const { binding: twin, choice } = binding.chooseBinding();
  if (!twin) throw new Error(choice.error);
  binding.setBindingForTesting({ ...twin, enableLoopbackFastPath: () => 0 });
  // As the testing hook's setBinding: a new binding forgets a remembered refusal.
  const { rememberRefusal } = core('native-socket');
  rememberRefusal(rememberRefusal());
}
if (process.env.FASTNET_TEST_WINDOWS_RELEASE) {
  core('known-issues').setWindowsReleaseForTesting(process.env.FASTNET_TEST_WINDOWS_RELEASE);
  policy.refreshEnv();
}
