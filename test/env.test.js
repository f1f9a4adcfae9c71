'use strict';
// lib/core/env.ts: the one reading of fastnet's FASTNET_* flags (and PREBUILDS_ONLY).
// Off when empty, 0 or false (any case); on for any other value; the default when unset.
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { flagOn, envFlag } = require('../dist/core/env.js');

const root = path.join(__dirname, '..');

describe('env flags', () => {
  const table = [
    [undefined, false, false], [undefined, true, true],
    ['', false, false], ['', true, false],
    ['0', false, false], ['0', true, false],
    ['false', false, false], ['FALSE', true, false], ['False', true, false],
    ['1', false, true], ['true', false, true], ['yes', false, true], ['off', false, true], [' 0', false, true],
  ];
  for (const [value, fallback, expected] of table) {
    it(`${JSON.stringify(value)} with default ${fallback}: ${expected ? 'on' : 'off'}`, () => {
      assert.equal(flagOn(value, fallback), expected);
      assert.equal(envFlag('FASTNET_X', fallback, value === undefined ? {} : { FASTNET_X: value }), expected);
    });
  }

  it('every flag reads the same way where fastnet reads it (FASTNET_REMEMBER_REFUSAL=false turns remembering off)', function () {
    this.timeout(30000);
    const probe = `
      const fastnet = require(${JSON.stringify(path.join(root, 'dist', 'index.js'))});
      const { allowKnownIssuesFromEnv } = require(${JSON.stringify(path.join(root, 'dist', 'core', 'known-issues.js'))});
      const testing = fastnet[Symbol.for('fastnet.testing')];
      const killSwitch = fastnet.setKillSwitch(undefined);
      console.log(JSON.stringify({ killSwitch, allow: allowKnownIssuesFromEnv(), remember: testing.rememberRefusal() }));`;
    const run = (env) => {
      const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FASTNET_')));
      const r = spawnSync(process.execPath, ['-e', probe], { env: { ...clean, ...env }, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout);
    };
    assert.deepEqual(run({}), { killSwitch: false, allow: false, remember: true });
    for (const off of ['', '0', 'false', 'FALSE']) {
      assert.deepEqual(run({ FASTNET_DISABLE: off, FASTNET_ALLOW_KNOWN_ISSUES: off, FASTNET_REMEMBER_REFUSAL: off }),
        { killSwitch: false, allow: false, remember: false }, JSON.stringify(off));
    }
    assert.deepEqual(run({ FASTNET_DISABLE: '1', FASTNET_ALLOW_KNOWN_ISSUES: 'yes', FASTNET_REMEMBER_REFUSAL: '1' }),
      { killSwitch: true, allow: true, remember: true });
  });
});
