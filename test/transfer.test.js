'use strict';
// Moving a listening Server or a connected Socket to another thread
// (worker.postMessage(obj, [obj]); Node 24.22.3 and 26.12.1 can). The move must be
// net's: the same data in the worker, the same errors. With fastnet loaded in
// the worker, the object also keeps its fastnet status there, and a fast-path
// socket keeps its option guards: what reaches the OS is watched in the worker
// (test/fixtures/transfer-worker.js). A worker without fastnet gets what Node
// gives it.
const assert = require('node:assert/strict');
const path = require('node:path');
const { MessageChannel, Worker } = require('node:worker_threads');
const {
  fastnet, net, appliedBinding, simulateWindows, once, close, errorShape, tcpHandles, pipePath,
} = require('./support/helpers');

const root = path.join(__dirname, '..');
const fixture = path.join(__dirname, 'fixtures', 'transfer-worker.js');
const preload = path.join(root, 'dist', 'register.js');

/** Whether this Node can move a Server and a Socket to another thread. */
function nodeCanTransfer() {
  const has = (proto) => Object.getOwnPropertySymbols(proto).some((s) => s.description === 'messaging_transfer_symbol');
  return has(net.Server.prototype) && has(net.Socket.prototype);
}
const canTransfer = nodeCanTransfer();

function needsTransfer() {
  before(function () {
    if (!canTransfer) this.skip();
  });
}

const workers = [];

/** A worker running the fixture in `mode`; resolves once it is listening for messages. */
async function startWorker(mode) {
  const worker = new Worker(fixture, {
    workerData: { mode },
    execArgv: mode === 'transparent' ? ['-r', preload] : [],
    stdout: false,
  });
  workers.push(worker);
  const queue = [];
  const waiting = [];
  worker.on('message', (m) => {
    const i = waiting.findIndex((w) => w.event === m.event);
    if (i >= 0) waiting.splice(i, 1)[0].resolve(m);
    else queue.push(m);
  });
  const failed = new Promise((resolve, reject) => worker.once('error', reject));
  failed.catch(() => {});
  const next = (event) => {
    const i = queue.findIndex((m) => m.event === event);
    if (i >= 0) return Promise.resolve(queue.splice(i, 1)[0]);
    return Promise.race([new Promise((resolve) => waiting.push({ event, resolve })), failed]);
  };
  await next('ready');
  return { worker, next, post: (msg, list) => worker.postMessage(msg, list) };
}

async function stopWorkers() {
  await Promise.all(workers.splice(0).map((w) => w.terminate()));
}

/** A payload that shows any byte out of place. */
function payload(size = 256 * 1024) {
  const b = Buffer.alloc(size);
  for (let i = 0; i < b.length; i++) b[i] = (i * 131 + 17) & 0xff;
  return b;
}

/** Connect, send `data`, read everything back until the peer ends; resolves { socket, data }. */
function exchange(port, data) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    const socket = net.connect({ port, host: '127.0.0.1' }, () => socket.end(data));
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', reject);
    socket.on('close', () => resolve({ socket, data: Buffer.concat(chunks) }));
  });
}

async function listening(impl, options, host = '127.0.0.1') {
  const server = impl.createServer(options);
  server.listen(0, host);
  await once(server, 'listening');
  return server;
}

/** The options Node carries to the worker for a server, as set up below. */
const SERVER_OPTIONS = {
  allowHalfOpen: true, pauseOnConnect: false, noDelay: true, keepAlive: true,
  keepAliveInitialDelay: 3000, highWaterMark: 32768,
};

/** Wait for closed handles to be gone from the event loop. */
async function settledHandles(atMost) {
  for (let i = 0; i < 100 && tcpHandles() > atMost; i++) await new Promise((r) => setTimeout(r, 10));
  return tcpHandles();
}

