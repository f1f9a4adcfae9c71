// ES module consumer: default and named imports, a loopback echo, and what
// fastnet reported for both ends. Prints one JSON line.
import assert from 'node:assert/strict';
import net from 'node:net';
import fastnet, { createServer, connect, fastPathStatus, Socket, isIP, SUPPORTED_SOCKET_OPTIONS } from 'fastnet';

assert.equal(createServer, fastnet.createServer);
assert.equal(connect, fastnet.connect);
assert.equal(Socket, fastnet.Socket);
assert.equal(isIP, net.isIP);
assert.ok(SUPPORTED_SOCKET_OPTIONS.includes('SO_RCVBUF'));

const warnings = [];
process.on('warning', (w) => warnings.push(w.code || w.name));
const server = createServer((s) => s.pipe(s));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
let accepted;
server.once('connection', (s) => { accepted = s; });
const chunks = [];
const client = connect(server.address().port, '127.0.0.1', () => client.end('echo from esm'));
client.on('data', (d) => chunks.push(d));
await new Promise((resolve) => client.on('close', resolve));
const result = {
  echo: Buffer.concat(chunks).toString(),
  server: fastPathStatus(server),
  accepted: accepted && fastPathStatus(accepted),
  client: fastPathStatus(client),
  warnings,
};
await new Promise((resolve) => server.close(resolve));
console.log(JSON.stringify(result));
