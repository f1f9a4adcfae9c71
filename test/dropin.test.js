'use strict';
// Drop-in where tools and apps touch net: wrappers installed on net's methods
// (APM, OpenTelemetry, spies), ES5-style inheritance, instanceof both ways,
// stubs of the exports, and diagnostics channels published once.
const assert = require('node:assert/strict');
const dc = require('node:diagnostics_channel');
const http = require('node:http');
const path = require('node:path');
const util = require('node:util');
const sinon = require('sinon');
const {
  fastnet, net, onWindows, REAL_IOCTL, appliedBinding, simulateWindows, echoServer, roundTrip, close, once,
} = require('./support/helpers');

const root = path.join(__dirname, '..');
const applied = onWindows ? REAL_IOCTL.state === 'applied' : true;

/** Install a shimmer-style wrapper on proto[name] that counts its calls; returns { calls, restore }. */
function wrap(proto, name) {
  const original = proto[name];
  const counter = { calls: 0 };
  const wrapper = function (...args) {
    counter.calls++;
    return original.apply(this, args);
  };
  proto[name] = wrapper;
  counter.wrapper = wrapper;
  counter.original = original;
  counter.restore = () => { proto[name] = original; };
  return counter;
}

/** A fresh copy of fastnet's dist (as a second installed copy would be), with the require cache left as it was. */
function freshCopy() {
  const dist = path.join(root, 'dist') + path.sep;
  const saved = Object.keys(require.cache).filter((k) => k.startsWith(dist));
  const cached = saved.map((k) => [k, require.cache[k]]);
  for (const k of saved) delete require.cache[k];
  try {
    return require(path.join(root, 'dist', 'index.js'));
  } finally {
    for (const k of Object.keys(require.cache)) if (k.startsWith(dist)) delete require.cache[k];
    for (const [k, m] of cached) require.cache[k] = m;
  }
}