describe('transfer: where Node cannot move servers and sockets', () => {
  it('fastnet adds no transfer method of its own to net\'s prototypes', function () {
    if (canTransfer) this.skip();
    for (const proto of [net.Server.prototype, net.Socket.prototype]) {
      assert.deepEqual(Object.getOwnPropertySymbols(proto).filter((s) => /messaging/.test(s.description)), []);
    }
  });
});

describe('transfer: errors and data are net\'s (MessageChannel, same thread)', () => {
  needsTransfer();
  simulateWindows(appliedBinding);

  /** What postMessage with `value` in the transfer list does: its throw, or what arrives on the other side. */
  function post(value) {
    const { port1, port2 } = new MessageChannel();
    try {
      port1.postMessage({ value }, [value]);
    } catch (err) {
      port1.close();
      return Promise.resolve({ threw: { ...errorShape(err), ctor: err.constructor.name } });
    }
    return new Promise((resolve) => port2.once('message', (m) => { port1.close(); resolve({ arrived: m.value }); }));
  }

  for (const [label, make] of [
    ['a server that never listened', (impl) => impl.createServer()],
    ['a server closed after listening', async (impl) => { const s = await listening(impl); await close(s); return s; }],
    ['a server on a pipe', async (impl) => {
      const s = impl.createServer().listen(pipePath(`fastnet-transfer-${impl === net ? 'net' : 'fastnet'}`));
      await once(s, 'listening');
      return s;
    }],
    ['a socket that is not connected', (impl) => new impl.Socket()],
    ['a socket still connecting', (impl) => impl.connect({ port: 9, host: '127.0.0.1' }).on('error', () => {})],
  ]) {
    it(`${label}: the same throw (ERR_WORKER_HANDLE_NOT_TRANSFERABLE) with net and fastnet`, async () => {
      const outcomes = [];
      for (const impl of [net, fastnet]) {
        const target = await make(impl);
        outcomes.push(await post(target));
        if (target instanceof net.Server) await new Promise((r) => target.close(() => r()));
        else target.destroy();
      }
      assert.equal(outcomes[0].threw.code, 'ERR_WORKER_HANDLE_NOT_TRANSFERABLE');
      assert.deepEqual(outcomes[1], outcomes[0]);
    });
  }

  it('a socket that has already read data: the same throw, and it stays usable with its status', async () => {
    const seen = [];
    for (const impl of [net, fastnet]) {
      const echo = await listening(net);
      const socket = impl.connect({ port: echo.address().port, host: '127.0.0.1' });
      echo.once('connection', (s) => s.pipe(s));
      await once(socket, 'connect');
      socket.write('a');
      await once(socket, 'data');
      const before = impl === fastnet ? fastnet.fastPathStatus(socket) : null;
      const result = await post(socket);
      socket.write('b');
      const [again] = await once(socket, 'data');
      seen.push({ result, again: again.toString(), status: impl === fastnet ? fastnet.fastPathStatus(socket) : null, before });
      socket.destroy();
      await close(echo);
    }
    assert.equal(seen[0].result.threw.code, 'ERR_WORKER_HANDLE_NOT_TRANSFERABLE');
    assert.deepEqual(seen[1].result, seen[0].result);
    assert.equal(seen[1].again, 'b');
    assert.deepEqual(seen[1].status, { state: 'applied' });
    assert.deepEqual(seen[1].status, seen[1].before);
  });

  it('a server without the transfer list: the same DataCloneError', async () => {
    const outcomes = [];
    for (const impl of [net, fastnet]) {
      const server = await listening(impl);
      const { port1 } = new MessageChannel();
      try {
        port1.postMessage({ server });
        outcomes.push('posted');
      } catch (err) {
        outcomes.push({ ...errorShape(err), ctor: err.constructor.name });
      }
      port1.close();
      await close(server);
    }
    assert.notEqual(outcomes[0], 'posted');
    assert.deepEqual(outcomes[1], outcomes[0]);
  });

  it('a moved server arrives with the options Node carries, the same from net and fastnet, and keeps its status', async () => {
    const arrived = [];
    for (const impl of [net, fastnet]) {
      const server = await listening(impl, SERVER_OPTIONS);
      const { port } = server.address();
      const { arrived: moved } = await post(server);
      assert.equal(server._handle, null);
      assert.equal(server.listening, false);
      assert.ok(moved instanceof net.Server);
      assert.notEqual(moved, server);
      assert.equal(moved.listening, true);
      const echoed = new Promise((resolve) => moved.once('connection', (s) => { resolve(fastnet.fastPathStatus(s)); s.pipe(s); }));
      const data = payload();
      const { data: back } = await exchange(port, data);
      arrived.push({
        address: moved.address().port === port, back: back.equals(data), accepted: await echoed,
        options: Object.fromEntries(Object.keys(SERVER_OPTIONS).map((k) => [k, moved[k]])),
        status: fastnet.fastPathStatus(moved),
      });
      await close(moved);
    }
    assert.deepEqual(arrived[0].options, { ...SERVER_OPTIONS, keepAliveInitialDelay: 3 });
    assert.deepEqual(arrived[1].options, arrived[0].options);
    assert.deepEqual([arrived[0].address, arrived[0].back], [true, true]);
    assert.deepEqual([arrived[1].address, arrived[1].back], [true, true]);
    // net's server is plain net here as well; fastnet's carried its record.
    assert.deepEqual(arrived[0].status, { state: 'skipped', reason: 'untracked' });
    assert.deepEqual(arrived[1].status, { state: 'applied' });
    assert.deepEqual(arrived[1].accepted, { state: 'applied', inherited: true, ignoredOptions: ['noDelay', 'keepAlive'] });
  });
});

