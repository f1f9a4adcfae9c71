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
function end(role, port, bytesRead = 5) {
  const ours = { address: '127.0.0.1', port };
  const theirs = { address: '127.0.0.1', port: 80 };
  return {
    role, owner: owners++, local: role === 'client' ? ours : theirs, peer: role === 'client' ? theirs : ours,
    target: role === 'client' ? theirs : null, established: true, closed: true, loopback: true, bytesRead, bytesWritten: 5,
    requested: [], effective: [],
  };
}
const client = (port, bytesRead) => end('client', port, bytesRead);
const accepted = (port) => end('accepted', port);

function pairing(connections) {
  const [r] = judge({}, [{ case: 'http', steps: [], connections: [LISTENER, ...connections] }]).cases;
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

  it('more accepted ends than clients, or an accepted end with no client, fail', () => {
    assert.equal(pairing([client(1), accepted(1), accepted(1)]).failures.length, 3);
    assert.deepEqual(pairing([client(1), accepted(1), accepted(2)]).failures,
      ['accepted 127.0.0.1:80 <- 127.0.0.1:2 has 0 client ends in this process for 1 accepted']);
  });
});
