'use strict';
// The loader: which binding file a process loads, and which it passes over.
// A file for another OS or CPU, a damaged one, or one the OS refuses must never
// shadow a usable one; with none usable, fastnet says why.
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const { chooseBinding } = require(path.join(root, 'dist', 'core', 'binding.js'));
const { inspectNativeFile } = require(path.join(root, 'dist', 'core', 'native-file.js'));
const { spawnNode } = require('./support/helpers');

/** A minimal PE DLL header for `machine` (0x8664 x64, 0x14c ia32, 0xaa64 arm64): enough for the header check. */
function peHeader(machine) {
  const buf = Buffer.alloc(512);
  buf.write('MZ', 0, 'latin1');
  buf.writeUInt32LE(0x80, 0x3c);
  buf.writeUInt32LE(0x4550, 0x80); // PE\0\0
  buf.writeUInt16LE(machine, 0x84);
  buf.writeUInt16LE(0, 0x86); // no sections
  buf.writeUInt16LE(0xf0, 0x94); // optional header size
  buf.writeUInt16LE(0x2022, 0x96); // DLL | executable | large address aware
  return buf;
}

/** A minimal 64-bit little-endian ELF header for e_machine (0x3e x64, 0xb7 arm64), no segments. */
function elfHeader(machine) {
  const buf = Buffer.alloc(64);
  buf.writeUInt32BE(0x7f454c46, 0);
  buf[4] = 2; // 64-bit
  buf[5] = 1; // little-endian
  buf.writeUInt16LE(machine, 0x12);
  return buf;
}

describe('binding loader', () => {
  let dir;
  const put = (rel, buf) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), buf);
    return path.join(dir, rel);
  };
  const loaded = [];
  const load = (file) => { loaded.push(file); return { file }; };
  const choose = (platform, arch, extra = {}) => chooseBinding({ root: dir, platform, arch, env: {}, load, ...extra });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fastnet-loader-'));
    loaded.length = 0;
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads the format, OS and CPU from the header', () => {
    assert.deepEqual(inspectNativeFile(peHeader(0x8664)), { format: 'PE', os: 'win32', arch: 'x64' });
    assert.deepEqual(inspectNativeFile(peHeader(0x14c)), { format: 'PE', os: 'win32', arch: 'ia32' });
    assert.deepEqual(inspectNativeFile(peHeader(0xaa64)), { format: 'PE', os: 'win32', arch: 'arm64' });
    assert.deepEqual(inspectNativeFile(elfHeader(0xb7)), { format: 'ELF', os: 'elf', arch: 'arm64' });
    assert.throws(() => inspectNativeFile(Buffer.from('#!/bin/sh\n'.padEnd(100))), /not a native module/);
  });

  it('a checkout with a Linux build/Release: Windows loads its prebuild, Linux its build', () => {
    const pre = put('prebuilds/win32-x64/node.napi.node', peHeader(0x8664));
    const build = put('native/build/Release/fastnet.node', elfHeader(0x3e));
    const win = choose('win32', 'x64');
    assert.deepEqual(win.choice, { path: pre, kind: 'prebuild', passedOver: [] });
    assert.deepEqual(win.binding, { file: pre });
    const linux = choose('linux', 'x64');
    assert.deepEqual(linux.choice, { path: build, kind: 'local build', passedOver: [] });
    assert.deepEqual(loaded, [pre, build]);
  });

  it('a binary for another OS in the preferred place is passed over, with the reason, never loaded', () => {
    const wrong = put('prebuilds/win32-x64/node.napi.node', elfHeader(0x3e));
    const build = put('native/build/Release/fastnet.node', peHeader(0x8664));
    const r = choose('win32', 'x64');
    assert.equal(r.choice.path, build);
    assert.equal(r.choice.kind, 'local build');
    assert.deepEqual(r.choice.passedOver, [{ path: wrong, reason: 'ELF x64 binary, not for win32' }]);
    assert.deepEqual(loaded, [build]);
  });

  it('a binary for another CPU is passed over', () => {
    const wrong = put('prebuilds/win32-x64/node.napi.node', peHeader(0x14c));
    const r = choose('win32', 'x64');
    assert.equal(r.binding, undefined);
    assert.deepEqual(r.choice.passedOver, [{ path: wrong, reason: 'PE ia32 binary, not for x64' }]);
    assert.match(r.choice.error, /^no usable binding for win32-x64; passed over .*node\.napi\.node: PE ia32 binary, not for x64$/);
    assert.deepEqual(loaded, []);
  });

  it('a damaged file, or one the OS refuses to load, is passed over and the next one tried', () => {
    const truncated = peHeader(0x8664);
    truncated.writeUInt16LE(1, 0x86); // one section, whose table lies past the end
    truncated.writeUInt16LE(0x1000, 0x94);
    const bad = put('prebuilds/win32-x64/node.napi.node', truncated);
    const build = put('native/build/Release/fastnet.node', peHeader(0x8664));
    let r = choose('win32', 'x64');
    assert.equal(r.choice.path, build);
    assert.deepEqual(r.choice.passedOver, [{ path: bad, reason: 'damaged (section table past the end); reinstall fastnet' }]);

    put('prebuilds/win32-x64/node.napi.node', peHeader(0x8664));
    r = choose('win32', 'x64', {
      load: (file) => { if (file !== build) throw new Error('\\\\?\\Z:\\x.node is not a valid Win32 application.\r\nmore'); return { file }; },
    });
    assert.equal(r.choice.path, build);
    assert.match(r.choice.passedOver[0].reason, /^the OS refused to load it: .* is not a valid Win32 application\.$/);
  });

  it('PREBUILDS_ONLY keeps a local build out', () => {
    const build = put('native/build/Release/fastnet.node', peHeader(0x8664));
    const r = choose('win32', 'x64', { env: { PREBUILDS_ONLY: '1' } });
    assert.equal(r.binding, undefined);
    assert.deepEqual(r.choice.passedOver, [{ path: build, reason: 'PREBUILDS_ONLY is set' }]);
  });

  it('Windows on arm64 without its prebuild: no binding, and the message says so; a source build is used', () => {
    put('prebuilds/win32-x64/node.napi.node', peHeader(0x8664));
    put('prebuilds/win32-ia32/node.napi.node', peHeader(0x14c));
    const elf = put('native/build/Release/fastnet.node', elfHeader(0x3e));
    const r = choose('win32', 'arm64');
    assert.equal(r.binding, undefined);
    assert.match(r.choice.error, /^no usable binding for win32-arm64; this copy of fastnet has no prebuild for win32-arm64 \(only win32-ia32, win32-x64\), so it runs without the fast path; a source build \(`npx node-gyp rebuild -C native` in the fastnet folder\) is used if present; /);
    assert.match(r.choice.error, /passed over .*fastnet\.node: ELF x64 binary, not for win32$/);
    assert.deepEqual(loaded, []);
    const own = put('native/build/Release/fastnet.node', peHeader(0xaa64));
    assert.equal(own, elf);
    assert.deepEqual(choose('win32', 'arm64').choice, { path: own, kind: 'local build', passedOver: [] });
  });

  it("this host: the loader finds and loads this checkout's own binding", () => {
    const r = chooseBinding();
    assert.ok(r.binding, r.choice.error);
    assert.equal(typeof r.binding.createSocket, 'function');
    // The prebuild where this checkout has one for this host (Windows after
    // `npm run build:prebuilds`), otherwise the local build.
    const prebuild = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'node.napi.node');
    const expected = fs.existsSync(prebuild) ? prebuild : path.join(root, 'native', 'build', 'Release', 'fastnet.node');
    assert.equal(r.choice.path, expected);
  });
});