describe('transfer: one copy of fastnet wraps', () => {
  needsTransfer();

  it('a second copy of fastnet in the same thread leaves the first copy\'s wrappers in place', () => {
    const methods = () => [net.Server.prototype, net.Socket.prototype].flatMap((proto) =>
      Object.getOwnPropertySymbols(proto).filter((s) => /^messaging_(transfer|deserialize)_symbol$/.test(s.description))
        .map((s) => proto[s]));
    const before = methods();
    assert.equal(before.length, 4);
    const dist = path.join(root, 'dist') + path.sep;
    const cached = Object.keys(require.cache).filter((k) => k.startsWith(dist)).map((k) => [k, require.cache[k]]);
    for (const [k] of cached) delete require.cache[k];
    try {
      const copy = require(path.join(root, 'dist', 'index.js'));
      assert.notEqual(copy, fastnet);
      assert.deepEqual(methods(), before);
    } finally {
      for (const [k, m] of cached) require.cache[k] = m;
    }
  });
});

describe('transfer: transparent mode, same thread', () => {
  needsTransfer();
  simulateWindows(appliedBinding);
  afterEach(() => fastnet.unpatch());

  it("a moved server's one published status is the carried one; Node's listen on the moved handle decides nothing", async () => {
    const dc = require('node:diagnostics_channel');
    const server = await listening(fastnet, SERVER_OPTIONS);
    fastnet.patch();
    const published = [];
    const onStatus = ({ target, status }) => published.push({ target, status });
    dc.subscribe('fastnet:status', onStatus);
    const statsBefore = fastnet.fastPathStats();
    const { port1, port2 } = new MessageChannel();
    const arrived = new Promise((resolve) => port2.once('message', (m) => resolve(m.server)));
    port1.postMessage({ server }, [server]);
    const moved = await arrived;
    dc.unsubscribe('fastnet:status', onStatus);
    port1.close();
    assert.deepEqual(published.map((p) => [p.target === moved, p.status]), [[true, { state: 'applied' }]]);
    assert.deepEqual(fastnet.fastPathStatus(moved), { state: 'applied' });
    assert.deepEqual(fastnet.fastPathStats(), statsBefore);
    await close(moved);
  });
});

