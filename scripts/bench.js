'use strict';
// Same-run comparison of plain net and fastnet on loopback: rounds alternate
// between the two, each round yields a fastnet/net ratio from two adjacent
// measurements (so drift in the machine cancels), and the result is the
// median ratio with its interquartile range.
//   node scripts/bench.js [--rounds 7] [--ms 1000] [--simulate]
// --simulate runs fastnet's Windows code path (POSIX twin binding) on this host,
// which measures the cost of fastnet's own socket plumbing.
const net = require('node:net');
const fastnet = require('..');

const argv = process.argv.slice(2);
const opt = (name, dflt) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? Number(argv[i + 1]) : dflt; };
const ROUNDS = opt('rounds', 7);
const MS = opt('ms', 1000);
if (argv.includes('--simulate')) fastnet[Symbol.for('fastnet.testing')].setPlatform('win32');

function listen(impl) {
  return new Promise((resolve) => {
    const server = impl.createServer((s) => { s.on('error', () => {}); s.pipe(s); });
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** Sequential connect + accept + close for MS milliseconds; connections per second. */
async function connections(impl) {
  const server = await listen(impl);
  const { port } = server.address();
  const end = performance.now() + MS;
  let n = 0;
  const start = performance.now();
  while (performance.now() < end) {
    await new Promise((resolve, reject) => {
      const s = impl.connect(port, '127.0.0.1', () => s.end());
      s.on('error', reject).on('close', resolve).resume();
    });
    n++;
  }
  const rate = n / ((performance.now() - start) / 1000);
  await new Promise((r) => server.close(r));
  return rate;
}

/** Echo 64 KiB writes through one connection for MS milliseconds; MiB/s echoed. */
async function throughput(impl) {
  const server = await listen(impl);
  const chunk = Buffer.alloc(64 * 1024, 7);
  const rate = await new Promise((resolve, reject) => {
    const s = impl.connect(server.address().port, '127.0.0.1');
    let received = 0;
    let start;
    let stop = false;
    const pump = () => { while (!stop && s.write(chunk)); };
    s.on('connect', () => { start = performance.now(); pump(); setTimeout(() => { stop = true; s.end(); }, MS); });
    s.on('drain', pump);
    s.on('data', (d) => { received += d.length; });
    s.on('error', reject);
    s.on('close', () => resolve(received / (1 << 20) / ((performance.now() - start) / 1000)));
  });
  await new Promise((r) => server.close(r));
  return rate;
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

(async () => {
  const results = {};
  for (const [name, fn, unit] of [['connections/s', connections, 'conn/s'], ['64 KiB echo', throughput, 'MiB/s']]) {
    const runs = { net: [], fastnet: [] };
    await fn(net); await fn(fastnet); // warm-up
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate which goes first, so drift in the machine does not favour one.
      const order = r % 2 ? [['fastnet', fastnet], ['net', net]] : [['net', net], ['fastnet', fastnet]];
      for (const [label, impl] of order) runs[label].push(await fn(impl));
    }
    const ratios = runs.fastnet.map((f, i) => f / runs.net[i]).sort((a, b) => a - b);
    const ratio = median(ratios);
    const q = (p) => ratios[Math.min(ratios.length - 1, Math.floor(p * ratios.length))];
    results[name] = { unit, net: median(runs.net), fastnet: median(runs.fastnet), ratio, iqr: [q(0.25), q(0.75)] };
    console.log(`${name.padEnd(14)} net ${median(runs.net).toFixed(1)} ${unit}, fastnet ${median(runs.fastnet).toFixed(1)} ${unit}, ` +
      `ratio ${ratio.toFixed(3)} (IQR ${q(0.25).toFixed(3)}-${q(0.75).toFixed(3)}; ${ROUNDS} alternating rounds of ${MS} ms)`);
  }
  if (argv.includes('--json')) console.log(JSON.stringify(results));
})();
