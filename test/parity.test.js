'use strict';
// One suite, run over plain net and over fastnet in each of its modes. Every
// observable outcome (data, thrown errors, emitted errors) must equal net's.
const assert = require('node:assert/strict');
const {
  fastnet, net, testing, realBinding, refusingBinding, appliedBinding, echoServer, roundTrip, close, outcome, once,
} = require('./support/helpers');

const modes = [
  { name: 'net', impl: net, setup() {} },
  { name: 'fastnet (pass-through, as on non-Windows hosts)', impl: fastnet, setup() { testing.setPlatform('linux'); } },
  { name: "fastnet (Windows path, this host's real binding)", impl: fastnet,
    setup() { testing.setPlatform('win32'); testing.setBinding(realBinding()); } },
  { name: 'fastnet (Windows path, ioctl refused)', impl: fastnet,
    setup() { testing.setPlatform('win32'); testing.setBinding(refusingBinding()); } },
  { name: 'fastnet (Windows path, ioctl applied)', impl: fastnet,
    setup() { testing.setPlatform('win32'); testing.setBinding(appliedBinding()); } },
];

async function freePort() {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address();
  await close(s);
  return port;
}

for (const mode of modes) {
  describe(`parity: ${mode.name}`, () => {
    const { impl } = mode;
    beforeEach(() => mode.setup());
    afterEach(() => { testing.setPlatform(undefined); testing.setBinding(undefined); });

    // A name that resolves to both loopback addresses, in a chosen order, so
    // happy eyeballs has to fall back from one family to the other.
    const both = (first) => (host, opts, cb) => {
      const v4 = { address: '127.0.0.1', family: 4 };
      const v6 = { address: '::1', family: 6 };
      const all = first === 6 ? [v6, v4] : [v4, v6];
      if (opts.all) cb(null, all);
      else cb(null, all[0].address, all[0].family);
    };
    for (const [label, listenHost, connect] of [
      ['IPv4 loopback', '127.0.0.1', { host: '127.0.0.1' }],
      ['IPv6 loopback', '::1', { host: '::1' }],
      ['localhost', '127.0.0.1', { host: 'localhost' }],
      ['a name for ::1 then 127.0.0.1, to a 127.0.0.1-only server', '127.0.0.1', { host: 'dual.test', lookup: both(6) }],
      ['a name for 127.0.0.1 then ::1, to a ::1-only server', '::1', { host: 'dual.test', lookup: both(4) }],
    ]) {
      it(`echoes 1 MiB intact: ${label}`, async () => {
        let server = await echoServer(impl, listenHost);
        if (connect.lookup) {
          // The first family tried must have nothing on this port, or the
          // attempt reaches some other process's listener (seen in CI when
          // another suite ran alongside). Pick a port free on both.
          const other = listenHost === '::1' ? '127.0.0.1' : '::1';
          for (let tries = 0; tries < 20; tries++) {
            const probe = await outcome(() => net.createServer().listen(server.address().port, other), 1000);
            if (probe.ok) break;
            await close(server);
            server = await echoServer(impl, listenHost);
          }
        }
        const payload = Buffer.alloc(1 << 20);
        for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + 7) & 0xff;
        const { data, socket } = await roundTrip(impl, { ...connect, port: server.address().port }, payload);
        assert.ok(data.equals(payload));
        assert.equal(socket.remoteAddress, undefined); // closed sockets forget their peer, as in net
        await close(server);
      });
    }

    it('server.address() and listen callback match net', async () => {
      const server = impl.createServer();
      const listened = new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      await listened;
      const addr = server.address();
      assert.equal(addr.address, '127.0.0.1');
      assert.equal(addr.family, 'IPv4');
      assert.ok(addr.port > 0);
      await close(server);
    });

    it('EADDRINUSE on listen is the same error as net', async () => {
      const holder = await echoServer(net, '127.0.0.1');
      const { port } = holder.address();
      const expected = await outcome(() => net.createServer().listen(port, '127.0.0.1'));
      const actual = await outcome(() => impl.createServer().listen(port, '127.0.0.1'));
      assert.equal(expected.emitted.code, 'EADDRINUSE');
      assert.deepEqual(actual, expected);
      await close(holder);
    });

    it('EADDRINUSE on ::1 is the same error as net', async () => {
      const holder = await echoServer(net, '::1');
      const { port } = holder.address();
      const expected = await outcome(() => net.createServer().listen(port, '::1'));
      const actual = await outcome(() => impl.createServer().listen(port, '::1'));
      assert.deepEqual(actual, expected);
      await close(holder);
    });

    for (const host of ['127.0.0.1', '::1', 'localhost']) {
      it(`ECONNREFUSED to ${host} is the same error as net`, async () => {
        const port = await freePort();
        const expected = await outcome(() => net.connect(port, host));
        const actual = await outcome(() => impl.connect(port, host));
        assert.ok(['ECONNREFUSED', undefined].includes(expected.emitted.code));
        assert.deepEqual(actual, expected);
      });
    }

    const badArgs = [
      ['connect port -1', (m) => m.connect(-1, '127.0.0.1')],
      ['connect port 65536', (m) => m.connect(65536, '127.0.0.1')],
      ['connect port NaN', (m) => m.connect({ port: NaN, host: '127.0.0.1' })],
      ['connect port object', (m) => m.connect({ port: {}, host: '127.0.0.1' })],
      ['connect no port', (m) => m.connect({ host: '127.0.0.1' })],
      ['connect bad localAddress', (m) => m.connect({ port: 1, host: '127.0.0.1', localAddress: 'nope' })],
      ['connect bad autoSelectFamily', (m) => m.connect({ port: 1, host: '127.0.0.1', autoSelectFamily: 'x' })],
      ['listen port -1', (m) => m.createServer().listen(-1, '127.0.0.1')],
      ['listen port 65536', (m) => m.createServer().listen(65536, '127.0.0.1')],
      ['listen bad options', (m) => m.createServer().listen({ host: '127.0.0.1' })],
      // On Windows, plain net aborts the process here (libuv asserts backlog > 0), so it is not compared there.
      ...(process.platform === 'win32' ? [] :
        [['listen bad backlog type', (m) => m.createServer().listen({ port: 0, host: '127.0.0.1', backlog: 'x' })]]),
      ['createServer bad options', (m) => m.createServer(42)],
    ];
    for (const [label, make] of badArgs) {
      it(`${label}: same outcome as net`, async () => {
        const expected = await outcome(() => make(net));
        const actual = await outcome(() => make(impl));
        assert.deepEqual(actual, expected);
      });
    }

    it('a connection timeout and destroy() behave as in net', async () => {
      const server = await echoServer(impl, '127.0.0.1');
      const socket = impl.connect({ port: server.address().port, host: '127.0.0.1', timeout: 50 });
      await once(socket, 'timeout');
      socket.destroy();
      await once(socket, 'close');
      await close(server);
    });

    it('AbortSignal aborts a connect as in net', async () => {
      const server = await echoServer(impl, '127.0.0.1');
      const port = server.address().port;
      const run = (m) => new Promise((resolve) => {
        const ac = new AbortController();
        const s = m.connect({ port, host: '127.0.0.1', signal: ac.signal });
        s.on('error', (err) => resolve({ name: err.name, code: err.code, message: err.message }));
        ac.abort();
      });
      assert.deepEqual(await run(impl), await run(net));
      await close(server);
    });
  });
}

describe('parity: a lookup that calls back twice (found by the corpus)', () => {
  afterEach(() => { testing.setPlatform(undefined); testing.setBinding(undefined); });
  for (const [label, binding] of [['refused', refusingBinding], ['applied', appliedBinding]]) {
    it(`with localAddress, fastnet (ioctl ${label}) fails exactly like net`, async () => {
      const lookup = (h, o, cb) => {
        const answer = () => (o.all ? cb(null, [{ address: '::1', family: 6 }]) : cb(null, '::1', 6));
        process.nextTick(answer);
        process.nextTick(answer);
      };
      const run = (impl) => outcome(() => impl.connect({ port: 0, host: 'twice.test', lookup, localAddress: '::1' }))
        .then((r) => ({ code: r.emitted && r.emitted.code, syscall: r.emitted && r.emitted.syscall }));
      const expected = await run(net);
      testing.setPlatform('win32');
      testing.setBinding(binding());
      assert.deepEqual(await run(fastnet), expected);
    });
  }
});
