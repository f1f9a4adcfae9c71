'use strict';
// fastnet is net: same exports, same classes, same behaviour; and using it
// changes nothing about `net` itself.
const assert = require('node:assert/strict');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { fastnet, net, echoServer, roundTrip, close } = require('./support/helpers');

describe('surface', () => {
  it('has every export of node:net', () => {
    for (const key of Object.keys(net)) assert.ok(key in fastnet, key);
  });

  it('re-exports net as-is except for the fast-path entry points', () => {
    const own = new Set(['Server', 'Socket', 'Stream', 'createServer', 'connect', 'createConnection', 'BoundSocket']);
    for (const key of Object.keys(net)) {
      if (!own.has(key)) assert.equal(fastnet[key], net[key], key);
    }
    assert.equal(fastnet.Stream, fastnet.Socket);
    assert.equal(fastnet.createConnection, fastnet.connect);
  });

  it('its entry points are plain writable data properties, as net\'s are (a spy or a wrapper can replace them)', () => {
    for (const key of ['Server', 'Socket', 'Stream', 'createServer', 'connect', 'createConnection']) {
      const d = Object.getOwnPropertyDescriptor(fastnet, key);
      assert.deepEqual({ data: 'value' in d, writable: d.writable }, { data: true, writable: true }, key);
      assert.equal('value' in Object.getOwnPropertyDescriptor(net, key), true, key);
    }
  });

  it('Server and Socket are net.Server and net.Socket, with and without new', () => {
    assert.ok(new fastnet.Server() instanceof net.Server);
    assert.ok(fastnet.Server() instanceof fastnet.Server);
    assert.ok(new fastnet.Socket() instanceof net.Socket);
    assert.ok(fastnet.Socket() instanceof fastnet.Socket);
    assert.ok(fastnet.createServer() instanceof fastnet.Server);
    class Mine extends fastnet.Socket {}
    const mine = new Mine();
    assert.ok(mine instanceof Mine && mine instanceof fastnet.Socket && mine instanceof net.Socket);
    class MyServer extends fastnet.Server {}
    const server = new MyServer();
    assert.ok(server instanceof MyServer && server instanceof fastnet.Server);
    const client = fastnet.connect({ port: 9, host: '127.0.0.1' }).on('error', () => {});
    assert.equal(Object.getPrototypeOf(client), fastnet.Socket.prototype);
    client.destroy();
  });

  it('the ES module entry exposes the same objects, default and named', async () => {
    const esm = await import(pathToFileURL(path.join(__dirname, '..', 'dist', 'esm.mjs')).href);
    assert.equal(esm.default, fastnet);
    for (const key of Object.keys(net)) assert.equal(esm[key], fastnet[key], key);
    assert.equal(esm.fastPathStatus, fastnet.fastPathStatus);
  });

  it('every CommonJS export is a named ES module export, the same object (esm.mts lists them by hand)', async () => {
    const esm = await import(pathToFileURL(path.join(__dirname, '..', 'dist', 'esm.mjs')).href);
    const cjs = require(path.join(__dirname, '..', 'dist', 'index.js'));
    const names = Object.keys(cjs);
    assert.ok(names.includes('setKillSwitch') && names.includes('fastPathStatus'), names.join());
    const missing = names.filter((name) => !(name in esm) || esm[name] !== cjs[name]);
    assert.deepEqual(missing, []);
    // And nothing the ES module entry names is absent from the CommonJS one (BoundSocket is undefined on both where Node has none).
    assert.deepEqual(Object.keys(esm).filter((name) => name !== 'default' && !(name in cjs)), []);
  });

  it('leaves node:net and its prototypes untouched', async () => {
    const before = {
      listen: net.Server.prototype.listen,
      listen2: Object.getOwnPropertyDescriptor(net.Server.prototype, '_listen2'),
      connect: net.Socket.prototype.connect,
      setNoDelay: net.Socket.prototype.setNoDelay,
      setKeepAlive: net.Socket.prototype.setKeepAlive,
      createServer: net.createServer,
      netConnect: net.connect,
    };
    const server = await echoServer(fastnet, '127.0.0.1');
    await roundTrip(fastnet, { port: server.address().port, host: '127.0.0.1' });
    await close(server);
    assert.equal(net.Server.prototype.listen, before.listen);
    assert.deepEqual(Object.getOwnPropertyDescriptor(net.Server.prototype, '_listen2'), before.listen2);
    assert.equal(net.Socket.prototype.connect, before.connect);
    assert.equal(net.Socket.prototype.setNoDelay, before.setNoDelay);
    assert.equal(net.Socket.prototype.setKeepAlive, before.setKeepAlive);
    assert.equal(net.createServer, before.createServer);
    assert.equal(net.connect, before.netConnect);
  });
});
