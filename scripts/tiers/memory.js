'use strict';
// Memory per connection: bytes retained per idle connected pair (a client
// socket and the socket its server accepted), net against fastnet. Each
// measurement runs in its own process: a server, then N connected pairs held
// open, and process.memoryUsage() after full garbage collections, before and
// after. Runs alternate between net and fastnet; the median per pair is shown.
//
//   node scripts/tiers/memory.js [--pairs 10000] [--runs 3] [--mode applied|refused|passthrough] [--wine PATH/node.exe]
//
// --mode: the simulated Windows path with the ioctl applied (default) or
// refused (the POSIX twin), or plain pass-through. Under --wine the real
// binding runs on node.exe and the ioctl is refused by Wine; a refusal is not
// remembered, so every socket goes through fastnet's plumbing.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { parseArgs } = require('node:util');

const root = path.join(__dirname, '..', '..');
const { values: args } = parseArgs({
  args: process.argv.slice(2),
  options: {
    pairs: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '3' },
    mode: { type: 'string', default: 'applied' },
    wine: { type: 'string' },
    json: { type: 'boolean', default: false },
    child: { type: 'string' }, // internal: one measurement, net or fastnet
  },
});

if (args.child) {
  child(args.child, Number(args.pairs));
} else {
  main().catch((err) => { console.error(err); process.exitCode = 1; });
}

async function child(implName, pairs) {
  if (process.env.FASTNET_TEST_SIMULATE) require(path.join(root, 'test', 'support', 'simulate.js'));
  const impl = implName === 'net' ? require('node:net') : require(path.join(root, 'dist', 'index.js'));
  const held = [];
  const server = impl.createServer((s) => { held.push(s); s.on('error', () => {}); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  const open = (n) => Promise.all(Array.from({ length: n }, () => new Promise((resolve, reject) => {
    const s = impl.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  })));
  // Warm up: code paths compiled, lazy pieces loaded, before the baseline.
  for (const s of await open(200)) s.destroy();
  await settle();
  held.length = 0;
  const before = usage();
  const clients = [];
  for (let i = 0; i < pairs; i += 500) clients.push(...await open(Math.min(500, pairs - i)));
  while (held.length < pairs) await new Promise((r) => setTimeout(r, 10));
  await settle();
  const after = usage();
  const per = Object.fromEntries(Object.keys(after).map((k) => [k, (after[k] - before[k]) / pairs]));
  const status = implName === 'net' ? null : impl.fastPathStatus(clients[0]).state;
  process.stdout.write(`${JSON.stringify({ impl: implName, pairs, per, status, clients: clients.length })}\n`);
  for (const s of clients) s.destroy();
  server.close();
}

async function settle() {
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setImmediate(r));
    global.gc();
  }
}

function usage() {
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, external: m.external, rss: m.rss };
}

/** Descriptors this process may open at most (the hard limit, which a process can raise its own limit to). */
function hardFdLimit() {
  const r = spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' });
  const n = Number(r.stdout.trim());
  return Number.isFinite(n) ? n : Infinity; // 'unlimited'
}

async function main() {
  const wanted = Number(args.pairs);
  // Two descriptors per pair, and some spare; say so when the machine allows fewer.
  const limit = hardFdLimit();
  // Under Wine each Windows socket is a host descriptor of node.exe's process: the same limit.
  const pairs = Math.min(wanted, Math.floor((limit - 600) / 2));
  if (pairs < wanted) console.log(`memory: ${pairs} pairs, not ${wanted}: this machine's hard limit is ${limit} descriptors`);
  const runs = Number(args.runs);
  const mode = args.mode;
  const wineExe = args.wine;
  const env = { FASTNET_REMEMBER_REFUSAL: '0' };
  if (!wineExe && mode !== 'passthrough') env.FASTNET_TEST_SIMULATE = 'win32';
  if (!wineExe && mode === 'applied') env.FASTNET_TEST_BINDING = 'applied';
  const results = { net: [], fastnet: [] };
  for (let r = 0; r < runs; r++) {
    for (const impl of r % 2 ? ['fastnet', 'net'] : ['net', 'fastnet']) {
      const args = [__filename, '--child', impl, '--pairs', String(pairs)];
      let out;
      if (wineExe) {
        const wine = require('./wine');
        const res = await wine.runNodeExe(wineExe, ['--expose-gc', ...args],
          { env: { ...env, PREBUILDS_ONLY: '1' }, timeoutMs: 600_000 });
        out = res.output;
      } else {
        // Raise the soft limit to the hard one, which `pairs` was sized for above.
        const res = spawnSync('sh', ['-c', 'ulimit -n "$(ulimit -Hn)" && exec "$0" --expose-gc "$@"', process.execPath, ...args],
          { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 600_000 });
        out = res.stdout + res.stderr;
      }
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line) throw new Error(`memory: no result from ${impl}:\n${out.slice(-2000)}`);
      results[impl].push(JSON.parse(line));
    }
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const where = wineExe ? `node.exe ${path.basename(path.dirname(wineExe))} under Wine` : `node ${process.version}, ${mode}`;
  console.log(`memory per idle connected pair (client + accepted socket), ${pairs} pairs, median of ${runs} runs, ${where}:`);
  for (const k of ['heapUsed', 'external', 'rss']) {
    const n = med(results.net.map((x) => x.per[k]));
    const f = med(results.fastnet.map((x) => x.per[k]));
    console.log(`  ${k.padEnd(9)} net ${n.toFixed(0).padStart(6)} B, fastnet ${f.toFixed(0).padStart(6)} B, difference ${(f - n).toFixed(0)} B`);
  }
  console.log(`  fastnet client status: ${results.fastnet.map((x) => x.status).join(', ')}`);
  if (args.json) console.log(JSON.stringify(results));
}
