'use strict';
const net = require('node:net');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const sinon = require('sinon');
const fastnet = require('../..');

const os = require('node:os');

const root = path.join(__dirname, '..', '..');
const testing = fastnet[Symbol.for('fastnet.testing')];

// Every socket runs the full plumbing in tests (and in child processes they
// start): a refusal is not remembered, except in the tests about remembering.
process.env.FASTNET_REMEMBER_REFUSAL = '0';
testing.rememberRefusal(false);
const onWindows = process.platform === 'win32';

/**
 * This host's real binding: the POSIX twin (real sockets, honest EOPNOTSUPP)
 * elsewhere, the Winsock binding on Windows.
 */
const twin = hostBinding();

/** The binding fastnet's own loader picks for this process (what an app gets). */
function hostBinding() {
  const { chooseBinding } = require(path.join(root, 'dist', 'core', 'binding.js'));
  const r = chooseBinding();
  if (!r.binding) throw new Error(r.choice.error);
  return r.binding;
}

/**
 * What the real binding's ioctl yields here. Under Wine (FASTNET_TEST_WINE=1)
 * Winsock refuses it; a real Windows host applies it. These expectations are
 * what make the suite fail if fastnet stops attempting the ioctl.
 */
const REAL_IOCTL = !onWindows
  ? { state: 'unsupported', code: 'EOPNOTSUPP', errno: os.constants.errno.EOPNOTSUPP }
  : process.env.FASTNET_TEST_WINE
    ? { state: 'unsupported', code: 'WSAEOPNOTSUPP', errno: 10045 }
    : { state: 'applied' };

/** The ioctl's "not supported" answer on this OS, for bindings that must refuse it. */
const REFUSED = onWindows
  ? { code: 'WSAEOPNOTSUPP', errno: 10045 }
  : { code: 'EOPNOTSUPP', errno: os.constants.errno.EOPNOTSUPP };

/** The twin, except that the ioctl "succeeds": drives the 'applied' branch over real sockets. */
function appliedBinding() {
  return {
    createSocket: sinon.spy((family) => twin.createSocket(family)),
    enableLoopbackFastPath: sinon.stub().returns(0),
    closeSocket: sinon.spy((sock) => twin.closeSocket(sock)),
  };
}

/** This host's real binding, with spies. */
function realBinding() {
  return {
    createSocket: sinon.spy((family) => twin.createSocket(family)),
    enableLoopbackFastPath: sinon.spy((sock) => twin.enableLoopbackFastPath(sock)),
    closeSocket: sinon.spy((sock) => twin.closeSocket(sock)),
  };
}

/** Real sockets, ioctl refused as by a stack without the feature, on any host. */
function refusingBinding() {
  return { ...realBinding(), enableLoopbackFastPath: sinon.spy(() => REFUSED.errno) };
}

/** libuv's (negative) error code for a name, as Node's handles return it (on Windows not -errno: EADDRINUSE is -4091). */
function uvErrno(name) {
  for (const [code, [n]] of require('node:util').getSystemErrorMap()) if (n === name) return code;
  throw new Error(`no libuv error named ${name}`);
}

/** A listen path for a pipe / Unix socket on this OS. */
function pipePath(name) {
  return onWindows ? `\\\\?\\pipe\\${name}-${process.pid}` : path.join(os.tmpdir(), `${name}-${process.pid}.sock`);
}

/** Run the Windows code path on this host, with the given binding, for the tests of a suite. */
function simulateWindows(getBinding = () => twin) {
  beforeEach(function () {
    testing.setPlatform('win32');
    this.binding = getBinding();
    testing.setBinding(this.binding);
  });
  afterEach(() => {
    testing.setPlatform(undefined);
    testing.setBinding(undefined);
  });
}

function once(emitter, event) {
  return new Promise((resolve, reject) => {
    const onError = (err) => { emitter.off(event, onEvent); reject(err); };
    const onEvent = (...args) => { emitter.off('error', onError); resolve(args); };
    emitter.once(event, onEvent);
    if (event !== 'error') emitter.once('error', onError);
  });
}

