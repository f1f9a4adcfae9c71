'use strict';
// Bad-input parity: a generated corpus of connect / createServer / listen
// argument shapes, each run against net and against fastnet (on the Windows
// path), must give the same outcome: the same throw (class, code, message)
// or the same emitted error (code, syscall, address, port), or success.
// Names are resolved by a fake lookup (no DNS leaves the machine), except
// 'localhost', which the hosts file answers.
const assert = require('node:assert/strict');
const fc = require('fast-check');
const os = require('node:os');
const { fastnet, net, testing, refusingBinding, appliedBinding, outcome, once, close } = require('./support/helpers');

const NUM_RUNS = Number(process.env.FASTNET_CORPUS_RUNS) || 150;
// A fixed seed keeps CI repeatable; FASTNET_CORPUS_SEED explores other corners.
const SEED = Number(process.env.FASTNET_CORPUS_SEED) || 20261125;
const localIp = (Object.values(os.networkInterfaces()).flat().find((i) => i && !i.internal && i.family === 'IPv4') || {}).address;

const answers = {
  'loop.test': [{ address: '127.0.0.1', family: 4 }],
  'loop6.test': [{ address: '::1', family: 6 }],
  'both.test': [{ address: '::1', family: 6 }, { address: '127.0.0.1', family: 4 }],
  'mapped.test': [{ address: '::ffff:127.0.0.1', family: 6 }],
  'far.test': localIp ? [{ address: localIp, family: 4 }] : [{ address: '127.0.0.1', family: 4 }],
  'localhost.': [{ address: '127.0.0.1', family: 4 }],
  '[::1]': null, '127.1': [{ address: '127.0.0.1', family: 4 }], '0x7f.1': [{ address: '127.0.0.1', family: 4 }],
};
function fakeLookup(host, opts, cb) {
  const a = answers[host];
  if (!a) {
    const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', errno: -3008, syscall: 'getaddrinfo', hostname: host });
    process.nextTick(cb, err);
  } else if (opts.all) process.nextTick(cb, null, a);
  else process.nextTick(cb, null, a[0].address, a[0].family);
}
const lookups = {
  fake: fakeLookup,
  throws: () => { throw new Error('lookup exploded'); },
  twice: (host, opts, cb) => { fakeLookup(host, opts, cb); fakeLookup(host, opts, cb); },
  wrongType: (host, opts, cb) => process.nextTick(cb, null, 42, 4),
  far: (host, opts, cb) => fakeLookup('far.test', opts, cb),
};

let livePort;
let closedPort;
before(async () => {
  const live = net.createServer((s) => s.destroy()).listen(0, '127.0.0.1');
  await once(live, 'listening');
  livePort = live.address().port;
  live.unref();
  const dead = net.createServer().listen(0, '127.0.0.1');
  await once(dead, 'listening');
  closedPort = dead.address().port;
  await close(dead);
});

const portArb = () => fc.oneof(
  fc.constantFrom('live', 'closed'),
  fc.integer({ min: -3, max: 70000 }), fc.constantFrom(NaN, 1.5, -0, Infinity, '80x', '', ' ', null, true, {}, [], '0x10'),
);
const hostArb = fc.constantFrom('127.0.0.1', '::1', 'localhost', '', '[::1]', '127.1', '0x7f.1', '::ffff:127.0.0.1',
  'localhost.', 'loop.test', 'loop6.test', 'both.test', 'mapped.test', 'nowhere.test', undefined, 7, null);
const resolvePort = (p) => (p === 'live' ? livePort : p === 'closed' ? closedPort : p);

const connectCase = fc.record({
  port: portArb(), host: hostArb,
  lookup: fc.constantFrom(undefined, 'fake', 'throws', 'twice', 'wrongType', 'far'),
  localAddress: fc.constantFrom(undefined, '127.0.0.1', '::1', 'nope', '0.0.0.0'),
  family: fc.constantFrom(undefined, 0, 4, 6, 5),
  autoSelectFamily: fc.constantFrom(undefined, true, false, 'yes'),
  form: fc.constantFrom('options', 'args'),
});