describe('drop-in: wrappers on net\'s methods (APM, OpenTelemetry, spies)', () => {
  simulateWindows(() => (onWindows ? undefined : appliedBinding()));
  const wrappers = [];
  afterEach(() => {
    fastnet.unpatch();
    while (wrappers.length) wrappers.pop().restore();
  });
  const on = (proto, name) => {
    const w = wrap(proto, name);
    wrappers.push(w);
    return w;
  };

  it('fastnet\'s own classes call a wrapper installed on net after fastnet loaded, and still take the fast path', async () => {
    const listen = on(net.Server.prototype, 'listen');
    const connect = on(net.Socket.prototype, 'connect');
    const noDelay = on(net.Socket.prototype, 'setNoDelay');
    const server = await echoServer(fastnet, '127.0.0.1');
    assert.equal(listen.calls, 1);
    const { socket, data } = await new Promise((resolve, reject) => {
      const chunks = [];
      const s = fastnet.connect({ port: server.address().port, host: '127.0.0.1' }, () => {
        s.setNoDelay(true);
        s.end('ping');
      });
      s.on('data', (d) => chunks.push(d)).on('error', reject).on('close', () => resolve({ socket: s, data: Buffer.concat(chunks) }));
    });
    assert.equal(data.toString(), 'ping');
    assert.equal(connect.calls, 1);
    assert.equal(noDelay.calls, 1);
    if (applied) {
      assert.equal(fastnet.fastPathStatus(server).state, 'applied');
      assert.equal(fastnet.fastPathStatus(socket).state, 'applied');
    }
    await close(server);
  });

  it('patch() stands in front of a wrapper installed before it, and unpatch() puts that wrapper back', async () => {
    const listen = on(net.Server.prototype, 'listen');
    const connect = on(net.Socket.prototype, 'connect');
    assert.equal(fastnet.patch(), true);
    assert.notEqual(net.Server.prototype.listen, listen.wrapper);
    const server = await echoServer(net, '127.0.0.1');
    const { data } = await roundTrip(net, { port: server.address().port, host: '127.0.0.1' });
    assert.equal(data.toString(), 'ping');
    assert.deepEqual([listen.calls, connect.calls], [1, 1], 'the wrappers are called once each');
    if (applied) assert.equal(fastnet.fastPathStatus(server).state, 'applied');
    await close(server);
    assert.equal(fastnet.unpatch(), true);
    assert.equal(net.Server.prototype.listen, listen.wrapper);
    assert.equal(net.Socket.prototype.connect, connect.wrapper);
  });

  it('unpatch() leaves a wrapper installed on top of fastnet\'s hook in place, and the hook under it stops acting', async () => {
    assert.equal(fastnet.patch(), true);
    const hook = net.Server.prototype.listen;
    const listen = on(net.Server.prototype, 'listen');
    const patched = await echoServer(net, '127.0.0.1');
    assert.equal(listen.calls, 1);
    if (applied) assert.equal(fastnet.fastPathStatus(patched).state, 'applied');
    await close(patched);
    assert.equal(fastnet.unpatch(), true);
    assert.equal(net.Server.prototype.listen, listen.wrapper, 'the wrapper stays');
    assert.equal(listen.original, hook);
    const plain = await echoServer(net, '127.0.0.1');
    assert.equal(listen.calls, 2);
    assert.deepEqual(fastnet.fastPathStatus(plain), { state: 'skipped', reason: 'untracked' },
      'a plain net server after unpatch() is net\'s alone');
    await close(plain);
  });

  it('a spy installed before patch() and restored while patched: fastnet\'s own classes still take the fast path', async function () {
    const spies = [sinon.spy(net.Server.prototype, 'listen'), sinon.spy(net.Socket.prototype, 'connect')];
    try {
      assert.equal(fastnet.patch(), true);
    } finally {
      for (const spy of spies) spy.restore(); // puts net's own methods back, over fastnet's hooks
    }
    const server = await echoServer(fastnet, '127.0.0.1');
    const { socket, data } = await roundTrip(fastnet, { port: server.address().port, host: '127.0.0.1' });
    assert.equal(data.toString(), 'ping');
    if (applied) {
      assert.equal(fastnet.fastPathStatus(server).state, 'applied');
      assert.equal(fastnet.fastPathStatus(socket).state, 'applied');
    }
    await close(server);
  });

  it('a server of fastnet\'s own class goes through one decision when net is patched too (no hook runs twice)', async function () {
    if (onWindows) this.skip(); // counts the stubbed binding's calls
    assert.equal(fastnet.patch(), true);
    const server = await echoServer(fastnet, '127.0.0.1');
    assert.equal(this.binding.createSocket.callCount, 1);
    await roundTrip(fastnet, { port: server.address().port, host: '127.0.0.1' });
    assert.equal(this.binding.createSocket.callCount, 2);
    await close(server);
  });
});

describe('drop-in: net.client.socket is published once, decided by Node\'s version', () => {
  const { publishesInConnect } = require(path.join(root, 'dist', 'core', 'node-internals.js'));

  it('Node 22.17+, 24.2+ and 25+ publish in Socket.prototype.connect; older lines in net.connect', () => {
    const table = {
      '20.20.2': false, '21.7.3': false, '22.16.0': false, '22.17.0': true, '22.23.3': true, '23.11.1': false,
      '24.1.0': false, '24.2.0': true, '24.21.0': true, '25.0.0': true, '26.12.1': true, '27.0.0': true,
    };
    for (const [version, expected] of Object.entries(table)) assert.equal(publishesInConnect(version), expected, version);
  });

  it('with Socket.prototype.connect wrapped before fastnet loads, fastnet.connect() publishes each socket once', async () => {
    const connect = wrap(net.Socket.prototype, 'connect');
    let copy;
    try {
      copy = freshCopy();
    } finally {
      connect.restore();
    }
    // The wrapper stays on net while the copy is used.
    net.Socket.prototype.connect = connect.wrapper;
    const seen = [];
    const onSocket = ({ socket }) => seen.push(socket);
    dc.subscribe('net.client.socket', onSocket);
    const server = await echoServer(net, '127.0.0.1');
    try {
      const { socket } = await roundTrip(copy, { port: server.address().port, host: '127.0.0.1' });
      assert.equal(seen.filter((s) => s === socket).length, 1);
      assert.equal(connect.calls, 1);
    } finally {
      dc.unsubscribe('net.client.socket', onSocket);
      connect.restore();
      await close(server);
    }
  });
});

