'use strict';
// Reach: listeners on the unspecified address (listen(port), '::', '0.0.0.0',
// a BoundSocket on either) get the fast path, and each accepted connection is
// decided by its peer: a loopback peer (127.0.0.1, ::1, ::ffff:127.0.0.1) is
// a fast-path socket; any other peer is left exactly as net leaves it. The
// non-loopback peer is real: 192.0.2.1 on lo in a private network namespace
// (unshare -n, as root), whose traffic never leaves it.
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const net = require('node:net');
const tls = require('node:tls');
const path = require('node:path');
const {
  onWindows, REAL_IOCTL, appliedBinding, realBinding, simulateWindows, once, roundTrip, close, uvErrno,
} = require('./support/helpers');
const { run } = require('./fixtures/reach-peers');
const { check } = require('./support/reach-check');

const root = path.join(__dirname, '..');
const REMOTE = '192.0.2.1';

const branches = onWindows
  ? [{ name: "this host's real binding", binding: realBinding, ioctl: REAL_IOCTL },
    { name: 'the real binding, ioctl stubbed to succeed', binding: appliedBinding, ioctl: { state: 'applied' } }]
  : [{ name: 'simulated Windows, ioctl applied', binding: appliedBinding, ioctl: { state: 'applied' } },
    { name: "simulated Windows, this host's real binding", binding: realBinding, ioctl: REAL_IOCTL }];

for (const branch of branches) {
  describe(`reach: unspecified-address listeners and loopback peers, ${branch.name}`, () => {
    simulateWindows(branch.binding);

    it('every listener form, IPv4, IPv6 and IPv4-mapped loopback peers, explicit and transparent mode, against net', async () => {
      const result = await run();
      const counted = check(result, branch.ioctl);
      if (branch.ioctl.state === 'applied') assert.ok(counted.acceptedOnFastPath >= 20, JSON.stringify(counted));
    });

    it("'throw' with a server's noDelay: on 0.0.0.0 / :: it listens as net's, not on the fast path; on 127.0.0.1 listen() fails as before", async () => {
      const { fastnet } = require('./support/helpers');
      for (const host of [undefined, '::', '0.0.0.0']) {
        const server = fastnet.createServer({ noDelay: true, unsupportedOptions: 'throw' }, (s) => s.resume().end('x'));
        server.listen(0, host);
        await once(server, 'listening');
        assert.deepEqual(fastnet.fastPathStatus(server), { state: 'skipped', reason: 'unsupported-option' }, String(host));
        const { data } = await roundTrip(fastnet, { port: server.address().port, host: '127.0.0.1' });
        assert.equal(data.toString(), 'x');
        await close(server);
      }
      const loopback = fastnet.createServer({ noDelay: true, unsupportedOptions: 'throw' });
      loopback.listen(0, '127.0.0.1');
      const [err] = await once(loopback, 'error');
      assert.equal(err.code, branch.ioctl.state === 'applied' || branch.ioctl.state === 'unsupported' ? 'ERR_FASTNET_UNSUPPORTED_OPTION' : err.code);
    });
  });
}

