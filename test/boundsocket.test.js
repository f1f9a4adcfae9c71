'use strict';
// net.BoundSocket (Node 26.4+, and 24 builds that carry it), in explicit and
// transparent mode. A BoundSocket binds in its constructor, so fastnet decides
// there, and the server or socket that adopts it takes that outcome over.
// Everything else must be net's: data, every error, adoption, close/dispose,
// transfer to a worker or a child process. Skipped where Node has none.
const assert = require('node:assert/strict');
const { fork } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { MessageChannel, Worker } = require('node:worker_threads');
const sinon = require('sinon');
const {
  fastnet, net, testing, appliedBinding, simulateWindows, once, close, errorShape, pipePath, tcpHandles, onWindows, uvErrno,
} = require('./support/helpers');

const root = path.join(__dirname, '..');
/** Node's own class, read before any patch. */
const NodeBound = net.BoundSocket;
const hasBoundSocket = typeof NodeBound === 'function';
/**
 * Whether this Node can move a BoundSocket to a worker or a child process. Node 24.21.0's
 * node.exe has BoundSocket without either (Windows got transfer in 26.7.0); Linux 24.22.3 has both.
 */
const boundMoves = hasBoundSocket
  && Object.getOwnPropertySymbols(NodeBound.prototype).some((s) => s.description === 'messaging_transfer_symbol');

function requireBoundSocket() {
  before(function () {
    if (!hasBoundSocket) this.skip();
  });
}

/** `fn` against node:net as Node made it: in transparent mode, net is unpatched for the call. */
function pristine(fn) {
  const patched = fastnet.isPatched();
  if (patched) fastnet.unpatch();
  try {
    return fn();
  } finally {
    if (patched) fastnet.patch();
  }
}

/** What a synchronous call does: its error's shape and class, or ok (a BoundSocket made is closed again). */
function sync(fn) {
  try {
    const made = fn();
    if (made instanceof NodeBound) made[Symbol.dispose]();
    return { ok: true };
  } catch (err) {
    return { threw: { ...errorShape(err), ctor: err.constructor.name } };
  }
}

/** Spies on Node's own TCP handle methods behind fastnet's option guards: what reaches the OS. */
function watchOptions(sandbox) {
  const methods = testing.handleMethods();
  return { setNoDelay: sandbox.spy(methods, 'setNoDelay'), setKeepAlive: sandbox.spy(methods, 'setKeepAlive') };
}

function enablingCalls(spy, handle) {
  return spy.getCalls().filter((c) => c.thisValue === handle && c.args[0]);
}

/** A connection listener that says `text`, reads what comes and closes when the peer does. */
function greet(text, onSocket = () => {}) {
  return (s) => {
    onSocket(s);
    s.on('error', () => {});
    s.resume();
    s.end(text);
  };
}

/** One connection to host:port: what came back, once the other end closed. */
function fetchFrom(impl, options) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    const socket = impl.connect(options, () => socket.end('ping'));
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
  });
}

/** A socket adopting `bound`, connected to host:port; resolves once connected. */
function connectOn(impl, bound, options, before = () => {}) {
  const socket = new impl.Socket({ handle: bound, ...options.socket });
  before(socket);
  socket.connect(options.connect);
  return once(socket, 'connect').then(() => socket);
}

function finish(socket) {
  socket.resume();
  socket.end();
  return once(socket, 'close');
}

/** A port nothing listens on now (any BoundSocket may still reuse it: libuv sets SO_REUSEADDR on POSIX). */
function canListenOn(port, host) {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    pristine(() => probe.listen(port, host, () => probe.close(() => resolve(true))));
  });
}

const modes = [
  {
    name: 'explicit mode (fastnet.BoundSocket, fastnet.Server/Socket)',
    impl: fastnet,
    setup() {},
    teardown() {},
    /** Server options fastnet reads (Node ignores them in transparent mode, so set them there by setFastPathOptions). */
    server(options = {}, listener) { return fastnet.createServer(options, listener); },
    socket(options = {}) { return new fastnet.Socket(options); },
  },
  {
    name: 'transparent mode (fastnet.patch(), net.BoundSocket, net.Server/Socket)',
    impl: net,
    setup() { fastnet.patch(); },
    teardown() { fastnet.unpatch(); },
    server({ loopbackFastPath, unsupportedOptions, ...options } = {}, listener) {
      const server = net.createServer(options, listener);
      const own = { loopbackFastPath, unsupportedOptions };
      for (const k of Object.keys(own)) if (own[k] === undefined) delete own[k];
      if (Object.keys(own).length) fastnet.setFastPathOptions(server, own);
      return server;
    },
    socket({ loopbackFastPath, unsupportedOptions, ...options } = {}) {
      const socket = new net.Socket(options);
      const own = { loopbackFastPath, unsupportedOptions };
      for (const k of Object.keys(own)) if (own[k] === undefined) delete own[k];
      if (Object.keys(own).length) fastnet.setFastPathOptions(socket, own);
      return socket;
    },
  },
];

