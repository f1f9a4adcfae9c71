'use strict';
// Judges the app runs (test/apps/run.js output). Pure functions: results in,
// failures out. Three things per case:
//   data     every step ran, and everything compared came back identical;
//   status   every loopback TCP connection (client and accepted) and every
//            listener reports the mode's expected fast-path status, the
//            decision was published, and the counters add up to the
//            connections seen; every TCP handle is accounted for (an open,
//            loopback, closed-at-the-end connection; in-process pairs match);
//   options  with the fast path applied, the options the app asked for
//            never reach the socket and are listed in ignoredOptions;
//            otherwise they reach it untouched. "What the app asked for" is
//            checked against a plain-net run of the same cases.

/** Smallest number of client connections (and listeners) each case makes. */
const MINIMUM = {
  pg: { client: 5, listener: 0 },
  mysql2: { client: 5, listener: 0 },
  http: { client: 2, listener: 1 },
  socketio: { client: 3, listener: 1 },
};

const sockets = (r) => r.connections.filter((c) => c.role === 'client' || c.role === 'accepted');
const addr = (a) => (a ? `${a.address}:${a.port}` : '?');
const dest = (c) => (c.role === 'listener' ? 'listening' : c.established ? addr(c.peer)
  : c.target ? `${addr(c.target)} (given up while connecting)` : '?');
const key = (list) => (list && list.length ? [...list].sort().join('+') : '-');

function stripIgnored(status) {
  if (!status) return status;
  const { ignoredOptions, ...rest } = status;
  return rest;
}

function deepEqual(a, b) {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}

/** Options the app asked for on a connection: what reached libuv at any point, plus what was withheld. */
function requestedOf(conn) {
  return [...new Set([...conn.requested, ...((conn.status && conn.status.ignoredOptions) || [])])].sort();
}

/** The distinct option sets per role in a case, e.g. { client: ['keepAlive+noDelay', 'noDelay'] }. */
function optionProfile(result, pick) {
  const out = {};
  // Clients aborted before they connected never got as far as setting options.
  for (const c of sockets(result).filter((x) => x.established)) (out[c.role] ??= new Set()).add(key(pick(c)));
  return Object.fromEntries(Object.entries(out).map(([role, set]) => [role, [...set].sort()]));
}

function checkData(r, fail) {
  if (r.error) fail('data', `the case failed: ${r.error}`);
  let ok = 0;
  for (const s of r.steps) {
    if (s.error) {
      fail('data', `step "${s.step}": ${s.error}`, s.step);
      continue;
    }
    const bad = s.compared.filter((c) => c.expected.sha256 !== c.actual.sha256);
    for (const c of bad) {
      fail('data', `step "${s.step}": ${c.what}: expected ${c.expected.bytes} bytes sha256 ${c.expected.sha256.slice(0, 16)}…, ` +
        `got ${c.actual.bytes} bytes sha256 ${c.actual.sha256.slice(0, 16)}…`, s.step);
    }
    if (bad.length === 0) ok++;
  }
  return ok;
}

