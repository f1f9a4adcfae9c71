'use strict';
// CommonJS consumer: require('fastnet'), a loopback echo, and what fastnet
// reported for both ends. Prints one JSON line.
const assert = require('node:assert/strict');
const net = require('node:net');
const fastnet = require('fastnet');

assert.equal(fastnet.isIP, net.isIP);
assert.ok(new fastnet.Socket() instanceof net.Socket);
assert.equal(typeof fastnet.fastPathStatus, 'function');
assert.equal(require('fastnet/package.json').name, 'fastnet');

const warnings = [];
process.on('warning', (w) => warnings.push(w.code || w.name));
const server = fastnet.createServer((s) => s.pipe(s)).listen(0, '127.0.0.1', () => {
  const chunks = [];
  const client = fastnet.connect(server.address().port, '127.0.0.1', () => client.end('echo from cjs'));
  let accepted;
  server.once('connection', (s) => { accepted = s; });
  client.on('data', (d) => chunks.push(d)).on('close', () => {
    const result = {
      echo: Buffer.concat(chunks).toString(),
      server: fastnet.fastPathStatus(server),
      accepted: accepted && fastnet.fastPathStatus(accepted),
      client: fastnet.fastPathStatus(client),
      warnings,
    };
    server.close(() => console.log(JSON.stringify(result)));
  });
});
