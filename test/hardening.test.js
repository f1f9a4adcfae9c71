'use strict';
// Failure paths and exposure: fastnet's sockets never widen what a listener
// exposes, and broken native pieces fall back to net without leaks.
const assert = require('node:assert/strict');
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {
  fastnet, net, onWindows, REAL_IOCTL, realBinding, simulateWindows, once, close, outcome,
} = require('./support/helpers');

const root = path.join(__dirname, '..');

describe('hardening: exposure', () => {
  simulateWindows(realBinding);

  for (const host of ['127.0.0.1', '::1']) {
    it(`a second listener on a fastnet port (${host}) gets EADDRINUSE, from net and from fastnet`, async () => {
      const server = fastnet.createServer().listen(0, host);
      await once(server, 'listening');
      assert.deepEqual(fastnet.fastPathStatus(server), REAL_IOCTL);
      const { port } = server.address();
      for (const impl of [net, fastnet]) {
        const r = await outcome(() => impl.createServer().listen(port, host));
        assert.equal(r.emitted && r.emitted.code, 'EADDRINUSE', JSON.stringify(r));
      }
      await close(server);
    });
  }

  it('fastnet binds exactly where net would: the same address, only that address', async () => {
    const server = fastnet.createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    assert.equal(server.address().address, '127.0.0.1');
    const other = Object.values(os.networkInterfaces()).flat().find((i) => i && !i.internal && i.family === 'IPv4');
    if (other) {
      const r = await outcome(() => net.connect(server.address().port, other.address));
      assert.ok(r.emitted, 'not reachable on another address');
    }
    await close(server);
  });

  it('a child process spawned while a fastnet server listens holds no handle to it', async function () {
    this.timeout(30000);
    const server = fastnet.createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 500));
    await close(server);
    // If the child had inherited the listening socket, the port would still be taken.
    const r = await outcome(() => net.createServer().listen(port, '127.0.0.1'));
    child.kill();
    assert.deepEqual(r, { ok: true });
  });
});

describe('hardening: broken native pieces', function () {
  this.timeout(60000);

  it('a corrupt binding file: net behaviour, skipped/no-binding, exactly one warning', () => {
    // A copy of the package whose binding file (the one the loader picks here) is truncated.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fastnet-corrupt-'));
    try {
      const { chooseBinding } = require(path.join(root, 'dist', 'core', 'binding.js'));
      const rel = path.relative(root, chooseBinding().choice.path);
      fs.cpSync(path.join(root, 'dist'), path.join(dir, 'dist'), { recursive: true });
      fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
      for (const f of ['support/simulate.js', 'fixtures/binding-failure.js']) {
        fs.mkdirSync(path.dirname(path.join(dir, 'test', f)), { recursive: true });
        fs.copyFileSync(path.join(root, 'test', f), path.join(dir, 'test', f));
      }
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), fs.readFileSync(path.join(root, rel)).subarray(0, 4096)); // truncated
      const env = { ...process.env };
      if (!onWindows) env.FASTNET_TEST_SIMULATE = 'win32';
      delete env.FASTNET_TEST_BINDING;
      const out = execFileSync(process.execPath, ['-r', path.join(dir, 'test', 'support', 'simulate.js'),
        path.join(dir, 'test', 'fixtures', 'binding-failure.js')], { env, encoding: 'utf8', timeout: 60000 });
      const r = JSON.parse(out.trim().split('\n').at(-1));
      assert.deepEqual(r.server, { state: 'skipped', reason: 'no-binding' });
      for (const s of r.statuses) {
        assert.equal(s.data, 'intact');
        assert.deepEqual(s.client, { state: 'skipped', reason: 'no-binding' });
      }
      assert.deepEqual(r.warnings, [{ name: 'FastnetWarning', code: 'FASTNET_NO_BINDING' }]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('descriptors exhausted (ulimit -n): the same error as net, status failed/EMFILE, and recovery', function () {
    if (onWindows) this.skip(); // ulimit is a POSIX shell feature
    const out = execFileSync('bash', ['-c', `ulimit -n 64 && exec "${process.execPath}" -r "${path.join(root, 'test', 'support', 'simulate.js')}" "${path.join(root, 'test', 'fixtures', 'fd-exhaustion.js')}"`],
      { env: { ...process.env, FASTNET_TEST_SIMULATE: 'win32' }, encoding: 'utf8', timeout: 60000 });
    const r = JSON.parse(out.trim().split('\n').at(-1));
    assert.ok(r.held > 0);
    assert.equal(r.plain.error.code, 'EMFILE');
    assert.deepEqual(r.fast.error, r.plain.error);
    assert.deepEqual(r.fast.status, { state: 'failed', code: 'EMFILE', errno: os.constants.errno.EMFILE });
    assert.equal(r.after.state, 'unsupported');
  });
});
