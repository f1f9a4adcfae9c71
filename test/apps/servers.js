'use strict';
// The database servers the app runs talk to: PostgreSQL and MariaDB, each in
// a fresh temporary directory, listening on 127.0.0.1 only, on a free port,
// with their Unix sockets in that directory. As root they run as their own
// users (postgres, mysql). Every process started here is registered, and
// killAll() (called on exit, signals and crashes) leaves none behind.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const live = new Set(); // { child, urgent } of every process still running
const dirs = new Set();

/** A port that was free on 127.0.0.1 a moment ago. */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** uid/gid of a system user when we are root (the servers refuse root); {} otherwise. */
function runAs(user) {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const id = (flag) => Number(spawnSync('id', [flag, user], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

function tempDir(name, ids) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `fastnet-apps-${name}-`));
  dirs.add(dir);
  if (ids.uid !== undefined) fs.chownSync(dir, ids.uid, ids.gid);
  return dir;
}

const ENV = { PATH: process.env.PATH, LANG: 'C.UTF-8', HOME: os.tmpdir() };

/** Run a set-up command to completion as `ids`; throws with its output on failure. */
function setup(cmd, args, ids, cwd) {
  const r = spawnSync(cmd, args, { ...ids, cwd, env: ENV, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) {
    throw new Error(`${path.basename(cmd)} failed (${r.error ? r.error.message : `exit ${r.status}`}): ${(r.stdout + r.stderr).trim().slice(-2000)}`);
  }
}

/** Start a server process; `urgent` is the signal that stops it at once (exit handlers cannot wait). */
function start(cmd, args, ids, log, urgent) {
  const fd = fs.openSync(log, 'a');
  const child = spawn(cmd, args, { ...ids, env: ENV, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  const entry = { child, urgent, exited: new Promise((resolve) => child.once('exit', resolve)) };
  live.add(entry);
  child.once('exit', () => live.delete(entry));
  child.once('error', () => live.delete(entry));
  return entry;
}

/** Wait until `log` contains `ready`, the process dies, or time runs out. */
async function waitReady(entry, log, ready, what, ms = 60_000) {
  const deadline = Date.now() + ms;
  let exited = false;
  entry.exited.then(() => { exited = true; });
  for (;;) {
    const text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
    if (ready.test(text)) return;
    if (exited || Date.now() > deadline) {
      throw new Error(`${what} did not start (${exited ? `exit ${entry.child.exitCode}` : 'timed out'}):\n${text.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Ask a server to stop, then insist. */
async function stop(entry, polite) {
  if (!live.has(entry)) return;
  entry.child.kill(polite);
  const timer = setTimeout(() => entry.child.kill('SIGKILL'), 15_000);
  await entry.exited;
  clearTimeout(timer);
}

/**
 * PostgreSQL: initdb (scram-sha-256 password auth), then the server on
 * 127.0.0.1:<free port>, sockets in the temp dir. Resolves { port, env, stop }.
 */
async function startPostgres() {
  const bin = fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))
    .map((v) => path.join('/usr/lib/postgresql', v, 'bin')).find((d) => fs.existsSync(path.join(d, 'postgres')));
  if (!bin) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql');
  const ids = runAs('postgres');
  const dir = tempDir('pg', ids);
  const data = path.join(dir, 'data');
  const password = `pw-${process.pid}-${Date.now()}`;
  const pwfile = path.join(dir, 'pwfile');
  fs.writeFileSync(pwfile, `${password}\n`);
  if (ids.uid !== undefined) fs.chownSync(pwfile, ids.uid, ids.gid);
  setup(path.join(bin, 'initdb'), ['-D', data, '-U', 'apps', `--pwfile=${pwfile}`, '--auth=scram-sha-256',
    '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'], ids, dir);
  const port = await freePort();
  const log = path.join(dir, 'postgres.log');
  const entry = start(path.join(bin, 'postgres'), ['-D', data, '-p', String(port),
    '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`,
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
    '-c', 'shared_buffers=16MB', '-c', 'max_connections=40'], ids, log, 'SIGQUIT');
  await waitReady(entry, log, /database system is ready to accept connections/, 'PostgreSQL');
  return {
    port,
    env: { APPS_PG_PORT: String(port), APPS_PG_USER: 'apps', APPS_PG_PASSWORD: password, APPS_PG_DATABASE: 'postgres' },
    stop: () => stop(entry, 'SIGINT'), // SIGINT: fast shutdown
  };
}

/**
 * MariaDB: mariadb-install-db into the temp dir, then mariadbd on
 * 127.0.0.1:<free port> (networking on), socket in the temp dir, and an
 * init file that creates the app's database and password user.
 */
async function startMariadb() {
  const ids = runAs('mysql');
  const dir = tempDir('mariadb', ids);
  const data = path.join(dir, 'data');
  const password = `pw-${process.pid}-${Date.now()}`;
  const init = path.join(dir, 'init.sql');
  fs.writeFileSync(init, [
    'CREATE DATABASE IF NOT EXISTS apps;',
    `CREATE USER IF NOT EXISTS 'apps'@'127.0.0.1' IDENTIFIED BY '${password}';`,
    "GRANT ALL ON apps.* TO 'apps'@'127.0.0.1';",
  ].join('\n'));
  if (ids.uid !== undefined) fs.chownSync(init, ids.uid, ids.gid);
  setup('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--skip-test-db',
    '--auth-root-authentication-method=socket', '--skip-name-resolve', '--innodb-buffer-pool-size=32M'], ids, dir);
  const port = await freePort();
  const log = path.join(dir, 'mariadbd.err');
  const entry = start('mariadbd', ['--no-defaults', `--datadir=${data}`, `--port=${port}`,
    '--bind-address=127.0.0.1', '--skip-networking=0', `--socket=${path.join(dir, 'mariadbd.sock')}`,
    `--pid-file=${path.join(dir, 'mariadbd.pid')}`, `--log-error=${log}`, `--init-file=${init}`,
    '--skip-name-resolve', '--skip-log-bin', '--innodb-buffer-pool-size=32M', '--innodb-flush-log-at-trx-commit=0',
    '--innodb-doublewrite=0'], ids, path.join(dir, 'mariadbd.out'), 'SIGKILL');
  await waitReady(entry, log, /ready for connections/, 'MariaDB');
  return {
    port,
    env: { APPS_MYSQL_PORT: String(port), APPS_MYSQL_USER: 'apps', APPS_MYSQL_PASSWORD: password, APPS_MYSQL_DATABASE: 'apps' },
    stop: () => stop(entry, 'SIGTERM'),
  };
}

/** Track another process (an app run) so killAll() covers it. */
function track(child) {
  const entry = { child, urgent: 'SIGKILL', exited: new Promise((resolve) => child.once('exit', resolve)) };
  live.add(entry);
  child.once('exit', () => live.delete(entry));
  return entry;
}

/** Synchronous last resort (exit handlers): stop everything still running, remove the temp dirs. */
function killAll() {
  for (const { child, urgent } of live) {
    try { child.kill(urgent); } catch { /* gone */ }
  }
  removeDirs();
}

/** Signals and crashes: stop everything at once, wait (a few seconds at most) until it is gone, clean up. */
async function killAllAndWait(ms = 5000) {
  const exits = [...live].map((e) => e.exited);
  for (const { child, urgent } of live) {
    try { child.kill(urgent); } catch { /* gone */ }
  }
  await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, ms).unref())]);
  killAll();
}

function removeDirs() {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

module.exports = { startPostgres, startMariadb, freePort, track, killAll, killAllAndWait, removeDirs };
