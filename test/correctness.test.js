'use strict';
// Repros from the correctness review (issue 11), kept as tests: each failed
// before its fix. They run on the simulated Windows path here, and on the
// real binding under Wine / on Windows.
const assert = require('node:assert/strict');
const asyncHooks = require('node:async_hooks');
const { execFileSync } = require('node:child_process');
const dc = require('node:diagnostics_channel');
const os = require('node:os');
const path = require('node:path');
const sinon = require('sinon');
const {
  fastnet, net, testing, twin, onWindows, REAL_IOCTL, appliedBinding, realBinding, simulateWindows,
  once, echoServer, close, roundTrip, errorShape,
} = require('./support/helpers');

const root = path.join(__dirname, '..');
const { TCP } = process.binding('tcp_wrap');
const nodeMajor = Number(process.versions.node.split('.')[0]);

/** A server that writes `payload` to each connection and ends it. */
async function writer(payload) {
  const server = net.createServer((s) => s.end(payload));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

for (const [name, binding] of [['ioctl applied', appliedBinding], ["this host's real binding", realBinding]]) {
  describe(`correctness (${name})`, () => {
    simulateWindows(binding);
    afterEach(() => fastnet.unpatch());

    it('transparent mode, localAddress + onread: the user buffer gets the data, on Node\'s own handle and async id', async () => {
      fastnet.patch();
      const server = await writer('hello');
      const received = [];
      const socket = net.connect({
        port: server.address().port, host: '127.0.0.1', localAddress: '127.0.0.1',
        onread: { buffer: Buffer.alloc(16, 46), callback: (n, buf) => { received.push(buf.toString('latin1', 0, n)); } },
      });
      const handle = socket._handle;
      const asyncId = handle.getAsyncId();
      await once(socket, 'connect');
      assert.equal(socket._handle, handle, 'the handle Node made is the one that connected');
      assert.equal(socket._handle.getAsyncId(), asyncId);
      await once(socket, 'close');
      assert.equal(received.join(''), 'hello');
      assert.equal(fastnet.fastPathStatus(socket).state, binding === appliedBinding ? 'applied' : REAL_IOCTL.state);
      await close(server);
    });

    it('async_hooks see the same TCPWRAP resources as with net, with localAddress', async () => {
      const server = await writer('x');
      const count = async () => {
        const inits = [];
        const hook = asyncHooks.createHook({ init(id, type) { if (type === 'TCPWRAP') inits.push(id); } }).enable();
        try {
          const s = net.connect({ port: server.address().port, host: '127.0.0.1', localAddress: '127.0.0.1' });
          s.resume();
          await once(s, 'close');
          return { inits: inits.length, status: fastnet.fastPathStatus(s).state };
        } finally {
          hook.disable();
        }
      };
      const plain = await count();
      fastnet.patch();
      const patched = await count();
      assert.notEqual(patched.status, 'skipped');
      assert.equal(patched.inits, plain.inits);
      await close(server);
    });

    it('IPv6 localAddress: Node binds our socket, which stays single-stack', async function () {
      const server = await echoServer(net, '::1');
      const bind6 = sinon.spy(TCP.prototype, 'bind6');
      try {
        const socket = fastnet.connect({ port: server.address().port, host: '::1', localAddress: '::1' });
        await once(socket, 'connect');
        const call = bind6.getCalls().find((c) => c.thisValue === socket._handle);
        assert.ok(call, 'Node bound the local address');
        assert.equal(call.args[2] & 1, 1, 'with UV_TCP_IPV6ONLY');
        assert.equal(Object.hasOwn(socket._handle, 'bind6'), false, 'the one-call shim is gone');
        socket.destroy();
      } finally {
        bind6.restore();
      }
      await close(server);
    });
  });
}

describe("correctness: 'throw' mode never throws inside Node's callbacks", () => {
  simulateWindows(appliedBinding);
  afterEach(() => fastnet.unpatch());

  let server;
  beforeEach(async () => { server = await echoServer(net, '127.0.0.1'); });
  afterEach(() => close(server));

  it('transparent mode, new net.Socket({ noDelay: true }): an error event, no uncaught exception', async () => {
    fastnet.patch();
    const c = new net.Socket({ noDelay: true });
    fastnet.setFastPathOptions(c, { unsupportedOptions: 'throw' });
    c.connect(server.address().port, '127.0.0.1');
    const [err] = await once(c, 'error');
    assert.equal(err.code, 'ERR_FASTNET_UNSUPPORTED_OPTION');
    assert.match(err.message, /'noDelay' \(TCP_NODELAY\)/);
    assert.deepEqual(fastnet.fastPathStatus(c), { state: 'skipped', reason: 'unsupported-option' });
  });

  it('setKeepAlive before connect, host name: the same, through the attempt hook', async () => {
    const c = new fastnet.Socket({ unsupportedOptions: 'throw' });
    c.setKeepAlive(true, 1000);
    c.connect({ port: server.address().port, host: 'loop.test', lookup: (h, o, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]) });
    const [err] = await once(c, 'error');
    assert.equal(err.code, 'ERR_FASTNET_UNSUPPORTED_OPTION');
  });

  it('Node 24+: setTypeOfService before connect (Node caches it) becomes an error event', async function () {
    if (typeof net.Socket.prototype.setTypeOfService !== 'function') this.skip();
    fastnet.patch();
    const c = new net.Socket();
    fastnet.setFastPathOptions(c, { unsupportedOptions: 'throw' });
    c.setTypeOfService(0x10);
    c.connect(server.address().port, '127.0.0.1');
    const [err] = await once(c, 'error');
    assert.equal(err.code, 'ERR_FASTNET_UNSUPPORTED_OPTION');
    assert.match(err.message, /'typeOfService' \(IP_TOS\)/);
  });

  it("Node 24+: setTypeOfService on a fast-path socket in 'throw' mode throws to the caller; 'ignore' records it", async function () {
    if (typeof net.Socket.prototype.setTypeOfService !== 'function') this.skip();
    const strict = fastnet.connect({ port: server.address().port, host: '127.0.0.1', unsupportedOptions: 'throw' });
    await once(strict, 'connect');
    assert.throws(() => strict.setTypeOfService(0x10), { name: 'TypeError', code: 'ERR_FASTNET_UNSUPPORTED_OPTION' });
    strict.destroy();
    const lenient = fastnet.connect({ port: server.address().port, host: '127.0.0.1' });
    await once(lenient, 'connect');
    lenient.setTypeOfService(0x10);
    assert.deepEqual(fastnet.fastPathStatus(lenient).ignoredOptions, ['typeOfService']);
    lenient.destroy();
  });
});