function checkAccounting(r, fail) {
  const min = MINIMUM[r.case] || { client: 1, listener: 0 };
  const clients = r.connections.filter((c) => c.role === 'client');
  const accepted = r.connections.filter((c) => c.role === 'accepted');
  const listeners = r.connections.filter((c) => c.role === 'listener');
  if (clients.length < min.client) fail('status', `only ${clients.length} client connections seen, expected at least ${min.client}`);
  if (listeners.length < min.listener) fail('status', `only ${listeners.length} listeners seen, expected at least ${min.listener}`);
  for (const c of r.connections) {
    const where = `${c.role} ${addr(c.local)} -> ${dest(c)}`;
    if (c.role === 'unowned') fail('status', `a TCP handle that no socket or server owns: ${where}`);
    // A client the app gave up on while connecting (socket.io aborts polling requests on close)
    // still had its decision made; it is counted, with where it was going.
    else if (c.role === 'accepted' && !(c.peer && c.established)) fail('status', `an accepted socket that never started: ${where}`);
    else if (c.role === 'client' && !c.target) fail('status', `a client socket that never tried to connect: ${where}`);
    if (!c.loopback) fail('status', `not a loopback connection: ${where}`);
    if (!c.closed) fail('status', `still open after the case: ${where}`);
  }
  // Every connection to an in-process listener pairs with exactly one accepted socket, and back. They pair by
  // the client's address and port and the listener's port; on loopback the OS may give a closed connection's
  // address and port to a later one (seen under Wine), so each such pair holds as many clients as accepted.
  const ports = new Set(listeners.map((l) => l.local && l.local.port));
  const inProcess = clients.filter((x) => x.established && ports.has(x.peer.port));
  const byAddr = new Map();
  const entry = (client, listenerPort) => {
    const k = `${addr(client)} -> :${listenerPort}`;
    if (!byAddr.has(k)) byAddr.set(k, { clients: [], accepted: [] });
    return byAddr.get(k);
  };
  for (const c of inProcess) entry(c.local, c.peer.port).clients.push(c);
  for (const a of accepted) entry(a.peer, a.local && a.local.port).accepted.push(a);
  let unaccepted = 0;
  for (const { clients: cs, accepted: as } of byAddr.values()) {
    // The kernel completes a connection before the server accepts it. When the app closes its
    // server with one still queued, the server never accepts it: the client reads nothing.
    const silent = cs.filter((c) => c.bytesRead === 0).length;
    if (as.length <= cs.length && cs.length - as.length <= silent && cs.length > 0) {
      unaccepted += cs.length - as.length;
      continue;
    }
    for (const c of cs) {
      fail('status', `client ${addr(c.local)} -> ${addr(c.peer)} has ${as.length} accepted ends in this process for ${cs.length} ` +
        `client connection(s) from that address (it wrote ${c.bytesWritten} and read ${c.bytesRead} bytes)`);
    }
    for (const a of as) fail('status', `accepted ${addr(a.local)} <- ${addr(a.peer)} has ${cs.length} client ends in this process for ${as.length} accepted`);
  }
  // A client socket tries one handle per address (happy eyeballs); one that never connected
  // either lost to a later attempt of the same socket or was given up by the app.
  const connected = new Set(clients.filter((c) => c.established).map((c) => c.owner));
  const attempts = clients.filter((c) => !c.established && connected.has(c.owner)).length;
  const aborted = clients.filter((c) => !c.established && !connected.has(c.owner)).length;
  const sockets = new Set(clients.map((c) => c.owner)).size;
  return {
    clients: clients.length, sockets, accepted: accepted.length, listeners: listeners.length, aborted, attempts, unaccepted,
  };
}

function checkStatus(r, mode, counts, fail) {
  const { expected } = mode;
  const publishes = expected.state !== 'skipped';
  for (const c of r.connections) {
    if (c.role === 'unowned') continue;
    const want = c.role === 'accepted' ? { ...expected, inherited: true } : expected;
    const where = `${c.role} ${addr(c.local)} -> ${dest(c)}`;
    if (!deepEqual(stripIgnored(c.status), want)) {
      fail('status', `${where}: status ${JSON.stringify(c.status)}, expected ${JSON.stringify(want)}`);
    }
  }
  // Each decision is published on the status channel: one per listener and one per client
  // connection attempt (a handle); accepted sockets inherit their listener's.
  const handles = new Map();
  for (const c of r.connections.filter((x) => x.role === 'client' || x.role === 'listener')) {
    handles.set(c.owner, [...(handles.get(c.owner) || []), c]);
  }
  for (const group of handles.values()) {
    const c = group[group.length - 1];
    const where = `${c.role} ${addr(c.local)} -> ${dest(c)}`;
    const seen = c.published || [];
    const want = publishes ? group.length : 0;
    if (seen.length !== want || seen.some((p) => !deepEqual(stripIgnored(p), expected))) {
      fail('status', `${where}: ${group.length} handle(s), published ${JSON.stringify(seen)} on the status channel, ` +
        `expected ${want} x ${JSON.stringify(expected)}`);
    }
  }
  // The process-wide counters agree with the connections seen: on the Windows path one decision
  // per connection attempt (client handle) and listener; in pass-through one per connect() call.
  const s = r.stats || {};
  const decided = (expected.state === 'skipped' ? counts.sockets : counts.clients) + counts.listeners;
  // Withheld options are counted once per socket, whatever number of handles (attempts) it had.
  const perSocket = new Map(sockets(r).map((c) => [c.owner, ((c.status && c.status.ignoredOptions) || []).length]));
  const ignored = [...perSocket.values()].reduce((a, b) => a + b, 0);
  const want = {
    applied: expected.state === 'applied' ? decided : 0,
    unsupported: expected.state === 'unsupported' ? decided : 0,
    failed: 0,
    skipped: expected.state === 'skipped' ? decided : 0,
    skippedBy: expected.state === 'skipped' ? { [expected.reason]: decided } : {},
    acceptedOnFastPath: expected.state === 'applied' ? counts.accepted : 0,
    // Every peer here is loopback.
    acceptedNotLoopback: 0,
    // Every listener here is on a loopback address, where an accepted connection is decided as it is accepted.
    acceptedUndecided: 0,
    ignoredOptions: ignored,
  };
  if (!deepEqual(s, want)) fail('status', `fastPathStats() moved by ${JSON.stringify(s)}, expected ${JSON.stringify(want)}`);
}

