'use strict';
// The known-issues table at run time, over real sockets on the simulated
// Windows path: fastnet sees the injected os.release(). On the crash build it
// skips by default (counted like any other skip); an explicit opt-in attempts
// and warns once per process, naming the reference.
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const sinon = require('sinon');
const {
  fastnet, testing, appliedBinding, simulateWindows, once, echoServer, roundTrip, close,
} = require('./support/helpers');

const CRASH = '10.0.14393';
const CAUTION = '10.0.17763';

describe('known issues at run time (simulated Windows, ioctl applied)', () => {
  simulateWindows(appliedBinding);
  let saved;
  let emitWarning;
  beforeEach(() => {
    saved = process.env.FASTNET_ALLOW_KNOWN_ISSUES;
    delete process.env.FASTNET_ALLOW_KNOWN_ISSUES;
    emitWarning = sinon.stub(process, 'emitWarning');
  });
  afterEach(() => {
    emitWarning.restore();
    if (saved === undefined) delete process.env.FASTNET_ALLOW_KNOWN_ISSUES;
    else process.env.FASTNET_ALLOW_KNOWN_ISSUES = saved;
    testing.setWindowsRelease(undefined);
  });
  const knownIssueWarnings = () => emitWarning.getCalls().filter((c) => c.args[1]?.code === 'FASTNET_KNOWN_ISSUE');

  it(`${CRASH}: server and client skip with reason known-issue, counted, no ioctl, no warning`, async function () {
    testing.setWindowsRelease(CRASH);
    const before = fastnet.fastPathStats();
    const server = await echoServer(fastnet, '127.0.0.1');
    const { data, socket } = await roundTrip(fastnet, { port: server.address().port, host: '127.0.0.1' });
    assert.equal(data.toString(), 'ping');
    assert.deepEqual(fastnet.fastPathStatus(server), { state: 'skipped', reason: 'known-issue' });
    assert.deepEqual(fastnet.fastPathStatus(socket), { state: 'skipped', reason: 'known-issue' });
    assert.equal(fastnet.fastPathStats().skipped - before.skipped, 2);
    assert.equal(fastnet.fastPathStats().applied, before.applied);
    assert.equal(this.binding.enableLoopbackFastPath.callCount, 0);
    assert.equal(knownIssueWarnings().length, 0);
    await close(server);
  });

  it(`${CRASH}: loopbackFastPath: true attempts, and warns once per process naming the reference`, async function () {
    testing.setWindowsRelease(CRASH);
    const server = fastnet.createServer({ loopbackFastPath: true }, (s) => s.pipe(s));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    assert.deepEqual(fastnet.fastPathStatus(server), { state: 'applied' });
    assert.equal(knownIssueWarnings().length, 1);
    const [message, options] = knownIssueWarnings()[0].args;
    assert.deepEqual(options, { type: 'FastnetWarning', code: 'FASTNET_KNOWN_ISSUE' });
    assert.match(message, /build 14393/);
    assert.match(message, /MSRC case 51262/);
    assert.match(message, /https:\/\/github\.com\/grpc\/grpc\/issues\/18057/);

    // More opted-in sockets: still one warning.
    const port = server.address().port;
    const opted = await roundTrip(fastnet, { port, host: '127.0.0.1', loopbackFastPath: true });
    assert.deepEqual(fastnet.fastPathStatus(opted.socket), { state: 'applied' });
    const second = fastnet.createServer({ loopbackFastPath: true });
    second.listen(0, '127.0.0.1');
    await once(second, 'listening');
    // A socket without the opt-in still gets the safe default.
    const plain = await roundTrip(fastnet, { port, host: '127.0.0.1' });
    assert.deepEqual(fastnet.fastPathStatus(plain.socket), { state: 'skipped', reason: 'known-issue' });
    assert.equal(knownIssueWarnings().length, 1);
    assert.equal(this.binding.enableLoopbackFastPath.callCount, 3);
    await close(second);
    await close(server);
  });

  it(`${CRASH}: setFastPathOptions(server, { loopbackFastPath: true }) overrides too`, async () => {
    testing.setWindowsRelease(CRASH);
    const server = fastnet.createServer();
    fastnet.setFastPathOptions(server, { loopbackFastPath: true });
    server.listen(0, '::1');
    await once(server, 'listening');
    assert.deepEqual(fastnet.fastPathStatus(server), { state: 'applied' });
    assert.equal(knownIssueWarnings().length, 1);
    await close(server);
  });

  it(`${CRASH}: FASTNET_ALLOW_KNOWN_ISSUES=1 overrides for every socket, with the one warning`, async () => {
    process.env.FASTNET_ALLOW_KNOWN_ISSUES = '1';
    testing.setWindowsRelease(CRASH); // the variable is read once per process; this re-reads it
    const server = await echoServer(fastnet, '127.0.0.1');
    const { socket } = await roundTrip(fastnet, { port: server.address().port, host: '127.0.0.1' });
    assert.deepEqual(fastnet.fastPathStatus(server), { state: 'applied' });
    assert.deepEqual(fastnet.fastPathStatus(socket), { state: 'applied' });
    assert.equal(knownIssueWarnings().length, 1);
    await close(server);
  });

  it(`${CAUTION}: attempted as usual, no warning`, async () => {
    testing.setWindowsRelease(CAUTION);
    const server = await echoServer(fastnet, '127.0.0.1');
    const { socket } = await roundTrip(fastnet, { port: server.address().port, host: '127.0.0.1', loopbackFastPath: true });
    assert.deepEqual(fastnet.fastPathStatus(server), { state: 'applied' });
    assert.deepEqual(fastnet.fastPathStatus(socket), { state: 'applied' });
    assert.equal(knownIssueWarnings().length, 0);
    await close(server);
  });
});