describe('correctness: failures after our socket exists leave nothing behind', () => {
  simulateWindows(appliedBinding);
  let sandbox;
  beforeEach(() => { sandbox = sinon.createSandbox(); });
  afterEach(() => sandbox.restore());

  it("server: open() fails: our socket is closed, and Node binds and listens on its own handle as net", async () => {
    const closeSocket = sinon.spy(() => 0);
    testing.setBinding({ createSocket: () => 987654, enableLoopbackFastPath: () => 0, closeSocket });
    const open = sandbox.spy(TCP.prototype, 'open');
    const server = fastnet.createServer((s) => s.pipe(s)).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const refused = open.getCalls().find((c) => c.returnValue !== 0);
    assert.ok(refused, 'open() was refused');
    assert.equal(server._handle, refused.thisValue, "Node's own handle, which then got Node's own socket");
    assert.deepEqual(closeSocket.args, [[987654]]);
    assert.equal(fastnet.fastPathStatus(server).state, 'failed');
    const { data } = await roundTrip(net, { port: server.address().port, host: '127.0.0.1' });
    assert.equal(data.toString(), 'ping');
    await close(server);
  });

  it("server: Node's bind fails on the handle holding our socket: net's error, the handle (and our socket) closed, status failed", async () => {
    const [uvEaddrinuse] = [...require('node:util').getSystemErrorMap()].find(([, [name]]) => name === 'EADDRINUSE');
    const closeHandle = sandbox.spy(TCP.prototype, 'close');
    const open = sandbox.spy(TCP.prototype, 'open');
    // Behind fastnet's bind guard: the bind Node makes, on whichever socket the handle holds.
    const bind = sandbox.stub(testing.bindMethods(), 'bind').returns(uvEaddrinuse);
    const run = (impl) => new Promise((resolve) => {
      const server = impl.createServer().listen(0, '127.0.0.1');
      server.on('listening', () => resolve({ listening: true }));
      server.on('error', (err) => resolve({ error: errorShape(err), server }));
    });
    const plain = await run(net);
    const ours = await run(fastnet);
    assert.deepEqual(ours.error, plain.error);
    const opened = open.getCalls().find((c) => c.returnValue === 0);
    assert.ok(opened, 'our socket went into the handle');
    assert.ok(bind.getCalls().some((c) => c.thisValue === opened.thisValue), "Node's bind ran on that handle");
    assert.ok(closeHandle.getCalls().some((c) => c.thisValue === opened.thisValue), 'Node closed it, and our socket with it');
    assert.equal(ours.server._handle, null);
    assert.deepEqual(fastnet.fastPathStatus(ours.server), { state: 'failed', code: 'EADDRINUSE', errno: uvEaddrinuse });
  });

  it('client, IPv6: the native [::]:0 bind fails: nothing of ours enters the handle, no guard, Node connects as net', async () => {
    const server = await echoServer(net, '::1');
    const eacces = onWindows ? 10013 : os.constants.errno.EACCES;
    testing.setBinding({
      ...twin,
      createSocket: (family, bindAny) => (bindAny ? -eacces : twin.createSocket(family, bindAny)),
      enableLoopbackFastPath: () => 0,
    });
    const open = sandbox.spy(TCP.prototype, 'open');
    const methods = testing.handleMethods();
    const setNoDelay = sandbox.spy(methods, 'setNoDelay');
    const socket = fastnet.connect({ port: server.address().port, host: '::1' });
    await once(socket, 'connect');
    socket.setNoDelay(true);
    assert.equal(open.getCalls().filter((c) => c.thisValue === socket._handle).length, 0);
    assert.ok(setNoDelay.getCalls().some((c) => c.thisValue === socket._handle && c.args[0] === true), 'not guarded');
    assert.equal(fastnet.fastPathStatus(socket).state, 'failed');
    assert.equal(fastnet.fastPathStatus(socket).errno, eacces);
    socket.destroy();
    await close(server);
  });

  it('client: open() fails: our socket is closed, no guard is left on Node\'s handle', async () => {
    const server = await echoServer(net, '127.0.0.1');
    const closeSocket = sinon.spy(() => 0);
    testing.setBinding({ createSocket: () => 987654, enableLoopbackFastPath: () => 0, closeSocket });
    const setNoDelay = sandbox.spy(testing.handleMethods(), 'setNoDelay');
    const socket = fastnet.connect({ port: server.address().port, host: '127.0.0.1' });
    await once(socket, 'connect');
    socket.setNoDelay(true);
    assert.ok(setNoDelay.getCalls().some((c) => c.thisValue === socket._handle && c.args[0] === true));
    assert.deepEqual(closeSocket.args, [[987654]]);
    socket.destroy();
    await close(server);
  });
});