function checkOptions(r, mode, reference, fail) {
  const applied = mode.expected && mode.expected.state === 'applied';
  for (const c of sockets(r)) {
    const where = `${c.role} ${addr(c.local)} -> ${dest(c)}`;
    const ignored = (c.status && c.status.ignoredOptions) || [];
    const requested = requestedOf(c);
    if (applied) {
      if (c.effective.length) fail('options', `${where}: ${c.effective.join(', ')} reached a fast-path socket`);
      if (key(ignored) !== key(requested)) {
        fail('options', `${where}: ignoredOptions ${JSON.stringify(ignored)}, but the app asked for ${JSON.stringify(requested)}`);
      }
    } else {
      if (ignored.length) fail('options', `${where}: ignoredOptions ${JSON.stringify(ignored)} without the fast path`);
      if (key(c.effective) !== key(requested)) {
        fail('options', `${where}: the app asked for ${key(requested)}, the socket got ${key(c.effective)}`);
      }
    }
  }
  if (!reference) return;
  const got = optionProfile(r, requestedOf);
  const want = optionProfile(reference, requestedOf);
  if (!deepEqual(got, want)) {
    fail('options', `options asked for per connection ${JSON.stringify(got)}, plain net saw ${JSON.stringify(want)}`);
  }
}

/**
 * Judge one mode's results. `mode.expected` is the status every connection
 * must report (null for plain net); `reference` maps case name to the
 * plain-net result. Returns { cases: [{ case, failures, line }], failures }.
 */
function judge(mode, results, reference = {}) {
  const cases = results.map((r) => {
    const failures = [];
    const fail = (check, detail, step) => failures.push({ check, case: r.case, step, detail });
    const stepsOk = checkData(r, fail);
    const counts = checkAccounting(r, fail);
    if (mode.expected) checkStatus(r, mode, counts, fail);
    checkOptions(r, mode, mode.expected ? reference[r.case] : null, fail);
    return { case: r.case, failures, counts, stepsOk, steps: r.steps.length };
  });
  return { cases, failures: cases.flatMap((c) => c.failures) };
}

/**
 * Under Wine, a step that fails with plain net on the same node.exe is a Wine
 * gap, not a fastnet problem: mark such data failures (by case and step) in
 * `failures` as gaps. Returns how many were marked.
 */
function markGaps(failures, plainFailures) {
  const gaps = new Set(plainFailures.filter((f) => f.check === 'data' && f.step).map((f) => `${f.case}\0${f.step}`));
  let n = 0;
  for (const f of failures) {
    if (f.check === 'data' && f.step && gaps.has(`${f.case}\0${f.step}`)) {
      f.gap = true;
      n++;
    }
  }
  return n;
}

/** "pg 3/3 steps, 5 conns ok" */
function caseLine(c) {
  const real = c.failures.filter((f) => !f.gap).length;
  const gaps = c.failures.length - real;
  return `${c.case} ${c.stepsOk}/${c.steps} steps, ${c.counts.clients + c.counts.accepted} conns` +
    `${real ? ' FAILED' : ' ok'}${gaps ? ` (${gaps} Wine gaps)` : ''}`;
}

/** Handles made outside every case: none is allowed, so none escapes the checks. */
function judgeStrays(strays) {
  return strays.map((c) => ({
    check: 'status', case: '(between cases)',
    detail: `a ${c.role} TCP handle made outside any case: ${addr(c.local)} -> ${dest(c)}`,
  }));
}

module.exports = { judge, judgeStrays, markGaps, caseLine, requestedOf, optionProfile };
