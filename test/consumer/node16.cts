import fastnet = require('fastnet');
import net from 'fastnet';
const s: fastnet.Server = fastnet.createServer();
const t: import('net').Server = s;
console.log(net.isIPv4('1.2.3.4'), t.listening, fastnet.fastPathStats().applied);