describe('reach: a peer is decided when something first needs it, not at every accept', () => {
  simulateWindows(appliedBinding);
  const { fastnet } = require('./support/helpers');
  // NODE_DEBUG=fastnet and FASTNET_SUMMARY decide every peer at accept (tested below, in child processes).
  let summary;
  before(function () {
    if (/\bfastnet\b/i.test(process.env.NODE_DEBUG ?? '')) this.skip();
    summary = process.env.FASTNET_SUMMARY;
    delete process.env.FASTNET_SUMMARY;
  });
  after(() => {
    if (summary !== undefined) process.env.FASTNET_SUMMARY = summary;
  });

  // Counts getpeername calls on accepted handles (not the listener's own): the per-peer decision's one cost.
  function peerLookups(server) {
    const proto = Object.getPrototypeOf(server._handle);
    const original = proto.getpeername;
    const counted = { calls: 0, restore: () => { proto.getpeername = original; } };
    proto.getpeername = function (...args) {
      if (this !== server._handle) counted.calls++;
      return original.apply(this, args);
    };
    return counted;
  }

  async function oneConnection(options, onSocket, host = '127.0.0.1') {
    let socket;
    const server = fastnet.createServer(options, (s) => { socket = s; onSocket(s); s.resume().end('x'); });
    server.listen(0);
    await once(server, 'listening');
    assert.deepEqual(fastnet.fastPathStatus(server), { state: 'applied' });
    const lookups = peerLookups(server);
    const before = fastnet.fastPathStats();
    try {
      const { data } = await roundTrip(fastnet, { port: server.address().port, host });
      assert.equal(data.toString(), 'x');
      if (!socket.destroyed) await once(socket, 'close');
    } finally {
      lookups.restore();
    }
    const after = fastnet.fastPathStats();
    const delta = {};
    for (const key of ['acceptedOnFastPath', 'acceptedNotLoopback', 'acceptedUndecided']) delta[key] = after[key] - before[key];
    await close(server);
    return { socket, delta, lookups: lookups.calls };
  }

  it('a connection nothing asks about is never looked at: counted undecided, and pending once closed', async () => {
    const r = await oneConnection({}, () => {});
    assert.equal(r.lookups, 0);
    assert.deepEqual(r.delta, { acceptedOnFastPath: 0, acceptedNotLoopback: 0, acceptedUndecided: 1 });
    assert.deepEqual(fastnet.fastPathStatus(r.socket), { state: 'pending', inherited: true });
  });

  it('its status read while it is open decides it, once, and the decision stays after close', async () => {
    const seen = [];
    const r = await oneConnection({}, (s) => { seen.push(fastnet.fastPathStatus(s), fastnet.fastPathStatus(s)); }, '::1');
    assert.deepEqual(seen, [{ state: 'applied', inherited: true }, { state: 'applied', inherited: true }]);
    assert.equal(r.lookups, 1);
    assert.deepEqual(r.delta, { acceptedOnFastPath: 1, acceptedNotLoopback: 0, acceptedUndecided: 0 });
    assert.deepEqual(fastnet.fastPathStatus(r.socket), { state: 'applied', inherited: true });
  });

  it("a server's noDelay (as http's) decides it as Node applies it: withheld from a loopback peer", async () => {
    const r = await oneConnection({ noDelay: true, keepAlive: true }, () => {});
    assert.equal(r.lookups, 1);
    assert.deepEqual(r.delta, { acceptedOnFastPath: 1, acceptedNotLoopback: 0, acceptedUndecided: 0 });
    assert.deepEqual(fastnet.fastPathStatus(r.socket), { state: 'applied', inherited: true, ignoredOptions: ['noDelay', 'keepAlive'] });
  });

  it("a user's own setNoDelay decides it: withheld from a loopback peer, or thrown in 'throw' mode", async () => {
    const r = await oneConnection({}, (s) => s.setNoDelay(true));
    assert.equal(r.lookups, 1);
    assert.deepEqual(fastnet.fastPathStatus(r.socket), { state: 'applied', inherited: true, ignoredOptions: ['noDelay'] });
    let threw;
    const t = await oneConnection({ unsupportedOptions: 'throw' }, (s) => {
      try { s.setNoDelay(true); } catch (err) { threw = err.code; }
    });
    assert.equal(threw, 'ERR_FASTNET_UNSUPPORTED_OPTION');
    assert.deepEqual(t.delta, { acceptedOnFastPath: 1, acceptedNotLoopback: 0, acceptedUndecided: 0 });
  });

  it('a peer that cannot be read (a reset connection) stays undecided and uncounted until it can be', async () => {
    const seen = [];
    const r = await oneConnection({}, (s) => {
      const handle = s._handle;
      handle.getpeername = () => uvErrno('ENOTCONN');
      seen.push(fastnet.fastPathStatus(s), fastnet.fastPathStats().acceptedNotLoopback);
      delete handle.getpeername;
      seen.push(fastnet.fastPathStatus(s), fastnet.fastPathStats().acceptedNotLoopback);
    });
    assert.deepEqual(seen.slice(0, 1), [{ state: 'pending', inherited: true }]);
    assert.equal(seen[1], seen[3], 'no connection counted as a non-loopback peer');
    assert.deepEqual(seen[2], { state: 'applied', inherited: true });
    assert.deepEqual(r.delta, { acceptedOnFastPath: 1, acceptedNotLoopback: 0, acceptedUndecided: 0 });
  });

  it("a closed connection is not decided from the peer Node cached (userland rewrites it): it stays pending", async () => {
    const r = await oneConnection({}, (s) => {
      assert.equal(s.remoteAddress, '::ffff:127.0.0.1');
      s._peername = { address: '203.0.113.5', family: 'IPv4', port: 1 };
    });
    const before = fastnet.fastPathStats();
    assert.deepEqual(fastnet.fastPathStatus(r.socket), { state: 'pending', inherited: true });
    assert.deepEqual(fastnet.fastPathStats(), before);
    assert.deepEqual(r.delta, { acceptedOnFastPath: 0, acceptedNotLoopback: 0, acceptedUndecided: 1 });
  });

  it("a peer address rewritten by userland (a relay's _peername) does not decide a live connection", async () => {
    let status;
    let reached;
    const methods = fastnet[Symbol.for('fastnet.testing')].handleMethods();
    const original = methods.setNoDelay;
    methods.setNoDelay = function (...args) {
      reached = true;
      return original.apply(this, args);
    };
    // After the accept (inside it, the accepted handle itself is read).
    const server = fastnet.createServer((s) => setImmediate(() => {
      s._peername = { address: '203.0.113.5', family: 'IPv4', port: 1 };
      s.setNoDelay(true);
      status = fastnet.fastPathStatus(s);
      s.resume().end('x');
    }));
    try {
      server.listen(0);
      await once(server, 'listening');
      const { data } = await roundTrip(fastnet, { port: server.address().port, host: '127.0.0.1' });
      assert.equal(data.toString(), 'x');
    } finally {
      methods.setNoDelay = original;
      await close(server);
    }
    assert.deepEqual(status, { state: 'applied', inherited: true, ignoredOptions: ['noDelay'] });
    assert.equal(reached, undefined, 'noDelay did not reach the OS');
  });

  it('a connection Node drops (maxConnections) is not counted as accepted', async () => {
    const held = [];
    const server = fastnet.createServer((s) => held.push(s.resume()));
    server.maxConnections = 1;
    server.listen(0);
    await once(server, 'listening');
    const before = fastnet.fastPathStats();
    const port = server.address().port;
    const first = net.connect(port, '127.0.0.1').on('error', () => {});
    await once(server, 'connection');
    const second = net.connect(port, '127.0.0.1').on('error', () => {});
    await once(server, 'drop');
    const after = fastnet.fastPathStats();
    first.destroy();
    second.destroy();
    for (const s of held) s.destroy();
    await close(server);
    assert.equal(after.acceptedUndecided - before.acceptedUndecided, 1);
    assert.equal(after.acceptedOnFastPath - before.acceptedOnFastPath, 0);
  });

  it('a TLS socket of a tls server on :: is decided by its peer, consistently with the socket it wraps', async function () {
    this.timeout(60000);
    const pems = await require('selfsigned').generate([{ name: 'commonName', value: 'localhost' }], { days: 1, keySize: 2048 });
    fastnet.patch();
    const raws = [];
    const statuses = [];
    let server;
    let proto;
    let original;
    try {
      server = tls.createServer({ key: pems.private, cert: pems.cert }, (s) => {
        const raw = raws.at(-1);
        raw.tls = s;
        // The first two read their status (the TLS socket's first) and the peer Node caches, the third nothing.
        if (raws.length < 3) statuses.push(fastnet.fastPathStatus(s), fastnet.fastPathStatus(raw), void raw.remoteAddress);
        s.end('x');
      });
      server.on('connection', (raw) => raws.push(raw));
      server.listen(0);
      await once(server, 'listening');
    } finally {
      fastnet.unpatch();
    }
    assert.deepEqual(fastnet.fastPathStatus(server), { state: 'applied' });
    const port = server.address().port;
    const connect = async () => {
      const c = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }).on('error', () => {});
      c.resume();
      await once(c, 'close');
    };
    const before = fastnet.fastPathStats();
    await connect();
    // The next peers say they are 192.0.2.1 (the namespace test has the real one for net sockets).
    proto = Object.getPrototypeOf(server._handle);
    original = proto.getpeername;
    proto.getpeername = function (out) {
      if (this === server._handle) return original.call(this, out);
      Object.assign(out, { address: '192.0.2.1', family: 'IPv4', port: 1 });
      return 0;
    };
    try {
      await connect();
      await connect();
      for (const s of [raws[2], raws[2].tls]) if (!s.destroyed) await once(s, 'close');
    } finally {
      proto.getpeername = original;
    }
    const APPLIED = { state: 'applied', inherited: true };
    const NOT_LOOPBACK = { state: 'skipped', reason: 'not-loopback', inherited: true };
    assert.deepEqual(statuses, [APPLIED, APPLIED, undefined, NOT_LOOPBACK, NOT_LOOPBACK, undefined]);
    // Once closed, each TLS socket and the socket it wraps still agree, and nothing is decided twice. The third:
    // nothing needed its peer while it was open; its TLS socket does not claim its listener's fast path.
    const closed = raws.map((raw) => [fastnet.fastPathStatus(raw.tls), fastnet.fastPathStatus(raw)]);
    const PENDING = { state: 'pending', inherited: true };
    assert.deepEqual(closed, [[APPLIED, APPLIED], [NOT_LOOPBACK, NOT_LOOPBACK], [PENDING, PENDING]]);
    const after = fastnet.fastPathStats();
    await close(server);
    const delta = {};
    for (const key of ['acceptedOnFastPath', 'acceptedNotLoopback', 'acceptedUndecided']) delta[key] = after[key] - before[key];
    assert.deepEqual(delta, { acceptedOnFastPath: 1, acceptedNotLoopback: 1, acceptedUndecided: 1 });
  });
});

