'use strict';
// Soak: many connect/echo/close cycles through fastnet on loopback, mixed
// with failures, then a leak count. Every byte written is read back and
// checked. Exits non-zero on a checksum mismatch, an unexpected outcome, or a
// leaked socket or handle.
//   node [-r test/support/simulate.js] test/soak/soak.js [--cycles 10000] [--concurrency 8]
// On other hosts run it with FASTNET_TEST_SIMULATE=win32 (and optionally
// FASTNET_TEST_BINDING=applied) so fastnet's Windows path does the work.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const fastnet = require(path.join(__dirname, '..', '..'));

const argv = process.argv.slice(2);
const arg = (name, dflt) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? Number(argv[i + 1]) : dflt; };
const CYCLES = arg('cycles', 10000);
const CONCURRENCY = arg('concurrency', 8);
const HOST = '127.0.0.1';

const fds = () => (fs.existsSync('/proc/self/fd') ? fs.readdirSync('/proc/self/fd').length : null);
const handles = () => process.getActiveResourcesInfo().filter((r) => /TCP|Pipe|Timeout/.test(r)).length;

function listen(server, port = 0, host = HOST) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(server); });
  });
}
const closeServer = (s) => new Promise((r) => s.close(() => r()));
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

/** connect, send random bytes, read them back, compare checksums. */
function echo(port, lookup) {
  return new Promise((resolve, reject) => {
    const payload = crypto.randomBytes(1 + crypto.randomInt(64 * 1024));
    const chunks = [];
    const s = fastnet.connect({ port, host: lookup ? 'soak.test' : HOST, lookup }, () => s.end(payload));
    s.on('data', (d) => chunks.push(d));
    s.on('error', reject);
    s.on('close', () => {
      const back = Buffer.concat(chunks);
      if (sha(back) !== sha(payload)) reject(new Error(`checksum mismatch: ${back.length} of ${payload.length} bytes`));
      else resolve(payload.length);
    });
  });
}

/** An outcome that must be an error with this code. */
function expectError(emitter, codes) {
  return new Promise((resolve, reject) => {
    emitter.on('error', (err) => (codes.includes(err.code) || codes.includes(err.name)
      ? resolve() : reject(new Error(`expected ${codes.join('/')}, got ${err.code || err.name}: ${err.message}`))));
    emitter.on('connect', () => reject(new Error('connected, expected an error')));
  });
}

const bothFamilies = (host, opts, cb) => {
  const all = [{ address: '::1', family: 6 }, { address: HOST, family: 4 }];
  if (opts.all) cb(null, all); else cb(null, HOST, 4);
};

async function main() {
  const echoServer = await listen(fastnet.createServer((s) => { s.on('error', () => {}); s.pipe(s); }));
  const port = echoServer.address().port;
  // Port 1 (tcpmux) is never handed out as an ephemeral port, so nothing the
  // soak itself starts can land there: connecting is refused every time.
  const closedPort = 1;
  const beforeFds = fds();
  const beforeHandles = handles();
  const counts = { echo: 0, refused: 0, addrinuse: 0, destroyedAttempt: 0, abortBefore: 0, abortAfter: 0, closeInFlight: 0 };
  let bytes = 0;

  const kinds = [
    ['echo', 70, async () => { bytes += await echo(port); }],
    ['echo', 5, async () => { bytes += await echo(port, bothFamilies); }], // happy eyeballs: ::1 refused, then 127.0.0.1
    ['refused', 5, () => expectError(fastnet.connect(closedPort, HOST), ['ECONNREFUSED'])],
    ['addrinuse', 4, () => expectError(fastnet.createServer().listen(port, HOST), ['EADDRINUSE'])],
    ['destroyedAttempt', 5, () => new Promise((resolve) => {
      // destroy() while an attempt is in flight (the ::1 one is refused at once,
      // so this lands on the 127.0.0.1 attempt), or right after connecting.
      const s = fastnet.connect({ port, host: 'soak.test', lookup: bothFamilies });
      s.on('connectionAttempt', () => setImmediate(() => s.destroy()));
      s.on('connect', () => s.destroy());
      s.on('error', () => {});
      s.on('close', resolve);
    })],
    ['abortBefore', 4, () => {
      const ac = new AbortController();
      const s = fastnet.connect({ port, host: 'soak.test', lookup: bothFamilies, signal: ac.signal });
      ac.abort();
      return expectError(s, ['AbortError']);
    }],
    ['abortAfter', 4, () => new Promise((resolve, reject) => {
      // Abort while an attempt is in flight. It may still win the race and
      // connect (as with net); either way the socket must settle and close.
      const ac = new AbortController();
      const s = fastnet.connect({ port, host: 'soak.test', lookup: bothFamilies, signal: ac.signal });
      s.once('connectionAttempt', () => setImmediate(() => ac.abort()));
      s.on('connect', () => s.destroy());
      s.on('error', (err) => { if (err.name !== 'AbortError') reject(err); });
      s.on('close', resolve);
    })],
    ['closeInFlight', 3, async () => {
      const server = await listen(fastnet.createServer((s) => { s.on('error', () => {}); s.pipe(s); }));
      const clients = Array.from({ length: 3 }, () => {
        const c = fastnet.connect(server.address().port, HOST, () => c.write(crypto.randomBytes(32 * 1024)));
        c.on('error', () => {});
        c.resume();
        return c;
      });
      await new Promise((r) => setTimeout(r, 1));
      const closed = closeServer(server);
      for (const c of clients) c.destroy();
      await closed;
    }],
  ];
  const total = kinds.reduce((n, k) => n + k[1], 0);
  const pick = () => {
    let r = crypto.randomInt(total);
    for (const k of kinds) { if ((r -= k[1]) < 0) return k; }
    return kinds[0];
  };

  let next = 0;
  let failures = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < CYCLES) {
      next++;
      const [name, , run] = pick();
      try {
        let timer;
        await Promise.race([run(), new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('did not settle within 10 s')), 10000);
        })]).finally(() => clearTimeout(timer));
        counts[name]++;
      } catch (err) {
        failures++;
        if (failures <= 10) console.error(`soak: ${name} failed: ${err.message}`);
      }
    }
  }));
  await closeServer(echoServer);
  await new Promise((r) => setTimeout(r, 200)); // let closes settle
  const afterFds = fds();
  const afterHandles = handles();
  // The echo server's own handle is gone now, so "after" may be below "before".
  const fdLeak = beforeFds === null ? 0 : Math.max(0, afterFds - beforeFds);
  const handleLeak = Math.max(0, afterHandles - beforeHandles);
  console.log(`soak: ${CYCLES} cycles on node ${process.version} ${process.platform}, fast path ${JSON.stringify(fastnet.fastPathStatus(echoServer))}`);
  console.log(`soak: ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}; ${bytes} bytes echoed and checked`);
  console.log(`soak: fds ${beforeFds ?? 'n/a'} -> ${afterFds ?? 'n/a'} (leaked ${fdLeak}), active handles ${beforeHandles} -> ${afterHandles} (leaked ${handleLeak}), failures ${failures}`);
  console.log(`soak: stats ${JSON.stringify(fastnet.fastPathStats())}`);
  // The counts above are the verdict; exit now rather than wait for the
  // platform to reap closed sockets (Wine keeps the process alive a while).
  process.exit(failures === 0 && fdLeak === 0 && handleLeak === 0 ? 0 : 1);
}

main().catch((err) => { console.error(err); process.exitCode = 1; });
