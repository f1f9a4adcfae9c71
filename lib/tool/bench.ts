/**
 * The same-run comparison behind `fastnet bench` and `fastnet doctor`: net
 * and fastnet alternate round by round on loopback, so machine drift hits
 * both alike. Each round gives a ratio from two adjacent measurements; the
 * result is the median ratio with its spread. Ratios are "fastnet is better"
 * when above 1 (throughput-like metrics: fastnet/net; latencies: net/fastnet).
 *
 * The connection and round-trip scenarios go further: within a round the two
 * take turns connection by connection (round trip by round trip), in ABBA
 * order, each timed on its own.
 * A machine that speeds up or slows down for a second or two (this project's
 * VM does, by half) then slows both alike, where two back-to-back
 * measurements would each catch a different phase.
 */
import * as net from 'node:net';
import { createServer as fastCreateServer, connect as fastConnect } from '../index.js';

interface Impl {
  createServer(listener: (s: net.Socket) => void): net.Server;
  connect(options: net.TcpNetConnectOpts): net.Socket;
}

const IMPLS: Record<'net' | 'fastnet', Impl> = {
  net: { createServer: (l) => net.createServer(l), connect: (o) => net.connect(o) },
  fastnet: { createServer: (l) => fastCreateServer(l), connect: (o) => fastConnect(o) },
};

/**
 * Where the connecting side comes from. `peer`: an address of this machine
 * that is not loopback (192.0.2.1 on lo in a private network namespace), so
 * that a listener on the unspecified address sees a non-loopback peer.
 */
export interface Where { peer?: string }

/** One measured quantity of a scenario. */
interface Metric { name: string; unit: string; higherIsBetter: boolean }

interface ScenarioInfo {
  name: string;
  description: string;
  metrics: Metric[];
}

/** A scenario measures one implementation at a time, or both taking turns. */
type Scenario = ScenarioInfo & (
  | {
    /** Measure for about `ms` milliseconds; one value per metric. */
    run(impl: Impl, ms: number, where: Where): Promise<number[]>;
    paired?: never;
  }
  | {
    /**
     * Measure both, interleaved, for about `2 * ms` milliseconds in all: one
     * value per metric for `a`, then for `b`.
     */
    paired(a: Impl, b: Impl, ms: number, where: Where): Promise<[number[], number[]]>;
    run?: never;
  });

const HOST = '127.0.0.1';

/** A listener on HOST, or with `host: null` on the unspecified address as `listen(port)` binds it (dual-stack). */
function listen(impl: Impl, onSocket: (s: net.Socket) => void, host: string | null = HOST): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = impl.createServer((s) => { s.on('error', () => {}); onSocket(s); });
    server.once('error', reject);
    if (host === null) server.listen(0, () => resolve(server));
    else server.listen(0, host, () => resolve(server));
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function connected(impl: Impl, port: number, where: Where = {}): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = impl.connect(where.peer ? { port, host: where.peer, localAddress: where.peer } : { port, host: HOST });
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

/** A B B A, A B B A, ...: which of two goes at step `k`; a steady drift in speed cancels within each four. */
function abba(k: number): 0 | 1 {
  return k % 4 === 0 || k % 4 === 3 ? 0 : 1;
}

function rttPercentiles(samples: number[]): number[] {
  samples.sort((a, b) => a - b);
  return [percentile(samples, 0.5), percentile(samples, 0.99)];
}

