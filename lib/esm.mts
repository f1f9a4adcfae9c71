/**
 * The ES module entry: the same objects as the CommonJS entry (one module
 * instance, one set of records), with net's named exports alongside.
 * Its names are listed by hand, so test/surface.test.js checks that every
 * CommonJS export is here with the same identity, and test/types/consumer.mts
 * that the declarations agree.
 */
import fastnet from './index.js';
import type * as types from './index.js';

export * from 'node:net';
export const Server: typeof types.Server = fastnet.Server;
export type Server = types.Server;
export const Socket: typeof types.Socket = fastnet.Socket;
export type Socket = types.Socket;
export const Stream: typeof types.Socket = fastnet.Stream;
export type Stream = types.Socket;
/** undefined where Node has no net.BoundSocket. */
export const BoundSocket: typeof types.BoundSocket = fastnet.BoundSocket;
export type BoundSocket = types.BoundSocket;
export const {
  createServer, connect, createConnection, fastPathStatus, fastPathStats, SUPPORTED_SOCKET_OPTIONS,
  setFastPathOptions, setKillSwitch, patch, unpatch, isPatched,
} = fastnet;
export type {
  FastnetOptions, FastPathStats, FastPathStatus, UnsupportedOptionsMode, SkipReason, NativeBinding,
  ServerOpts, SocketConstructorOpts, ServerConstructor, SocketConstructor, BoundSocketOptions, BoundSocketConstructor,
} from './index.js';
export default fastnet;
