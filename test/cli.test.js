'use strict';
// `fastnet doctor` and `fastnet bench`: argument errors, the --json shapes,
// and short bounded runs (on Windows/Wine, the real binding and probe).
const assert = require('node:assert/strict');
const os = require('node:os');
const path = require('node:path');
const { onWindows, REAL_IOCTL, spawnNode } = require('./support/helpers');
const { parseNetshGlobal } = require('../dist/tool/windows-host.js');

const cli = path.join(__dirname, '..', 'dist', 'tool', 'cli.js');
function run(args, env = {}) {
  const r = spawnNode([cli, ...args], {
    encoding: 'utf8', timeout: 120000, env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const isNum = (x) => typeof x === 'number' && Number.isFinite(x);

function checkMetric(m) {
  assert.equal(typeof m.scenario, 'string');
  assert.equal(typeof m.metric, 'string');
  assert.equal(typeof m.unit, 'string');
  assert.equal(typeof m.higherIsBetter, 'boolean');
  for (const k of ['net', 'fastnet', 'ratio']) assert.ok(isNum(m[k]) && m[k] > 0, `${k}: ${m[k]}`);
  assert.ok(Array.isArray(m.ratioIqr) && m.ratioIqr.length === 2 && m.ratioIqr[0] <= m.ratioIqr[1]);
  assert.ok(Number.isInteger(m.rounds) && m.rounds >= 1);
}

describe('cli', function () {
  this.timeout(120000);

  for (const [args, message] of [
    [[], /no command/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['bench', '--duration'], /--duration needs a value/],
    [['bench', '--duration', '0'], /--duration must be/],
    [['bench', '--duration', 'soon'], /--duration must be/],
    [['bench', '--only', 'warp'], /unknown scenario warp/],
    [['bench', '--rounds', '1.5'], /--rounds must be/],
    [['doctor', '--only', 'rtt'], /unknown option --only/],
    [['bench', '--fast'], /unknown option --fast/],
  ]) {
    it(`rejects ${JSON.stringify(args)} with exit 2 and usage`, () => {
      const r = run(args);
      assert.equal(r.code, 2);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /usage: fastnet doctor/);
      assert.equal(r.stdout, '');
    });
  }

  it('bench --json: every selected scenario, valid numbers, bounded in time', () => {
    const started = Date.now();
    const r = run(['bench', '--json', '--duration', '2', '--rounds', '1', '--only', 'rtt,connections,stream-64KiB']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.meta.platform, process.platform);
    assert.deepEqual(out.results.map((m) => m.metric), ['rtt p50', 'rtt p99', 'stream 64KiB', 'connections']);
    out.results.forEach(checkMetric);
    assert.ok(Date.now() - started < 60000);
  });

  it('bench prints a table with a ratio column', () => {
    const r = run(['bench', '--duration', '1', '--rounds', '1', '--only', 'connections']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /metric\s+net \(median\)\s+fastnet \(median\)\s+ratio/);
    assert.match(r.stdout, /^connections\s+[\d.]+ conn\/s/m);
  });

  it('bench --control says it compares net with net', () => {
    const r = run(['bench', '--control', '--duration', '1', '--rounds', '1', '--only', 'connections']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^fastnet bench --control: net vs net/);
    assert.match(r.stdout, /metric\s+net \(median\)\s+net again \(median\)\s+ratio/);
    const j = run(['bench', '--control', '--json', '--duration', '1', '--rounds', '1', '--only', 'connections']);
    assert.equal(j.code, 0, j.stderr);
    assert.equal(JSON.parse(j.stdout).meta.control, true);
    assert.match(run(['doctor', '--control']).stderr, /unknown option --control/);
  });

  it('doctor --json reports the platform, binding, probe, kill switch, host, bench and a verdict', () => {
    const r = run(['doctor', '--json', '--duration', '1']);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.equal(d.platform, process.platform);
    assert.equal(d.node, process.version);
    assert.equal(d.killSwitch, false);
    d.bench.forEach(checkMetric);
    // Where fastnet is net itself, nothing is compared: a ratio there is noise.
    if (onWindows) assert.equal(d.bench.length, 2);
    else assert.deepEqual({ bench: d.bench, passThrough: d.passThrough }, { bench: [], passThrough: 'not Windows' });
    if (onWindows) {
      assert.equal(d.binding.loaded, true);
      assert.ok(['prebuild', 'local build'].includes(d.binding.kind));
      assert.equal(d.probe.state, REAL_IOCTL.state);
      if (REAL_IOCTL.code) assert.equal(d.probe.code, REAL_IOCTL.code);
    } else {
      assert.equal(d.binding.loaded, false);
      assert.equal(d.probe.state, 'not-attempted');
      assert.equal(d.verdict.use, 'not-available');
    }
    assert.ok(['yes', 'no-gain', 'not-available'].includes(d.verdict.use));

    // The host: Windows build and edition, netsh's loopback settings with the raw output.
    const { host } = d;
    if (!onWindows) {
      assert.deepEqual(host, { windows: null, loopback: null, knownIssues: [], allowKnownIssues: false });
      return;
    }
    assert.deepEqual(host.windows, {
      release: os.release(), build: Number(os.release().split('.')[2]), edition: os.version() || null,
    });
    const { netsh, executionMode, workerQueueDepth, largeMtu } = host.loopback;
    assert.equal(netsh.command, 'netsh interface ipv4 show global');
    assert.equal(typeof netsh.raw, 'string');
    // Unknown fields are present as null, and agree with the raw output.
    const parsed = parseNetshGlobal(netsh.raw);
    assert.deepEqual({ executionMode, workerQueueDepth, largeMtu },
      { executionMode: parsed.executionMode, workerQueueDepth: parsed.workerQueueDepth, largeMtu: parsed.largeMtu });
    if (process.env.FASTNET_TEST_WINE) {
      assert.deepEqual({ executionMode, workerQueueDepth, largeMtu }, { executionMode: null, workerQueueDepth: null, largeMtu: null });
    }
    assert.ok(Array.isArray(host.knownIssues));
  });

  it('doctor on Windows gives every ratio with its spread', function () {
    if (!onWindows) this.skip();
    const r = run(['doctor', '--duration', '1']);
    assert.equal(r.code, 0, r.stderr);
    const ratios = r.stdout.match(/ratio \d\.\d{3} \(\d\.\d{3}-\d\.\d{3}, 3 rounds\)/g) || [];
    assert.equal(ratios.length, 2, r.stdout);
  });

  it('doctor honours the kill switch and ends with a verdict line', () => {
    const r = run(['doctor', '--duration', '1'], { FASTNET_DISABLE: '1' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /kill switch\s+FASTNET_DISABLE is set/);
    assert.match(r.stdout, /^  net vs fastnet not compared: fastnet is a pass-through here \((not Windows|FASTNET_DISABLE is set)\)/m);
    assert.doesNotMatch(r.stdout, /ratio \d/);
    if (onWindows) {
      assert.match(r.stdout, new RegExp(`^  windows\\s+release ${os.release().replace(/\./g, '\\.')}, build \\d+, edition `, 'm'));
      assert.match(r.stdout, /^  loopback\s+execution mode \S+, worker queue depth \S+, large MTU \S+ \(netsh interface ipv4 show global/m);
      if (process.env.FASTNET_TEST_WINE) assert.match(r.stdout, /execution mode unknown, worker queue depth unknown, large MTU unknown/);
    } else {
      assert.match(r.stdout, /^  windows\s+not Windows/m);
    }
    assert.match(r.stdout.trim().split('\n').at(-1), /^verdict: not available here: /);
  });
});
