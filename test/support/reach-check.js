'use strict';
// What test/fixtures/reach-peers.js must show, checked against plain net's
// rows of the same run: used by test/reach.test.js and by the Windows tier's
// `reach` stage (node.exe under Wine, inside a private network namespace).
const assert = require('node:assert/strict');

const LOOPBACK_PEERS = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Each fastnet row against net's row for the same form and peer, and against
 * what the branch (`ioctl`: the binding's answer, `{ state: 'applied' }` or
 * the refusal) must give. Returns the connections fastnet accepted, by kind
 * of peer; throws an AssertionError naming the first row that differs.
 */
function check({ rows, stats }, ioctl) {
  const applied = ioctl.state === 'applied';
  const netRow = new Map(rows.filter((r) => r.mode === 'net').map((r) => [`${r.form}|${r.peer}`, r]));
  const counted = { acceptedOnFastPath: 0, acceptedNotLoopback: 0 };
  for (const row of rows.filter((r) => r.mode !== 'net')) {
    const where = `${row.mode}, ${row.form}, peer ${row.peer}`;
    const plain = netRow.get(`${row.form}|${row.peer}`);
    assert.deepEqual(row.outcome, plain.outcome, `${where}: the connection goes as with net`);
    assert.deepEqual(row.server, applied ? { state: 'applied' } : ioctl, `${where}: the listener`);
    if (!plain.accepted) {
      assert.equal(row.accepted, undefined, where);
      continue;
    }
    assert.equal(row.accepted.peer, plain.accepted.peer, where);
    const onFastPath = applied && LOOPBACK_PEERS.has(row.peer);
    if (onFastPath) counted.acceptedOnFastPath++;
    else if (applied) counted.acceptedNotLoopback++;
    const status = !applied ? { ...ioctl, inherited: true }
      : onFastPath ? { state: 'applied', inherited: true } : { state: 'skipped', reason: 'not-loopback', inherited: true };
    if (row.mode === 'explicit-throw') {
      // The user's own setNoDelay(true): it throws on a fast-path socket only; anywhere else it reaches the OS, as with net.
      assert.deepEqual(row.accepted, {
        peer: plain.accepted.peer, status, noDelayReachedOS: !onFastPath, threw: onFastPath ? 'ERR_FASTNET_UNSUPPORTED_OPTION' : null,
      }, where);
      continue;
    }
    assert.deepEqual(row.accepted.status, onFastPath ? { ...status, ignoredOptions: ['noDelay', 'keepAlive'] } : status, where);
    // The server's noDelay and keepAlive: withheld from a fast-path socket; anywhere else they reach the OS, as with net.
    const reached = { noDelay: row.accepted.noDelayReachedOS, keepAlive: row.accepted.keepAliveReachedOS };
    assert.deepEqual(reached, { noDelay: !onFastPath, keepAlive: !onFastPath }, `${where}: what reaches the OS`);
    if (!onFastPath) {
      assert.deepEqual(reached, { noDelay: plain.accepted.noDelayReachedOS, keepAlive: plain.accepted.keepAliveReachedOS },
        `${where}: as with net`);
    }
  }
  assert.deepEqual(stats, counted, 'fastPathStats() counts accepted connections by kind of peer');
  return counted;
}

module.exports = { check, LOOPBACK_PEERS };