describe('reach: a non-loopback peer in a private network namespace (192.0.2.1 on lo)', function () {
  this.timeout(60000);
  before(function () {
    // unshare -n needs root; node.exe under Wine runs this in the Windows tier's own stage instead.
    if (onWindows || process.getuid?.() !== 0) this.skip();
    const probe = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up'], { encoding: 'utf8' });
    if (probe.status !== 0) this.skip();
  });

  // Without NODE_DEBUG each peer is decided when something first needs it (Node's noDelay, the user's calls, a
  // status read); with it, as each connection is accepted, and the debug lines say so.
  for (const [name, binding, ioctl, nodeDebug] of [
    ['ioctl applied', 'applied', { state: 'applied' }, ''],
    ['ioctl applied, NODE_DEBUG=fastnet', 'applied', { state: 'applied' }, 'fastnet'],
    ["this host's real binding (refused)", '', REAL_IOCTL, ''],
  ]) {
    it(`loopback and 192.0.2.1 peers on every listener form, ${name}, against net`, () => {
      const script = `ip link set lo up && ip addr add ${REMOTE}/32 dev lo && exec "$0" -r ./test/support/simulate.js ./test/fixtures/reach-peers.js`;
      const r = spawnSync('unshare', ['-n', 'sh', '-c', script, process.execPath], {
        cwd: root,
        encoding: 'utf8',
        env: {
          ...process.env, FASTNET_TEST_SIMULATE: 'win32', FASTNET_TEST_BINDING: binding, REACH_REMOTE: REMOTE,
          FASTNET_REMEMBER_REFUSAL: '0', NODE_DEBUG: nodeDebug, FASTNET_SUMMARY: '',
        },
        maxBuffer: 64 * 1024 * 1024,
      });
      assert.equal(r.status, 0, r.stderr);
      const result = JSON.parse(r.stdout);
      assert.ok(result.rows.some((row) => row.peer === REMOTE && row.accepted), 'the non-loopback peer connected');
      const counted = check(result, ioctl);
      if (ioctl.state === 'applied') assert.ok(counted.acceptedNotLoopback >= 10, JSON.stringify(counted));
      if (nodeDebug) {
        // NODE_DEBUG=fastnet says each peer's decision.
        assert.match(r.stderr, /FASTNET \d+: accepted a connection from (::ffff:)?192\.0\.2\.1: not loopback, left as net leaves it/);
        assert.match(r.stderr, /FASTNET \d+: accepted a connection from ::1: on the fast path/);
      }
    });
  }
});