function connectWith(impl, c) {
  const port = resolvePort(c.port);
  const needsFake = typeof c.host === 'string' && c.host !== 'localhost' && net.isIP(c.host) === 0 && c.host !== '';
  const lookup = c.lookup ? lookups[c.lookup] : needsFake ? fakeLookup : undefined;
  if (c.form === 'args' && !lookup && c.localAddress === undefined) return impl.connect(port, c.host);
  const o = { port, host: c.host };
  for (const k of ['localAddress', 'family', 'autoSelectFamily']) if (c[k] !== undefined) o[k] = c[k];
  if (lookup) o.lookup = lookup;
  return impl.connect(o);
}

const listenCase = fc.record({
  port: portArb(), host: fc.constantFrom(undefined, '127.0.0.1', '::1', '0.0.0.0', 'localhost', 'nowhere.test', 12),
  backlog: fc.constantFrom(undefined, 0, -1, 511, NaN, 'x'),
  extra: fc.constantFrom('none', 'fd-1', 'path-num', 'port+path', 'handle-junk', 'exclusive', 'ipv6Only'),
  form: fc.constantFrom('options', 'args'),
  serverOptions: fc.constantFrom(undefined, 42, 'x', { noDelay: true }, { loopbackFastPath: false }),
});

function listenWith(impl, l) {
  // fastnet's own option is not net's: compare with it stripped for net.
  const so = l.serverOptions && typeof l.serverOptions === 'object' && impl === net
    ? { ...l.serverOptions, loopbackFastPath: undefined } : l.serverOptions;
  const server = so === undefined ? impl.createServer() : impl.createServer(so);
  const port = l.port === 'live' ? livePort : l.port === 'closed' ? 0 : l.port;
  if (l.form === 'args' && l.extra === 'none' && l.backlog === undefined) return server.listen(port, l.host);
  const o = { port, host: l.host };
  if (l.backlog !== undefined) o.backlog = l.backlog;
  if (l.extra === 'fd-1') o.fd = -1;
  if (l.extra === 'path-num') { delete o.port; o.path = 123; }
  if (l.extra === 'port+path') o.path = '';
  if (l.extra === 'handle-junk') o.handle = {};
  if (l.extra === 'exclusive') o.exclusive = true;
  if (l.extra === 'ipv6Only') o.ipv6Only = true;
  return server.listen(o);
}

for (const [label, binding] of [['ioctl refused', refusingBinding], ['ioctl applied', appliedBinding]]) {
  describe(`corpus: bad-input parity with net (Windows path, ${label})`, function () {
    this.timeout(600000);
    let compared = 0;
    after(() => console.log(`      corpus (${label}): ${compared} cases compared`));

    /**
     * Run one case, collecting what it throws asynchronously too (bad lookup
     * functions make Node itself throw from a callback, net and fastnet
     * alike), and letting stray callbacks land before the next case.
     */
    async function isolated(fn) {
      const saved = process.listeners('uncaughtException');
      process.removeAllListeners('uncaughtException');
      const uncaught = [];
      process.on('uncaughtException', (err) => uncaught.push(`${err.name}: ${err.message}`));
      try {
        const r = await fn();
        await new Promise((resolve) => setTimeout(resolve, 20));
        return uncaught.length ? { ...r, uncaught } : r;
      } finally {
        process.removeAllListeners('uncaughtException');
        for (const l of saved) process.on('uncaughtException', l);
      }
    }

    async function compare(make, c) {
      testing.setPlatform(undefined);
      testing.setBinding(undefined);
      const expected = await isolated(() => outcome(() => make(net, c)));
      testing.setPlatform('win32');
      testing.setBinding(binding());
      try {
        const actual = await isolated(() => outcome(() => make(fastnet, c)));
        compared++;
        assert.deepEqual(actual, expected, JSON.stringify(c));
      } finally {
        testing.setPlatform(undefined);
        testing.setBinding(undefined);
      }
    }

    it('connect()', async () => {
      await fc.assert(fc.asyncProperty(connectCase, (c) => compare(connectWith, c)), { numRuns: NUM_RUNS, seed: SEED });
    });

    it('createServer() + listen()', async function () {
      // On Windows plain net aborts the process on some backlogs (libuv asserts), so those are not generated there.
      const cases = process.platform === 'win32'
        ? listenCase.filter((l) => l.backlog === undefined || l.backlog === 511) : listenCase;
      await fc.assert(fc.asyncProperty(cases, (l) => compare(listenWith, l)), { numRuns: NUM_RUNS, seed: SEED });
    });
  });
}