for (const mode of modes) {
  const { impl } = mode;
  describe(`BoundSocket, ${mode.name}: simulated Windows, ioctl applied`, () => {
    requireBoundSocket();
    simulateWindows(appliedBinding);
    let sandbox;
    beforeEach(() => {
      mode.setup();
      sandbox = sinon.createSandbox();
    });
    afterEach(() => {
      sandbox.restore();
      mode.teardown();
    });

    it('is the BoundSocket of the mode, and Node\'s class: instanceof holds both ways', () => {
      if (impl === net) assert.equal(net.BoundSocket, fastnet.BoundSocket);
      const ours = new impl.BoundSocket({ host: '127.0.0.1' });
      const nodes = new NodeBound({ host: '127.0.0.1' });
      assert.ok(ours instanceof NodeBound);
      assert.ok(nodes instanceof fastnet.BoundSocket);
      assert.equal(Object.getPrototypeOf(ours), NodeBound.prototype);
      class Mine extends fastnet.BoundSocket {}
      const mine = new Mine({ host: '127.0.0.1' });
      assert.ok(mine instanceof Mine && mine instanceof NodeBound);
      assert.deepEqual(fastnet.fastPathStatus(mine), { state: 'applied' });
      assert.equal(fastnet.BoundSocket.name, NodeBound.name);
      assert.equal(fastnet.BoundSocket.length, NodeBound.length);
      for (const b of [ours, nodes, mine]) b.close();
    });

    for (const [family, host] of [['IPv4', '127.0.0.1'], ['IPv6', '::1']]) {
      it(`a server on a ${family} loopback BoundSocket: our socket goes in at construction, the server and its accepted sockets report it, data intact`, async function () {
        const stats = fastnet.fastPathStats();
        const bound = new impl.BoundSocket({ host, port: 0 });
        // Decided and made when Node binds, in the constructor.
        assert.equal(this.binding.createSocket.callCount, 1);
        assert.deepEqual(this.binding.createSocket.args[0], [host === '::1' ? 6 : 4, false]);
        assert.deepEqual(fastnet.fastPathStatus(bound), { state: 'applied' });
        const { port } = bound.address();
        assert.equal(bound.address().address, host);
        let accepted;
        const server = mode.server({}, (s) => {
          accepted = fastnet.fastPathStatus(s);
          s.on('data', (d) => s.end(`pong:${d}`));
        });
        server.listen(bound);
        await once(server, 'listening');
        assert.equal(server.address().port, port);
        assert.deepEqual(fastnet.fastPathStatus(server), { state: 'applied' });
        assert.equal(await fetchFrom(impl, { port, host }), 'pong:ping');
        assert.deepEqual(accepted, { state: 'applied', inherited: true });
        // The listener's socket was made once, at construction, and Node's handle owns it.
        assert.equal(this.binding.closeSocket.callCount, 0);
        // Counted once, when decided (the BoundSocket), not again for the server; then the client and the accept.
        const now = fastnet.fastPathStats();
        assert.equal(now.applied - stats.applied, 2);
        assert.equal(now.acceptedOnFastPath - stats.acceptedOnFastPath, 1);
        await close(server);
      });
    }

    it('listen({ handle: bound }) adopts it the same way', async () => {
      const bound = new impl.BoundSocket({ host: '127.0.0.1' });
      const server = mode.server({}, greet('hello'));
      server.listen({ handle: bound });
      await once(server, 'listening');
      assert.deepEqual(fastnet.fastPathStatus(server), { state: 'applied' });
      assert.equal(await fetchFrom(impl, { port: server.address().port, host: '127.0.0.1' }), 'hello');
      await close(server);
    });

    it("a client on a loopback BoundSocket: applied, Node's source port kept, setNoDelay(true) never reaches the OS", async () => {
      const spies = watchOptions(sandbox);
      const server = mode.server({}, (s) => s.on('data', (d) => s.end(d)));
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const bound = new impl.BoundSocket({ host: '127.0.0.1' });
      const localPort = bound.address().port;
      const socket = new impl.Socket({ handle: bound });
      const handle = socket._handle;
      socket.setNoDelay(true); // adopted, not yet connected: the handle already holds our socket
      socket.connect({ port: server.address().port, host: '127.0.0.1' });
      await once(socket, 'connect');
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 1000);
      assert.equal(socket.localPort, localPort);
      assert.deepEqual(enablingCalls(spies.setNoDelay, handle), []);
      assert.deepEqual(enablingCalls(spies.setKeepAlive, handle), []);
      assert.deepEqual(fastnet.fastPathStatus(socket), { state: 'applied', ignoredOptions: ['noDelay', 'keepAlive'] });
      const chunks = [];
      socket.on('data', (d) => chunks.push(d));
      socket.end('echo');
      await once(socket, 'close');
      assert.equal(Buffer.concat(chunks).toString(), 'echo');
      await close(server);
    });

    it('createConnection({ handle: bound, port, host }) and a host name (resolved, then connected) adopt it too', async () => {
      const server = mode.server({}, greet('hi'));
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const port = server.address().port;
      const viaConnect = impl.createConnection({ handle: new impl.BoundSocket({ host: '127.0.0.1' }), port, host: '127.0.0.1' });
      await once(viaConnect, 'connect');
      assert.deepEqual(fastnet.fastPathStatus(viaConnect), { state: 'applied' });
      await finish(viaConnect);
      const lookup = (host, options, cb) => setImmediate(cb, null, '127.0.0.1', 4);
      const named = new impl.Socket({ handle: new impl.BoundSocket({ host: '127.0.0.1' }) });
      named.connect({ port, host: 'loop.test', lookup });
      assert.deepEqual(fastnet.fastPathStatus(named), { state: 'pending' });
      await once(named, 'connect');
      assert.deepEqual(fastnet.fastPathStatus(named), { state: 'applied' });
      await finish(named);
      await close(server);
    });

    it('0.0.0.0 and :: are attempted, a server on one inherits it; under FASTNET_LOOPBACK_BINDS_ONLY 0.0.0.0 only by opt-in, :: never', async function () {
      const plain = new impl.BoundSocket();
      assert.deepEqual(fastnet.fastPathStatus(plain), { state: 'applied' });
      assert.equal(plain.address().address, '0.0.0.0');
      const any6 = new impl.BoundSocket({ host: '::' });
      assert.equal(any6.address().address, '::');
      assert.deepEqual(fastnet.fastPathStatus(any6), { state: 'applied' });
      assert.equal(this.binding.createSocket.callCount, 2);
      for (const bound of [plain, any6]) {
        const server = mode.server({}, greet('x'));
        server.listen(bound);
        await once(server, 'listening');
        assert.deepEqual(fastnet.fastPathStatus(server), { state: 'applied' });
        assert.equal(await fetchFrom(impl, { port: server.address().port, host: '127.0.0.1' }), 'x');
        await close(server);
      }
      testing.setLoopbackBindsOnly(true);
      try {
        const made = this.binding.createSocket.callCount;
        const scoped = new impl.BoundSocket();
        assert.deepEqual(fastnet.fastPathStatus(scoped), { state: 'skipped', reason: 'wildcard' });
        const optedIn = new impl.BoundSocket({ port: 0, loopbackFastPath: true });
        assert.deepEqual(fastnet.fastPathStatus(optedIn), { state: 'applied' });
        const scoped6 = new impl.BoundSocket({ ipv6Only: true });
        assert.deepEqual(fastnet.fastPathStatus(scoped6), { state: 'skipped', reason: 'dual-stack' });
        scoped6.close();
        assert.equal(this.binding.createSocket.callCount - made, 1);
        for (const [bound, expected] of [[scoped, 'skipped'], [optedIn, 'applied']]) {
          const server = mode.server({}, greet('x'));
          server.listen(bound);
          await once(server, 'listening');
          assert.equal(fastnet.fastPathStatus(server).state, expected);
          assert.equal(await fetchFrom(impl, { port: server.address().port, host: '127.0.0.1' }), 'x');
          await close(server);
        }
      } finally {
        testing.setLoopbackBindsOnly(undefined);
      }
    });

    it("a client on a BoundSocket that was not attempted reports the construction's reason, and its options go through", async () => {
      const spies = watchOptions(sandbox);
      const server = mode.server({}, greet(''));
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const socket = await connectOn(impl, new impl.BoundSocket({ loopbackFastPath: false }),
        { connect: { port: server.address().port, host: '127.0.0.1' } });
      socket.setNoDelay(true);
      assert.deepEqual(fastnet.fastPathStatus(socket), { state: 'skipped', reason: 'opted-out' });
      assert.equal(enablingCalls(spies.setNoDelay, socket._handle).length, 1);
      await finish(socket);
      await close(server);
    });

    it('a client towards a destination that is not loopback: not-loopback, and the options Node holds reach the OS', async function () {
      const ip = Object.values(os.networkInterfaces()).flat().find((i) => i && !i.internal && i.family === 'IPv4');
      if (!ip) this.skip();
      const spies = watchOptions(sandbox);
      const server = net.createServer(greet(''));
      pristine(() => server.listen(0, ip.address));
      await once(server, 'listening');
      const bound = new impl.BoundSocket({ loopbackFastPath: true }); // 0.0.0.0, on the fast path
      let handle;
      const socket = await connectOn(impl, bound, { connect: { port: server.address().port, host: ip.address } }, (s) => {
        handle = s._handle;
        s.setNoDelay(true); // withheld while the socket could still go to loopback
      });
      assert.deepEqual(fastnet.fastPathStatus(socket), { state: 'skipped', reason: 'not-loopback' });
      // Node applies what it holds once connected, as net does.
      assert.equal(enablingCalls(spies.setNoDelay, handle).length, 1);
      await finish(socket);
      await close(server);
    });

    it("a server's unsupportedOptions: 'throw' with noDelay on a fast-path BoundSocket: listen emits the error, the port is released", async () => {
      const bound = new impl.BoundSocket({ host: '127.0.0.1' });
      const { port } = bound.address();
      const server = mode.server({ noDelay: true, unsupportedOptions: 'throw' });
      server.listen(bound);
      const [err] = await once(server, 'error');
      assert.equal(err.code, 'ERR_FASTNET_UNSUPPORTED_OPTION');
      assert.equal(server.listening, false);
      assert.deepEqual(fastnet.fastPathStatus(server), { state: 'skipped', reason: 'unsupported-option' });
      assert.equal(await canListenOn(port, '127.0.0.1'), true);
    });

    it("a client's unsupportedOptions: 'throw' with noDelay asked for before connect(): destroyed with the error", async () => {
      const server = mode.server({}, (s) => s.on('error', () => {}));
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const socket = mode.socket({ handle: new impl.BoundSocket({ host: '127.0.0.1' }), unsupportedOptions: 'throw', noDelay: true });
      socket.connect({ port: server.address().port, host: '127.0.0.1' });
      const [err] = await once(socket, 'error');
      assert.equal(err.code, 'ERR_FASTNET_UNSUPPORTED_OPTION');
      assert.deepEqual(fastnet.fastPathStatus(socket), { state: 'skipped', reason: 'unsupported-option' });
      await close(server);
    });

    it("the adopter's own loopbackFastPath: agreeing is honoured; contradicting fails with ERR_FASTNET_BOUND_OPTION and releases the port", async () => {
      // false where the ioctl was applied: the server cannot undo it.
      const applied = new impl.BoundSocket({ host: '127.0.0.1' });
      const { port } = applied.address();
      const optOut = mode.server({ loopbackFastPath: false });
      optOut.listen(applied);
      const [err] = await once(optOut, 'error');
      assert.equal(err.code, 'ERR_FASTNET_BOUND_OPTION');
      assert.match(err.message, /loopbackFastPath: false .* with the loopback fast path/);
      assert.equal(optOut.listening, false);
      assert.deepEqual(fastnet.fastPathStatus(optOut), { state: 'skipped', reason: 'bound-socket' });
      assert.equal(await canListenOn(port, '127.0.0.1'), true);
      // true where the BoundSocket was skipped for a reason true overrides (its own opt-out).
      const optIn = mode.server({ loopbackFastPath: true });
      optIn.listen(new impl.BoundSocket({ loopbackFastPath: false }));
      assert.equal((await once(optIn, 'error'))[0].code, 'ERR_FASTNET_BOUND_OPTION');
      // false where nothing was applied agrees: opted-out, and it listens.
      const agreed = mode.server({ loopbackFastPath: false }, greet('ok'));
      agreed.listen(new impl.BoundSocket({ loopbackFastPath: false }));
      await once(agreed, 'listening');
      assert.deepEqual(fastnet.fastPathStatus(agreed), { state: 'skipped', reason: 'opted-out' });
      // true on an applied one agrees.
      const both = mode.server({ loopbackFastPath: true });
      both.listen(new impl.BoundSocket({ host: '127.0.0.1' }));
      await once(both, 'listening');
      assert.deepEqual(fastnet.fastPathStatus(both), { state: 'applied' });
      // A client's opt-out on an applied BoundSocket towards loopback: the connection fails the same way.
      const client = mode.socket({ handle: new impl.BoundSocket({ host: '127.0.0.1' }), loopbackFastPath: false });
      client.connect({ port: agreed.address().port, host: '127.0.0.1' });
      assert.equal((await once(client, 'error'))[0].code, 'ERR_FASTNET_BOUND_OPTION');
      assert.deepEqual(fastnet.fastPathStatus(client), { state: 'skipped', reason: 'bound-socket' });
      await Promise.all([close(agreed), close(both)]);
    });

    it('every synchronous throw of the constructor is net\'s: class, code, syscall, address, port, message; nothing leaks', async function () {
      const holder = net.createServer();
      pristine(() => holder.listen(0, '127.0.0.1'));
      await once(holder, 'listening');
      const holder6 = net.createServer();
      pristine(() => holder6.listen(0, '::1'));
      await once(holder6, 'listening');
      const pipe = pipePath('fastnet-bound-throws');
      const cases = [
        ['EADDRINUSE (a live listener)', { host: '127.0.0.1', port: holder.address().port }],
        ['EADDRINUSE on ::1', { host: '::1', port: holder6.address().port }],
        ['EADDRINUSE with loopbackFastPath: true', { host: '127.0.0.1', port: holder.address().port, loopbackFastPath: true }],
        ['EADDRNOTAVAIL (TEST-NET-1)', { host: '192.0.2.1', port: 0 }],
        ['a host name', { host: 'localhost', port: 0 }],
        ['a host that is not a string', { host: 1234 }],
        ['options that are not an object', 0],
        ['options null', null],
        ['port -1', { host: '127.0.0.1', port: -1 }],
        ['port 65536', { host: '127.0.0.1', port: 65536 }],
        ['port not a number', { host: '127.0.0.1', port: {} }],
        ['ipv6Only not a boolean', { ipv6Only: 'yes' }],
        ['reusePort not a boolean', { host: '127.0.0.1', reusePort: 1 }],
        ['path with host', { path: pipe, host: '127.0.0.1' }],
        ['path not a string', { path: 42 }],
        ['ipv6Only with an IPv4 host', { host: '127.0.0.1', ipv6Only: true }],
        ['reusePort on loopback', { host: '127.0.0.1', reusePort: true }],
        ...(onWindows || process.getuid?.() === 0 ? [] : [['EACCES (a privileged port)', { host: '127.0.0.1', port: 1 }]]),
      ];
      const handlesBefore = tcpHandles();
      for (const [label, options] of cases) {
        const expected = sync(() => new NodeBound(options));
        const actual = sync(() => new impl.BoundSocket(options));
        assert.deepEqual(actual, expected, label);
      }
      // Called without new, as Node's class.
      assert.deepEqual(sync(() => impl.BoundSocket({ host: '127.0.0.1' })), sync(() => NodeBound({ host: '127.0.0.1' })));
      // Node ignores keys it does not know, fastnet's included, for TCP and pipes alike.
      assert.deepEqual(sync(() => new NodeBound({ host: '127.0.0.1', loopbackFastPath: true, unsupportedOptions: 'throw' })), { ok: true });
      assert.deepEqual(sync(() => new NodeBound({ path: pipe, loopbackFastPath: true })), { ok: true });
      // fastnet's own options are checked like net's, after net's own.
      assert.equal(sync(() => new impl.BoundSocket({ host: '127.0.0.1', loopbackFastPath: 'yes' })).threw.code, 'ERR_INVALID_ARG_TYPE');
      assert.deepEqual(sync(() => new impl.BoundSocket({ host: 'localhost', loopbackFastPath: 'yes' })),
        sync(() => new NodeBound({ host: 'localhost' })));
      await Promise.all([close(holder), close(holder6)]);
      await new Promise((r) => setImmediate(r));
      assert.ok(tcpHandles() <= handlesBefore, `TCP handles ${handlesBefore} -> ${tcpHandles()}`);
      // Our sockets for the loopback binds went into Node's handles, which Node closed.
      assert.equal(this.binding.closeSocket.callCount, 0);
      fs.rmSync(pipe, { force: true });
    });

    it('ERR_SOCKET_HANDLE_ADOPTED: address(), fd(), close() after adoption, a second adoption, close() twice, as in net', async () => {
      const run = (m) => {
        const out = [];
        const server = m.createServer();
        const bound = new m.BoundSocket({ host: '127.0.0.1' });
        out.push(sync(() => bound.fd() >= 0 || onWindows));
        server.listen(bound);
        for (const f of [() => bound.address(), () => bound.fd(), () => bound.close(),
          () => m.createServer().listen(bound), () => new m.Socket({ handle: bound }),
          () => m.createServer().listen({ handle: bound }), () => bound[Symbol.dispose]()]) out.push(sync(f));
        const client = new m.BoundSocket({ host: '127.0.0.1' });
        const socket = new m.Socket({ handle: client });
        out.push(sync(() => client.address()), sync(() => new m.Socket({ handle: client })));
        out.push(sync(() => socket.connect({ port: 1, host: '127.0.0.1', localPort: 5 })));
        socket.destroy();
        const closed = new m.BoundSocket({ host: '127.0.0.1' });
        closed.close();
        out.push(sync(() => closed.close()), sync(() => closed.address()), sync(() => closed[Symbol.dispose]()));
        server.close();
        return out;
      };
      const expected = pristine(() => run(net));
      assert.deepEqual(run(impl), expected);
      assert.equal(expected[1].threw.code, 'ERR_SOCKET_HANDLE_ADOPTED');
    });

    it('close() and Symbol.dispose release the port; a disposed or adopted one disposes as a no-op', async () => {
      for (const release of ['close', Symbol.dispose]) {
        const bound = new impl.BoundSocket({ host: '127.0.0.1' });
        const { port } = bound.address();
        assert.deepEqual(fastnet.fastPathStatus(bound), { state: 'applied' });
        bound[release]();
        assert.equal(await canListenOn(port, '127.0.0.1'), true, String(release));
        const again = new impl.BoundSocket({ host: '127.0.0.1', port });
        assert.equal(again.address().port, port);
        const server = mode.server();
        server.listen(again);
        await once(server, 'listening');
        assert.deepEqual(fastnet.fastPathStatus(server), { state: 'applied' });
        again[Symbol.dispose](); // adopted: nothing to release
        await close(server);
        assert.equal(await canListenOn(port, '127.0.0.1'), true);
      }
    });

    it('a pipe BoundSocket is left entirely to Node: never attempted, skipped/pipe, and works', async function () {
      const file = pipePath('fastnet-bound');
      fs.rmSync(file, { force: true });
      const bound = new impl.BoundSocket({ path: file, loopbackFastPath: true });
      assert.equal(bound.isPipe, true);
      assert.equal(bound.address(), file);
      assert.deepEqual(fastnet.fastPathStatus(bound), { state: 'skipped', reason: 'pipe' });
      const server = mode.server({}, greet('via pipe'));
      server.listen(bound);
      await once(server, 'listening');
      assert.equal(server.address(), file);
      assert.deepEqual(fastnet.fastPathStatus(server), { state: 'skipped', reason: 'pipe' });
      assert.equal(await fetchFrom(impl, { path: file }), 'via pipe');
      assert.equal(this.binding.createSocket.callCount, 0);
      await close(server);
      fs.rmSync(file, { force: true });
    });

    it('fastPathStatus() takes a BoundSocket: Node\'s own one is untracked, anything else is still refused', () => {
      const nodes = new NodeBound({ host: '127.0.0.1' });
      assert.deepEqual(fastnet.fastPathStatus(nodes), { state: 'skipped', reason: 'untracked' });
      nodes.close();
      assert.throws(() => fastnet.fastPathStatus({ address() {} }), { code: 'ERR_INVALID_ARG_TYPE' });
    });

    it('a server on a BoundSocket fastnet did not make is external-handle, as before', async () => {
      const server = mode.server();
      server.listen(new NodeBound({ host: '127.0.0.1' }));
      await once(server, 'listening');
      assert.deepEqual(fastnet.fastPathStatus(server), { state: 'skipped', reason: 'external-handle' });
      await close(server);
    });

    it('the kill switch at construction: skipped/disabled, and so is its adopter', async function () {
      fastnet.setKillSwitch(true);
      let bound;
      try {
        bound = new impl.BoundSocket({ host: '127.0.0.1' });
      } finally {
        fastnet.setKillSwitch(false);
      }
      assert.deepEqual(fastnet.fastPathStatus(bound), { state: 'skipped', reason: 'disabled' });
      const server = mode.server();
      server.listen(bound);
      await once(server, 'listening');
      assert.deepEqual(fastnet.fastPathStatus(server), { state: 'skipped', reason: 'disabled' });
      assert.equal(this.binding.createSocket.callCount, 0);
      await close(server);
    });

    it('an un-adopted BoundSocket moved to a worker: Node\'s class there, adoptable, serving; the sender\'s copy is spent', async function () {
      if (!boundMoves) this.skip();
      const bound = new impl.BoundSocket({ host: '127.0.0.1' });
      const { port } = bound.address();
      const worker = new Worker(`
        const { parentPort, workerData } = require('node:worker_threads');
        require(workerData.simulate);
        const fastnet = require(workerData.fastnet);
        if (workerData.patch) fastnet.patch();
        const net = require('node:net');
        const impl = workerData.patch ? net : fastnet;
        parentPort.once('message', (bound) => {
          const seen = { isNodes: bound instanceof net.BoundSocket, isFastnets: bound instanceof fastnet.BoundSocket,
            port: bound.address().port, bound: fastnet.fastPathStatus(bound) };
          const server = impl.createServer((s) => { seen.accepted = fastnet.fastPathStatus(s); s.resume(); s.end('from the worker'); });
          server.listen(bound, () => {
            seen.server = fastnet.fastPathStatus(server);
            parentPort.postMessage('listening');
            parentPort.once('message', () => server.close(() => parentPort.postMessage(seen)));
          });
        });
      `, {
        eval: true,
        workerData: { simulate: path.join(root, 'test', 'support', 'simulate.js'), fastnet: path.join(root, 'dist', 'index.js'), patch: impl === net },
        env: { ...process.env, FASTNET_TEST_SIMULATE: 'win32', FASTNET_TEST_BINDING: 'applied' },
      });
      try {
        worker.postMessage(bound, [bound]);
        assert.equal(sync(() => bound.address()).threw.code, 'ERR_SOCKET_HANDLE_ADOPTED');
        assert.equal(sync(() => bound.close()).threw.code, 'ERR_SOCKET_HANDLE_ADOPTED');
        const [ready] = await once(worker, 'message');
        assert.equal(ready, 'listening');
        assert.equal(await fetchFrom(impl, { port, host: '127.0.0.1' }), 'from the worker');
        worker.postMessage('close');
        const [seen] = await once(worker, 'message');
        assert.deepEqual(seen, {
          isNodes: true, isFastnets: true, port,
          // The worker cannot know what the sending thread did: its fastnet sees a handle from elsewhere.
          bound: { state: 'skipped', reason: 'untracked' },
          server: { state: 'skipped', reason: 'external-handle' },
          accepted: { state: 'skipped', reason: 'external-handle', inherited: true },
        });
      } finally {
        await worker.terminate();
      }
    });

    it('an un-adopted BoundSocket sent to a child process: Node\'s class there, adoptable, serving', async function () {
      if (!boundMoves) this.skip();
      this.timeout(60000);
      const bound = new impl.BoundSocket({ host: '127.0.0.1' });
      const { port } = bound.address();
      const child = fork(path.join(root, 'test', 'fixtures', 'boundsocket-child.js'), [], {
        execArgv: onWindows ? [] : ['-r', path.join(root, 'test', 'support', 'simulate.js')],
        env: { ...process.env, FASTNET_TEST_SIMULATE: onWindows ? '' : 'win32', FASTNET_TEST_BINDING: 'applied', FASTNET_TEST_PATCH: impl === net ? '1' : '0' },
      });
      try {
        await once(child, 'spawn');
        child.send({ port }, bound);
        assert.equal(sync(() => bound.address()).threw.code, 'ERR_SOCKET_HANDLE_ADOPTED');
        const [ready] = await once(child, 'message');
        assert.deepEqual(ready, { listening: true });
        assert.equal(await fetchFrom(impl, { port, host: '127.0.0.1' }), 'from the child');
        child.send('report');
        const [{ seen }] = await once(child, 'message');
        assert.deepEqual(seen, {
          isNodes: true, isFastnets: true, samePort: true,
          bound: { state: 'skipped', reason: 'untracked' },
          server: { state: 'skipped', reason: 'external-handle' },
          accepted: { state: 'skipped', reason: 'external-handle', inherited: true },
          afterAdoption: 'ERR_SOCKET_HANDLE_ADOPTED',
        });
        child.send('exit');
        await once(child, 'exit');
      } finally {
        child.kill();
      }
    });

    it('where Node cannot move a BoundSocket, fastnet\'s is refused as Node\'s is, and stays as usable as Node\'s', async function () {
      if (boundMoves) this.skip();
      this.timeout(60000);
      const child = fork(path.join(root, 'test', 'fixtures', 'boundsocket-child.js'), [], {
        execArgv: onWindows ? [] : ['-r', path.join(root, 'test', 'support', 'simulate.js')],
        env: { ...process.env, FASTNET_TEST_SIMULATE: onWindows ? '' : 'win32', FASTNET_TEST_BINDING: 'applied', FASTNET_TEST_PATCH: '0' },
      });
      /** Each way of moving a BoundSocket; the outcome is its throw, then what address() does after it. */
      const moves = {
        worker(bound) {
          const { port1 } = new MessageChannel();
          try {
            port1.postMessage(bound, [bound]);
          } finally {
            port1.close();
          }
        },
        child(bound) { child.send({ port: 0 }, bound); },
      };
      try {
        await once(child, 'spawn');
        for (const [how, move] of Object.entries(moves)) {
          const outcome = (bound) => {
            const moved = sync(() => move(bound));
            const after = sync(() => bound.address());
            sync(() => bound.close());
            return { moved, after };
          };
          const nodes = outcome(pristine(() => new NodeBound({ host: '127.0.0.1' })));
          assert.ok(nodes.moved.threw, `${how}: this Node refuses to move a BoundSocket`);
          assert.deepEqual(outcome(new impl.BoundSocket({ host: '127.0.0.1' })), nodes, how);
        }
      } finally {
        child.kill();
      }
    });
  });
}

