'use strict';
// A TypeScript consumer, ESM and CommonJS, type-checks against the published
// declarations: net's types come through, fastnet's additions are typed.
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');

describe('types', () => {
  it('a TypeScript consumer type-checks (import fastnet / import = require / named types)', function () {
    this.timeout(60000);
    // The TypeScript 7 compiler is a native binary for the build host; types do not depend on the runtime OS.
    if (process.platform === 'win32') this.skip();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fastnet-types-'));
    try {
      fs.mkdirSync(path.join(dir, 'node_modules'));
      fs.symlinkSync(root, path.join(dir, 'node_modules', 'fastnet'), 'junction');
      for (const f of ['consumer.mts', 'consumer.cts']) fs.copyFileSync(path.join(__dirname, 'types', f), path.join(dir, f));
      fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
        compilerOptions: {
          module: 'nodenext', strict: true, noEmit: true, types: ['node'],
          typeRoots: [path.join(root, 'node_modules', '@types')], esModuleInterop: true,
        },
        files: ['consumer.mts', 'consumer.cts'],
      }));
      const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
      const r = spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8', timeout: 120000 });
      assert.equal(r.status, 0, r.stdout + r.stderr);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
