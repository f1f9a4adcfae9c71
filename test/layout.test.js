'use strict';
// The layout keeps its promises (docs/design.md, "Layout"): lib/core/node-internals.ts
// is the one module that reads Node's internals, it is a leaf, and the library
// never loads the CLI tool (lib/tool/). Read from the TypeScript sources, comments
// stripped, so that a mention in prose is not a read.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const lib = path.join(__dirname, '..', 'lib');
const LEAF = 'core/node-internals.ts';

/** Every source file under lib/, as a path relative to lib/ with forward slashes. */
function sources() {
  return fs.readdirSync(lib, { recursive: true })
    .map((f) => f.split(path.sep).join('/'))
    .filter((f) => /\.m?ts$/.test(f))
    .sort();
}

/** A file's code without its comments (block, JSDoc and line comments; string contents are kept). */
function code(file) {
  const text = fs.readFileSync(path.join(lib, file), 'utf8');
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** Relative imports of a file, resolved to paths under lib/. */
function imports(file) {
  const out = [];
  for (const m of code(file).matchAll(/(?:from\s+|import\s+|import\s*\(\s*|require\(\s*)['"](\.\.?\/[^'"]+)['"]/g)) {
    out.push(path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1])).replace(/\.m?js$/, (e) => (e === '.mjs' ? '.mts' : '.ts')));
  }
  return out;
}

/** What only the leaf may read: Node's internals, by the names they are reached through. */
const INTERNALS = [
  ['_listen2', /_listen2/],
  ['_normalizeArgs', /_normalizeArgs/],
  ['_createServerHandle', /_createServerHandle/],
  ['_getServer', /_getServer/],
  ['process.binding', /process\s*\.\s*binding|process\s*\[\s*['"]binding|\)\s*\.\s*binding\b|['"]tcp_wrap['"]/],
  ["net's prototypes", /\bnet\w*\s*\.\s*(Server|Socket|BoundSocket)\s*\.\s*prototype\b/],
  ['internal symbols', /getOwnPropertySymbols/],
  ['the patch record key', /Symbol\.for\(\s*['"]fastnet\.v\d+\.patch/],
  ["Node's internal symbol names", /['"`](k[A-Z]\w*|owner_symbol|messaging_\w+_symbol)['"`]/],
  ["cluster's internal channel", /internalMessage|['"`]NODE_/],
];

describe('layout', () => {
  it('lib/ holds the entries, the library core and the CLI tool apart', () => {
    const top = fs.readdirSync(lib).sort();
    assert.deepEqual(top, ['core', 'esm.mts', 'index.ts', 'register.ts', 'tool']);
  });

  it(`nothing but lib/${LEAF} reads Node's internals`, () => {
    const found = [];
    for (const file of sources()) {
      if (file === LEAF) continue;
      const text = code(file);
      for (const [what, pattern] of INTERNALS) if (pattern.test(text)) found.push(`${file}: ${what}`);
    }
    assert.deepEqual(found, []);
  });

  it('the leaf reads them (so the check above looks for the right names) and imports nothing of fastnet\'s', () => {
    const text = code(LEAF);
    for (const [what, pattern] of INTERNALS.filter(([w]) => !['_listen2'].includes(w))) assert.match(text, pattern, what);
    assert.deepEqual(imports(LEAF), []);
  });

  it('the library (entries and lib/core) never imports the tool; the tool uses the library through its modules', () => {
    const found = [];
    for (const file of sources()) {
      if (file.startsWith('tool/')) continue;
      for (const dep of imports(file)) if (dep.startsWith('tool/')) found.push(`${file} -> ${dep}`);
    }
    assert.deepEqual(found, []);
    for (const file of sources()) {
      for (const dep of imports(file)) assert.ok(fs.existsSync(path.join(lib, dep)), `${file} imports ${dep}, which is not in lib/`);
    }
  });
});