describe('transfer: a listening server moved to a worker', () => {
  needsTransfer();
  simulateWindows(appliedBinding);
  let handlesBefore;
  beforeEach(() => { handlesBefore = tcpHandles(); });
  afterEach(async () => {
    await stopWorkers();
    assert.equal(await settledHandles(handlesBefore), handlesBefore, 'TCP handles left behind');
  });

  /** Move a server made by `impl` to a worker in `mode`; one connection with `data`; what each side saw. */
  async function moveServer(impl, mode, { options = SERVER_OPTIONS, calls = [], data = payload() } = {}) {
    const w = await startWorker(mode);
    const server = await listening(impl, options);
    const { port } = server.address();
    const home = impl === fastnet ? fastnet.fastPathStatus(server) : null;
    w.post({ server, calls }, [server]);
    const received = await w.next('received');
    const [{ data: back }, connection] = await Promise.all([exchange(port, data), w.next('connection')]);
    w.post({ close: true });
    await w.next('closed-servers');
    return {
      home, received, connection, intact: back.equals(data), port,
      source: { handle: server._handle, listening: server.listening },
    };
  }

  for (const mode of ['none', 'explicit', 'transparent']) {
    it(`worker ${mode === 'none' ? 'without fastnet' : `with fastnet (${mode})`}: serves, data intact, the same server as net's`, async () => {
      const withNet = await moveServer(net, mode);
      const withFastnet = await moveServer(fastnet, mode);
      for (const r of [withNet, withFastnet]) {
        assert.ok(r.intact);
        assert.deepEqual(r.source, { handle: null, listening: false });
        assert.equal(r.received.isNetServer, true);
        assert.equal(r.received.ctor, 'Server');
        assert.equal(r.received.listening, true);
        assert.equal(r.received.address.port, r.port);
        assert.notEqual(r.connection.threadId, 0);
      }
      assert.deepEqual(withFastnet.received.options, withNet.received.options);
      assert.deepEqual(withNet.received.options, { ...SERVER_OPTIONS, keepAliveInitialDelay: 3 });
    });
  }

  for (const mode of ['explicit', 'transparent']) {
    it(`fastnet in the worker (${mode}): the server stays applied, its accepted sockets inherit, noDelay/keepAlive never reach the OS`, async () => {
      const r = await moveServer(fastnet, mode, { calls: ['setNoDelay', 'setKeepAlive'] });
      assert.deepEqual(r.home, { state: 'applied' });
      assert.deepEqual(r.received.status, { state: 'applied' });
      assert.deepEqual(r.connection.status, { state: 'applied', inherited: true, ignoredOptions: ['noDelay', 'keepAlive'] });
      assert.deepEqual(r.connection.reached, []);
      assert.deepEqual(r.connection.threw, {});
      assert.equal(r.connection.destroyed, false);
      // The worker made no decision of its own for the server: nothing counted but the connection.
      assert.deepEqual(r.received.stats, {
        applied: 0, unsupported: 0, failed: 0, skipped: 0, skippedBy: {}, acceptedOnFastPath: 0, acceptedNotLoopback: 0, acceptedUndecided: 0,
        ignoredOptions: 0,
      });
      assert.equal(r.connection.stats.acceptedOnFastPath, 1);
      assert.equal(r.connection.stats.skipped, 0);
    });

    it(`fastnet in the worker (${mode}): a net server moved there is left as net's, options reach the OS`, async () => {
      const r = await moveServer(net, mode, { options: { noDelay: true }, calls: ['setKeepAlive'] });
      assert.deepEqual(r.connection.reached, ['noDelay', 'keepAlive']);
      assert.equal(r.connection.status.ignoredOptions, undefined);
      assert.notEqual(r.connection.status.state, 'applied');
    });
  }

  it('a worker without fastnet: a fastnet server moved there gets exactly what Node gives it', async () => {
    const fromNet = await moveServer(net, 'none', { options: { noDelay: true }, calls: ['setKeepAlive'] });
    const fromFastnet = await moveServer(fastnet, 'none', { options: { noDelay: true }, calls: ['setKeepAlive'] });
    assert.deepEqual(fromFastnet.connection.reached, ['noDelay', 'keepAlive']);
    for (const r of [fromNet, fromFastnet]) {
      assert.equal(r.received.status, null);
      delete r.connection.threadId;
      delete r.received.threadId;
      delete r.received.address;
    }
    assert.deepEqual(fromFastnet.connection, fromNet.connection);
    assert.deepEqual(fromFastnet.received, fromNet.received);
  });

  it("unsupportedOptions: 'throw' carries: in transparent mode the worker's setNoDelay(true) on an accepted socket throws", async () => {
    const r = await moveServer(fastnet, 'transparent', { options: { unsupportedOptions: 'throw' }, calls: ['setNoDelay'] });
    assert.deepEqual(r.received.status, { state: 'applied' });
    assert.deepEqual(r.connection.threw, { setNoDelay: 'ERR_FASTNET_UNSUPPORTED_OPTION' });
    assert.deepEqual(r.connection.reached, []);
  });

  it("unsupportedOptions: 'throw' carries: in explicit mode the accepted socket's setNoDelay(true) throws, as at home", async () => {
    // At home, in explicit mode, a fast-path 'throw' listener's accepted sockets (net's own) throw too.
    const home = await listening(fastnet, { unsupportedOptions: 'throw' });
    const accepted = new Promise((resolve) => home.once('connection', (s) => {
      let threw = null;
      try { s.setNoDelay(true); } catch (err) { threw = err.code; }
      resolve({ threw, status: fastnet.fastPathStatus(s) });
      s.pipe(s);
    }));
    await exchange(home.address().port, 'x');
    const atHome = await accepted;
    await close(home);
    const r = await moveServer(fastnet, 'explicit', { options: { unsupportedOptions: 'throw' }, calls: ['setNoDelay'] });
    assert.deepEqual(atHome, { threw: 'ERR_FASTNET_UNSUPPORTED_OPTION', status: { state: 'applied', inherited: true } });
    assert.deepEqual(r.connection.threw, { setNoDelay: 'ERR_FASTNET_UNSUPPORTED_OPTION' });
    assert.deepEqual(r.connection.status, atHome.status);
    assert.deepEqual(r.connection.reached, []);
  });

  it('a server that is not on the fast path carries its reason, and nothing is withheld', async () => {
    const r = await moveServer(fastnet, 'explicit', { options: { ...SERVER_OPTIONS, loopbackFastPath: false } });
    assert.deepEqual(r.home, { state: 'skipped', reason: 'opted-out' });
    assert.deepEqual(r.received.status, { state: 'skipped', reason: 'opted-out' });
    assert.deepEqual(r.connection.status, { state: 'skipped', reason: 'opted-out', inherited: true });
    assert.deepEqual(r.connection.reached, ['noDelay', 'keepAlive']);
  });
});

