/**
 * The same-run comparison behind `fastnet bench` and `fastnet doctor`: net
 * and fastnet alternate round by round on loopback, so machine drift hits
 * both alike. Each round gives a ratio from two adjacent measurements; the
 * result is the median ratio with its spread. Ratios are "fastnet is better"
 * when above 1 (throughput-like metrics: fastnet/net; latencies: net/fastnet).
 */
import * as net from 'node:net';
import { createServer as fastCreateServer, connect as fastConnect } from './index.js';

interface Impl {
  createServer(listener: (s: net.Socket) => void): net.Server;
  connect(port: number, host: string): net.Socket;
}

const IMPLS: Record<'net' | 'fastnet', Impl> = {
  net: { createServer: (l) => net.createServer(l), connect: (p, h) => net.connect(p, h) },
  fastnet: { createServer: (l) => fastCreateServer(l), connect: (p, h) => fastConnect(p, h) },
};

/** One measured quantity of a scenario. */
interface Metric { name: string; unit: string; higherIsBetter: boolean }

interface Scenario {
  name: string;
  description: string;
  metrics: Metric[];
  /** Measure for about `ms` milliseconds; one value per metric. */
  run(impl: Impl, ms: number): Promise<number[]>;
}

const HOST = '127.0.0.1';

function listen(impl: Impl, onSocket: (s: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = impl.createServer((s) => { s.on('error', () => {}); onSocket(s); });
    server.once('error', reject);
    server.listen(0, HOST, () => resolve(server));
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function connected(impl: Impl, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = impl.connect(port, HOST);
    s.once('error', reject);
    s.once('connect', () => resolve(s));
  });
}

