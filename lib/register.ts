/**
 * Transparent mode: install fastnet's hooks on `node:net` itself, so that
 * every server and client in the process (http, https, tls, fetch, ws,
 * database drivers, the cluster primary) goes through the same decision.
 * Idempotent across copies of fastnet (the record lives under a Symbol.for
 * key on net), and reversible: unpatch() restores net's originals exactly.
 */
// The real exports object (not a namespace copy): patching writes to it.
import net = require('node:net');
import { syncBuiltinESMExports } from 'node:module';
import { hooks, originals, PATCH_KEY, type Originals, type PatchRecord } from './hooks.js';

const netAny = net as unknown as Record<string | symbol, unknown>;
const serverProto = net.Server.prototype as unknown as Record<string, unknown>;
const socketProto = net.Socket.prototype as unknown as Record<string, unknown>;

/** Put one set of methods (fastnet's hooks or net's originals) on net. */
function install(m: Originals): void {
  serverProto._listen2 = m.listen2;
  socketProto.connect = m.connect;
  socketProto.setNoDelay = m.setNoDelay;
  socketProto.setKeepAlive = m.setKeepAlive;
  netAny._createServerHandle = m.createServerHandle;
  // ESM importers of node:net see the same named exports.
  syncBuiltinESMExports();
}

/**
 * Patch `node:net` in place. Returns false if it was already patched (by
 * this or another copy of fastnet), in which case nothing changes.
 */
export function patch(): boolean {
  if (netAny[PATCH_KEY]) return false;
  const record: PatchRecord = { originals, hooks };
  Object.defineProperty(net, PATCH_KEY, { value: record, configurable: true });
  install({
    listen2: hooks._listen2, connect: hooks.connect, setNoDelay: hooks.setNoDelay,
    setKeepAlive: hooks.setKeepAlive, createServerHandle: hooks._createServerHandle,
  });
  return true;
}

/** Undo `patch()`: net's original methods, exactly. Returns false if net was not patched. */
export function unpatch(): boolean {
  const record = netAny[PATCH_KEY] as PatchRecord | undefined;
  if (!record) return false;
  delete netAny[PATCH_KEY];
  // Restore the originals recorded by whichever copy patched.
  install(record.originals);
  return true;
}

/** Whether `node:net` is patched (by any copy of fastnet). */
export function isPatched(): boolean {
  return Boolean(netAny[PATCH_KEY]);
}
