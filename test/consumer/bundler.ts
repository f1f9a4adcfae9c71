// Type-checked with moduleResolution "bundler": default, named and type imports.
import fastnet, { createServer, fastPathStatus, type FastPathStatus, type FastnetOptions } from 'fastnet';
import 'fastnet/register';

const opts: FastnetOptions = { loopbackFastPath: false, unsupportedOptions: 'ignore' };
const server = createServer(opts);
const status: FastPathStatus = fastPathStatus(server);
const patched: boolean = fastnet.isPatched();
// @ts-expect-error: not an option value fastnet accepts
createServer({ unsupportedOptions: 'explode' });
console.log(status.state, patched);
