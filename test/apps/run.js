'use strict';
// One app run: every case in turn, in this process, as plain app code. The
// process may have the package preloaded (transparent mode) or not (plain
// net); the cases cannot tell. For each case it prints one line
//   APPS-RESULT {"case":..., "steps":[...], "connections":[...], "stats":...}
// with what each step sent and got back (lengths and SHA-256 digests) and
// what the observer saw of every TCP handle. scripts/tiers/apps.js judges them.
//   node [-r preload] test/apps/run.js [case,case...]     (ports etc. in APPS_* env)
const crypto = require('node:crypto');
const observer = require('./observer');

const CASES = {
  pg: () => require('./cases/pg'),
  mysql2: () => require('./cases/mysql2'),
  http: () => require('./cases/http'),
  socketio: () => require('./cases/socketio'),
};
const CASE_TIMEOUT_MS = 60_000;

const digest = (v) => {
  const buf = Buffer.isBuffer(v) ? v : Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
  return { bytes: buf.length, sha256: crypto.createHash('sha256').update(buf).digest('hex') };
};

function brief(err) {
  return `${err && err.code ? `${err.code}: ` : ''}${err && err.message ? err.message : String(err)}`.slice(0, 500);
}

async function runCase(name) {
  const steps = [];
  /** A named step: fn resolves to [label, expected, actual] triples; a throw is recorded, not fatal. */
  async function step(title, fn) {
    const t0 = Date.now();
    try {
      const triples = await fn();
      steps.push({
        step: title, ms: Date.now() - t0,
        compared: triples.map(([what, expected, actual]) => ({ what, expected: digest(expected), actual: digest(actual) })),
      });
    } catch (err) {
      steps.push({ step: title, ms: Date.now() - t0, error: brief(err) });
    }
  }
  const before = observer.begin(name);
  let error = null;
  let timer;
  try {
    await Promise.race([
      CASES[name]()({ step, env: process.env }),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`case timed out after ${CASE_TIMEOUT_MS} ms`)), CASE_TIMEOUT_MS); }),
    ]);
  } catch (err) {
    error = brief(err);
  } finally {
    clearTimeout(timer);
  }
  const seen = await observer.end(name, before);
  return { case: name, steps, error, ...seen };
}

async function main() {
  const only = process.argv[2] ? process.argv[2].split(',') : Object.keys(CASES);
  for (const name of only) {
    if (!CASES[name]) throw new Error(`unknown case ${name}`);
    const result = await runCase(name);
    process.stdout.write(`APPS-RESULT ${JSON.stringify(result)}\n`);
  }
  process.stdout.write(`APPS-STRAYS ${JSON.stringify(observer.strays())}\n`);
}

main().then(
  () => process.exit(0),
  (err) => { console.error(err); process.exit(2); },
);
