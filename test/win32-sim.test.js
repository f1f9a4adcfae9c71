'use strict';
// The Windows code path over real sockets. On other hosts the platform and
// binding are injected (the POSIX twin creates real sockets and, like a stack
// without the feature, refuses the ioctl; a stub can make it succeed). On
// Windows (and under Wine) the same tests run on the real Winsock binding.
const assert = require('node:assert/strict');
const os = require('node:os');
const sinon = require('sinon');
const {
  fastnet, net, testing, twin, onWindows, REAL_IOCTL, pipePath,
  appliedBinding, realBinding, refusingBinding, simulateWindows,
  once, echoServer, roundTrip, close, tcpHandles, REFUSED, uvErrno,
} = require('./support/helpers');

/** A port that was free a moment ago. */
async function freePort() {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address();
  await close(probe);
  return port;
}

describe(`Windows path, this host's real binding (expected: ${REAL_IOCTL.state})`, () => {
  simulateWindows(realBinding);

  it('server and client report what the OS said, accepted sockets inherit, data flows', async function () {
    let accepted;
    const server = fastnet.createServer((s) => { accepted = fastnet.fastPathStatus(s); s.pipe(s); });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const expected = REAL_IOCTL;
    assert.deepEqual(fastnet.fastPathStatus(server), expected);
    const { data, socket } = await roundTrip(fastnet, { port: server.address().port, host: '127.0.0.1' });
    assert.equal(data.toString(), 'ping');
    assert.deepEqual(fastnet.fastPathStatus(socket), expected);
    assert.deepEqual(accepted, { ...expected, inherited: true });
    assert.equal(this.binding.createSocket.callCount, 2);
    assert.equal(this.binding.enableLoopbackFastPath.callCount, 2);
    assert.equal(this.binding.closeSocket.callCount, 0); // Node's handles own them
    await close(server);
  });

  it('IPv6 loopback: both ends use our V6ONLY sockets', async function () {
    const server = await echoServer(fastnet, '::1');
    const { data, socket } = await roundTrip(fastnet, { port: server.address().port, host: '::1' });
    assert.equal(data.toString(), 'ping');
    assert.deepEqual(fastnet.fastPathStatus(server), REAL_IOCTL);
    assert.deepEqual(fastnet.fastPathStatus(socket), REAL_IOCTL);
    // The server's socket is bound by Node (V6ONLY); the client's is bound [::]:0 natively, single-stack.
    assert.deepEqual(this.binding.createSocket.args, [[6, false], [6, true]]);
    await close(server);
  });
});

