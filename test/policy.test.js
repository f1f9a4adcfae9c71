'use strict';
const assert = require('node:assert/strict');
const { canonicalLoopbackPeer, decide, loopbackFamily, loopbackPeer } = require('../dist/core/policy.js');

const win = { platform: 'win32', disabled: false };
// FASTNET_LOOPBACK_BINDS_ONLY: the scope before listeners on 0.0.0.0 and :: were attempted.
const bindsOnly = { ...win, loopbackBindsOnly: true };

describe('policy: decide()', () => {
  const cases = [
    // role, address, options, env, expected
    ['server', '127.0.0.1', {}, win, { action: 'attempt', family: 4 }],
    ['server', '127.45.6.7', {}, win, { action: 'attempt', family: 4 }],
    ['server', '::1', {}, win, { action: 'attempt', family: 6 }],
    ['server', '0:0:0:0:0:0:0:1', {}, win, { action: 'attempt', family: 6 }],
    ['client', '127.0.0.1', {}, win, { action: 'attempt', family: 4 }],
    ['client', '::1', {}, win, { action: 'attempt', family: 6 }],
    ['server', '127.0.0.1', {}, { platform: 'linux', disabled: false }, { action: 'skip', reason: 'platform' }],
    ['client', '::1', {}, { platform: 'darwin', disabled: true }, { action: 'skip', reason: 'platform' }],
    ['server', '127.0.0.1', {}, { platform: 'win32', disabled: true }, { action: 'skip', reason: 'disabled' }],
    ['server', '127.0.0.1', { loopbackFastPath: false }, win, { action: 'skip', reason: 'opted-out' }],
    ['client', '127.0.0.1', { loopbackFastPath: false }, win, { action: 'skip', reason: 'opted-out' }],
    // 0.0.0.0 and :: are attempted, their peers decided one by one as they are accepted.
    ['server', '0.0.0.0', {}, win, { action: 'attempt', family: 4, unspecified: true }],
    ['server', '0.0.0.0', { loopbackFastPath: true }, win, { action: 'attempt', family: 4, unspecified: true }],
    ['server', '0.0.0.0', { loopbackFastPath: false }, win, { action: 'skip', reason: 'opted-out' }],
    ['server', '::', {}, win, { action: 'attempt', family: 6, unspecified: true }],
    ['server', '0:0::0', {}, win, { action: 'attempt', family: 6, unspecified: true }],
    ['server', '::', { loopbackFastPath: false }, win, { action: 'skip', reason: 'opted-out' }],
    ['server', '0.0.0.0', {}, bindsOnly, { action: 'skip', reason: 'wildcard' }],
    ['server', '0.0.0.0', { loopbackFastPath: true }, bindsOnly, { action: 'attempt', family: 4, unspecified: true }],
    ['server', '::', {}, bindsOnly, { action: 'skip', reason: 'dual-stack' }],
    ['server', '::', { loopbackFastPath: true }, bindsOnly, { action: 'skip', reason: 'dual-stack' }],
    ['server', '127.0.0.1', {}, bindsOnly, { action: 'attempt', family: 4 }],
    ['client', '0.0.0.0', {}, win, { action: 'skip', reason: 'not-loopback' }],
    ['client', '::', {}, win, { action: 'skip', reason: 'not-loopback' }],
    // Node 20 passes a non-string host (an array) on to the connection attempt.
    ['client', ['127.0.0.1'], {}, win, { action: 'skip', reason: 'not-loopback' }],
    ['server', null, {}, win, { action: 'skip', reason: 'wildcard' }],
    ['server', '::ffff:127.0.0.1', {}, win, { action: 'skip', reason: 'ipv4-mapped' }],
    ['server', '10.0.0.1', {}, win, { action: 'skip', reason: 'not-loopback' }],
    ['client', '192.168.1.1', { loopbackFastPath: true }, win, { action: 'skip', reason: 'not-loopback' }],
    ['client', '::2', {}, win, { action: 'skip', reason: 'not-loopback' }],
    ['client', 'fe80::1%1', {}, win, { action: 'skip', reason: 'not-loopback' }],
    ['client', '::ffff:127.0.0.1', {}, win, { action: 'skip', reason: 'ipv4-mapped' }],
    ['client', '0.0.0.0', { loopbackFastPath: true }, win, { action: 'skip', reason: 'not-loopback' }],
  ];
  for (const [role, address, options, env, expected] of cases) {
    it(`${role} ${address} ${JSON.stringify(options)} on ${env.platform}${env.disabled ? ' (disabled)' : ''}${env.loopbackBindsOnly ? ' (loopback binds only)' : ''}`, () => {
      assert.deepEqual(decide(role, address, options, env), expected);
    });
  }

  it('treats only 127.0.0.0/8 and ::1 as loopback', () => {
    assert.equal(loopbackFamily('127.255.255.255'), 4);
    assert.equal(loopbackFamily('128.0.0.1'), 0);
    assert.equal(loopbackFamily('::1'), 6);
    assert.equal(loopbackFamily('::0:1'), 6);
    assert.equal(loopbackFamily('1::1'), 0);
    assert.equal(loopbackFamily('::ffff:127.0.0.1'), 0);
    assert.equal(loopbackFamily('localhost'), 0);
  });

  it('an accepted peer is on the loopback path from 127.0.0.0/8, ::1 and IPv4-mapped 127.0.0.0/8 only', () => {
    const table = {
      '127.0.0.1': true, '127.255.0.9': true, '::1': true, '0:0:0:0:0:0:0:1': true, '::ffff:127.0.0.1': true,
      '::FFFF:127.1.2.3': true, '::ffff:7f00:1': true,
      '192.0.2.1': false, '::ffff:192.0.2.1': false, '10.0.0.1': false, '::2': false, 'fe80::1': false, '128.0.0.1': false,
      '::ffff:128.0.0.1': false, '0.0.0.0': false, '::': false, '127.0.0.1.5': false, '': false, undefined: false,
    };
    for (const [address, expected] of Object.entries(table)) {
      assert.equal(loopbackPeer(address === 'undefined' ? undefined : address), expected, address);
    }
    // Per accepted connection, the canonical form getpeername gives is tested with string tests alone: the same answers.
    for (const address of ['127.0.0.1', '127.255.0.9', '::1', '::ffff:127.0.0.1', '::ffff:127.1.2.3', '192.0.2.1',
      '::ffff:192.0.2.1', '10.0.0.1', '::2', 'fe80::1', '128.0.0.1', '::ffff:128.0.0.1', '2001:db8::1']) {
      assert.equal(canonicalLoopbackPeer(address), loopbackPeer(address), address);
    }
    assert.equal(canonicalLoopbackPeer(undefined), false);
  });
});

