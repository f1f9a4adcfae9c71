/**
 * Transparent mode: install fastnet's hooks on `node:net` itself, so that
 * every server and client in the process (http, https, tls, fetch, ws,
 * database drivers, the cluster primary) goes through the same decision.
 * Idempotent across copies of fastnet (the record lives under a Symbol.for
 * key on net), and reversible: unpatch() restores net's originals exactly.
 */
import { syncBuiltinESMExports } from 'node:module';
import { hooks } from './hooks.js';
import { originals, patchRecord, recordedOriginals, setPatchRecord, targets, type Originals } from './node-internals.js';

type Target = keyof Originals;

/** Each hook's place (target and net's own name for it), with net's original there. */
function places(o: Originals): Array<[Record<string, unknown>, string, unknown]> {
  const out: Array<[Record<string, unknown>, string, unknown]> = [];
  for (const target of Object.keys(hooks) as Target[]) {
    const own = o[target] as Record<string, unknown>;
    for (const name of Object.keys(hooks[target])) out.push([targets[target], name, own[name]]);
  }
  return out;
}

/**
 * Patch `node:net` in place. Returns false if it was already patched (by
 * this or another copy of fastnet), in which case nothing changes.
 */
export function patch(): boolean {
  if (patchRecord()) return false;
  setPatchRecord({ originals, hooks });
  for (const target of Object.keys(hooks) as Target[]) Object.assign(targets[target], hooks[target]);
  // ESM importers of node:net see the same named exports.
  syncBuiltinESMExports();
  return true;
}

/** Undo `patch()`: net's original methods, exactly. Returns false if net was not patched. */
export function unpatch(): boolean {
  const record = patchRecord();
  if (!record) return false;
  setPatchRecord(undefined);
  // Restore the originals recorded by whichever copy patched.
  for (const [target, name, original] of places(recordedOriginals(record)!)) target[name] = original;
  syncBuiltinESMExports();
  return true;
}

/** Whether `node:net` is patched (by any copy of fastnet). */
export function isPatched(): boolean {
  return patchRecord() !== undefined;
}