/** An echo server from `impl` on host:0; resolves when listening. */
async function echoServer(impl, host, options = {}) {
  const server = impl.createServer(options, (s) => { s.on('error', () => {}); s.pipe(s); });
  server.listen(0, host);
  await once(server, 'listening');
  return server;
}

/** Send `payload` through a connection, read it all back; resolves {socket, data}. */
function roundTrip(impl, connectOptions, payload = Buffer.from('ping')) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    const socket = impl.connect(connectOptions, () => socket.end(payload));
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', reject);
    socket.on('close', () => resolve({ socket, data: Buffer.concat(chunks) }));
  });
}

function close(server) {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The fields of an error that net users rely on. */
function errorShape(err) {
  if (!err) return err;
  const out = { name: err.name, message: err.message, code: err.code };
  for (const k of ['errno', 'syscall', 'address', 'port']) if (k in err) out[k] = err[k];
  if (Array.isArray(err.errors)) out.errors = err.errors.map(errorShape);
  return out;
}

/**
 * An error's shape, with an ephemeral local port in the message (it differs
 * run to run) blanked, in the errors of an AggregateError too (happy eyeballs:
 * a lookup that calls back twice gets EALREADY with the local address).
 */
function shape(err) {
  const blank = (o) => {
    if (o && typeof o.message === 'string') o.message = o.message.replace(/( - Local \(.*):\d+\)/, '$1:*)');
    if (o && Array.isArray(o.errors)) o.errors.forEach(blank);
    return o;
  };
  return blank(errorShape(err));
}

/**
 * Outcome of one call: what it throws synchronously (with the error's class),
 * the first 'error' it emits, success ('connect' / 'listening'), or nothing
 * within `timeoutMs`. The socket or server is closed afterwards.
 */
function outcome(fn, timeoutMs = 3000) {
  return new Promise((resolve) => {
    let emitter;
    try {
      emitter = fn();
    } catch (err) {
      resolve({ threw: { ...shape(err), ctor: err.constructor.name } });
      return;
    }
    const done = (r) => {
      clearTimeout(timer);
      resolve(r);
      if (emitter instanceof net.Server) emitter.close(); else emitter.destroy();
    };
    const timer = setTimeout(() => done({ pending: true }), timeoutMs);
    emitter.once('error', (err) => done({ emitted: shape(err) }));
    emitter.once(emitter instanceof net.Server ? 'listening' : 'connect', () => done({ ok: true }));
  });
}

/** Counts of active TCP handles, for leak checks. */
function tcpHandles() {
  return process.getActiveResourcesInfo().filter((r) => /TCP/.test(r)).length;
}

// 0xC0000409: MSVC's stack-cookie check (__report_gsfailure) inside node.exe.
const STACK_COOKIE_FAILURE = 0xC0000409;

/**
 * spawnSync of node (process.execPath) for the CLI tests. The one exception:
 * the 32-bit node.exe 22 under Wine crashes now and then in its own
 * stack-cookie check while running the doctor's workload, even with fastnet's
 * kill switch on and its binding never loaded (though not seen with net alone;
 * docs/testing.md, "Prebuilds"). That crash alone is retried, at most twice,
 * and each retry is printed, so the tier's log names it. Anything else is
 * returned as it came.
 */
function spawnNode(args, options) {
  const wineIa32 = Boolean(process.env.FASTNET_TEST_WINE) && process.arch === 'ia32';
  for (let attempt = 1; ; attempt++) {
    const r = spawnSync(process.execPath, args, options);
    if (!wineIa32 || r.status !== STACK_COOKIE_FAILURE || attempt === 3) return r;
    process.stderr.write(`      retried (${attempt}): 32-bit node.exe under Wine crashed with 0xC0000409 `
      + `(stack-cookie check in node.exe) running ${args.map((a) => path.basename(a)).join(' ')}\n`);
  }
}

module.exports = {
  spawnNode, fastnet, net, testing, twin, onWindows, REAL_IOCTL, REFUSED, pipePath,
  appliedBinding, realBinding, refusingBinding, simulateWindows, uvErrno,
  once, echoServer, roundTrip, close, errorShape, outcome, tcpHandles,
};
