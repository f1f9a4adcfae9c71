'use strict';
// An express app on a Node http server (TCP keep-alive on accepted
// connections), with fetch (undici, built into Node) and axios as clients, in
// the same process: downloads, uploads echoed back, JSON, several requests in
// flight at once, and localhost resolving to both ::1 and 127.0.0.1.
const crypto = require('node:crypto');
const http = require('node:http');
const axios = require('axios');
const express = require('express');

const sha = (v) => crypto.createHash('sha256').update(v).digest('hex');

module.exports = async function httpCase({ step }) {
  const blobs = new Map([[4096, crypto.randomBytes(4096)], [262144, crypto.randomBytes(262144)]]);
  const app = express();
  app.use(express.raw({ type: 'application/octet-stream', limit: '4mb' }));
  app.use(express.json({ limit: '4mb' }));
  app.get('/blob/:size', (req, res) => res.type('application/octet-stream').send(blobs.get(Number(req.params.size))));
  app.post('/echo', (req, res) => res.set('x-body-sha256', sha(req.body)).type('application/octet-stream').send(req.body));
  app.post('/json', (req, res) => res.json({ got: req.body, sha256: sha(JSON.stringify(req.body)) }));

  // TCP keep-alive on every accepted connection, as a server option.
  const server = http.createServer({ keepAlive: true, keepAliveInitialDelay: 30_000 }, app);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const base = `http://127.0.0.1:${server.address().port}`;
  try {
    await step('fetch: GET 4 KiB and 256 KiB', async () => {
      const out = [];
      for (const [size, blob] of blobs) {
        const res = await fetch(`${base}/blob/${size}`);
        out.push([`GET ${size} bytes`, blob, Buffer.from(await res.arrayBuffer())]);
      }
      return out;
    });
    await step('fetch: POST 64 KiB, echoed back, and the server\'s digest', async () => {
      const body = crypto.randomBytes(65536);
      const res = await fetch(`${base}/echo`, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
      return [['server sha256 of the upload', sha(body), res.headers.get('x-body-sha256')],
        ['echoed body', body, Buffer.from(await res.arrayBuffer())]];
    });
    await step('fetch: 8 uploads in flight at once', async () => {
      const bodies = Array.from({ length: 8 }, (_, i) => crypto.randomBytes(16384 + i));
      const backs = await Promise.all(bodies.map(async (body) => {
        const res = await fetch(`${base}/echo`, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
        return Buffer.from(await res.arrayBuffer());
      }));
      return bodies.map((b, i) => [`upload ${i}`, b, backs[i]]);
    });
    await step('axios: GET 256 KiB, POST JSON with a 4 KiB string', async () => {
      const got = await axios.get(`${base}/blob/262144`, { responseType: 'arraybuffer' });
      const doc = { text: crypto.randomBytes(3072).toString('base64'), n: [1, 2, 3], nested: { ok: true } };
      const res = await axios.post(`${base}/json`, doc);
      return [['GET 262144 bytes', blobs.get(262144), Buffer.from(got.data)],
        ['JSON echoed', doc, res.data.got], ['server sha256 of the JSON', sha(JSON.stringify(doc)), res.data.sha256]];
    });
    await step('axios: localhost, resolved to ::1 then 127.0.0.1 (the server is on 127.0.0.1 only)', async () => {
      // Many hosts list both; the IPv6 attempt is refused and the connection falls back to IPv4.
      const lookup = (hostname, options, cb) => cb(null, [{ address: '::1', family: 6 }, { address: '127.0.0.1', family: 4 }]);
      const url = `http://localhost:${server.address().port}/blob/4096`;
      const got = await axios.get(url, { responseType: 'arraybuffer', lookup, httpAgent: new http.Agent() });
      return [['GET 4096 bytes via localhost', blobs.get(4096), Buffer.from(got.data)]];
    });
    await step('axios: 8 uploads of 64 KiB in flight at once', async () => {
      const bodies = Array.from({ length: 8 }, () => crypto.randomBytes(65536));
      const backs = await Promise.all(bodies.map((body) => axios.post(`${base}/echo`, body, {
        headers: { 'content-type': 'application/octet-stream' }, responseType: 'arraybuffer',
      })));
      return bodies.map((b, i) => [`upload ${i}`, b, Buffer.from(backs[i].data)]);
    });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(() => resolve()));
  }
};