function closeSocket(s: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (s.destroyed) return resolve();
    s.once('close', () => resolve());
    s.end();
    s.resume();
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const rtt: Scenario = {
  name: 'rtt',
  description: '1-byte request/response round trips on one connection',
  metrics: [
    { name: 'rtt p50', unit: 'µs', higherIsBetter: false },
    { name: 'rtt p99', unit: 'µs', higherIsBetter: false },
  ],
  async run(impl, ms) {
    const server = await listen(impl, (s) => s.on('data', (d) => s.write(d)));
    const client = await connected(impl, (server.address() as net.AddressInfo).port);
    const samples: number[] = [];
    const end = performance.now() + ms;
    const one = Buffer.from([1]);
    await new Promise<void>((resolve) => {
      let t0 = 0n;
      const ping = () => { t0 = process.hrtime.bigint(); client.write(one); };
      client.on('data', () => {
        samples.push(Number(process.hrtime.bigint() - t0) / 1000);
        if (performance.now() < end) ping();
        else resolve();
      });
      ping();
    });
    await closeSocket(client);
    await closeServer(server);
    samples.sort((a, b) => a - b);
    return [percentile(samples, 0.5), percentile(samples, 0.99)];
  },
};

function streaming(size: number, label: string): Scenario {
  return {
    name: `stream-${label}`,
    description: `one-way streaming with ${label} writes`,
    metrics: [{ name: `stream ${label}`, unit: 'MiB/s', higherIsBetter: true }],
    async run(impl, ms) {
      let received = 0;
      let done: () => void = () => {};
      const finished = new Promise<void>((r) => { done = r; });
      const server = await listen(impl, (s) => {
        s.on('data', (d) => { received += d.length; });
        s.on('end', () => { s.end(); done(); });
      });
      const client = await connected(impl, (server.address() as net.AddressInfo).port);
      const chunk = Buffer.alloc(size, 0x5a);
      const start = performance.now();
      const end = start + ms;
      await new Promise<void>((resolve) => {
        const pump = () => {
          while (performance.now() < end) {
            if (!client.write(chunk)) return;
          }
          resolve();
        };
        client.on('drain', pump);
        pump();
      });
      client.end();
      await finished;
      const seconds = (performance.now() - start) / 1000;
      await closeServer(server);
      return [received / (1 << 20) / seconds];
    },
  };
}

/**
 * Connect + accept + close, one at a time. `server` and `client` say which
 * side uses the implementation under test; the other side is plain net, so
 * each side's cost can be seen on its own.
 */
function churn(name: string, metric: string, description: string, server: 'impl' | 'net', client: 'impl' | 'net'): Scenario {
  return {
    name,
    description,
    metrics: [{ name: metric, unit: 'conn/s', higherIsBetter: true }],
    async run(impl, ms) {
      const srv = await listen(server === 'impl' ? impl : IMPLS.net, (s) => s.end());
      const port = (srv.address() as net.AddressInfo).port;
      const connector = client === 'impl' ? impl : IMPLS.net;
      let n = 0;
      const start = performance.now();
      while (performance.now() - start < ms) {
        await closeSocket(await connected(connector, port));
        n++;
      }
      const seconds = (performance.now() - start) / 1000;
      await closeServer(srv);
      return [n / seconds];
    },
  };
}

const connections = churn('connections', 'connections', 'connect + accept + close, one at a time, both ends', 'impl', 'impl');
const accepts = churn('accepts', 'accepts', 'the same, a plain-net client against each server', 'impl', 'net');
const clientConnects = churn('client-connects', 'client connects', 'the same, each client against a plain-net server', 'net', 'impl');

const parallel: Scenario = {
  name: 'parallel-100',
  description: '100 connections echoing 16 KiB messages at once',
  metrics: [{ name: '100 parallel', unit: 'MiB/s', higherIsBetter: true }],
  async run(impl, ms) {
    const server = await listen(impl, (s) => s.pipe(s));
    const port = (server.address() as net.AddressInfo).port;
    const clients = await Promise.all(Array.from({ length: 100 }, () => connected(impl, port)));
    const msg = Buffer.alloc(16 * 1024, 1);
    let bytes = 0;
    const start = performance.now();
    const end = start + ms;
    await Promise.all(clients.map((c) => new Promise<void>((resolve) => {
      let pending = 0;
      c.on('data', (d) => {
        bytes += d.length;
        pending -= d.length;
        if (pending <= 0) {
          if (performance.now() < end) { pending = msg.length; c.write(msg); } else resolve();
        }
      });
      pending = msg.length;
      c.write(msg);
    })));
    const seconds = (performance.now() - start) / 1000;
    await Promise.all(clients.map(closeSocket));
    await closeServer(server);
    return [bytes / (1 << 20) / seconds];
  },
};

/** Every scenario, by name. */
export const SCENARIOS: readonly Scenario[] = [
  rtt, streaming(4096, '4KiB'), streaming(65536, '64KiB'), streaming(1 << 20, '1MiB'), connections, accepts,
  clientConnects, parallel,
];

/** One metric's result. */
export interface MetricResult {
  scenario: string;
  metric: string;
  unit: string;
  higherIsBetter: boolean;
  net: number;      // median
  fastnet: number;  // median
  /** Median per-round ratio; above 1 means fastnet did better. */
  ratio: number;
  /** Interquartile range of the per-round ratios. */
  ratioIqr: [number, number];
  rounds: number;
}

export interface BenchOptions {
  /** Total time budget in seconds (approximate; at least 50 ms per measurement). */
  duration: number;
  /** Scenario names to run; all by default. */
  only?: string[];
  /** Alternating rounds per scenario (after one warm-up round). */
  rounds?: number;
  /**
   * Run net in fastnet's place: a ratio of net against itself, which shows
   * how far this machine's noise alone moves the ratios.
   */
  control?: boolean;
  onProgress?: (message: string) => void;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Run the comparison. */
export async function runBench(options: BenchOptions): Promise<MetricResult[]> {
  const scenarios = options.only ? SCENARIOS.filter((s) => options.only!.includes(s.name)) : [...SCENARIOS];
  const rounds = options.rounds ?? 5;
  // Warm-up + rounds, two implementations each.
  const ms = Math.max(50, (options.duration * 1000) / (scenarios.length * 2 * (rounds + 1)));
  const impls = options.control ? { net: IMPLS.net, fastnet: IMPLS.net } : IMPLS;
  const results: MetricResult[] = [];
  for (const scenario of scenarios) {
    const values = { net: [] as number[][], fastnet: [] as number[][] };
    for (let r = 0; r <= rounds; r++) {
      options.onProgress?.(`${scenario.name}: ${r === 0 ? 'warm-up' : `round ${r}/${rounds}`}`);
      const order: Array<'net' | 'fastnet'> = r % 2 ? ['fastnet', 'net'] : ['net', 'fastnet'];
      for (const name of order) {
        const v = await scenario.run(impls[name], ms);
        if (r > 0) values[name].push(v);
      }
    }
    scenario.metrics.forEach((m, i) => {
      const n = values.net.map((v) => v[i]);
      const f = values.fastnet.map((v) => v[i]);
      const ratios = n.map((nv, k) => (m.higherIsBetter ? f[k] / nv : nv / f[k])).sort((a, b) => a - b);
      results.push({
        scenario: scenario.name, metric: m.name, unit: m.unit, higherIsBetter: m.higherIsBetter,
        net: median(n), fastnet: median(f), ratio: median(ratios),
        ratioIqr: [percentile(ratios, 0.25), percentile(ratios, 0.75)], rounds,
      });
    });
  }
  return results;
}
