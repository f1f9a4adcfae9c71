'use strict';
// Option enforcement on fast-path sockets: options outside Microsoft's
// supported list must never reach the OS. Every libuv call that would set
// them goes through Node's TCP handle methods, so those are what we watch.
const assert = require('node:assert/strict');
const sinon = require('sinon');
const {
  fastnet, net, testing, refusingBinding, appliedBinding, simulateWindows, once, echoServer, close,
} = require('./support/helpers');

const { TCP } = process.binding('tcp_wrap');

/**
 * Spies where options really reach the OS: Node's own TCP handle methods,
 * which fastnet's guards call for every handle that is not on the fast path.
 */
function watchHandles(sandbox) {
  const methods = testing.handleMethods();
  return {
    setNoDelay: sandbox.spy(methods, 'setNoDelay'),
    setKeepAlive: sandbox.spy(methods, 'setKeepAlive'),
    open: sandbox.spy(TCP.prototype, 'open'),
  };
}

/** Calls that would reach setsockopt: `true` after the handle holds a socket. */
function enablingCalls(spy, handle) {
  return spy.getCalls().filter((c) => c.thisValue === handle && c.args[0]);
}

function connectAndWait(options, beforeConnect = () => {}) {
  return new Promise((resolve, reject) => {
    const socket = new fastnet.Socket(options);
    beforeConnect(socket);
    socket.connect(options, () => resolve(socket));
    socket.on('error', reject);
  });
}

describe('options: the supported subset', () => {
  it('exports the documented list, without TCP_NODELAY and SO_KEEPALIVE', () => {
    assert.deepEqual([...fastnet.SUPPORTED_SOCKET_OPTIONS].sort(), [
      'IPV6_UNICAST_HOPS', 'IPV6_UNICAST_IF', 'IPV6_V6ONLY', 'IP_TTL', 'IP_UNICAST_IF',
      'SO_CONDITIONAL_ACCEPT', 'SO_EXCLUSIVEADDRUSE', 'SO_PORT_SCALABILITY', 'SO_RCVBUF',
      'SO_REUSEADDR', 'TCP_BSDURGENT',
    ]);
    assert.ok(Object.isFrozen(fastnet.SUPPORTED_SOCKET_OPTIONS));
  });
});

