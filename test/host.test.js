'use strict';
// lib/tool/windows-host.ts: the Windows build and edition, netsh's loopback settings
// (recorded outputs, see test/fixtures/netsh/README.md), the known-issue
// entries that match, and how they shape doctor's verdict. The last test runs
// the real netsh on Windows and under Wine; elsewhere it is skipped.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { onWindows } = require('./support/helpers');
const {
  parseNetshGlobal, inspectHost, runCommand, hostVerdict, formatHost, NETSH_ARGS,
} = require('../dist/tool/windows-host.js');

const fixture = (name) => fs.readFileSync(path.join(__dirname, 'fixtures', 'netsh', name), 'latin1');
const NONE = { executionMode: null, workerQueueDepth: null, largeMtu: null };
const fields = ({ executionMode, workerQueueDepth, largeMtu }) => ({ executionMode, workerQueueDepth, largeMtu });

/** A runner that answers with a recorded output, and remembers what it was asked. */
function recorded(raw, result = {}) {
  const calls = [];
  const run = async (file, args) => {
    calls.push([file, [...args]]);
    return { command: [file, ...args].join(' '), ran: true, exitCode: 0, error: null, raw, ...result };
  };
  return { run, calls };
}

describe('host: parseNetshGlobal()', () => {
  it('reads the loopback lines of a Server 2019-style output (CRLF)', () => {
    const p = parseNetshGlobal(fixture('authored-server2019-en.txt'));
    assert.deepEqual(fields(p), { executionMode: 'adaptive', workerQueueDepth: 16, largeMtu: 'enabled' });
    assert.deepEqual(p.all, {
      'Loopback Large Mtu': 'enabled', 'Loopback Worker Queue Depth': '16', 'Loopback Execution Mode': 'adaptive',
    });
  });

  it('leaves every field unknown for a build without loopback settings', () => {
    const p = parseNetshGlobal(fixture('authored-server2016-en.txt'));
    assert.deepEqual(fields(p), NONE);
    assert.deepEqual(p.all, {});
  });

  it('keeps what a truncated output has, and nothing it lacks', () => {
    const p = parseNetshGlobal(fixture('authored-truncated.txt'));
    assert.deepEqual(fields(p), { executionMode: null, workerQueueDepth: null, largeMtu: 'enabled' });
  });

  it('Wine 10 prints nothing: all unknown', () => {
    assert.deepEqual(fields(parseNetshGlobal(fixture('wine10-node24.txt'))), NONE);
  });

  it('never throws on odd input', () => {
    for (const input of ['', '\r\n\r\n', ':::', 'Loopback Execution Mode', 'Loopback Worker Queue Depth : many',
      'Loopback Execution Mode :', undefined, null, 42]) {
      const p = parseNetshGlobal(input);
      assert.deepEqual(fields(p), NONE, JSON.stringify(input));
    }
  });

  it('matches labels case-insensitively and keeps the first of a repeated line', () => {
    const p = parseNetshGlobal('loopback execution mode : inline\nLoopback Execution Mode : worker\nLOOPBACK LARGE MTU: disabled\n');
    assert.deepEqual(fields(p), { executionMode: 'inline', workerQueueDepth: null, largeMtu: 'disabled' });
  });
});

describe('host: runCommand() never throws', function () {
  this.timeout(20000);

  it('a missing program is reported, not thrown', async () => {
    const r = await runCommand('fastnet-no-such-program-13', ['x']);
    assert.equal(r.ran, false);
    assert.equal(r.exitCode, null);
    assert.match(r.error, /fastnet-no-such-program-13 not found/);
    assert.equal(r.raw, '');
  });

  it('a non-zero exit keeps its output and code', async () => {
    const r = await runCommand(process.execPath, ['-e', 'process.stdout.write("Loopback Large Mtu : enabled\\n"); process.exit(3)']);
    assert.equal(r.ran, true);
    assert.equal(r.exitCode, 3);
    assert.equal(r.error, 'exited with code 3');
    assert.equal(parseNetshGlobal(r.raw).largeMtu, 'enabled');
  });

  it('a clean exit has no error', async () => {
    const r = await runCommand(process.execPath, ['-e', 'process.stdout.write("ok")']);
    assert.deepEqual({ ran: r.ran, exitCode: r.exitCode, error: r.error, raw: r.raw }, { ran: true, exitCode: 0, error: null, raw: 'ok' });
  });
});