describe('policy: known issues by Windows build', () => {
  const { KNOWN_ISSUES, parseWindowsBuild, knownIssuesFor } = require('../dist/core/known-issues.js');
  const at = (windowsBuild, extra = {}) => ({ ...win, windowsBuild, ...extra });

  it('parses the build from os.release()', () => {
    assert.equal(parseWindowsBuild('10.0.14393'), 14393);
    assert.equal(parseWindowsBuild('10.0.17763'), 17763);
    assert.equal(parseWindowsBuild('6.3.9600'), 9600);
    assert.equal(parseWindowsBuild('10.0'), undefined);
    assert.equal(parseWindowsBuild(''), undefined);
    assert.equal(parseWindowsBuild(undefined), undefined);
  });

  it('every entry names its builds, what happened and a public reference', () => {
    assert.ok(KNOWN_ISSUES.length >= 2);
    for (const k of KNOWN_ISSUES) {
      assert.ok(Number.isInteger(k.builds.from) && k.builds.from <= k.builds.to, k.id);
      assert.ok(['kernel-crash', 'caution'].includes(k.kind), k.id);
      assert.ok(k.what.length > 40 && k.short.length > 10 && k.windows.includes(String(k.builds.from)), k.id);
      assert.ok(k.references.length > 0 && k.references.every((r) => /^https:\/\/github\.com\/[^/]+\/[^/]+\/(issues|pull)\/\d+$/.test(r)), k.id);
    }
    assert.ok(Object.isFrozen(KNOWN_ISSUES) && KNOWN_ISSUES.every(Object.isFrozen));
  });

  // Each entry, at both ends of its range and just outside it.
  for (const k of KNOWN_ISSUES) {
    for (const build of new Set([k.builds.from, k.builds.to])) {
      if (k.kind === 'kernel-crash') {
        it(`${k.id}: build ${build} skips loopback by default, reason known-issue`, () => {
          assert.deepEqual(knownIssuesFor(build).map((i) => i.id), [k.id]);
          for (const [role, address] of [['server', '127.0.0.1'], ['server', '::1'], ['client', '127.0.0.1'], ['client', '::1']]) {
            assert.deepEqual(decide(role, address, {}, at(build)), { action: 'skip', reason: 'known-issue' });
            assert.deepEqual(decide(role, address, { loopbackFastPath: undefined }, at(build, { allowKnownIssues: false })),
              { action: 'skip', reason: 'known-issue' });
          }
        });
        it(`${k.id}: build ${build}, loopbackFastPath: true overrides (server and client), marked for the warning`, () => {
          assert.deepEqual(decide('server', '127.0.0.1', { loopbackFastPath: true }, at(build)),
            { action: 'attempt', family: 4, knownIssue: k.id });
          assert.deepEqual(decide('client', '::1', { loopbackFastPath: true }, at(build)),
            { action: 'attempt', family: 6, knownIssue: k.id });
          assert.deepEqual(decide('server', '0.0.0.0', { loopbackFastPath: true }, at(build)),
            { action: 'attempt', family: 4, unspecified: true, knownIssue: k.id });
          assert.deepEqual(decide('server', '::', {}, at(build)), { action: 'skip', reason: 'known-issue' });
        });
        it(`${k.id}: build ${build}, FASTNET_ALLOW_KNOWN_ISSUES overrides`, () => {
          assert.deepEqual(decide('server', '127.0.0.1', {}, at(build, { allowKnownIssues: true })),
            { action: 'attempt', family: 4, knownIssue: k.id });
          assert.deepEqual(decide('client', '127.0.0.1', {}, at(build, { allowKnownIssues: true })),
            { action: 'attempt', family: 4, knownIssue: k.id });
        });
        it(`${k.id}: build ${build}, every other skip keeps its own reason`, () => {
          const allow = at(build, { allowKnownIssues: true });
          assert.deepEqual(decide('server', '127.0.0.1', { loopbackFastPath: false }, allow), { action: 'skip', reason: 'opted-out' });
          assert.deepEqual(decide('server', '127.0.0.1', {}, at(build, { disabled: true })), { action: 'skip', reason: 'disabled' });
          assert.deepEqual(decide('client', '10.0.0.1', {}, at(build)), { action: 'skip', reason: 'not-loopback' });
          assert.deepEqual(decide('server', '::', {}, { ...allow, loopbackBindsOnly: true }), { action: 'skip', reason: 'dual-stack' });
          assert.deepEqual(decide('server', '0.0.0.0', {}, { ...at(build), loopbackBindsOnly: true }), { action: 'skip', reason: 'wildcard' });
          assert.deepEqual(decide('client', '::ffff:127.0.0.1', {}, at(build)), { action: 'skip', reason: 'ipv4-mapped' });
          assert.deepEqual(decide('server', '127.0.0.1', {}, { ...at(build), platform: 'linux' }), { action: 'skip', reason: 'platform' });
        });
      } else {
        it(`${k.id}: build ${build} attempts as usual (doctor shows the entry)`, () => {
          assert.deepEqual(knownIssuesFor(build).map((i) => i.id), [k.id]);
          assert.deepEqual(decide('server', '127.0.0.1', {}, at(build)), { action: 'attempt', family: 4 });
          assert.deepEqual(decide('client', '::1', {}, at(build)), { action: 'attempt', family: 6 });
          assert.deepEqual(decide('client', '::1', { loopbackFastPath: true }, at(build)), { action: 'attempt', family: 6 });
        });
      }
    }
    for (const build of [k.builds.from - 1, k.builds.to + 1]) {
      it(`${k.id}: build ${build}, just outside the range, is not affected`, () => {
        assert.ok(!knownIssuesFor(build).some((i) => i.id === k.id));
        assert.deepEqual(decide('server', '127.0.0.1', {}, at(build)), { action: 'attempt', family: 4 });
      });
    }
  }

  it('an unknown build attempts as usual', () => {
    assert.deepEqual(decide('server', '127.0.0.1', {}, at(undefined)), { action: 'attempt', family: 4 });
    assert.deepEqual(decide('server', '127.0.0.1', {}, at(19043)), { action: 'attempt', family: 4 });
  });
});
