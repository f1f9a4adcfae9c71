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
    if (!applied) {
      assert.deepEqual(row.accepted.status, { ...ioctl, inherited: true }, where);
      assert.equal(row.accepted.noDelayReachedOS, true, `${where}: noDelay reaches the OS (not on the fast path)`);
    } else if (LOOPBACK_PEERS.has(row.peer)) {
      counted.acceptedOnFastPath++;
      assert.deepEqual(row.accepted.status, { state: 'applied', inherited: true, ignoredOptions: ['noDelay'] }, where);
      assert.equal(row.accepted.noDelayReachedOS, false, `${where}: noDelay is withheld from a fast-path socket`);
    } else {
      counted.acceptedNotLoopback++;
      assert.deepEqual(row.accepted.status, { state: 'skipped', reason: 'not-loopback', inherited: true }, where);
      assert.equal(row.accepted.noDelayReachedOS, plain.accepted.noDelayReachedOS, `${where}: noDelay as with net`);
      assert.equal(row.accepted.noDelayReachedOS, true, where);
    }
  }
  assert.deepEqual(stats, counted, 'fastPathStats() counts accepted connections by kind of peer');
  return counted;
}

module.exports = { check, LOOPBACK_PEERS };