describe('options: enforced on fast-path sockets (ioctl applied)', () => {
  simulateWindows(appliedBinding);
  let sandbox;
  let server;
  beforeEach(async () => {
    sandbox = sinon.createSandbox();
    server = await echoServer(net, '127.0.0.1');
  });
  afterEach(async () => {
    sandbox.restore();
    await close(server);
  });

  it('noDelay/keepAlive options and setNoDelay/setKeepAlive never reach the socket; status says so', async () => {
    const spies = watchHandles(sandbox);
    const socket = await connectAndWait({ port: server.address().port, host: '127.0.0.1', noDelay: true, keepAlive: true });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 1000);
    const handle = socket._handle;
    assert.deepEqual(enablingCalls(spies.setNoDelay, handle), []);
    assert.deepEqual(enablingCalls(spies.setKeepAlive, handle), []);
    assert.deepEqual(fastnet.fastPathStatus(socket), { state: 'applied', ignoredOptions: ['noDelay', 'keepAlive'] });
    socket.end('x');
    socket.resume();
    await once(socket, 'close');
  });

  it("libuv's pending flags set before connect (the undici pattern) are cleared before our socket is opened", async () => {
    const spies = watchHandles(sandbox);
    // A host name: our socket goes in only once it is resolved, so calls made meanwhile become pending flags.
    const lookup = (host, opts, cb) => setImmediate(cb, null, [{ address: '127.0.0.1', family: 4 }]);
    const socket = fastnet.connect({ port: server.address().port, host: 'loop.test', lookup });
    const handle = socket._handle;
    socket.setNoDelay(true);   // a handle without a socket: libuv only records a pending flag
    socket.setKeepAlive(true, 5000);
    await once(socket, 'connect');
    const openAt = spies.open.getCalls().find((c) => c.thisValue === handle);
    assert.ok(openAt, 'our socket was opened into the handle Node connects');
    // The last state libuv held for each flag before open() must be "off".
    const lastBefore = (spy) => spy.getCalls().filter((c) => c.thisValue === handle && c.callId < openAt.callId).at(-1);
    assert.equal(lastBefore(spies.setNoDelay).args[0], false);
    assert.equal(lastBefore(spies.setKeepAlive).args[0], false);
    const after = (spy) => spy.getCalls().filter((c) => c.thisValue === handle && c.callId > openAt.callId && c.args[0]);
    assert.deepEqual(after(spies.setNoDelay), []);
    assert.deepEqual(after(spies.setKeepAlive), []);
    assert.deepEqual(fastnet.fastPathStatus(socket).ignoredOptions, ['noDelay', 'keepAlive']);
    socket.destroy();
  });

  it('an IP address: our socket is in the handle when connect() returns, so the same calls are withheld at once', async () => {
    const spies = watchHandles(sandbox);
    const socket = fastnet.connect({ port: server.address().port, host: '127.0.0.1' });
    const handle = socket._handle;
    assert.ok(spies.open.getCalls().some((c) => c.thisValue === handle), 'opened before connect() returned');
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 5000);
    await once(socket, 'connect');
    assert.deepEqual(enablingCalls(spies.setNoDelay, handle), []);
    assert.deepEqual(enablingCalls(spies.setKeepAlive, handle), []);
    assert.deepEqual(fastnet.fastPathStatus(socket).ignoredOptions, ['noDelay', 'keepAlive']);
    socket.destroy();
  });

  it("a server's noDelay/keepAlive (http's default) is withheld from accepted fast-path sockets", async () => {
    const spies = watchHandles(sandbox);
    let accepted;
    const fast = fastnet.createServer({ noDelay: true, keepAlive: true }, (s) => { accepted = s; s.pipe(s); });
    fast.listen(0, '127.0.0.1');
    await once(fast, 'listening');
    const socket = await connectAndWait({ port: fast.address().port, host: '127.0.0.1' });
    socket.end('x');
    socket.resume();
    await once(socket, 'close');
    assert.ok(accepted);
    assert.deepEqual(spies.setNoDelay.getCalls().filter((c) => c.args[0] && c.thisValue !== socket._handle).length, 0);
    assert.deepEqual(spies.setKeepAlive.getCalls().filter((c) => c.args[0]).length, 0);
    assert.deepEqual(fastnet.fastPathStatus(accepted),
      { state: 'applied', inherited: true, ignoredOptions: ['noDelay', 'keepAlive'] });
    await close(fast);
  });

  it("unsupportedOptions: 'throw' throws ERR_FASTNET_UNSUPPORTED_OPTION from setNoDelay, and the socket keeps working", async () => {
    const socket = await connectAndWait({ port: server.address().port, host: '127.0.0.1', unsupportedOptions: 'throw' });
    assert.throws(() => socket.setNoDelay(true), { name: 'TypeError', code: 'ERR_FASTNET_UNSUPPORTED_OPTION' });
    assert.throws(() => socket.setKeepAlive(true), { name: 'TypeError', code: 'ERR_FASTNET_UNSUPPORTED_OPTION' });
    assert.throws(() => socket.setNoDelay(true), { code: 'ERR_FASTNET_UNSUPPORTED_OPTION' }); // every time
    socket.setNoDelay(false); // turning an option off sets nothing
    const chunks = [];
    socket.on('data', (d) => chunks.push(d));
    socket.end('still works');
    await once(socket, 'close');
    assert.equal(Buffer.concat(chunks).toString(), 'still works');
  });

  it("unsupportedOptions: 'throw' with noDelay requested up front: the socket is destroyed with the error", async () => {
    const socket = fastnet.connect({ port: server.address().port, host: '127.0.0.1', unsupportedOptions: 'throw', noDelay: true });
    const [err] = await once(socket, 'error');
    assert.equal(err.code, 'ERR_FASTNET_UNSUPPORTED_OPTION');
    assert.deepEqual(fastnet.fastPathStatus(socket), { state: 'skipped', reason: 'unsupported-option' });
  });

  it("unsupportedOptions: 'throw' on a server with noDelay: listen emits the error", async () => {
    const fast = fastnet.createServer({ noDelay: true, unsupportedOptions: 'throw' });
    fast.listen(0, '127.0.0.1');
    const [err] = await once(fast, 'error');
    assert.equal(err.code, 'ERR_FASTNET_UNSUPPORTED_OPTION');
    assert.equal(fast.listening, false);
  });
});

