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
import { BoundSocket, NodeBoundSocket } from './bound-socket.js';

const netAny = net as unknown as Record<string | symbol, unknown>;
const serverProto = net.Server.prototype as unknown as Record<string, unknown>;
const socketProto = net.Socket.prototype as unknown as Record<string, unknown>;

/** Where each hook goes on net, and net's original for it. */
function places(o: Originals): Array<[Record<string | symbol, unknown>, string, unknown]> {
  const byName: Record<string, unknown> = {
    listen: o.listen, connect: o.connect, setNoDelay: o.setNoDelay,
    setKeepAlive: o.setKeepAlive, setTypeOfService: o.setTypeOfService,
  };
  return [
    ...Object.keys(hooks.server).map((name) => [serverProto, name, byName[name]] as [typeof serverProto, string, unknown]),
    ...Object.keys(hooks.socket).map((name) => [socketProto, name, byName[name]] as [typeof socketProto, string, unknown]),
    // The cluster primary's shared listening handle.
    [netAny, '_createServerHandle', o.createServerHandle] as [typeof netAny, string, unknown],
    // net.BoundSocket, where Node has it: Node's class is known whichever copy patched (bound-socket.ts).
    ...(NodeBoundSocket ? [[netAny, 'BoundSocket', NodeBoundSocket] as [typeof netAny, string, unknown]] : []),
  ];
}

function hookFor(target: unknown, name: string): unknown {
  if (target === netAny) return name === 'BoundSocket' ? BoundSocket : hooks._createServerHandle;
  return target === serverProto ? hooks.server[name] : hooks.socket[name];
}

/**
 * Patch `node:net` in place. Returns false if it was already patched (by
 * this or another copy of fastnet), in which case nothing changes.
 */
export function patch(): boolean {
  if (netAny[PATCH_KEY]) return false;
  const record: PatchRecord = { originals, hooks };
  Object.defineProperty(net, PATCH_KEY, { value: record, configurable: true });
  for (const [target, name] of places(originals)) target[name] = hookFor(target, name);
  // ESM importers of node:net see the same named exports.
  syncBuiltinESMExports();
  return true;
}

/** Undo `patch()`: net's original methods, exactly. Returns false if net was not patched. */
export function unpatch(): boolean {
  const record = netAny[PATCH_KEY] as PatchRecord | undefined;
  if (!record) return false;
  delete netAny[PATCH_KEY];
  // Restore the originals recorded by whichever copy patched.
  for (const [target, name, original] of places(record.originals)) target[name] = original;
  syncBuiltinESMExports();
  return true;
}

/** Whether `node:net` is patched (by any copy of fastnet). */
export function isPatched(): boolean {
  return Boolean(netAny[PATCH_KEY]);
}
