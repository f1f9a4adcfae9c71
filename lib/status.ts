/**
 * What happened to each socket and server: one record per object (a WeakMap,
 * so nothing is kept alive), process-wide counters, a diagnostics channel and
 * NODE_DEBUG=fastnet lines.
 */
import * as dc from 'node:diagnostics_channel';
import { debuglog } from 'node:util';
import type { SkipReason } from './policy.js';

/** The fast-path state of a socket or server, as returned by `fastPathStatus()`. */
export type FastPathStatus =
  | { state: 'applied'; inherited?: true; ignoredOptions?: string[] }
  | { state: 'unsupported'; code: string; errno: number; inherited?: true; ignoredOptions?: string[] }
  | { state: 'failed'; code: string; errno: number; inherited?: true; ignoredOptions?: string[] }
  | { state: 'skipped'; reason: SkipReason; inherited?: true; ignoredOptions?: string[] }
  | { state: 'pending'; ignoredOptions?: string[] };

export type FastPathState = FastPathStatus['state'];

/** Process-wide counts of decisions by outcome, as returned by `fastPathStats()`. */
export interface FastPathStats {
  applied: number;
  unsupported: number;
  failed: number;
  skipped: number;
  /** Connections accepted by listeners whose state was 'applied'. */
  acceptedOnFastPath: number;
  /** Socket options withheld from fast-path sockets. */
  ignoredOptions: number;
}

interface Entry {
  status: FastPathStatus;
  ignored?: Set<string>;
}

const records = new WeakMap<object, Entry>();
const counters: FastPathStats = {
  applied: 0, unsupported: 0, failed: 0, skipped: 0, acceptedOnFastPath: 0, ignoredOptions: 0,
};

/** NODE_DEBUG=fastnet */
export const debug = debuglog('fastnet');

/** diagnostics_channel 'fastnet:status' receives `{ target, status }` for every decision. */
export const statusChannel = dc.channel('fastnet:status');

function describe(target: object): string {
  return target.constructor?.name ?? 'object';
}

/** Record the outcome for a socket, server or handle, count it and publish it. */
export function setStatus(target: object, status: FastPathStatus): void {
  const entry = records.get(target);
  if (entry) entry.status = status;
  else records.set(target, { status });
  if (status.state !== 'pending') counters[status.state]++;
  debug('%s: %s%s', describe(target), status.state,
    'reason' in status ? ` (${status.reason})` : 'code' in status ? ` (${status.code})` : '');
  if (statusChannel.hasSubscribers) statusChannel.publish({ target, status: snapshot(records.get(target)!) });
}

/** Count an outcome that has no object to hang on (pass-through on other platforms). */
export function countSkip(): void {
  counters.skipped++;
}

/** An accepted socket (or its handle) reports its listener's state. */
export function inheritStatus(child: object, parent: object): void {
  const from = records.get(parent);
  if (!from) return;
  const { ignoredOptions: _ignored, ...status } = from.status as FastPathStatus & { ignoredOptions?: string[] };
  const inherited = { ...status, inherited: true } as FastPathStatus;
  const entry = records.get(child);
  if (entry) entry.status = inherited;
  else records.set(child, { status: inherited });
  if (status.state === 'applied') counters.acceptedOnFastPath++;
}

/** Share one record between two objects (a socket and its handle). */
export function linkStatus(alias: object, target: object): void {
  const entry = records.get(target);
  if (entry) records.set(alias, entry);
}

/** Note an option that was kept away from a fast-path socket. */
export function recordIgnoredOption(target: object, option: string): void {
  const entry = records.get(target);
  if (!entry) return;
  entry.ignored ??= new Set();
  if (!entry.ignored.has(option)) {
    entry.ignored.add(option);
    counters.ignoredOptions++;
  }
  debug('%s: ignored unsupported option %s on a fast-path socket', describe(target), option);
}

export function getEntry(target: object): Entry | undefined {
  return records.get(target);
}

export function snapshot(entry: Entry): FastPathStatus {
  const out = { ...entry.status } as FastPathStatus;
  if (entry.ignored?.size) out.ignoredOptions = [...entry.ignored];
  return out;
}

export function stats(): FastPathStats {
  return { ...counters };
}