describe('BoundSocket: transparent mode patches net.BoundSocket, and unpatch() restores it exactly', () => {
  requireBoundSocket();
  afterEach(() => fastnet.unpatch());

  it('net.BoundSocket, and ESM importers of node:net, see fastnet\'s while patched and Node\'s after', async () => {
    const esm = await import('node:net');
    assert.equal(net.BoundSocket, NodeBound);
    assert.equal(esm.BoundSocket, NodeBound);
    fastnet.patch();
    assert.equal(net.BoundSocket, fastnet.BoundSocket);
    assert.equal(esm.BoundSocket, fastnet.BoundSocket);
    const fromEsm = await import(require('node:url').pathToFileURL(path.join(root, 'dist', 'esm.mjs')).href);
    assert.equal(fromEsm.BoundSocket, fastnet.BoundSocket);
    fastnet.unpatch();
    assert.equal(net.BoundSocket, NodeBound);
    assert.equal(esm.BoundSocket, NodeBound);
    assert.deepEqual(Object.getOwnPropertyDescriptor(net, 'BoundSocket'),
      { value: NodeBound, writable: true, enumerable: true, configurable: true });
  });
});

describe('BoundSocket: pass-through (not Windows)', () => {
  requireBoundSocket();
  simulateWindows(appliedBinding);
  beforeEach(() => testing.setPlatform('linux'));

  it('is Node\'s, nothing native is made, skipped/platform for it and its adopter', async function () {
    const bound = new fastnet.BoundSocket({ host: '127.0.0.1' });
    assert.deepEqual(fastnet.fastPathStatus(bound), { state: 'skipped', reason: 'platform' });
    const server = fastnet.createServer(greet('plain'));
    server.listen(bound);
    await once(server, 'listening');
    assert.equal(await fetchFrom(fastnet, { port: server.address().port, host: '127.0.0.1' }), 'plain');
    assert.deepEqual(fastnet.fastPathStatus(server), { state: 'skipped', reason: 'platform' });
    assert.equal(this.binding.createSocket.callCount, 0);
    await close(server);
  });
});

