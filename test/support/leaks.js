'use strict';
// A root hook (loaded by .mocharc.js's `require`): after the last test, any
// resource still keeping the event loop alive that was not there when the
// suite started (stdio's, which mocha and Node hold) fails the run, named.
// mocha runs without `exit: true`, so such a handle would otherwise keep the
// process alive, or go unnoticed. Closing handles get a moment to finish.
const GRACE_MS = 2000;

/**
 * { type: count } of process.getActiveResourcesInfo(), less the TCP handles
 * with no OS socket behind them (getsockname fails). net leaves one on its
 * socket when connect() throws on its arguments (Node 20 to 26 alike, so the
 * parity and corpus tests make many); libuv does not count such a handle as
 * active, and the process exits with it. On Windows Winsock's getsockname
 * also fails on a connect still pending, so a leaked one is missed there;
 * the same test leaks on Linux too, where it is counted.
 */
function census() {
  const counts = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] || 0) + 1;
  const inert = inertSockets().length;
  if (inert && counts.TCPSocketWrap) counts.TCPSocketWrap = Math.max(0, counts.TCPSocketWrap - inert);
  return counts;
}

function inertSockets() {
  if (typeof process._getActiveHandles !== 'function') return [];
  return process._getActiveHandles().filter((h) => {
    const handle = h?._handle;
    if (!handle || typeof handle.getsockname !== 'function' || handle.constructor?.name !== 'TCP') return false;
    try {
      return handle.getsockname({}) !== 0;
    } catch {
      return false;
    }
  });
}

/** The types (with how many) that `now` has beyond `before`, as 'TCPServerWrap x2'. */
function extra(before, now) {
  return Object.entries(now)
    .filter(([type, n]) => n > (before[type] || 0))
    .map(([type, n]) => `${type}${n - (before[type] || 0) > 1 ? ` x${n - (before[type] || 0)}` : ''}`);
}

/** What the handles themselves say: a server's or socket's address, a child's pid (best effort). */
function describeHandles() {
  if (typeof process._getActiveHandles !== 'function') return [];
  const out = [];
  const inert = new Set(inertSockets());
  for (const h of process._getActiveHandles()) {
    if (h === process.stdin || h === process.stdout || h === process.stderr || inert.has(h)) continue;
    const name = h?.constructor?.name ?? typeof h;
    let where = '';
    try {
      if (typeof h.address === 'function') where = JSON.stringify(h.address());
      else if (typeof h.pid === 'number') where = `pid ${h.pid}`;
      else if (typeof h.threadId === 'number') where = `thread ${h.threadId}`;
    } catch { /* a closing handle may not say */ }
    out.push(where ? `${name} ${where}` : name);
  }
  return out;
}

// Taken when mocha loads this file, before any test: stdio's pipes or TTYs
// (and on Node 20 a CloseReq of its own) are all a clean run has.
const baseline = census();

exports.mochaHooks = {
  async afterAll() {
    const until = Date.now() + GRACE_MS;
    let left = extra(baseline, census());
    while (left.length && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      // mocha's timer for this hook, armed once the hook has returned its
      // promise, is no handle of the tests': unref'd, it is not counted.
      this.runnable()?.timer?.unref?.();
      left = extra(baseline, census());
    }
    if (left.length) {
      const handles = describeHandles();
      // The run has failed; let it end instead of hanging on them (a timer
      // or a request is no handle that can be unref'd: exit after mocha's report).
      for (const h of process._getActiveHandles?.() ?? []) {
        if (h !== process.stdin && h !== process.stdout && h !== process.stderr) h.unref?.();
      }
      setTimeout(() => process.exit(1), 5000).unref();
      throw new Error(`still active after the last test: ${left.join(', ')}` +
        `${handles.length ? ` (${handles.join('; ')})` : ''}. Close it in the test that opened it.`);
    }
  },
};