describe('options: untouched where the fast path is not in use', () => {
  simulateWindows(refusingBinding); // ioctl refused: a normal socket

  it('noDelay and keepAlive pass through when the ioctl was refused', async () => {
    const sandbox = sinon.createSandbox();
    const spies = watchHandles(sandbox);
    const server = await echoServer(net, '127.0.0.1');
    try {
      const socket = await connectAndWait({ port: server.address().port, host: '127.0.0.1', noDelay: true });
      socket.setKeepAlive(true, 1000);
      assert.equal(enablingCalls(spies.setNoDelay, socket._handle).length, 1);
      assert.equal(enablingCalls(spies.setKeepAlive, socket._handle).length, 1);
      assert.equal(fastnet.fastPathStatus(socket).state, 'unsupported');
      assert.equal(fastnet.fastPathStatus(socket).ignoredOptions, undefined);
      socket.destroy();
    } finally {
      sandbox.restore();
      await close(server);
    }
  });
});

describe("options: setKeepAlive and setTypeOfService, read as this Node reads them (Node 24/26's options form too)", () => {
  simulateWindows(appliedBinding);
  let sandbox;
  let server;
  beforeEach(async () => {
    sandbox = sinon.createSandbox();
    server = await echoServer(net, '127.0.0.1');
  });
  afterEach(async () => {
    sandbox.restore();
    await close(server);
  });

  const FORMS = [
    [false], [true], [true, 1000], [false, 1000, 2000, 3], [true, 1000, 2000, 3],
    [{ enable: false }], [{ enable: true, initialDelay: 1000, interval: 2000, count: 3 }], [{}], [],
  ];

  /** What Node itself records for a call: whether keepalive is asked for. */
  function nodeWants(args) {
    const plain = new net.Socket();
    plain.setKeepAlive(...args);
    const sym = Object.getOwnPropertySymbols(plain).find((s) => s.description === 'kSetKeepAlive');
    plain.destroy();
    return plain[sym] === true;
  }

  function threw(fn) {
    try {
      fn();
      return null;
    } catch (err) {
      return { name: err.name, code: err.code, message: err.message };
    }
  }

  async function end(socket) {
    socket.end();
    socket.resume();
    await once(socket, 'close');
  }

  for (const args of FORMS) {
    it(`setKeepAlive(${args.map((a) => JSON.stringify(a)).join(', ')}): refused in 'throw' mode exactly when Node would enable keepalive; never reaches a fast-path socket`, async () => {
      const wanted = nodeWants(args);
      const spies = watchHandles(sandbox);
      const strict = await connectAndWait({ port: server.address().port, host: '127.0.0.1', unsupportedOptions: 'throw' });
      const err = threw(() => strict.setKeepAlive(...args));
      assert.equal(err?.code, wanted ? 'ERR_FASTNET_UNSUPPORTED_OPTION' : undefined, JSON.stringify(err));
      await end(strict);
      const lenient = await connectAndWait({ port: server.address().port, host: '127.0.0.1' });
      lenient.setKeepAlive(...args);
      assert.deepEqual(enablingCalls(spies.setKeepAlive, lenient._handle), []);
      assert.deepEqual(fastnet.fastPathStatus(lenient).ignoredOptions, wanted ? ['keepAlive'] : undefined);
      await end(lenient);
    });
  }

  it('on a socket not on the fast path, the handle gets every argument, as from net, for every form', async () => {
    const spies = watchHandles(sandbox);
    const seen = async (socket) => {
      await once(socket, 'connect');
      const handle = socket._handle;
      for (const args of FORMS) socket.setKeepAlive(...args);
      const calls = spies.setKeepAlive.getCalls().filter((c) => c.thisValue === handle).map((c) => c.args);
      await end(socket);
      return calls;
    };
    const plain = await seen(net.connect(server.address().port, '127.0.0.1'));
    const optedOut = await seen(fastnet.connect({ port: server.address().port, host: '127.0.0.1', loopbackFastPath: false }));
    assert.ok(plain.length > 0);
    assert.deepEqual(optedOut, plain);
  });

  it("setTypeOfService: 0 is never refused, a TOS is refused in 'throw' mode, and a value Node rejects gets Node's own error", async function () {
    if (typeof net.Socket.prototype.setTypeOfService !== 'function') this.skip();
    const plain = net.connect(server.address().port, '127.0.0.1');
    await once(plain, 'connect');
    const strict = await connectAndWait({ port: server.address().port, host: '127.0.0.1', unsupportedOptions: 'throw' });
    for (const bad of ['x', -1, 256, 1.5, NaN]) {
      assert.deepEqual(threw(() => strict.setTypeOfService(bad)), threw(() => plain.setTypeOfService(bad)), String(bad));
    }
    assert.equal(threw(() => strict.setTypeOfService(0)), null);
    assert.equal(threw(() => strict.setTypeOfService(0x10))?.code, 'ERR_FASTNET_UNSUPPORTED_OPTION');
    await end(strict);
    await end(plain);
  });
});

