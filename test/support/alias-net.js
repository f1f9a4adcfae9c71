'use strict';
// Preload for running other code (Node's own tests) with `net` replaced by
// fastnet: require('net') / require('node:net') from anywhere outside
// fastnet itself returns fastnet. FASTNET_TEST_SIMULATE=win32 additionally
// runs fastnet's Windows path over real sockets with the POSIX twin binding.
const Module = require('node:module');
const path = require('node:path');

const dist = path.join(__dirname, '..', '..', 'dist');
const entry = path.join(dist, 'index.js');
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if ((request === 'net' || request === 'node:net') &&
      !(parent && parent.filename && parent.filename.startsWith(dist))) {
    return load.call(this, entry, parent, isMain);
  }
  return load.apply(this, arguments);
};

if (process.env.FASTNET_TEST_SIMULATE === 'win32') {
  require(entry)[Symbol.for('fastnet.testing')].setPlatform('win32');
}