describe('correctness: a host that is not a string is left to Node', () => {
  simulateWindows(appliedBinding);

  it('Node 22+ rejects it as net does; the decision never sees it as an address', async function () {
    // Node 20 lets an array through, and then its own TCP handle aborts the process, net and fastnet alike.
    if (nodeMajor < 22) this.skip();
    for (const host of [['192.168.0.1'], ['127.0.0.1']]) {
      const shape = (impl) => {
        try {
          impl.connect({ host, port: 8080 }).destroy();
          return 'no throw';
        } catch (err) {
          return { name: err.name, code: err.code, message: err.message };
        }
      };
      assert.deepEqual(shape(fastnet), shape(net));
      assert.equal(shape(net).code, 'ERR_INVALID_ARG_TYPE');
    }
  });
});

describe('correctness: diagnostics channels see what they see with net', () => {
  const channels = ['net.client.socket', 'net.server.socket'];

  /** Events on Node's net channels while `fn` runs, in order. */
  async function record(fn) {
    const seen = [];
    const subs = channels.map((name) => {
      const sub = (message) => seen.push([name, message.socket instanceof net.Socket]);
      dc.subscribe(name, sub);
      return [name, sub];
    });
    try {
      await fn();
    } finally {
      for (const [name, sub] of subs) dc.unsubscribe(name, sub);
    }
    return seen;
  }

  async function exchange(impl) {
    const server = impl.createServer((s) => s.end('x'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    for (const connect of [(p) => impl.connect(p, '127.0.0.1'), (p) => new impl.Socket().connect(p, '127.0.0.1')]) {
      const s = connect(server.address().port);
      s.resume();
      await once(s, 'close');
    }
    await close(server);
  }

  for (const [name, binding] of [['pass-through', null], ['simulated Windows', appliedBinding]]) {
    it(`${name}: explicit and transparent mode publish the same events, in the same order, as net`, async () => {
      if (binding) { testing.setPlatform('win32'); testing.setBinding(binding()); }
      try {
        const plain = await record(() => exchange(net));
        assert.ok(plain.length >= 3, JSON.stringify(plain));
        assert.deepEqual(await record(() => exchange(fastnet)), plain);
        fastnet.patch();
        assert.deepEqual(await record(() => exchange(net)), plain);
      } finally {
        fastnet.unpatch();
        testing.setPlatform(undefined);
        testing.setBinding(undefined);
      }
    });
  }
});

describe('correctness: the server path needs no _listen2 (Node 27 deprecates it: DEP0208)', () => {
  const dep0208 = path.join(root, 'test', 'support', 'dep0208.js');

  /** Run a script in a child node, simulated Windows (ioctl applied); returns [parsed JSON line, stderr]. */
  function child(script, flags = []) {
    const r = require('node:child_process').spawnSync(process.execPath, [...flags, '-e', script], {
      cwd: root, encoding: 'utf8', timeout: 60000,
      env: { ...process.env, FASTNET_TEST_SIMULATE: 'win32', FASTNET_TEST_BINDING: 'applied' },
    });
    assert.equal(r.status, 0, r.stderr);
    return [JSON.parse(r.stdout.trim().split('\n').at(-1)), r.stderr];
  }

  // One listener and one client per host, in both modes; every status seen, and every warning.
  const exchange = `
    const warnings = [];
    process.on('warning', (w) => warnings.push(w.code || w.name));
    const descriptor = () => Object.getOwnPropertyDescriptor(require('node:net').Server.prototype, '_listen2');
    const listen2 = descriptor();
    async function run(impl, host, connectTo = host) {
      let accepted;
      const server = impl.createServer((s) => { accepted = fastnet.fastPathStatus(s); s.end('x'); });
      await new Promise((r) => (host === undefined ? server.listen(0, r) : server.listen(0, host, r)));
      const s = impl.connect(server.address().port, connectTo);
      let data = '';
      s.on('data', (d) => { data += d; });
      await new Promise((r) => s.on('close', r));
      const out = { server: fastnet.fastPathStatus(server), client: fastnet.fastPathStatus(s), accepted, data };
      await new Promise((r) => server.close(r));
      return out;
    }
    async function both(host, connectTo) {
      const explicit = await run(fastnet, host, connectTo);
      fastnet.patch();
      const transparent = await run(require('node:net'), host, connectTo);
      fastnet.unpatch();
      return { explicit, transparent };
    }
    async function main() {
      const out = {
        v4: await both('127.0.0.1'), v6: await both('::1'), named: await both('localhost'),
        unspecified: await both(undefined, '127.0.0.1'),
      };
      await new Promise((r) => setImmediate(r));
      out.untouched = JSON.stringify(descriptor()) === JSON.stringify(listen2);
      out.warnings = warnings;
      console.log(JSON.stringify(out));
    }`;

  const APPLIED = { state: 'applied' };
  const INHERITED = { state: 'applied', inherited: true };

  for (const emulated of [false, true]) {
    for (const flags of [[], ['--pending-deprecation'], ['--throw-deprecation']]) {
      const title = `${emulated ? "with Node main's DEP0208 emulated" : 'as this Node is'}${flags.length ? `, ${flags[0]}` : ''}: ` +
        'loopback servers and clients attempt the fast path in both modes, data intact, _listen2 untouched, no warning';
      it(title, () => {
        const [r, stderr] = child(`
          const fastnet = require('./dist/index.js');
          require('./test/support/simulate.js');
          ${exchange}
          main();`, [...(emulated ? ['-r', dep0208] : []), ...flags]);
        assert.deepEqual(r.warnings, [], stderr);
        assert.equal(r.untouched, true, 'Server.prototype._listen2 is neither read into a wrapper nor replaced');
        for (const host of ['v4', 'v6', 'named']) {
          for (const mode of ['explicit', 'transparent']) {
            const seen = r[host][mode];
            assert.deepEqual(seen, { server: APPLIED, client: APPLIED, accepted: INHERITED, data: 'x' }, `${host}, ${mode}`);
          }
        }
        for (const mode of ['explicit', 'transparent']) {
          // listen(port): Node binds '::' (dual-stack) first; a loopback peer is on the fast path.
          assert.deepEqual(r.unspecified[mode], { server: APPLIED, client: APPLIED, accepted: INHERITED, data: 'x' }, mode);
        }
      });
    }
  }

  it('the emulation itself warns as Node main does: a call from outside node:net, or an override', () => {
    const [r] = child(`
      const net = require('node:net');
      const warnings = [];
      process.on('warning', (w) => warnings.push(w.code));
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => {
        const quiet = warnings.length;
        s.close(() => {
          const t = net.createServer();
          t._listen2(null, 0, 4, 511, undefined, 0);
          t.on('listening', () => { t.close(); setImmediate(() => console.log(JSON.stringify({ quiet, warnings }))); });
        });
      });`, ['-r', dep0208]);
    assert.equal(r.quiet, 0);
    assert.deepEqual(r.warnings, ['DEP0208']);
  });
});

describe('correctness: the server path around Node\'s own calls (found in review)', () => {
  simulateWindows(appliedBinding);
  const dns = require('node:dns');
  let lookup;
  beforeEach(() => { lookup = dns.lookup; });
  afterEach(() => {
    dns.lookup = lookup;
    fastnet.unpatch();
  });

  /** An app's caching dns.lookup: a hit for `cached.test` answers synchronously, in this Node's callback form. */
  function cachingLookup() {
    const original = dns.lookup;
    const answer = nodeMajor >= 22 ? [[{ address: '127.0.0.1', family: 4 }], 4] : ['127.0.0.1', 4];
    dns.lookup = function cached(host, options, cb) {
      if (typeof options === 'function') [cb, options] = [options, {}];
      if (host === 'cached.test') return cb(null, ...answer);
      return original.call(this, host, options, cb);
    };
    return dns.lookup;
  }

  it('a lookup that answers synchronously: one decision, accepted sockets counted once, as net listens', async () => {
    const mine = cachingLookup();
    const server = fastnet.createServer((s) => s.end());
    server.listen(0, 'cached.test');
    await once(server, 'listening');
    assert.equal(dns.lookup, mine);
    const before = fastnet.fastPathStats().acceptedOnFastPath;
    const c = net.connect(server.address().port, '127.0.0.1');
    c.resume();
    await once(c, 'close');
    assert.equal(fastnet.fastPathStats().acceptedOnFastPath - before, 1);
    assert.deepEqual(fastnet.fastPathStatus(server), { state: 'applied' });
    await close(server);
  });

  it("a lookup that answers synchronously, 'throw' mode and noDelay: exactly one error, no 'listening'", async () => {
    cachingLookup();
    const server = fastnet.createServer({ noDelay: true, unsupportedOptions: 'throw' });
    const errors = [];
    let listened = false;
    server.on('error', (err) => errors.push(err.code));
    server.on('listening', () => { listened = true; });
    server.listen(0, 'cached.test');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(errors, ['ERR_FASTNET_UNSUPPORTED_OPTION']);
    assert.equal(listened, false);
    assert.equal(server.listening, false);
  });

  it("a net.server.listen subscriber's own lookup goes through untouched, and Node's still carries the server's options", async () => {
    const tracing = dc.tracingChannel('net.server.listen');
    const seen = [];
    let resolvedOwn;
    const own = new Promise((r) => { resolvedOwn = r; });
    const handlers = {
      start() {}, end() {}, asyncEnd() {}, error() {},
      asyncStart() { dns.lookup('localhost', (err) => { seen.push(err ? err.code : 'resolved'); resolvedOwn(); }); },
    };
    tracing.subscribe(handlers);
    try {
      fastnet.patch();
      const server = net.createServer();
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      assert.deepEqual(fastnet.fastPathStatus(server), { state: 'applied' });
      assert.equal(dns.lookup, lookup, "the app's dns.lookup, as before");
      await close(server);
      await own;
      assert.deepEqual(seen, ['resolved']);
    } finally {
      tracing.unsubscribe(handlers);
    }
  });

  it('listen(tcpHandle) says external-handle, as listen({ handle }) does', async () => {
    for (const wrap of [(h) => h, (h) => ({ handle: h })]) {
      const made = net._createServerHandle('127.0.0.1', 0, 4, undefined, 0);
      const server = fastnet.createServer();
      server.listen(wrap(made));
      await once(server, 'listening');
      assert.deepEqual(fastnet.fastPathStatus(server), { state: 'skipped', reason: 'external-handle' });
      await close(server);
    }
  });

  it('a listen() with no host loads no resolver, and under --pending-deprecation makes no extra handle: the resources are net\'s', () => {
    const script = (impl) => `
      const ah = require('node:async_hooks');
      const types = [];
      ah.createHook({ init(id, type) { types.push(type); } }).enable();
      const net = require('node:net');
      if (${impl === 'fastnet'}) { require('./dist/index.js').patch(); require('./test/support/simulate.js'); }
      const before = types.length;
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const t = net.createServer().listen(0, () => {
          console.log(JSON.stringify(types.slice(before).filter((x) => /TCP|DNS/.test(x))));
          s.close(); t.close();
        });
      });`;
    for (const flags of [[], ['--pending-deprecation']]) {
      const run = (impl) => JSON.parse(execFileSync(process.execPath, [...flags, '-e', script(impl)], {
        cwd: root, encoding: 'utf8', env: { ...process.env, FASTNET_TEST_SIMULATE: 'win32', FASTNET_TEST_BINDING: 'applied' },
      }).trim().split('\n').at(-1));
      assert.deepEqual(run('fastnet'), run('net'), flags.join(' '));
    }
  });
});

describe('fastnet fails closed when a seam of Node\'s stops behaving as assumed (issue 24)', function () {
  this.timeout(30000);
  const fixture = path.join(__dirname, 'fixtures', 'node-changed.js');
  const preload = path.join(__dirname, 'support', 'simulate.js');

  /** The fixture in a fresh process, Windows simulated, the ioctl applied, with `scenario`'s seam broken. */
  function run(scenario) {
    const env = { ...process.env, FASTNET_TEST_BINDING: 'applied' };
    if (!onWindows) env.FASTNET_TEST_SIMULATE = 'win32';
    const out = execFileSync(process.execPath, ['-r', preload, fixture, scenario],
      { env, encoding: 'utf8', timeout: 20000, stdio: ['ignore', 'pipe', 'pipe'] });
    return JSON.parse(out.trim().split('\n').at(-1));
  }

  const NODE_CHANGED = { state: 'skipped', reason: 'node-changed' };
  const WARNED = [{ name: 'FastnetWarning', code: 'FASTNET_NODE_CHANGED' }];

  it('nothing broken: no warning, applied, noDelay withheld from the accepted socket', () => {
    const r = run('none');
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.server, { state: 'applied' });
    assert.deepEqual(r.accepted, { state: 'applied', inherited: true, ignoredOptions: ['noDelay'] });
    assert.deepEqual(r.reached, []);
    assert.deepEqual([r.later, r.client], [{ state: 'applied' }, { state: 'applied' }]);
  });

  for (const scenario of ['lookup', 'bind', 'listening-id']) {
    it(`${scenario}: the listener says node-changed, one warning, nothing is attempted afterwards`, () => {
      const r = run(scenario);
      assert.deepEqual(r.warnings, WARNED);
      assert.deepEqual(r.server, NODE_CHANGED);
      assert.deepEqual(r.accepted, { ...NODE_CHANGED, inherited: true });
      assert.deepEqual(r.reached, ['noDelay']); // not on the fast path: the option is the OS's
      assert.deepEqual([r.later, r.client], [NODE_CHANGED, NODE_CHANGED]);
    });
  }

  it('owner symbol not found on an accepted handle: the handle stays guarded, one warning, nothing is attempted afterwards', () => {
    const r = run('owner');
    assert.deepEqual(r.warnings, WARNED);
    assert.deepEqual(r.server, { state: 'applied' });
    assert.deepEqual(r.reached, []);
    assert.deepEqual([r.later, r.client], [NODE_CHANGED, NODE_CHANGED]);
  });
});
