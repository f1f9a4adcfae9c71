'use strict';
// Debian helpers shared by the test tiers: the machine's own mirror (read from
// its apt sources, so no host is ever named here) and package installs.
// Here, not in scripts/lib/: only the tiers use it (the build steps install nothing).
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/** The first Debian archive mirror in this machine's apt sources, or null. */
function debianMirror() {
  const files = [];
  const dir = '/etc/apt/sources.list.d';
  if (fs.existsSync(dir)) {
    for (const f of fs.readdirSync(dir).sort()) {
      if (f.endsWith('.sources') || f.endsWith('.list')) files.push(path.join(dir, f));
    }
  }
  if (fs.existsSync('/etc/apt/sources.list')) files.unshift('/etc/apt/sources.list');
  const candidates = [];
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    if (file.endsWith('.sources')) {
      // deb822 stanzas: URIs + Suites; the archive is the one whose suites are plain codenames.
      for (const stanza of text.split(/\n\s*\n/)) {
        const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
        const suites = /^Suites:\s*(.+)$/m.exec(stanza)?.[1] ?? '';
        if (uri && /^Types:.*\bdeb\b/m.test(stanza)) candidates.push({ uri, suites });
      }
    } else {
      for (const m of text.matchAll(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s+.*\bmain\b/gm)) {
        candidates.push({ uri: m[1], suites: m[2] });
      }
    }
  }
  const archive = candidates.find((c) => /^\s*(bookworm|trixie|forky|sid|bullseye|stable|testing|unstable)\b/.test(c.suites) &&
    !/security/.test(c.uri));
  return archive ? archive.uri.replace(/\/+$/, '') : null;
}

function installed(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return /install ok installed/.test(r.stdout || '');
}

let updated = false;
/** Install the Debian packages that are missing (as root), quietly. */
function ensurePackages(packages, who) {
  const missing = packages.filter((p) => !installed(p));
  if (missing.length === 0) return;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(`${who}: needs the Debian packages ${missing.join(' ')}, and installing them needs root`);
  }
  console.log(`${who}: installing ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!updated) execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  updated = true;
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
}

module.exports = { debianMirror, ensurePackages, installed };
