'use strict';
// The build that `npm test` runs first (scripts/build/dev-setup.js): what it
// rebuilds, from scripts/build/stale.js. The decisions from tables, then on a
// scratch checkout whose files' times are set, then on this checkout, which
// the pretest step must have left up to date.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const { stale, orphans, plan } = require(path.join(root, 'scripts', 'build', 'stale.js'));

describe('dev-setup: rebuilds what is older than its sources', () => {
  describe('stale(outputs, inputs), modification times, null for a missing file', () => {
    const table = [
      // [outputs, inputs, stale, why]
      [[200], [100, 150], false, 'every input older than the output'],
      [[200], [100, 200], false, 'an input as old as the output (make does not rebuild either)'],
      [[200], [100, 201], true, 'one input newer than the output'],
      [[null], [100], true, 'the output is missing'],
      [[], [100], true, 'no outputs at all'],
      [[300, 150], [200], true, 'newer than the oldest of several outputs'],
      [[300, 250], [200], false, 'older than every output'],
      [[200], [null, 100], false, 'a missing input is the build\'s to report, not a reason to rebuild'],
      [[200], [], false, 'no inputs'],
      [[null, 300], [], true, 'one output of several missing'],
    ];
    for (const [outputs, inputs, expected, why] of table) {
      it(`${JSON.stringify(outputs)} from ${JSON.stringify(inputs)}: ${expected ? 'stale' : 'up to date'} (${why})`, () => {
        assert.equal(stale(outputs, inputs), expected);
      });
    }
  });

  describe('orphans(compiled, sources): dist/ files whose lib/ source is gone', () => {
    const table = [
      [['index.js', 'index.d.ts'], ['index.ts'], [], 'both outputs of a present source stay'],
      [['esm.mjs', 'esm.d.mts'], ['esm.mts'], [], '.mts gives .mjs and .d.mts'],
      [['esm.mjs'], ['esm.ts'], ['esm.mjs'], '.mjs comes from .mts only'],
      [['binding.js', 'binding.d.ts', 'core/binding.js'], ['core/binding.ts'], ['binding.js', 'binding.d.ts'], 'a source moved into a folder'],
      [['x.js.map', 'x.d.ts.map'], [], ['x.js.map', 'x.d.ts.map'], 'source maps too'],
      [['README.md', 'data.json'], [], [], 'files that are not tsc\'s are left alone'],
    ];
    for (const [compiled, sources, expected, why] of table) {
      it(`${JSON.stringify(compiled)} from ${JSON.stringify(sources)}: ${JSON.stringify(expected)} (${why})`, () => {
        assert.deepEqual(orphans(compiled, sources), expected);
      });
    }
  });

  describe('plan(root) on a scratch checkout', () => {
    let dir;
    const at = (rel, seconds) => {
      const file = path.join(dir, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      if (!fs.existsSync(file)) fs.writeFileSync(file, '');
      fs.utimesSync(file, seconds, seconds);
    };
    const built = path.join('native', 'build', 'Release', 'fastnet.node');
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fastnet-dev-setup-'));
      for (const f of ['binding.gyp', 'fastnet.cc', 'socket.h', 'posix/socket.cc', 'win/socket.cc']) at(path.join('native', f), 1000);
      at(built, 2000);
      at(path.join('lib', 'index.ts'), 1000);
      at(path.join('dist', 'index.js'), 2000);
      at(path.join('dist', 'index.d.ts'), 2000);
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('nothing to do when the binding is newer than every source', () => {
      assert.deepEqual(plan(dir), { twin: null, built, orphans: [] });
    });
    for (const source of ['posix/socket.cc', 'fastnet.cc', 'socket.h', 'binding.gyp']) {
      it(`native/${source} changed after the build: the twin is rebuilt, and that file is named`, () => {
        at(path.join('native', source), 3000);
        assert.deepEqual(plan(dir).twin, [path.join('native', source)]);
      });
    }
    it('native/win/ is not the twin\'s: a change there rebuilds nothing', () => {
      at(path.join('native', 'win', 'socket.cc'), 3000);
      assert.equal(plan(dir).twin, null);
    });
    it('no binding built yet: built, from all of its sources', () => {
      fs.rmSync(path.join(dir, built));
      assert.deepEqual(plan(dir).twin, ['binding.gyp', 'fastnet.cc', 'posix/socket.cc', 'socket.h'].map((f) => path.join('native', f)));
    });
    it('a source moved in lib/: its old compiled files are named for removal', () => {
      fs.renameSync(path.join(dir, 'lib', 'index.ts'), path.join(dir, 'lib', 'main.ts'));
      assert.deepEqual(plan(dir).orphans.sort(), [path.join('dist', 'index.d.ts'), path.join('dist', 'index.js')]);
    });
  });

  it('this checkout, after the pretest build: nothing stale, nothing orphaned', function () {
    if (!fs.existsSync(path.join(root, 'dist')) || !fs.existsSync(path.join(root, 'native', 'build'))) this.skip();
    const todo = plan(root);
    assert.deepEqual({ twin: todo.twin, orphans: todo.orphans }, { twin: null, orphans: [] },
      'run `node scripts/build/dev-setup.js` (npm test does) to bring the build up to date');
  });
});

describe('dev-setup: a user sees progress lines, not a build tool\'s log', function () {
  // Two node-gyp builds of the twin on a scratch copy (about 10 s each on 2 cores).
  this.timeout(120000);
  const { spawnSync } = require('node:child_process');
  let dir;
  before(function () {
    // Builds with this host's compiler; under Wine the twin is not built at all.
    if (process.platform === 'win32') this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fastnet-dev-setup-run-'));
    for (const f of ['package.json', 'tsconfig.json', 'lib', 'native', 'scripts']) {
      // Not native/build/: the twin is built afresh.
      fs.cpSync(path.join(root, f), path.join(dir, f), { recursive: true, filter: (src) => src !== path.join(root, 'native', 'build') });
    }
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  });
  after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });
  const setup = () => spawnSync(process.execPath, [path.join(dir, 'scripts', 'build', 'dev-setup.js')], { cwd: dir, encoding: 'utf8' });

  it('a build that succeeds prints one line per step and no gyp info', () => {
    const r = setup();
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const out = r.stdout + r.stderr;
    assert.doesNotMatch(out, /gyp info/);
    assert.match(out, /compiling lib\/ to dist\/ \(tsc\)\.\.\. done/);
    assert.match(out, /compiling the POSIX twin \(node-gyp\)\.\.\. done/);
    assert.ok(out.trim().split('\n').length <= 5, out);
  });

  it('a build that fails prints the tool\'s log and exits non-zero', () => {
    fs.appendFileSync(path.join(dir, 'native', 'posix', 'socket.cc'), '\nthis is not C++;\n');
    const r = setup();
    assert.notEqual(r.status, 0);
    assert.match(r.stdout, /compiling the POSIX twin \(node-gyp\)\.\.\. failed/);
    assert.match(r.stderr, /gyp (info|ERR!)/);
    assert.match(r.stderr, /error/);
  });
});