const rtt: Scenario = {
  name: 'rtt',
  description: '1-byte request/response round trips, one connection each',
  metrics: [
    { name: 'rtt p50', unit: 'µs', higherIsBetter: false },
    { name: 'rtt p99', unit: 'µs', higherIsBetter: false },
  ],
  async paired(a, b, ms) {
    // A connection each; the round trips take turns between them.
    const servers: net.Server[] = [];
    const clients: net.Socket[] = [];
    for (const impl of [a, b]) {
      const server = await listen(impl, (s) => s.on('data', (d) => s.write(d)));
      servers.push(server);
      clients.push(await connected(impl, (server.address() as net.AddressInfo).port));
    }
    const samples: [number[], number[]] = [[], []];
    const end = performance.now() + 2 * ms;
    const one = Buffer.from([1]);
    await new Promise<void>((resolve) => {
      let k = 0;
      let t0 = 0n;
      const ping = () => { t0 = process.hrtime.bigint(); clients[abba(k)].write(one); };
      clients.forEach((client, i) => client.on('data', () => {
        samples[i].push(Number(process.hrtime.bigint() - t0) / 1000);
        k++;
        if (k % 4 !== 0 || performance.now() < end) ping();
        else resolve();
      }));
      ping();
    });
    for (const c of clients) await closeSocket(c);
    for (const s of servers) await closeServer(s);
    return [rttPercentiles(samples[0]), rttPercentiles(samples[1])];
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
function churn(name: string, metric: string, description: string, server: 'impl' | 'net', client: 'impl' | 'net',
  listenOn: string | null = HOST): Scenario {
  const serverOf = (impl: Impl) => (server === 'impl' ? impl : IMPLS.net);
  const clientOf = (impl: Impl) => (client === 'impl' ? impl : IMPLS.net);
  const once = (impl: Impl, port: number, where: Where) => connected(clientOf(impl), port, where).then(closeSocket);
  return {
    name,
    description,
    metrics: [{ name: metric, unit: 'conn/s', higherIsBetter: true }],
    async paired(a, b, ms, where) {
      // A server each, so neither side's listener ever serves the other.
      const servers = [await listen(serverOf(a), (s) => s.end(), listenOn), await listen(serverOf(b), (s) => s.end(), listenOn)];
      const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
      const impls = [a, b];
      const elapsed = [0, 0];
      const count = [0, 0];
      const end = performance.now() + 2 * ms;
      for (let k = 0; k % 4 !== 0 || performance.now() < end; k++) {
        const i = abba(k);
        const t0 = performance.now();
        await once(impls[i], ports[i], listenOn === null ? where : {});
        elapsed[i] += performance.now() - t0;
        count[i]++;
      }
      for (const s of servers) await closeServer(s);
      return [[count[0] / (elapsed[0] / 1000)], [count[1] / (elapsed[1] / 1000)]];
    },
  };
}

const connections = churn('connections', 'connections', 'connect + accept + close, one at a time, both ends', 'impl', 'impl');
const accepts = churn('accepts', 'accepts', 'the same, a plain-net client against each server', 'impl', 'net');
const clientConnects = churn('client-connects', 'client connects', 'the same, each client against a plain-net server', 'net', 'impl');
// listen(port) with no host: Node binds :: (dual-stack); fastnet stamps each accepted connection undecided, and
// nothing here needs its peer, so none is read (as in a server without noDelay/keepAlive).
const dualStackAccepts = churn('accepts-dual-stack', 'accepts, dual-stack',
  'accepts on a listen(port) listener (::, dual-stack), a plain-net client from 127.0.0.1, or from --peer', 'impl', 'net', null);

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
  clientConnects, dualStackAccepts, parallel,
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
  /** The client side of accepts-dual-stack connects from (and to) this non-loopback address of the machine. */
  peer?: string;
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
  const where: Where = options.peer ? { peer: options.peer } : {};
  const results: MetricResult[] = [];
  for (const scenario of scenarios) {
    const values = { net: [] as number[][], fastnet: [] as number[][] };
    for (let r = 0; r <= rounds; r++) {
      options.onProgress?.(`${scenario.name}: ${r === 0 ? 'warm-up' : `round ${r}/${rounds}`}`);
      const order: Array<'net' | 'fastnet'> = r % 2 ? ['fastnet', 'net'] : ['net', 'fastnet'];
      if (scenario.paired) {
        const both = await scenario.paired(impls[order[0]], impls[order[1]], ms, where);
        if (r > 0) order.forEach((name, i) => values[name].push(both[i]));
        continue;
      }
      for (const name of order) {
        const v = await scenario.run(impls[name], ms, where);
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
