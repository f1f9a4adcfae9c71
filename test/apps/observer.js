'use strict';
// Watches every TCP handle this process creates (client sockets, accepted
// sockets, listeners), whoever created it, and what the app asked of it,
// without changing how any of them behaves:
// - async_hooks reports each TCP handle as it is made, so none is missed;
// - spies on Node's TCP handle class see the socket options that reach libuv
//   (the last value per option is what the OS gets), and read each
//   connection's addresses while it is open;
// - the fast-path status comes from the package's fastPathStatus(), its
//   fastPathStats() counters and the 'fastnet:status' diagnostics channel.
//   This is the only module of the app runs that knows about the package, and
//   it loads it only when asked to (APPS_READ_STATUS=1), so plain-net runs
//   never load it.
const asyncHooks = require('node:async_hooks');
const dc = require('node:diagnostics_channel');
const net = require('node:net');

const { TCP } = process.binding('tcp_wrap');

/** Handle methods that set a socket option, with the option's Node name. */
const OPTION_METHODS = { setNoDelay: 'noDelay', setKeepAlive: 'keepAlive', setTypeOfService: 'typeOfService' };

let label = 'before';
/** One record per TCP handle: kind, case label, options set on it, addresses, owner, state. */
const records = new Map();
/** Every decision published on the channel, per target (socket, server or handle). */
const published = new Map();

const statusApi = process.env.APPS_READ_STATUS === '1' ? require('fastnet') : null;
dc.subscribe('fastnet:status', ({ target, status }) => {
  if (status.state === 'pending') return;
  if (!published.has(target)) published.set(target, []);
  published.get(target).push(status);
});

asyncHooks.createHook({
  init(asyncId, type, triggerAsyncId, resource) {
    // http.Agent re-announces a kept-alive handle as a ReusedHandle: the handle is already known.
    if ((type === 'TCPWRAP' || type === 'TCPSERVERWRAP') && resource instanceof TCP && !records.has(resource)) {
      records.set(resource, {
        handle: resource, kind: type === 'TCPWRAP' ? 'socket' : 'listener', label,
        options: {}, requested: new Set(), local: null, peer: null, target: null, owner: null,
        established: false, closed: false,
      });
    }
  },
}).enable();

function recordOf(handle) {
  return records.get(handle);
}

/**
 * Read the handle's addresses and owner while it is open; the first answer is
 * kept. A client's local address is read only once it is connected: before
 * that, a socket made ahead of connect() (fastnet's) may be bound to a
 * wildcard, or on Linux answer 0.0.0.0:0 while still unbound.
 */
function capture(handle) {
  const rec = recordOf(handle);
  if (!rec) return;
  if (handle.owner) rec.owner = handle.owner;
  if (rec.kind === 'socket' && !rec.peer) {
    const out = {};
    if (handle.getpeername(out) === 0 && out.address) rec.peer = { address: out.address, port: out.port };
  }
  if (!rec.local && (rec.kind !== 'socket' || rec.peer)) {
    const out = {};
    if (handle.getsockname(out) === 0 && out.address) rec.local = { address: out.address, port: out.port };
  }
}

function spy(name, wrap) {
  const original = TCP.prototype[name];
  if (typeof original !== 'function') return;
  Object.defineProperty(TCP.prototype, name, {
    configurable: true, writable: true, value: wrap(original),
  });
}

for (const [method, option] of Object.entries(OPTION_METHODS)) {
  spy(method, (original) => function (enable, ...rest) {
    const rec = recordOf(this);
    if (rec) {
      const on = Boolean(enable);
      rec.options[option] = on;
      if (on) rec.requested.add(option);
      capture(this);
    }
    return original.call(this, enable, ...rest);
  });
}
// Where a client handle connects to: known even if the app aborts before the connection is up.
for (const method of ['connect', 'connect6']) {
  spy(method, (original) => function (req, address, port, ...rest) {
    const rec = recordOf(this);
    if (rec) rec.target = { address, port };
    return original.call(this, req, address, port, ...rest);
  });
}
// Node starts reading a client once it has connected, and an accepted socket as it is made:
// a socket that never started reading was given up on while connecting.
for (const method of ['readStart', 'listen']) {
  spy(method, (original) => function (...args) {
    const result = original.apply(this, args);
    const rec = recordOf(this);
    if (rec) rec.established = true;
    capture(this);
    // A listener's status lives as long as it listens (it is gone once it closes): read it now.
    if (method === 'listen' && rec && statusApi && rec.owner instanceof net.Server) rec.listening = statusApi.fastPathStatus(rec.owner);
    return result;
  });
}
spy('close', (original) => function (...args) {
  capture(this);
  const rec = recordOf(this);
  if (rec) rec.closed = true;
  return original.apply(this, args);
});

if (process.env.APPS_FAULT === 'corrupt') require('./fault').install(TCP);

/** Start attributing new handles to this case. */
function begin(name) {
  label = name;
  return statusApi ? statusApi.fastPathStats() : null;
}

const isLoopback = (address) => net.isIPv4(address) ? address.startsWith('127.') : address === '::1';

/**
 * Wait (up to `ms`) until every handle of the case is closed, then describe
 * each: role, addresses, options that reached libuv, the status read back.
 */
async function end(name, statsBefore, ms = 3000) {
  const mine = () => [...records.values()].filter((r) => r.label === name);
  const deadline = Date.now() + ms;
  while (mine().some((r) => !r.closed) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  label = `after ${name}`;
  const connections = mine().map(describe);
  let stats = null;
  if (statusApi) {
    const now = statusApi.fastPathStats();
    stats = Object.fromEntries(Object.keys(now).map((k) => [k, typeof now[k] === 'number' ? now[k] - statsBefore[k]
      // skippedBy: the reasons that moved, and by how much.
      : Object.fromEntries(Object.keys(now[k]).map((r) => [r, now[k][r] - (statsBefore[k][r] ?? 0)]).filter(([, n]) => n !== 0))]));
  }
  return { connections, stats };
}

/** Handles made outside any case (between cases, or after the last one). */
function strays() {
  return [...records.values()].filter((r) => r.label === 'before' || r.label.startsWith('after ')).map(describe);
}

/** A number per socket or server, so that a socket's happy-eyeballs attempts (one handle each) group together. */
const ids = new WeakMap();
let nextId = 1;
function idOf(owner) {
  if (!owner) return null;
  if (!ids.has(owner)) ids.set(owner, nextId++);
  return ids.get(owner);
}

function describe(rec) {
  capture(rec.handle);
  const owner = rec.owner;
  const role = rec.kind === 'listener' ? (owner instanceof net.Server ? 'listener' : 'unowned')
    : owner instanceof net.Socket ? (owner.server ? 'accepted' : 'client') : 'unowned';
  const where = rec.peer || rec.target || rec.local;
  const out = {
    role, owner: idOf(owner), local: rec.local, peer: rec.peer, target: rec.target,
    established: rec.established, closed: rec.closed,
    loopback: Boolean(where && isLoopback(where.address)),
    requested: [...rec.requested].sort(),
    effective: Object.keys(rec.options).filter((k) => rec.options[k]).sort(),
  };
  if (owner instanceof net.Socket) Object.assign(out, { bytesRead: owner.bytesRead, bytesWritten: owner.bytesWritten });
  if (statusApi && owner) {
    out.status = rec.kind === 'listener' && rec.listening ? rec.listening : statusApi.fastPathStatus(owner);
    const seen = published.get(owner) ?? published.get(rec.handle);
    if (seen) out.published = seen;
  }
  return out;
}

module.exports = { begin, end, strays };