describe('drop-in: ES5-style inheritance, as with net', () => {
  simulateWindows(() => (onWindows ? undefined : appliedBinding()));

  it('function S() { fastnet.Server.call(this) } with util.inherits listens, accepts and takes the fast path', async () => {
    function S(options, listener) {
      fastnet.Server.call(this, options, listener);
    }
    util.inherits(S, fastnet.Server);
    const server = new S({ unsupportedOptions: 'ignore' }, (s) => s.pipe(s));
    assert.ok(server instanceof S && server instanceof fastnet.Server && server instanceof net.Server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { data } = await roundTrip(net, { port: server.address().port, host: '127.0.0.1' });
    assert.equal(data.toString(), 'ping');
    if (applied) assert.equal(fastnet.fastPathStatus(server).state, 'applied');
    await close(server);
  });

  it('function K() { fastnet.Socket.call(this) } with util.inherits connects, with its options read', async () => {
    function K(options) {
      fastnet.Socket.call(this, options);
    }
    util.inherits(K, fastnet.Socket);
    const server = await echoServer(net, '127.0.0.1');
    const socket = new K({ loopbackFastPath: false });
    assert.ok(socket instanceof K && socket instanceof net.Socket);
    const chunks = [];
    socket.on('data', (d) => chunks.push(d));
    socket.connect(server.address().port, '127.0.0.1', () => socket.end('ping'));
    await once(socket, 'close');
    assert.equal(Buffer.concat(chunks).toString(), 'ping');
    assert.deepEqual(fastnet.fastPathStatus(socket), { state: 'skipped', reason: 'opted-out' });
    await close(server);
  });

  it('net\'s own classes behave the same way (the reference)', async () => {
    function S() {
      net.Server.call(this);
    }
    util.inherits(S, net.Server);
    const server = new S();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    await close(server);
  });
});

describe('drop-in: instanceof answers as node:net does', () => {
  it('accepted sockets, http servers and net\'s own sockets are fastnet\'s too', async () => {
    const server = http.createServer();
    assert.ok(server instanceof fastnet.Server);
    assert.ok(new net.Socket() instanceof fastnet.Socket);
    assert.ok(new fastnet.Socket() instanceof net.Socket);
    const plain = net.createServer();
    plain.listen(0, '127.0.0.1');
    await once(plain, 'listening');
    const accepted = once(plain, 'connection');
    const client = net.connect(plain.address().port, '127.0.0.1');
    const [socket] = await accepted;
    assert.ok(socket instanceof fastnet.Socket);
    assert.ok(!(socket instanceof fastnet.Server));
    assert.ok(!(plain instanceof fastnet.Socket));
    client.destroy();
    socket.destroy();
    await close(plain);
  });

  it('a subclass of fastnet\'s answers for its own instances only', () => {
    class Mine extends fastnet.Socket {}
    assert.ok(new Mine() instanceof Mine);
    assert.ok(!(new net.Socket() instanceof Mine));
    assert.ok(!(new fastnet.Socket() instanceof Mine));
  });
});

describe('drop-in: every export is a plain data property, as on net', () => {
  it('net\'s members have net\'s own descriptors; fastnet\'s own are writable, configurable data properties', () => {
    const kind = (d) => ({ data: 'value' in d, writable: d.writable, configurable: d.configurable, enumerable: d.enumerable });
    const own = new Set(['Server', 'Socket', 'Stream', 'createServer', 'connect', 'createConnection', 'BoundSocket']);
    for (const key of Object.keys(fastnet)) {
      const d = Object.getOwnPropertyDescriptor(fastnet, key);
      const expected = key in net && !own.has(key) ? kind(Object.getOwnPropertyDescriptor(net, key))
        : { data: true, writable: true, configurable: true, enumerable: true };
      assert.deepEqual(kind(d), expected, key);
    }
  });

  it('sinon can stub them and restore them', () => {
    for (const key of ['isIP', 'createServer', 'patch', 'fastPathStatus']) {
      const before = fastnet[key];
      const stub = sinon.stub(fastnet, key).returns('stubbed');
      assert.equal(fastnet[key](), 'stubbed', key);
      stub.restore();
      assert.equal(fastnet[key], before, key);
    }
  });
});