describe('options: a TCP handle no socket owns yet, once the guards are on', () => {
  simulateWindows(appliedBinding);
  let sandbox;
  beforeEach(() => { sandbox = sinon.createSandbox(); });
  afterEach(() => sandbox.restore());

  it("new TCP(): setNoDelay/setKeepAlive/setTypeOfService behave exactly as Node's (owner null)", async () => {
    // A fast-path connection first: the guards are installed and know Node's owner symbol.
    const server = await echoServer(fastnet, '127.0.0.1');
    const socket = await connectAndWait({ port: server.address().port, host: '127.0.0.1' });
    assert.deepEqual(fastnet.fastPathStatus(socket), { state: 'applied' });
    const spies = watchHandles(sandbox);
    const { constants } = process.binding('tcp_wrap');
    const handle = new TCP(constants.SOCKET);
    try {
      assert.equal(handle.setNoDelay(true), 0);
      assert.equal(handle.setKeepAlive(true, 1), 0);
      assert.deepEqual(enablingCalls(spies.setNoDelay, handle).map((c) => c.args), [[true]]);
      assert.deepEqual(enablingCalls(spies.setKeepAlive, handle).map((c) => c.args), [[true, 1]]);
      if (typeof TCP.prototype.setTypeOfService === 'function') {
        const node = testing.handleMethods().setTypeOfService;
        const spy = sandbox.spy(testing.handleMethods(), 'setTypeOfService');
        const other = new TCP(constants.SOCKET);
        const expected = node.call(other, 16);
        other.close();
        assert.equal(handle.setTypeOfService(16), expected);
        assert.equal(spy.callCount, 1);
      }
    } finally {
      handle.close();
      socket.destroy();
      await close(server);
    }
  });
});

