import fastnet, { Server, Socket, fastPathStatus, isIP, type AddressInfo, type FastPathStatus } from 'fastnet';
const s: Server = fastnet.createServer({ loopbackFastPath: true }, (c) => c.end());
s.listen(0, '127.0.0.1');
const st: FastPathStatus = fastPathStatus(s);
const a = s.address() as AddressInfo;
const c = new Socket({ unsupportedOptions: 'throw' }).connect({ port: a.port, host: '127.0.0.1', loopbackFastPath: false });
console.log(st.state, isIP('::1'), c instanceof Socket, fastnet.SUPPORTED_SOCKET_OPTIONS.length);
// net.BoundSocket where Node has it, with fastnet's option; fastPathStatus takes it too.
import { BoundSocket, type BoundSocketOptions } from 'fastnet';
const bopts: BoundSocketOptions = { host: '127.0.0.1', port: 0, loopbackFastPath: true };
if (BoundSocket) {
  const b: BoundSocket = new BoundSocket(bopts);
  console.log(fastPathStatus(b).state, (b.address() as AddressInfo).port, b.isPipe);
  fastnet.createServer().listen(b);
}
// The ES module entry's declarations name every export of the CommonJS entry's (lib/esm.mts lists them by hand).
import * as esmEntry from 'fastnet';
import { setKillSwitch } from 'fastnet';
type CjsEntry = typeof import('fastnet', { with: { 'resolution-mode': 'require' } });
type MissingFromEsm = Exclude<keyof CjsEntry, keyof typeof esmEntry>;
const esmHasAll: [MissingFromEsm] extends [never] ? true : MissingFromEsm = true;
const killSwitch: boolean = setKillSwitch(undefined);
console.log(esmHasAll, killSwitch);
