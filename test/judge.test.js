'use strict';
// The apps tier's judge (test/apps/judge.js) as a pure function: how client
// and accepted ends of in-process connections pair.
const assert = require('node:assert/strict');
const { judge } = require('./apps/judge');

const LISTENER = {
  role: 'listener', owner: 1, local: { address: '127.0.0.1', port: 80 }, established: true, closed: true, loopback: true,
  requested: [], effective: [],
};
let owners = 2;
const LISTENER2 = { ...LISTENER, owner: 0, local: { address: '127.0.0.1', port: 81 } };
function end(role, port, bytesRead = 5, listenerPort = 80) {
  const ours = { address: '127.0.0.1', port };
  const theirs = { address: '127.0.0.1', port: listenerPort };
  return {
    role, owner: owners++, local: role === 'client' ? ours : theirs, peer: role === 'client' ? theirs : ours,
    target: role === 'client' ? theirs : null, established: true, closed: true, loopback: true, bytesRead, bytesWritten: 5,
    requested: [], effective: [],
  };
}
const client = (port, bytesRead, listenerPort) => end('client', port, bytesRead, listenerPort);
const accepted = (port, listenerPort) => end('accepted', port, undefined, listenerPort);

function pairing(connections) {
  const [r] = judge({}, [{ case: 'http', steps: [], connections: [LISTENER, LISTENER2, ...connections] }]).cases;
  const failures = r.failures.filter((f) => f.check === 'status' && !/^only \d+ client/.test(f.detail)).map((f) => f.detail);
  return { failures, unaccepted: r.counts.unaccepted };
}

describe('apps judge: client and accepted ends pair', () => {
  it('one to one, and an address the OS gave again to a later connection (seen under Wine)', () => {
    assert.deepEqual(pairing([client(1), accepted(1), client(2), accepted(2)]), { failures: [], unaccepted: 0 });
    assert.deepEqual(pairing([client(1), accepted(1), client(1), accepted(1)]), { failures: [], unaccepted: 0 });
  });

  it('a client the server never accepted read nothing; one that read something must have its accepted end', () => {
    assert.deepEqual(pairing([client(1, 0)]), { failures: [], unaccepted: 1 });
    assert.deepEqual(pairing([client(1), accepted(1), client(1, 0)]), { failures: [], unaccepted: 1 });
    assert.equal(pairing([client(1, 3)]).failures.length, 1);
  });

  it('the same client address towards two listeners pairs per listener', () => {
    assert.deepEqual(pairing([client(1), accepted(1), client(1, 0, 81), accepted(1, 81)]), { failures: [], unaccepted: 0 });
    // The one towards 81 read something, and its accepted end is missing: the pair towards 80 does not cover it.
    assert.deepEqual(pairing([client(1, 0), client(1, 3, 81), accepted(1)]).failures, [
      'client 127.0.0.1:1 -> 127.0.0.1:81 has 0 accepted ends in this process for 1 client connection(s) from that address '
        + '(it wrote 5 and read 3 bytes)',
    ]);
  });

  it('more accepted ends than clients, or an accepted end with no client, fail', () => {
    assert.equal(pairing([client(1), accepted(1), accepted(1)]).failures.length, 3);
    assert.deepEqual(pairing([client(1), accepted(1), accepted(2)]).failures,
      ['accepted 127.0.0.1:80 <- 127.0.0.1:2 has 0 client ends in this process for 1 accepted']);
  });
});