describe('transfer: a connected socket moved to a worker', () => {
  needsTransfer();
  simulateWindows(appliedBinding);
  let handlesBefore;
  let echo;
  beforeEach(async () => {
    handlesBefore = tcpHandles();
    echo = await listening(net);
    echo.on('connection', (s) => { s.on('error', () => {}); s.pipe(s); });
  });
  afterEach(async () => {
    await stopWorkers();
    await close(echo);
    assert.equal(await settledHandles(handlesBefore), handlesBefore, 'TCP handles left behind');
  });

  /** A client from `impl` connected to the echo server, moved to a worker in `mode`, which sends `data` and reads it back. */
  async function moveClient(impl, mode, { options = {}, calls = [], data = payload() } = {}) {
    const w = await startWorker(mode);
    const socket = impl.connect({ port: echo.address().port, host: '127.0.0.1', ...options });
    await once(socket, 'connect');
    const home = impl === fastnet ? fastnet.fastPathStatus(socket) : null;
    w.post({ socket, calls, write: data }, [socket]);
    const received = await w.next('received');
    const inspected = await w.next('socket');
    const closed = inspected.destroyed ? null : await w.next('closed');
    return {
      home, received, inspected, intact: closed ? Buffer.from(closed.data).equals(data) : null,
      source: { handle: socket._handle, destroyed: socket.destroyed },
    };
  }

  for (const mode of ['none', 'explicit', 'transparent']) {
    it(`worker ${mode === 'none' ? 'without fastnet' : `with fastnet (${mode})`}: data intact both ways, the same socket as net's`, async () => {
      const withNet = await moveClient(net, mode);
      const withFastnet = await moveClient(fastnet, mode);
      for (const r of [withNet, withFastnet]) {
        assert.equal(r.intact, true);
        assert.deepEqual(r.source, { handle: null, destroyed: true });
        assert.equal(r.received.isNetSocket, true);
        assert.equal(r.received.remotePort, echo.address().port);
      }
      for (const k of ['ctor', 'allowHalfOpen', 'readable', 'writable', 'isNetSocket']) {
        assert.equal(withFastnet.received[k], withNet.received[k], k);
      }
    });
  }

  for (const mode of ['explicit', 'transparent']) {
    it(`fastnet in the worker (${mode}): the client stays applied and guarded`, async () => {
      const r = await moveClient(fastnet, mode, { calls: ['setNoDelay', 'setKeepAlive'] });
      assert.deepEqual(r.home, { state: 'applied' });
      assert.deepEqual(r.received.status, { state: 'applied' });
      assert.deepEqual(r.inspected.status, { state: 'applied', ignoredOptions: ['noDelay', 'keepAlive'] });
      assert.deepEqual(r.inspected.reached, []);
      assert.equal(r.intact, true);
    });
  }

  it('withheld options recorded before the move are still listed in the worker', async () => {
    const w = await startWorker('explicit');
    const socket = fastnet.connect({ port: echo.address().port, host: '127.0.0.1' });
    await once(socket, 'connect');
    socket.setKeepAlive(true);
    assert.deepEqual(fastnet.fastPathStatus(socket), { state: 'applied', ignoredOptions: ['keepAlive'] });
    w.post({ socket, write: 'x' }, [socket]);
    assert.deepEqual((await w.next('received')).status, { state: 'applied', ignoredOptions: ['keepAlive'] });
    await w.next('closed');
  });

  it("unsupportedOptions: 'throw' carries: transparent mode throws to the caller, explicit mode destroys the socket with the error", async () => {
    const transparent = await moveClient(fastnet, 'transparent', { options: { unsupportedOptions: 'throw' }, calls: ['setNoDelay'] });
    assert.deepEqual(transparent.inspected.threw, { setNoDelay: 'ERR_FASTNET_UNSUPPORTED_OPTION' });
    assert.deepEqual(transparent.inspected.reached, []);
    assert.equal(transparent.intact, true);
    // In the worker the socket is net's, without fastnet's setNoDelay: the guard reports it as for an option Node applies.
    const explicit = await moveClient(fastnet, 'explicit', { options: { unsupportedOptions: 'throw' }, calls: ['setNoDelay'] });
    assert.deepEqual(explicit.inspected.threw, {});
    assert.deepEqual(explicit.inspected.reached, []);
    assert.deepEqual(explicit.inspected.errors, ['ERR_FASTNET_UNSUPPORTED_OPTION']);
    assert.equal(explicit.inspected.destroyed, true);
  });

  it('a worker without fastnet: a fastnet client moved there is plain net, its options reach the OS', async () => {
    const r = await moveClient(fastnet, 'none', { calls: ['setNoDelay'] });
    assert.deepEqual(r.inspected.reached, ['noDelay']);
    assert.equal(r.inspected.status, null);
  });

  it("an accepted socket of a 'throw' listener moved to a worker: as at home, it throws in both modes", async () => {
    const seen = {};
    for (const mode of ['explicit', 'transparent']) {
      const w = await startWorker(mode);
      const server = await listening(fastnet, { unsupportedOptions: 'throw' });
      try {
        server.once('connection', (s) => w.post({ socket: s, calls: ['setNoDelay'] }, [s]));
        const exchanged = exchange(server.address().port, 'x');
        seen[mode] = await w.next('socket');
        await exchanged;
        await w.next('closed');
      } finally {
        server.close();
      }
    }
    assert.deepEqual(seen.explicit.threw, { setNoDelay: 'ERR_FASTNET_UNSUPPORTED_OPTION' });
    assert.equal(seen.explicit.destroyed, false);
    assert.deepEqual(seen.explicit.status, { state: 'applied', inherited: true });
    assert.deepEqual(seen.transparent.threw, { setNoDelay: 'ERR_FASTNET_UNSUPPORTED_OPTION' });
    assert.deepEqual(seen.transparent.status, { state: 'applied', inherited: true });
    for (const r of Object.values(seen)) assert.deepEqual(r.reached, []);
  });

  it('an accepted socket moved to a worker (Node\'s own pattern) keeps inheriting its listener\'s state', async () => {
    for (const mode of ['explicit', 'transparent']) {
      const w = await startWorker(mode);
      const server = await listening(fastnet, { noDelay: true });
      const data = payload(64 * 1024);
      let received;
      let inspected;
      let back;
      try {
        server.once('connection', (s) => w.post({ socket: s, calls: ['setNoDelay'] }, [s]));
        const exchanged = exchange(server.address().port, data);
        received = await w.next('received');
        inspected = await w.next('socket');
        ({ data: back } = await exchanged);
        await w.next('closed');
      } finally {
        server.close();
      }
      assert.ok(back.equals(data), mode);
      assert.deepEqual(received.status, { state: 'applied', inherited: true, ignoredOptions: ['noDelay'] }, mode);
      assert.deepEqual(inspected.status, { state: 'applied', inherited: true, ignoredOptions: ['noDelay'] }, mode);
      assert.deepEqual(inspected.reached, [], mode);
    }
  });
});

