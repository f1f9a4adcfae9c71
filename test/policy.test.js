'use strict';
const assert = require('node:assert/strict');
const { decide, loopbackFamily } = require('../dist/policy.js');

const win = { platform: 'win32', disabled: false };

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
    ['server', '0.0.0.0', {}, win, { action: 'skip', reason: 'wildcard' }],
    ['server', '0.0.0.0', { loopbackFastPath: true }, win, { action: 'attempt', family: 4 }],
    ['server', '::', {}, win, { action: 'skip', reason: 'dual-stack' }],
    ['server', '::', { loopbackFastPath: true }, win, { action: 'skip', reason: 'dual-stack' }],
    ['server', null, {}, win, { action: 'skip', reason: 'dual-stack' }],
    ['server', '10.0.0.1', {}, win, { action: 'skip', reason: 'not-loopback' }],
    ['client', '192.168.1.1', { loopbackFastPath: true }, win, { action: 'skip', reason: 'not-loopback' }],
    ['client', '::2', {}, win, { action: 'skip', reason: 'not-loopback' }],
    ['client', 'fe80::1%1', {}, win, { action: 'skip', reason: 'not-loopback' }],
    ['client', '::ffff:127.0.0.1', {}, win, { action: 'skip', reason: 'ipv4-mapped' }],
    ['client', '0.0.0.0', { loopbackFastPath: true }, win, { action: 'skip', reason: 'not-loopback' }],
  ];
  for (const [role, address, options, env, expected] of cases) {
    it(`${role} ${address} ${JSON.stringify(options)} on ${env.platform}${env.disabled ? ' (disabled)' : ''}`, () => {
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
});
