'use strict';
// A loopback echo demo: servers on 127.0.0.1 and ::1, a client to each, and
// the fast-path status of every socket. On hosts other than Windows it also
// runs the Windows code path over real sockets (simulated, with the POSIX
// twin of the binding), to show what a Windows host would report.
const fastnet = require('../..');

async function echo(host) {
  const server = fastnet.createServer((s) => {
    console.log(`  accepted on ${host}:`, JSON.stringify(fastnet.fastPathStatus(s)));
    s.pipe(s);
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
  console.log(`  server ${host}:${server.address().port}:`, JSON.stringify(fastnet.fastPathStatus(server)));
  await new Promise((resolve, reject) => {
    const chunks = [];
    const socket = fastnet.connect({ port: server.address().port, host }, () => socket.end('hello fastnet'));
    socket.on('data', (d) => chunks.push(d)).on('error', reject).on('close', () => {
      console.log(`  client to ${host}:`, JSON.stringify(fastnet.fastPathStatus(socket)), `echo: "${Buffer.concat(chunks)}"`);
      resolve();
    });
  });
  await new Promise((resolve) => server.close(resolve));
}

async function round(label) {
  console.log(label);
  for (const host of ['127.0.0.1', '::1']) {
    try {
      await echo(host);
    } catch (err) {
      console.log(`  ${host}: ${err.code || err.message}`);
    }
  }
}

(async () => {
  console.log(`fastnet demo on ${process.platform}-${process.arch}, node ${process.version}` +
    (process.env.FASTNET_DISABLE ? ', FASTNET_DISABLE set' : ''));
  await round(`\n${process.platform === 'win32' ? 'Windows' : 'This host (fastnet is a pass-through here)'}:`);
  if (process.platform !== 'win32') {
    fastnet[Symbol.for('fastnet.testing')].setPlatform('win32');
    await round('\nSimulated Windows code path over real sockets (the POSIX twin refuses the ioctl, like a stack without it):');
  }
  console.log(`\nprocess-wide counts: ${JSON.stringify(fastnet.fastPathStats())}`);
})();