for (const mode of modes) {
  describe(`BoundSocket, ${mode.name}: an adopter reused after a failed connect (simulated Windows, ioctl applied)`, () => {
    requireBoundSocket();
    simulateWindows(appliedBinding);
    beforeEach(() => mode.setup());
    afterEach(() => mode.teardown());

    it("a lookup error, then a connect of the same socket: it connects as net's does, nothing left of the adoption", async () => {
      const server = mode.server({}, greet('hi'));
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const port = server.address().port;
      const failing = (host, options, cb) => setImmediate(cb, Object.assign(new Error('no such host'), { code: 'ENOTFOUND' }));
      const run = async (socket) => {
        const listeners = () => ['connectionAttempt', 'lookup'].map((e) => socket.listenerCount(e));
        socket.connect({ port, host: 'nowhere.test', lookup: failing });
        const [err] = await once(socket, 'error');
        assert.equal(err.code, 'ENOTFOUND');
        await once(socket, 'close');
        const after = listeners();
        // net reuses a destroyed socket: connect() again.
        socket.connect({ port, host: '127.0.0.1' });
        await once(socket, 'connect');
        const data = await new Promise((resolve) => {
          const chunks = [];
          socket.on('data', (d) => chunks.push(d)).on('end', () => resolve(Buffer.concat(chunks).toString()));
          socket.end();
        });
        await once(socket, 'close');
        return { after, data };
      };
      const node = await pristine(() => run(new net.Socket({ handle: new NodeBound({ host: '127.0.0.1' }) })));
      assert.deepEqual(node, { after: [0, 0], data: 'hi' });
      // An adopter whose own opt-out contradicts the BoundSocket: only that BoundSocket's connection may fail for it.
      const socket = mode.socket({ handle: new mode.impl.BoundSocket({ host: '127.0.0.1' }), loopbackFastPath: false });
      assert.deepEqual(await run(socket), node);
      assert.deepEqual(fastnet.fastPathStatus(socket), { state: 'skipped', reason: 'opted-out' });
      await close(server);
    });
  });
}

