'use strict';
// Only on Windows (a real host, or node.exe under Wine): nothing injected,
// just the public API on the real Winsock binding. A real host must report
// 'applied'; Wine, which has no fast path, 'unsupported'/WSAEOPNOTSUPP. Both
// fail if fastnet silently stops attempting the ioctl.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { fastnet, onWindows, REAL_IOCTL, once, close } = require('./support/helpers');

(onWindows ? describe : describe.skip)('real Windows binding (no injection)', () => {
  for (const host of ['127.0.0.1', '::1']) {
    it(`${host}: both ends report ${REAL_IOCTL.state}, data flows both ways intact`, async () => {
      const toServer = crypto.randomBytes(256 * 1024);
      const toClient = crypto.randomBytes(256 * 1024);
      let acceptedStatus;
      const received = [];
      const server = fastnet.createServer((s) => {
        acceptedStatus = fastnet.fastPathStatus(s);
        s.on('data', (d) => received.push(d));
        s.on('end', () => s.end(toClient));
      });
      server.listen(0, host);
      await once(server, 'listening');
      assert.deepEqual(fastnet.fastPathStatus(server), REAL_IOCTL);

      const socket = fastnet.connect({ port: server.address().port, host });
      await once(socket, 'connect');
      assert.deepEqual(fastnet.fastPathStatus(socket), REAL_IOCTL);
      const back = [];
      socket.on('data', (d) => back.push(d));
      socket.end(toServer);
      await once(socket, 'close');
      assert.ok(Buffer.concat(received).equals(toServer), 'client to server');
      assert.ok(Buffer.concat(back).equals(toClient), 'server to client');
      assert.deepEqual(acceptedStatus, { ...REAL_IOCTL, inherited: true });
      await close(server);
    });
  }

  it('counts the outcome process-wide', async () => {
    const before = fastnet.fastPathStats()[REAL_IOCTL.state];
    const server = fastnet.createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    assert.equal(fastnet.fastPathStats()[REAL_IOCTL.state], before + 1);
    await close(server);
  });
});