describe('known issues: the warning as a process prints it', function () {
  this.timeout(30000);

  it('one FASTNET_KNOWN_ISSUE warning for many opted-in sockets, none without the opt-in', () => {
    const script = `
      const fastnet = require(${JSON.stringify(path.join(__dirname, '..'))});
      const { once } = require('node:events');
      (async () => {
        const servers = [];
        for (let i = 0; i < 3; i++) {
          const s = fastnet.createServer({ loopbackFastPath: process.argv[1] === 'opt-in' }, (c) => c.end());
          s.listen(0, '127.0.0.1');
          await once(s, 'listening');
          servers.push(s);
        }
        const c = fastnet.connect({ port: servers[0].address().port, host: '127.0.0.1', loopbackFastPath: process.argv[1] === 'opt-in' });
        await once(c, 'close');
        console.log(JSON.stringify(servers.map((s) => fastnet.fastPathStatus(s).state)));
        servers.forEach((s) => s.close());
      })();`;
    const run = (mode) => spawnSync(process.execPath, ['-r', path.join(__dirname, 'support', 'simulate.js'), '-e', script, mode], {
      encoding: 'utf8',
      timeout: 20000,
      env: {
        ...process.env, FASTNET_TEST_SIMULATE: 'win32', FASTNET_TEST_BINDING: 'applied',
        FASTNET_TEST_WINDOWS_RELEASE: CRASH, FASTNET_ALLOW_KNOWN_ISSUES: '',
      },
    });
    const optIn = run('opt-in');
    assert.equal(optIn.status, 0, optIn.stderr);
    assert.deepEqual(JSON.parse(optIn.stdout), ['applied', 'applied', 'applied']);
    const lines = optIn.stderr.split(/\r?\n/).filter((l) => l.includes('FASTNET_KNOWN_ISSUE'));
    assert.equal(lines.length, 1, optIn.stderr);
    assert.match(lines[0], /FastnetWarning: fastnet: the loopback fast path is on by explicit opt-in .*grpc\/grpc\/issues\/18057/);

    const plain = run('default');
    assert.equal(plain.status, 0, plain.stderr);
    assert.deepEqual(JSON.parse(plain.stdout), ['skipped', 'skipped', 'skipped']);
    assert.doesNotMatch(plain.stderr, /FASTNET_KNOWN_ISSUE/);
  });
});

describe("known issues: doctor's probe asks the policy first (simulated Windows, ioctl applied)", () => {
  simulateWindows(appliedBinding);
  const { probe } = require('../dist/tool/doctor.js');
  let saved;
  beforeEach(() => {
    saved = process.env.FASTNET_ALLOW_KNOWN_ISSUES;
    delete process.env.FASTNET_ALLOW_KNOWN_ISSUES;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.FASTNET_ALLOW_KNOWN_ISSUES;
    else process.env.FASTNET_ALLOW_KNOWN_ISSUES = saved;
    testing.setWindowsRelease(undefined);
    fastnet.setKillSwitch(undefined);
  });

  it(`${CRASH}: not probed, no ioctl, and it says why and what allows it`, function () {
    testing.setWindowsRelease(CRASH);
    const p = probe();
    assert.equal(this.binding.enableLoopbackFastPath.callCount, 0);
    assert.equal(this.binding.createSocket.callCount, 0);
    assert.equal(p.state, 'not-attempted');
    assert.equal(p.knownIssue, 'ws2016-bugcheck');
    assert.match(p.reason, /^not probed: known issue ws2016-bugcheck on build 14393, where .*MSRC case 51262/);
    assert.match(p.reason, /FASTNET_ALLOW_KNOWN_ISSUES=1 allows it$/);
  });

  it(`${CRASH} with FASTNET_ALLOW_KNOWN_ISSUES=1: probed, and the report names the issue`, function () {
    process.env.FASTNET_ALLOW_KNOWN_ISSUES = '1';
    testing.setWindowsRelease(CRASH);
    assert.deepEqual(probe(), { state: 'applied', knownIssue: 'ws2016-bugcheck' });
    assert.equal(this.binding.enableLoopbackFastPath.callCount, 1);
    assert.equal(this.binding.closeSocket.callCount, 1);
  });

  it('the kill switch: not probed, through the same decision', function () {
    fastnet.setKillSwitch(true);
    assert.deepEqual(probe(), { state: 'not-attempted', reason: 'FASTNET_DISABLE is set' });
    assert.equal(this.binding.createSocket.callCount, 0);
  });

  it(`${CAUTION}: probed as usual`, function () {
    testing.setWindowsRelease(CAUTION);
    assert.deepEqual(probe(), { state: 'applied' });
    assert.equal(this.binding.enableLoopbackFastPath.callCount, 1);
  });
});