describe('simulated Windows: ioctl applied (stubbed success, real sockets)', () => {
  simulateWindows(appliedBinding);

  it('server, client and accepted sockets report applied', async function () {
    let accepted;
    const server = fastnet.createServer((s) => { accepted = s; s.pipe(s); });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { data, socket } = await roundTrip(fastnet, { port: server.address().port, host: '127.0.0.1' });
    assert.equal(data.toString(), 'ping');
    assert.deepEqual(fastnet.fastPathStatus(server), { state: 'applied' });
    assert.deepEqual(fastnet.fastPathStatus(socket), { state: 'applied' });
    assert.deepEqual(fastnet.fastPathStatus(accepted), { state: 'applied', inherited: true });
    await close(server);
  });

  it('happy eyeballs: every attempt gets a fresh fast-path socket; the failed one is closed by Node', async function () {
    const server = await echoServer(fastnet, '127.0.0.1');
    const lookup = (host, opts, cb) => cb(null, [{ address: '::1', family: 6 }, { address: '127.0.0.1', family: 4 }]);
    const before = tcpHandles();
    const { data, socket } = await roundTrip(fastnet, { port: server.address().port, host: 'dual.test', lookup });
    assert.equal(data.toString(), 'ping');
    assert.deepEqual(this.binding.createSocket.args.slice(-2), [[6, true], [4, false]]);
    assert.deepEqual(fastnet.fastPathStatus(socket), { state: 'applied' });
    assert.deepEqual(socket.autoSelectFamilyAttemptedAddresses.map((a) => a.split(':').at(-1) > 0), [true, true]);
    await close(server);
    assert.ok(tcpHandles() <= before);
  });

  it('localAddress: our socket is bound where net would bind it', async function () {
    const server = await echoServer(fastnet, '127.0.0.1');
    let local;
    const socket = fastnet.connect({ port: server.address().port, host: '127.0.0.1', localAddress: '127.0.0.2' },
      () => { local = socket.address(); socket.end('x'); });
    socket.resume();
    await once(socket, 'close');
    assert.equal(local.address, '127.0.0.2');
    assert.deepEqual(fastnet.fastPathStatus(socket), { state: 'applied' });
    await close(server);
  });

  it('localPort: Node binds our socket to the fixed port', async function () {
    const server = await echoServer(fastnet, '127.0.0.1');
    const localPort = await freePort();
    let local;
    const socket = fastnet.connect({ port: server.address().port, host: '127.0.0.1', localAddress: '127.0.0.1', localPort },
      () => { local = socket.address(); socket.end('x'); });
    socket.resume();
    await once(socket, 'close');
    assert.equal(local.port, localPort);
    assert.deepEqual(fastnet.fastPathStatus(socket), { state: 'applied' });
    await close(server);
  });

  it('localPort with a host name and happy eyeballs: Node binds before the attempt, fastnet says why it stepped aside', async function () {
    const server = await echoServer(fastnet, '127.0.0.1');
    const localPort = await freePort();
    const lookup = (host, opts, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }, { address: '127.0.0.2', family: 4 }]);
    let local;
    const socket = fastnet.connect({ port: server.address().port, host: 'loop.test', lookup, localPort },
      () => { local = socket.address(); socket.end('x'); });
    socket.resume();
    await once(socket, 'close');
    assert.equal(local.port, localPort);
    assert.deepEqual(fastnet.fastPathStatus(socket), { state: 'skipped', reason: 'local-port' });
    await close(server);
  });

  it('a client socket on the fast path never leaks: handles and fds return to the baseline', async function () {
    const server = await echoServer(fastnet, '127.0.0.1');
    const fs = require('node:fs');
    const fds = () => (fs.existsSync('/proc/self/fd') ? fs.readdirSync('/proc/self/fd').length : 0);
    const handlesBefore = tcpHandles();
    const beforeFds = fds();
    for (let i = 0; i < 50; i++) {
      await roundTrip(fastnet, { port: server.address().port, host: '127.0.0.1' });
    }
    await close(server);
    await new Promise((r) => setImmediate(r));
    assert.ok(fds() <= beforeFds, `fds ${beforeFds} -> ${fds()}`);
    assert.ok(tcpHandles() <= handlesBefore, `TCP handles ${handlesBefore} -> ${tcpHandles()}`);
    assert.equal(this.binding.closeSocket.callCount, 0);
  });
});

