'use strict';
// The README is for users (issue 21): short, and nothing in it changes from run
// to run; per-run counts and figures belong in docs/testing.md. The LICENSE is
// the one package.json names.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

describe('docs', () => {
  it('the README is at most 10,000 bytes', () => {
    assert.ok(Buffer.byteLength(readme) <= 10000, `${Buffer.byteLength(readme)} bytes`);
  });

  it('the README holds no per-run counts or figures', () => {
    const perRun = [
      /\b\d+ (passing|pending|failing)\b/i,
      /\b\d+\s*\/\s*\d+ (passed|steps|files|tests)\b/i,
      /\bregressions?:? \d/i,
      /\b\d+(\.\d+)? ?(ms|µs|ns)\b/,
      /\b[x×]\s?\d\.\d{2}\b/,
      /\bratio:? \d/i,
    ];
    const found = perRun.filter((re) => re.test(readme)).map(String);
    assert.deepEqual(found, []);
  });

  it('the README gives the two fresh-clone commands, and the test command is the one .ci/run calls', () => {
    assert.match(readme, /^npm start\b/m);
    assert.match(readme, /^npm test\b/m);
    assert.match(fs.readFileSync(path.join(root, '.ci', 'run'), 'utf8'), /^stage "npm test[^"]*" npm test$/m);
  });

  it('LICENSE exists and is the license package.json names', () => {
    const { license } = require(path.join(root, 'package.json'));
    assert.equal(license, 'MIT');
    assert.match(fs.readFileSync(path.join(root, 'LICENSE'), 'utf8'), /^MIT License/);
  });
});