describe('host: inspectHost()', () => {
  it('off Windows: no build, no netsh, no known issues', async () => {
    const { run, calls } = recorded('x');
    const h = await inspectHost({ platform: 'linux', run });
    assert.deepEqual(h, { windows: null, loopback: null, knownIssues: [], allowKnownIssues: false });
    assert.equal(calls.length, 0);
  });

  it('Server 2016 (14393): build, edition, loopback unknown, the crash entry', async () => {
    const { run, calls } = recorded(fixture('authored-server2016-en.txt'));
    const h = await inspectHost({ platform: 'win32', release: '10.0.14393', version: 'Windows Server 2016 Datacenter', run });
    assert.deepEqual(calls, [['netsh', [...NETSH_ARGS]]]);
    assert.deepEqual(h.windows, { release: '10.0.14393', build: 14393, edition: 'Windows Server 2016 Datacenter' });
    assert.deepEqual(fields(h.loopback), NONE);
    assert.equal(h.loopback.netsh.raw, fixture('authored-server2016-en.txt'));
    assert.deepEqual(h.knownIssues.map((k) => [k.id, k.kind]), [['ws2016-bugcheck', 'kernel-crash']]);
  });

  it('Server 2019 (17763): loopback settings and the caution entry', async () => {
    const { run } = recorded(fixture('authored-server2019-en.txt'));
    const h = await inspectHost({ platform: 'win32', release: '10.0.17763', version: 'Windows Server 2019 Standard', run });
    assert.deepEqual(fields(h.loopback), { executionMode: 'adaptive', workerQueueDepth: 16, largeMtu: 'enabled' });
    assert.deepEqual(h.knownIssues.map((k) => [k.id, k.kind]), [['ws2019-system-cpu', 'caution']]);
  });

  it('a missing netsh and an odd release leave fields unknown', async () => {
    const { run } = recorded('', { ran: false, exitCode: null, error: 'netsh not found' });
    const h = await inspectHost({ platform: 'win32', release: 'strange', version: '', run });
    assert.deepEqual(h.windows, { release: 'strange', build: null, edition: null });
    assert.deepEqual(fields(h.loopback), NONE);
    assert.deepEqual(h.knownIssues, []);
    const text = formatHost(h).join('\n');
    assert.match(text, /build unknown, edition unknown/);
    assert.match(text, /execution mode unknown, worker queue depth unknown, large MTU unknown \(netsh interface ipv4 show global: netsh not found\)/);
  });

  it('reads FASTNET_ALLOW_KNOWN_ISSUES', async () => {
    const saved = process.env.FASTNET_ALLOW_KNOWN_ISSUES;
    try {
      for (const [value, expected] of [['1', true], ['yes', true], ['0', false], ['false', false], ['', false]]) {
        process.env.FASTNET_ALLOW_KNOWN_ISSUES = value;
        const h = await inspectHost({ platform: 'win32', release: '10.0.14393', run: recorded('').run });
        assert.equal(h.allowKnownIssues, expected, value);
      }
    } finally {
      if (saved === undefined) delete process.env.FASTNET_ALLOW_KNOWN_ISSUES;
      else process.env.FASTNET_ALLOW_KNOWN_ISSUES = saved;
    }
  });
});