describe('transfer: pass-through (not Windows) carries nothing', () => {
  needsTransfer();
  afterEach(stopWorkers);

  it('a fastnet server on another OS has no record to carry: the worker sees a plain net server', async function () {
    // Not Windows only: on Windows (and Wine) fastnet is not in pass-through.
    if (process.platform === 'win32') this.skip();
    const w = await startWorker('explicit');
    const server = await listening(fastnet, SERVER_OPTIONS);
    assert.deepEqual(fastnet.fastPathStatus(server), { state: 'skipped', reason: 'platform' });
    w.post({ server }, [server]);
    const received = await w.next('received');
    // The worker simulates Windows, so a server fastnet knows nothing of is untracked there.
    assert.deepEqual(received.status, { state: 'skipped', reason: 'untracked' });
    w.post({ close: true });
    await w.next('closed-servers');
  });
});

describe('transfer: a moved server\'s record follows its life (issue 24)', () => {
  needsTransfer();
  simulateWindows(appliedBinding);
  afterEach(stopWorkers);

  it('moved to a worker, closed there, listening again as a plain listener: not applied, noDelay reaches the OS', async () => {
    const w = await startWorker('explicit');
    const server = await listening(fastnet, { noDelay: true });
    w.post({ server, calls: ['setKeepAlive'] }, [server]);
    assert.deepEqual((await w.next('received')).status, { state: 'applied' });
    w.post({ relisten: true });
    const again = await w.next('relistening');
    // fastnet made no decision for this listen(): it says so, as for any server it never saw.
    assert.deepEqual(again.status, { state: 'skipped', reason: 'untracked' });
    const [, connection] = await Promise.all([exchange(again.port, 'x'), w.next('connection')]);
    assert.deepEqual(connection.reached, ['noDelay', 'keepAlive']);
    assert.equal(connection.status.ignoredOptions, undefined);
    assert.notEqual(connection.status.state, 'applied');
    w.post({ close: true });
    await w.next('closed-servers');
  });
});