describe('reach: what a user can see (FASTNET_SUMMARY, NODE_DEBUG=fastnet, fastPathStats)', () => {
  const program = `
    const net = require('node:net');
    const fastnet = require('./dist/index.js');
    const server = fastnet.createServer((s) => s.end('x')).listen(0, async () => {
      const port = server.address().port;
      for (const host of ['127.0.0.1', '::1']) {
        await new Promise((resolve) => net.connect(port, host).resume().on('close', resolve));
      }
      const opted = fastnet.createServer({ loopbackFastPath: false }).listen(0, '127.0.0.1', () => opted.close());
      await new Promise((resolve) => fastnet.connect(port, '127.0.0.1').resume().on('close', resolve));
      server.close(() => console.log(JSON.stringify({ exitListeners: process.listenerCount('exit'), stats: fastnet.fastPathStats() })));
    });`;
  const run = (env) => spawnSync(process.execPath, ['-r', './test/support/simulate.js', '-e', program], {
    cwd: root, encoding: 'utf8',
    env: { ...process.env, FASTNET_TEST_SIMULATE: 'win32', FASTNET_TEST_BINDING: 'applied', FASTNET_SUMMARY: '', NODE_DEBUG: '', ...env },
  });

  it('FASTNET_SUMMARY=1 prints one summary at exit: what took the fast path, what did not and why, what to change', function () {
    if (onWindows) this.skip(); // simulated here; under Wine the tier's own stages cover the real binding
    const r = run({ FASTNET_SUMMARY: '1' });
    assert.equal(r.status, 0, r.stderr);
    const { stats } = JSON.parse(r.stdout);
    assert.equal(stats.acceptedOnFastPath, 3);
    assert.equal(stats.acceptedUndecided, 0);
    assert.equal(stats.skippedBy['opted-out'], 1);
    const summary = r.stderr.slice(r.stderr.indexOf('fastnet summary'));
    assert.match(summary, /^fastnet summary \(pid \d+, win32\):$/m);
    assert.match(summary, /on the fast path: \d+ listener\(s\) and client connection attempt\(s\); 3 accepted connection\(s\) from loopback peers/);
    assert.match(summary, /^    opted-out 1: loopbackFastPath: false was set on these$/m);
    assert.equal(r.stderr.match(/fastnet summary/g).length, 1);
  });

  it('without FASTNET_SUMMARY: no summary and no exit listener of fastnet\'s', function () {
    if (onWindows) this.skip();
    const r = run({});
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /fastnet summary/);
    const { exitListeners, stats } = JSON.parse(r.stdout);
    assert.equal(exitListeners, 0);
    // Nothing needed these peers, so none was looked at; FASTNET_SUMMARY decides each as it is accepted (above).
    assert.equal(stats.acceptedUndecided, 3);
    assert.equal(stats.acceptedOnFastPath, 0);
  });

  it('NODE_DEBUG=fastnet says each decision, and each accepted peer of a listener on the unspecified address', function () {
    if (onWindows) this.skip();
    const r = run({ NODE_DEBUG: 'fastnet' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /FASTNET \d+: Server: applied/);
    assert.match(r.stderr, /FASTNET \d+: accepted a connection from ::ffff:127\.0\.0\.1: on the fast path/);
    assert.match(r.stderr, /FASTNET \d+: accepted a connection from ::1: on the fast path/);
  });
});