describe('simulated Windows: decisions and fallbacks', () => {
  simulateWindows(refusingBinding);

  it('the kill switch turns everything off without touching the binding', async function () {
    assert.equal(fastnet.setKillSwitch(true), true);
    try {
      const server = await echoServer(fastnet, '127.0.0.1');
      const { socket } = await roundTrip(fastnet, { port: server.address().port, host: '127.0.0.1' });
      assert.deepEqual(fastnet.fastPathStatus(server), { state: 'skipped', reason: 'disabled' });
      assert.deepEqual(fastnet.fastPathStatus(socket), { state: 'skipped', reason: 'disabled' });
      assert.equal(this.binding.createSocket.callCount, 0);
      await close(server);
    } finally {
      assert.equal(fastnet.setKillSwitch(undefined), false); // back to FASTNET_DISABLE, which is unset here
    }
  });

  it('the same destination again is decided again when the kill switch changes', async () => {
    const server = await echoServer(net, '127.0.0.1');
    const to = { port: server.address().port, host: '127.0.0.1' };
    const states = [];
    try {
      states.push(fastnet.fastPathStatus((await roundTrip(fastnet, to)).socket));
      fastnet.setKillSwitch(true);
      states.push(fastnet.fastPathStatus((await roundTrip(fastnet, to)).socket));
    } finally {
      fastnet.setKillSwitch(undefined);
    }
    states.push(fastnet.fastPathStatus((await roundTrip(fastnet, to)).socket));
    await close(server);
    assert.equal(states[0].state, 'unsupported'); // refusingBinding
    assert.deepEqual(states[1], { state: 'skipped', reason: 'disabled' });
    assert.equal(states[2].state, 'unsupported');
  });

  it('per-server and per-connection opt-out', async function () {
    const server = await echoServer(fastnet, '127.0.0.1', { loopbackFastPath: false });
    const { socket } = await roundTrip(fastnet,
      { port: server.address().port, host: '127.0.0.1', loopbackFastPath: false });
    assert.deepEqual(fastnet.fastPathStatus(server), { state: 'skipped', reason: 'opted-out' });
    assert.deepEqual(fastnet.fastPathStatus(socket), { state: 'skipped', reason: 'opted-out' });
    assert.equal(this.binding.createSocket.callCount, 0);
    await close(server);
  });

  it('0.0.0.0, :: and no host are attempted; under FASTNET_LOOPBACK_BINDS_ONLY, 0.0.0.0 only with opt-in', async function () {
    for (const host of ['0.0.0.0', '::', undefined]) {
      const server = await echoServer(fastnet, host);
      assert.equal(fastnet.fastPathStatus(server).state, 'unsupported', String(host)); // refusingBinding
      const { data } = await roundTrip(fastnet, { port: server.address().port, host: '127.0.0.1' });
      assert.equal(data.toString(), 'ping');
      await close(server);
    }
    assert.equal(this.binding.createSocket.callCount, 3 + 3); // the servers', and the clients'
    testing.setLoopbackBindsOnly(true);
    try {
      const plain = await echoServer(fastnet, '0.0.0.0');
      assert.deepEqual(fastnet.fastPathStatus(plain), { state: 'skipped', reason: 'wildcard' });
      const optedIn = await echoServer(fastnet, '0.0.0.0', { loopbackFastPath: true });
      assert.equal(fastnet.fastPathStatus(optedIn).state, 'unsupported');
      assert.equal(optedIn.address().address, '0.0.0.0');
      const any = fastnet.createServer().listen(0);
      await once(any, 'listening');
      assert.deepEqual(fastnet.fastPathStatus(any), { state: 'skipped', reason: 'dual-stack' });
      await Promise.all([close(plain), close(optedIn), close(any)]);
    } finally {
      testing.setLoopbackBindsOnly(undefined);
    }
  });

  it('pipes are left to net', async function () {
    const path = pipePath('fastnet');
    const server = fastnet.createServer((s) => s.pipe(s)).listen(path);
    await once(server, 'listening');
    const { data } = await roundTrip(fastnet, { path });
    assert.equal(data.toString(), 'ping');
    assert.deepEqual(fastnet.fastPathStatus(server), { state: 'skipped', reason: 'pipe' });
    assert.equal(this.binding.createSocket.callCount, 0);
    await close(server);
  });

  it('non-loopback destinations are left to net', async function () {
    const ip = Object.values(os.networkInterfaces()).flat().find((i) => i && !i.internal && i.family === 'IPv4');
    if (!ip) this.skip();
    const server = await echoServer(fastnet, ip.address);
    const { data, socket } = await roundTrip(fastnet, { port: server.address().port, host: ip.address });
    assert.equal(data.toString(), 'ping');
    assert.deepEqual(fastnet.fastPathStatus(server), { state: 'skipped', reason: 'not-loopback' });
    assert.deepEqual(fastnet.fastPathStatus(socket), { state: 'skipped', reason: 'not-loopback' });
    await close(server);
  });

  it('a binding that cannot load: behaves like net, one warning with a code, skipped/no-binding', async function () {
    testing.setBinding(new Error('simulated load failure'));
    const warnings = [];
    const onWarning = (w) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const server = await echoServer(fastnet, '127.0.0.1');
      const { data, socket } = await roundTrip(fastnet, { port: server.address().port, host: '127.0.0.1' });
      await roundTrip(fastnet, { port: server.address().port, host: '127.0.0.1' });
      assert.equal(data.toString(), 'ping');
      assert.deepEqual(fastnet.fastPathStatus(server), { state: 'skipped', reason: 'no-binding' });
      assert.deepEqual(fastnet.fastPathStatus(socket), { state: 'skipped', reason: 'no-binding' });
      await new Promise((r) => setImmediate(r));
      const ours = warnings.filter((w) => w.code === 'FASTNET_NO_BINDING');
      assert.equal(ours.length, 1);
      assert.match(ours[0].message, /simulated load failure/);
      await close(server);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('socket creation fails: failed with the OS code, the connection goes on as net', async function () {
    const server = await echoServer(net, '127.0.0.1');
    testing.setBinding({ ...twin, createSocket: () => -os.constants.errno.EMFILE, closeSocket: sinon.spy() });
    const { data, socket } = await roundTrip(fastnet, { port: server.address().port, host: '127.0.0.1' });
    assert.equal(data.toString(), 'ping');
    assert.deepEqual(fastnet.fastPathStatus(socket), { state: 'failed', code: 'EMFILE', errno: os.constants.errno.EMFILE });
    await close(server);
  });

  it('open() fails: our socket is closed, status failed, the connection goes on as net', async function () {
    const server = await echoServer(net, '127.0.0.1');
    const closeSocket = sinon.spy(() => 0);
    testing.setBinding({ createSocket: () => 987654, enableLoopbackFastPath: () => 0, closeSocket });
    const { data, socket } = await roundTrip(fastnet, { port: server.address().port, host: '127.0.0.1' });
    assert.equal(data.toString(), 'ping');
    assert.equal(fastnet.fastPathStatus(socket).state, 'failed');
    // uv_tcp_open refuses a number that is no socket: EBADF on POSIX, ENOTSOCK from Winsock.
    const openError = onWindows ? 'ENOTSOCK' : 'EBADF';
    assert.equal(fastnet.fastPathStatus(socket).code, openError);
    assert.deepEqual(closeSocket.args, [[987654]]);
    const srv = fastnet.createServer().listen(0, '127.0.0.1');
    await once(srv, 'listening');
    assert.equal(fastnet.fastPathStatus(srv).code, openError);
    assert.equal(closeSocket.callCount, 2);
    await Promise.all([close(server), close(srv)]);
  });

  it('an unexpected ioctl error is failed (not unsupported), and the socket is still used', async function () {
    const einval = onWindows ? { code: 'WSAEINVAL', errno: 10022 } : { code: 'EINVAL', errno: os.constants.errno.EINVAL };
    testing.setBinding({ ...twin, enableLoopbackFastPath: () => einval.errno });
    const server = await echoServer(fastnet, '127.0.0.1');
    const { data } = await roundTrip(fastnet, { port: server.address().port, host: '127.0.0.1' });
    assert.equal(data.toString(), 'ping');
    assert.deepEqual(fastnet.fastPathStatus(server), { state: 'failed', ...einval });
    await close(server);
  });

  it('counts outcomes process-wide', async function () {
    const before = fastnet.fastPathStats();
    const server = await echoServer(fastnet, '127.0.0.1');
    await roundTrip(fastnet, { port: server.address().port, host: '127.0.0.1', loopbackFastPath: false });
    const after = fastnet.fastPathStats();
    assert.equal(after.unsupported - before.unsupported, 1);
    assert.equal(after.skipped - before.skipped, 1);
    await close(server);
  });

  it('a socket waiting for its host name to resolve is pending; an IP address is decided at connect()', function () {
    const waiting = fastnet.connect({ port: 9, host: 'never.test', lookup: () => {} });
    assert.deepEqual(fastnet.fastPathStatus(waiting), { state: 'pending' });
    waiting.destroy();
    const now = fastnet.connect({ port: 9, host: '127.0.0.1' });
    assert.deepEqual(fastnet.fastPathStatus(now), { state: 'unsupported', code: REFUSED.code, errno: REFUSED.errno });
    assert.equal(this.binding.createSocket.callCount, 1);
    now.on('error', () => {});
    now.destroy();
  });

  it('invalid fastnet options throw like net validators', function () {
    assert.throws(() => fastnet.createServer({ loopbackFastPath: 'yes' }),
      { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE',
        message: 'The "options.loopbackFastPath" property must be of type boolean. Received type string (\'yes\')' });
    assert.throws(() => new fastnet.Socket({ unsupportedOptions: 'warn' }),
      { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => fastnet.connect({ port: 1, host: '127.0.0.1', loopbackFastPath: 1 }),
      { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  });
});

describe('pass-through (not Windows)', () => {
  it('loads nothing native, adds no listener, reports skipped/platform', async () => {
    const spy = realBinding();
    testing.setPlatform('linux');
    testing.setBinding(spy);
    try {
      const server = await echoServer(fastnet, '127.0.0.1');
      const socket = fastnet.connect({ port: server.address().port, host: '127.0.0.1' });
      assert.equal(socket.listenerCount('connectionAttempt'), 0);
      socket.end('x');
      socket.resume();
      await once(socket, 'close');
      assert.deepEqual(fastnet.fastPathStatus(server), { state: 'skipped', reason: 'platform' });
      assert.deepEqual(fastnet.fastPathStatus(socket), { state: 'skipped', reason: 'platform' });
      assert.equal(spy.createSocket.callCount, 0);
      await close(server);
    } finally {
      testing.setPlatform(undefined);
      testing.setBinding(undefined);
    }
  });
});

describe('status of objects fastnet never saw', () => {
  simulateWindows(refusingBinding);
  it('a plain net socket is untracked', () => {
    assert.deepEqual(fastnet.fastPathStatus(new net.Socket()), { state: 'skipped', reason: 'untracked' });
  });

  it('anything but a socket or server is refused like a net validator', () => {
    for (const bad of [null, undefined, {}, 42]) {
      assert.throws(() => fastnet.fastPathStatus(bad), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    }
  });
});

describe('bench --control: net in fastnet\'s place', () => {
  simulateWindows(appliedBinding);

  it('makes no fastnet socket in control mode, and does otherwise', async function () {
    const { runBench } = require('../dist/tool/bench.js');
    const options = { duration: 0.2, rounds: 1, only: ['client-connects'] };
    const control = await runBench({ ...options, control: true });
    assert.equal(control.length, 1);
    assert.ok(control[0].net > 0 && control[0].fastnet > 0);
    assert.equal(this.binding.createSocket.callCount, 0);
    await runBench(options);
    assert.ok(this.binding.createSocket.callCount > 0);
  });

  it('interleaves net and fastnet connection by connection, ABBA, in the connection scenarios', async () => {
    const dc = require('node:diagnostics_channel');
    const { runBench } = require('../dist/tool/bench.js');
    const seen = [];
    // Both net.connect() and fastnet.connect() publish each client socket here.
    const onSocket = ({ socket }) => seen.push(Object.getPrototypeOf(socket) === fastnet.Socket.prototype ? 'F' : 'N');
    dc.subscribe('net.client.socket', onSocket);
    try {
      await runBench({ duration: 0.2, rounds: 2, only: ['client-connects'] });
    } finally {
      dc.unsubscribe('net.client.socket', onSocket);
    }
    const sequence = seen.join('');
    assert.ok(seen.length >= 24, sequence);
    assert.equal(seen.length % 4, 0, sequence);
    const fours = sequence.match(/..../g);
    assert.ok(fours.every((f) => f === 'NFFN' || f === 'FNNF'), sequence);
    // Each round starts with the other one.
    assert.ok(fours.includes('NFFN') && fours.includes('FNNF'), sequence);
  });
});

describe('Windows path: a host-name connection adds no listener of its own (simulated, ioctl applied)', () => {
  simulateWindows(appliedBinding);
  let sandbox;
  beforeEach(() => { sandbox = sinon.createSandbox(); });
  afterEach(() => sandbox.restore());

  // ::1 refused (the server is on 127.0.0.1 only), then 127.0.0.1 on a fresh handle: both of happy eyeballs' attempts.
  const both = (host, options, cb) => setImmediate(() => (options.all
    ? cb(null, [{ address: '::1', family: 6 }, { address: '127.0.0.1', family: 4 }])
    : cb(null, '127.0.0.1', 4)));

  for (const [title, connect] of [
    ['one address (autoSelectFamily: false)', { host: 'loop.test', lookup: both, autoSelectFamily: false }],
    ['happy eyeballs, the second attempt connects', { host: 'loop.test', lookup: both, autoSelectFamily: true }],
  ]) {
    it(`${title}: listenerCount('connectionAttempt') and ('lookup') are net's; applied, noDelay withheld`, async () => {
      const server = await echoServer(net, '127.0.0.1');
      const port = server.address().port;
      const run = async (impl) => {
        const socket = new impl.Socket();
        const counts = () => ['connectionAttempt', 'lookup'].map((e) => socket.listenerCount(e));
        socket.connect({ port, ...connect });
        const during = counts();
        await once(socket, 'connect');
        return { socket, counts: [during, counts()] };
      };
      const node = await run(net);
      node.socket.destroy();
      const spies = { setNoDelay: sandbox.spy(testing.handleMethods(), 'setNoDelay') };
      const ours = await run(fastnet);
      assert.deepEqual(ours.counts, node.counts);
      const handle = ours.socket._handle;
      ours.socket.setNoDelay(true);
      assert.deepEqual(spies.setNoDelay.getCalls().filter((c) => c.thisValue === handle && c.args[0]), []);
      assert.deepEqual(fastnet.fastPathStatus(ours.socket), { state: 'applied', ignoredOptions: ['noDelay'] });
      ours.socket.destroy();
      await close(server);
    });
  }
});

describe('records shared by every copy of fastnet in the process (issue 24)', () => {
  simulateWindows(appliedBinding);

  /** A second copy of fastnet's modules (as two packages depending on fastnet would load). */
  function secondCopy() {
    const path = require('node:path');
    const dist = path.join(__dirname, '..', 'dist') + path.sep;
    const cached = Object.keys(require.cache).filter((k) => k.startsWith(dist)).map((k) => [k, require.cache[k]]);
    for (const [k] of cached) delete require.cache[k];
    try {
      return require(path.join(dist, 'index.js'));
    } finally {
      for (const [k] of Object.keys(require.cache).filter((k) => k.startsWith(dist)).map((k) => [k])) delete require.cache[k];
      for (const [k, m] of cached) require.cache[k] = m;
    }
  }

  it("another copy reads a server's and an accepted socket's record, withheld options included, and sets a server's options", async () => {
    const copy = secondCopy();
    assert.notEqual(copy, fastnet);
    let accepted;
    const server = fastnet.createServer({ noDelay: true }, (s) => { accepted = s; s.pipe(s); });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    await roundTrip(fastnet, { port: server.address().port, host: '127.0.0.1' });
    assert.deepEqual(copy.fastPathStatus(server), { state: 'applied' });
    assert.deepEqual(copy.fastPathStatus(accepted), { state: 'applied', inherited: true, ignoredOptions: ['noDelay'] });
    await close(server);

    const optedOut = net.createServer();
    copy.setFastPathOptions(optedOut, { loopbackFastPath: false });
    fastnet.Server.prototype.listen.call(optedOut, 0, '127.0.0.1');
    await once(optedOut, 'listening');
    assert.deepEqual(fastnet.fastPathStatus(optedOut), { state: 'skipped', reason: 'opted-out' });
    await close(optedOut);
  });

  it('the records live under registered keys that name their format version', async () => {
    const server = fastnet.createServer({ unsupportedOptions: 'ignore' });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    assert.deepEqual(server[Symbol.for('fastnet.v1.server')], { unsupportedOptions: 'ignore' });
    // A listener's record is on its listening handle: it goes with it.
    assert.equal(server._handle[Symbol.for('fastnet.v1.status')].state, 'applied');
    await close(server);
  });
});

describe("a listener's record follows its life; accepted sockets keep theirs (issue 24)", () => {
  simulateWindows(appliedBinding);
  const sandbox = sinon.createSandbox();
  afterEach(() => sandbox.restore());

  /** Calls of Node's own setNoDelay that would reach the OS for `socket`. */
  function reachedNoDelay(spy, socket) {
    return spy.getCalls().filter((c) => c.thisValue === socket._handle && c.args[0]).length;
  }

  /** Connect to `server` and resolve the accepted socket (the client end is returned too). */
  async function accept(server) {
    const accepted = once(server, 'connection');
    const client = net.connect({ port: server.address().port, host: '127.0.0.1' });
    const [socket] = await accepted;
    return { socket, client };
  }

  it('closed, then listening again with net\'s listen(): the server is no longer applied; sockets accepted before stay guarded, new ones are not', async () => {
    const server = fastnet.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const before = await accept(server);
    server.close();
    assert.deepEqual(fastnet.fastPathStatus(server), { state: 'skipped', reason: 'untracked' });
    net.Server.prototype.listen.call(server, 0, '127.0.0.1');
    await once(server, 'listening');
    assert.deepEqual(fastnet.fastPathStatus(server), { state: 'skipped', reason: 'untracked' });
    const after = await accept(server);
    const setNoDelay = sandbox.spy(testing.handleMethods(), 'setNoDelay');
    before.socket.setNoDelay(true);
    after.socket.setNoDelay(true);
    assert.equal(reachedNoDelay(setNoDelay, before.socket), 0);
    assert.equal(reachedNoDelay(setNoDelay, after.socket), 1);
    assert.deepEqual(fastnet.fastPathStatus(before.socket), { state: 'applied', inherited: true, ignoredOptions: ['noDelay'] });
    assert.notEqual(fastnet.fastPathStatus(after.socket).state, 'applied');
    for (const s of [before.socket, after.socket, before.client, after.client]) s.destroy();
    await close(server);
  });
});

describe('a listen() that fails leaves no success behind (issue 24)', () => {
  simulateWindows(appliedBinding);
  const sandbox = sinon.createSandbox();
  afterEach(() => sandbox.restore());

  it("EADDRINUSE from Node's listen() (as libuv reports it on Windows), not from the bind: failed with that error, counted as failed", async () => {
    // Two handles bound to one port (libuv sets SO_REUSEADDR on Unix): the first to listen wins.
    // Another handle listens right after Node bound the server's, so the server's listen() fails.
    const { TCP, constants } = process.binding('tcp_wrap');
    const holder = new TCP(constants.SERVER);
    const port = await freePort();
    assert.equal(holder.bind('127.0.0.1', port), 0);
    const methods = testing.bindMethods();
    const bind = methods.bind;
    sandbox.stub(methods, 'bind').callsFake(function (address, p, flags) {
      const err = bind.call(this, address, p, flags);
      if (err === 0 && p === port) assert.equal(holder.listen(511), 0);
      return err;
    });
    try {
      const before = fastnet.fastPathStats();
      const server = fastnet.createServer();
      server.listen(port, '127.0.0.1');
      const [err] = await once(server, 'error');
      assert.equal(err.code, 'EADDRINUSE');
      assert.equal(err.syscall, 'listen');
      assert.deepEqual(fastnet.fastPathStatus(server),
        { state: 'failed', code: 'EADDRINUSE', errno: uvErrno('EADDRINUSE') });
      const after = fastnet.fastPathStats();
      assert.equal(after.applied - before.applied, 0);
      assert.equal(after.failed - before.failed, 1);
    } finally {
      holder.close();
    }
  });
});

describe("a listener not on the fast path: its accepted sockets keep its state after it closes (issues 24, 25)", () => {
  simulateWindows(refusingBinding);

  it('a socket accepted by a refused listener says unsupported (inherited), not untracked, once the listener stopped', async () => {
    const server = fastnet.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const accepted = once(server, 'connection');
    const client = net.connect(server.address().port, '127.0.0.1');
    const [socket] = await accepted;
    const closed = new Promise((resolve) => server.close(resolve));
    assert.equal(server._handle, null);
    assert.deepEqual(fastnet.fastPathStatus(server), { state: 'skipped', reason: 'untracked' });
    assert.deepEqual(fastnet.fastPathStatus(socket), { ...REFUSED, state: 'unsupported', inherited: true });
    client.destroy();
    socket.destroy();
    await closed;
  });
});