describe('BoundSocket: a failed construction counts what happened; fastnet validates before anything is bound (issue 24)', () => {
  requireBoundSocket();
  simulateWindows(appliedBinding);
  const sandbox = sinon.createSandbox();
  afterEach(() => sandbox.restore());

  it("EADDRINUSE that libuv defers past the bind (Windows: Node's getsockname surfaces it) is counted as failed, not applied", function () {
    // libuv on Windows returns 0 from the bind and reports EADDRINUSE on the next getsockname: simulated here.
    const { TCP } = process.binding('tcp_wrap');
    sandbox.stub(TCP.prototype, 'getsockname').returns(uvErrno('EADDRINUSE'));
    const before = fastnet.fastPathStats();
    let thrown;
    try {
      new fastnet.BoundSocket({ host: '127.0.0.1' }); // eslint-disable-line no-new
    } catch (err) {
      thrown = err;
    }
    sandbox.restore();
    assert.equal(thrown?.code, 'EADDRINUSE');
    const after = fastnet.fastPathStats();
    assert.equal(after.applied - before.applied, 0);
    assert.equal(after.failed - before.failed, 1);
    assert.equal(this.binding.enableLoopbackFastPath.callCount, 1);
  });

  it("an invalid fastnet option on a busy port throws fastnet's ERR_INVALID_ARG_TYPE, as net validates, and binds nothing", async function () {
    const holder = net.createServer();
    pristine(() => holder.listen(0, '127.0.0.1'));
    await once(holder, 'listening');
    const bind = sandbox.spy(testing.bindMethods(), 'bind');
    try {
      const r = sync(() => new fastnet.BoundSocket({ host: '127.0.0.1', port: holder.address().port, loopbackFastPath: 'yes' }));
      assert.equal(r.threw?.code, 'ERR_INVALID_ARG_TYPE');
      assert.equal(bind.callCount, 0);
      assert.equal(this.binding.createSocket.callCount, 0);
      // Node's own errors still come first.
      assert.equal(sync(() => new fastnet.BoundSocket({ host: '127.0.0.1', port: -1, loopbackFastPath: 'yes' })).threw.code,
        'ERR_SOCKET_BAD_PORT');
    } finally {
      await close(holder);
    }
  });
});
