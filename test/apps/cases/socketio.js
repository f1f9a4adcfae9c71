'use strict';
// socket.io, server and clients in the same process: one client that starts
// on HTTP long-polling and upgrades to WebSocket, one WebSocket-only, one
// polling-only. Strings, binary and objects go to the server and back
// (acknowledgements), and the server broadcasts to all of them.
const crypto = require('node:crypto');
const http = require('node:http');
const { Server } = require('socket.io');
const { io: connect } = require('socket.io-client');

function once(emitter, event) {
  return new Promise((resolve, reject) => {
    emitter.once(event, resolve);
    emitter.once('connect_error', reject);
  });
}

module.exports = async function socketioCase({ step }) {
  const httpServer = http.createServer();
  const io = new Server(httpServer, { maxHttpBufferSize: 8e6 });
  io.on('connection', (socket) => {
    socket.on('echo', (data, ack) => ack(data));
    socket.on('digest', (data, ack) => ack(crypto.createHash('sha256').update(data).digest('hex')));
  });
  await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${httpServer.address().port}`;
  const clients = {
    upgrade: connect(url, { forceNew: true }),
    websocket: connect(url, { forceNew: true, transports: ['websocket'] }),
    polling: connect(url, { forceNew: true, transports: ['polling'] }),
  };
  try {
    await Promise.all(Object.values(clients).map((c) => once(c, 'connect')));
    const upgraded = clients.upgrade.io.engine.transport.name === 'websocket'
      ? Promise.resolve() : once(clients.upgrade.io.engine, 'upgrade');
    await step('upgrade: the polling client moves to WebSocket', async () => {
      await upgraded;
      return [['transport', 'websocket', clients.upgrade.io.engine.transport.name]];
    });
    for (const [name, client] of Object.entries(clients)) {
      await step(`${name}: 4 KiB string, 64 KiB binary and an object, acknowledged back`, async () => {
        const str = crypto.randomBytes(3072).toString('base64');
        const bin = crypto.randomBytes(65536);
        const obj = { id: name, list: [1, 'two', { three: 3 }], text: crypto.randomBytes(1024).toString('hex') };
        const [s, b, o, d] = await Promise.all([
          client.timeout(20000).emitWithAck('echo', str),
          client.timeout(20000).emitWithAck('echo', bin),
          client.timeout(20000).emitWithAck('echo', obj),
          client.timeout(20000).emitWithAck('digest', bin),
        ]);
        return [['string', str, s], ['binary', bin, Buffer.from(b)], ['object', obj, o],
          ['server sha256 of the binary', crypto.createHash('sha256').update(bin).digest('hex'), d]];
      });
    }
    await step('broadcast: 16 KiB binary from the server to every client', async () => {
      const payload = crypto.randomBytes(16384);
      const got = Promise.all(Object.values(clients).map((c) => new Promise((resolve) => c.once('news', resolve))));
      io.emit('news', payload);
      const all = await got;
      return all.map((g, i) => [`client ${Object.keys(clients)[i]}`, payload, Buffer.from(g)]);
    });
  } finally {
    for (const c of Object.values(clients)) c.close();
    await new Promise((resolve) => io.close(() => resolve()));
  }
};