describe('doctor: where the binding came from', function () {
  this.timeout(60000);
  const cli = path.join(root, 'dist', 'tool', 'cli.js');
  const simulate = path.join(root, 'test', 'support', 'simulate.js');
  const doctor = (env) => {
    const r = spawnNode(['-r', simulate, cli, 'doctor', '--json', '--duration', '0.3'],
      { env: { ...process.env, FASTNET_TEST_BINDING: '', ...env }, encoding: 'utf8', timeout: 120000 });
    assert.equal(r.status, 0, r.stderr);
    return { report: JSON.parse(r.stdout), stderr: r.stderr };
  };

  it('on Windows on arm64 (simulated) with no usable binding: not loaded, says why, and the verdict is not available', function () {
    if (process.platform === 'win32') this.skip(); // the real platform is simulated here
    const { report, stderr } = doctor({ FASTNET_TEST_SIMULATE: 'win32', FASTNET_TEST_TARGET: 'win32-arm64' });
    assert.equal(report.platform, 'win32');
    assert.equal(report.arch, 'arm64');
    assert.equal(report.binding.loaded, false);
    // This checkout may hold the arm64 prebuild (after `npm run build:prebuilds`); this host cannot load it.
    const prebuild = path.join(root, 'prebuilds', 'win32-arm64', 'node.napi.node');
    assert.match(report.binding.error, fs.existsSync(prebuild)
      ? /^no usable binding for win32-arm64; passed over .*node\.napi\.node: the OS refused to load it: /
      : /^no usable binding for win32-arm64; this copy of fastnet has no prebuild for win32-arm64\b.*, so it runs without the fast path/);
    assert.deepEqual(report.probe, { state: 'not-attempted', reason: 'native binding not loaded' });
    assert.equal(report.verdict.use, 'not-available');
    assert.equal(stderr.match(/FASTNET_NO_BINDING/g)?.length, 1);
  });

  it("names the file used on this host's Windows path", () => {
    const env = process.platform === 'win32' ? {} : { FASTNET_TEST_SIMULATE: 'win32' };
    const { report } = doctor(env);
    assert.equal(report.binding.loaded, true);
    assert.equal(report.binding.path, chooseBinding().choice.path);
    assert.ok(Array.isArray(report.binding.passedOver));
  });
});
