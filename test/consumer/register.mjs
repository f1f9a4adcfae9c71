// Transparent mode: run with `node --import fastnet/register register.mjs`.
// The app uses node:net only; fastnet decides for its sockets anyway.
import assert from 'node:assert/strict';
import net from 'node:net';
import { isPatched, fastPathStatus } from 'fastnet';

assert.equal(isPatched(), true);
const warnings = [];
process.on('warning', (w) => warnings.push(w.code || w.name));
const server = net.createServer((s) => s.pipe(s));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const chunks = [];
const client = net.connect(server.address().port, '127.0.0.1', () => client.end('echo from register'));
client.on('data', (d) => chunks.push(d));
await new Promise((resolve) => client.on('close', resolve));
const result = {
  echo: Buffer.concat(chunks).toString(),
  server: fastPathStatus(server),
  client: fastPathStatus(client),
  warnings,
};
await new Promise((resolve) => server.close(resolve));
console.log(JSON.stringify(result));