describe("options: a 'throw' server's accepted sockets, explicit mode (ioctl applied)", () => {
  simulateWindows(appliedBinding);
  let sandbox;
  beforeEach(() => { sandbox = sinon.createSandbox(); });
  afterEach(() => sandbox.restore());

  /** A server of `options`; resolves the accepted socket (after `inConnection` ran on it) and the client. */
  async function accept(options, inConnection = () => {}) {
    let seen;
    const server = fastnet.createServer(options, (s) => {
      s.on('error', () => {});
      try { inConnection(s); } catch (err) { seen = err; }
      s.pipe(s);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = net.connect(server.address().port, '127.0.0.1');
    const [accepted] = await once(server, 'connection');
    await once(client, 'connect');
    return { server, client, accepted, seen };
  }

  it("setNoDelay(true)/setKeepAlive(true) throw ERR_FASTNET_UNSUPPORTED_OPTION, in 'connection' and later, every time; nothing reaches the OS", async () => {
    const spies = watchHandles(sandbox);
    const { server, client, accepted, seen } = await accept({ unsupportedOptions: 'throw' }, (s) => s.setNoDelay(true));
    assert.equal(seen?.code, 'ERR_FASTNET_UNSUPPORTED_OPTION');
    assert.ok(seen instanceof TypeError);
    const handle = accepted._handle;
    assert.throws(() => accepted.setNoDelay(true), { name: 'TypeError', code: 'ERR_FASTNET_UNSUPPORTED_OPTION' });
    assert.throws(() => accepted.setNoDelay(), { name: 'TypeError', code: 'ERR_FASTNET_UNSUPPORTED_OPTION' });
    assert.throws(() => accepted.setKeepAlive(true, 1000), { name: 'TypeError', code: 'ERR_FASTNET_UNSUPPORTED_OPTION' });
    assert.throws(() => accepted.setKeepAlive(true, 1000), { name: 'TypeError', code: 'ERR_FASTNET_UNSUPPORTED_OPTION' });
    accepted.setNoDelay(false); // turning an option off asks for nothing
    accepted.setKeepAlive(false);
    assert.deepEqual(enablingCalls(spies.setNoDelay, handle), []);
    assert.deepEqual(enablingCalls(spies.setKeepAlive, handle), []);
    if (typeof net.Socket.prototype.setTypeOfService === 'function') {
      assert.throws(() => accepted.setTypeOfService(0x10), { name: 'TypeError', code: 'ERR_FASTNET_UNSUPPORTED_OPTION' });
      assert.throws(() => accepted.setTypeOfService(0x10), { code: 'ERR_FASTNET_UNSUPPORTED_OPTION' });
    }
    // The connection keeps working.
    const chunks = [];
    client.on('data', (d) => chunks.push(d));
    client.end('still works');
    await once(client, 'close');
    assert.equal(Buffer.concat(chunks).toString(), 'still works');
    await close(server);
  });

  it("'ignore' (the default): the same calls are withheld and recorded, never thrown", async () => {
    const spies = watchHandles(sandbox);
    const { server, client, accepted, seen } = await accept({}, (s) => s.setNoDelay(true));
    assert.equal(seen, undefined);
    accepted.setKeepAlive(true, 1000);
    assert.deepEqual(enablingCalls(spies.setNoDelay, accepted._handle), []);
    assert.deepEqual(fastnet.fastPathStatus(accepted),
      { state: 'applied', inherited: true, ignoredOptions: ['noDelay', 'keepAlive'] });
    client.destroy();
    await close(server);
  });

  it("a 'throw' server with noDelay still refuses to listen, as before", async () => {
    const fast = fastnet.createServer({ noDelay: true, unsupportedOptions: 'throw' });
    fast.listen(0, '127.0.0.1');
    const [err] = await once(fast, 'error');
    assert.equal(err.code, 'ERR_FASTNET_UNSUPPORTED_OPTION');
    assert.equal(fast.listening, false);
  });
});
