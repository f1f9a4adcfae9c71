/**
 * Transparent mode: install fastnet's hooks on `node:net` itself, so that
 * every server and client in the process (http, https, tls, fetch, ws,
 * database drivers, the cluster primary) goes through the same decision.
 *
 * As graceful-fs and shimmer-style wrappers do: each hook stands in front of
 * what is there when patch() runs (net's method, or a wrapper someone put
 * there first); unpatch() puts back only what fastnet itself replaced, and
 * leaves a wrapper installed on top of a hook in place (that hook then just
 * calls through). The record lives under a Symbol.for key on net, so every
 * copy of fastnet sees one patch, and any copy can undo it.
 */
import { syncBuiltinESMExports } from 'node:module';
import { transparentHooks } from './hooks.js';
import { patchRecord, setPatchRecord, targets, type Target } from './node-internals.js';

/**
 * Patch `node:net` in place. Returns false if it was already patched (by
 * this or another copy of fastnet), in which case nothing changes.
 */
export function patch(): boolean {
  if (patchRecord()) return false;
  const record = transparentHooks();
  setPatchRecord(record);
  for (const target of Object.keys(record.hooks) as Target[]) Object.assign(targets[target], record.hooks[target]);
  // ESM importers of node:net see the same named exports.
  syncBuiltinESMExports();
  return true;
}

/** Undo `patch()`, whichever copy of fastnet made it. Returns false if net was not patched. */
export function unpatch(): boolean {
  const record = patchRecord();
  if (!record) return false;
  setPatchRecord(undefined);
  for (const target of Object.keys(record.hooks) as Target[]) {
    const place = targets[target];
    for (const [name, hook] of Object.entries(record.hooks[target])) {
      if (place[name] === hook) place[name] = record.replaced[target][name];
    }
  }
  syncBuiltinESMExports();
  return true;
}

/** Whether `node:net` is patched (by any copy of fastnet). */
export function isPatched(): boolean {
  return patchRecord() !== undefined;
}