describe('host: the verdict takes the host into account', () => {
  const yes = { use: 'yes', why: 'fastnet measured better on connections (x1.30)' };
  const noGain = { use: 'no-gain', why: 'the ioctl is applied, but no gain was measured (best ratio 1.01)' };
  const refused = { use: 'not-available', why: 'the OS refused the ioctl (WSAEOPNOTSUPP)' };
  const host = async (release, raw, allow = false) => {
    const h = await inspectHost({ platform: 'win32', release, version: 'x', run: recorded(raw).run });
    return { ...h, allowKnownIssues: allow };
  };

  it('14393 without override: not available, naming the reference and the override', async () => {
    const h = await host('10.0.14393', '');
    for (const base of [yes, noGain]) {
      const v = hostVerdict(base, h);
      assert.equal(v.use, 'not-available');
      assert.match(v.why, /skips the fast path on build 14393 by default/);
      assert.match(v.why, /MSRC case 51262/);
      assert.match(v.why, /https:\/\/github\.com\/grpc\/grpc\/issues\/18057/);
      assert.match(v.why, /FASTNET_ALLOW_KNOWN_ISSUES=1/);
    }
    const v = hostVerdict(refused, h);
    assert.equal(v.use, 'not-available');
    assert.match(v.why, /^the OS refused the ioctl \(WSAEOPNOTSUPP\); also, fastnet skips/);
  });

  it('14393 with the override: the measured verdict, with the warning', async () => {
    const v = hostVerdict(yes, await host('10.0.14393', '', true));
    assert.equal(v.use, 'yes');
    assert.match(v.why, /^fastnet measured better.*; FASTNET_ALLOW_KNOWN_ISSUES is set on a build where Microsoft reproduced a kernel crash/);
  });

  it('17763: the measured verdict, with the caution', async () => {
    const v = hostVerdict(yes, await host('10.0.17763', ''));
    assert.equal(v.use, 'yes');
    assert.match(v.why, /caution on build 17763: high CPU in the System process.*Pipelines\.Sockets\.Unofficial\/issues\/58/);
  });

  it('no gain on a build with its own loopback tuning says so', async () => {
    const v = hostVerdict(noGain, await host('10.0.20348', fixture('authored-server2019-en.txt')));
    assert.equal(v.use, 'no-gain');
    assert.match(v.why, /Loopback Execution Mode adaptive.*ordinary loopback has improved/);
    // Without parsed settings, nothing is claimed.
    assert.deepEqual(hostVerdict(noGain, await host('10.0.20348', '')), noGain);
  });

  it('a build without entries leaves the verdict alone', async () => {
    for (const base of [yes, noGain, refused]) assert.deepEqual(hostVerdict(base, await host('10.0.19043', '')), base);
  });

  it('the text names the build, the settings and each matching entry', async () => {
    const text = formatHost(await host('10.0.17763', fixture('authored-server2019-en.txt'))).join('\n');
    assert.match(text, /windows\s+release 10\.0\.17763, build 17763, edition x/);
    assert.match(text, /loopback\s+execution mode adaptive, worker queue depth 16, large MTU enabled \(netsh interface ipv4 show global\)/);
    assert.match(text, /known issue\s+Windows Server 2019 and Windows 10 1809 \(build 17763\): .*attempted as usual/);
    const crash = formatHost(await host('10.0.14393', '')).join('\n');
    assert.match(crash, /netsh interface ipv4 show global: no output/);
    assert.match(crash, /fast path off unless opted in; https:\/\/github\.com\/grpc\/grpc\/issues\/18057/);
  });
});

describe('host: the real netsh (Windows and Wine only)', function () {
  this.timeout(30000);

  (onWindows ? it : it.skip)('inspects this host without throwing; unknown stays unknown', async () => {
    const h = await inspectHost();
    assert.equal(h.windows.release, os.release());
    assert.equal(h.windows.build, Number(os.release().split('.')[2]));
    assert.equal(h.windows.edition, os.version() || null);
    assert.equal(h.loopback.netsh.command, 'netsh interface ipv4 show global');
    assert.equal(typeof h.loopback.netsh.raw, 'string');
    assert.deepEqual(fields(h.loopback), fields(parseNetshGlobal(h.loopback.netsh.raw)));
    assert.equal(h.loopback.netsh.ran, true, h.loopback.netsh.error);
    assert.equal(h.loopback.netsh.exitCode, 0);
    if (process.env.FASTNET_TEST_WINE) {
      // Wine's netsh prints none of these (test/fixtures/netsh/wine10-node24.txt).
      assert.deepEqual(fields(h.loopback), NONE);
      assert.match(formatHost(h).join('\n'), /execution mode unknown, worker queue depth unknown, large MTU unknown/);
    } else {
      assert.notEqual(h.loopback.netsh.raw.trim(), '');
    }
  });
});
