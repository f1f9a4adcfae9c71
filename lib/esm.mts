/**
 * The ES module entry: the same objects as the CommonJS entry (one module
 * instance, one set of records), with net's named exports alongside.
 */
import fastnet from './index.js';

export * from 'node:net';
export const {
  Server, Socket, Stream, createServer, connect, createConnection,
  fastPathStatus, fastPathStats, SUPPORTED_SOCKET_OPTIONS,
} = fastnet;
export type {
  FastnetOptions, FastPathStats, FastPathStatus, UnsupportedOptionsMode, SkipReason, NativeBinding,
  ServerOpts, SocketConstructorOpts,
} from './index.js';
export default fastnet;
