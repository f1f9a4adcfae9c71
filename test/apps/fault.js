'use strict';
// APPS_FAULT=corrupt: a deliberately broken transport, to prove the data
// checks can fail. Every write of 4 KiB or more on a TCP handle goes out with
// one byte changed in its middle (a copy is changed; the app's own buffer is
// left alone). An ASCII letter or digit becomes another one, so text
// protocols stay well-formed and the damage reaches the app as wrong data.
const MIN = 4096;

function flip(byte) {
  if (byte >= 0x30 && byte <= 0x39) return byte === 0x30 ? 0x31 : 0x30; // digit
  if (byte >= 0x41 && byte <= 0x5a) return byte + 0x20; // upper to lower case
  if (byte >= 0x61 && byte <= 0x7a) return byte - 0x20; // lower to upper case
  return byte ^ 0x01;
}

function corruptBuffer(buf) {
  const copy = Buffer.from(buf);
  const i = copy.length >> 1;
  copy[i] = flip(copy[i]);
  return copy;
}

function corruptString(str) {
  const i = str.length >> 1;
  return str.slice(0, i) + String.fromCharCode(flip(str.charCodeAt(i) & 0x7f)) + str.slice(i + 1);
}

let corrupted = 0;

/** Install the fault on Node's TCP handle class. */
function install(TCP) {
  const proto = TCP.prototype;
  const writeBuffer = proto.writeBuffer;
  proto.writeBuffer = function (req, buf, ...rest) {
    if (buf.length >= MIN) {
      buf = corruptBuffer(buf);
      req.faultCopy = buf; // kept alive until the write completes
      corrupted++;
    }
    return writeBuffer.call(this, req, buf, ...rest);
  };
  const writev = proto.writev;
  proto.writev = function (req, chunks, allBuffers, ...rest) {
    const step = allBuffers ? 1 : 2;
    for (let i = 0; i < chunks.length; i += step) {
      const c = chunks[i];
      if (c.length < MIN) continue;
      chunks = chunks.slice();
      chunks[i] = typeof c === 'string' ? corruptString(c) : corruptBuffer(c);
      req.faultCopy = chunks;
      corrupted++;
      break;
    }
    return writev.call(this, req, chunks, allBuffers, ...rest);
  };
  for (const name of ['writeUtf8String', 'writeLatin1String', 'writeAsciiString']) {
    const original = proto[name];
    proto[name] = function (req, str, ...rest) {
      if (str.length >= MIN) {
        str = corruptString(str);
        corrupted++;
      }
      return original.call(this, req, str, ...rest);
    };
  }
  process.on('exit', () => process.stderr.write(`apps fault: corrupted ${corrupted} writes\n`));
}

module.exports = { install };
