/**
 * Cluster: workers listen on sockets their primary made. The primary (in
 * transparent mode) decides the fast path for them, so it tells its workers
 * what it did, and a worker's listener knows whether the connections it
 * accepts are on the fast path and need the option guards.
 *
 * The word travels as an IPC message whose `cmd` starts with NODE_: Node
 * delivers those as 'internalMessage', never to the app's 'message'
 * listeners. The primary sends it before it sends the worker the handle, and
 * IPC keeps order, so a worker that has the handle has the word, if any.
 * Workers forked later get every earlier word when they are forked.
 */
import type { Cluster, Worker } from 'node:cluster';
import type { FastPathStatus } from './status.js';
import { CLUSTER_INTERNAL_MESSAGE, CLUSTER_INTERNAL_PREFIX } from './node-internals.js';

const CMD = `${CLUSTER_INTERNAL_PREFIX}FASTNET_LISTENER`;

interface Word { cmd: string; key: string; status: FastPathStatus }

function keyOf(address: string | null, port: number, addressType: number): string {
  return `${address}:${port}:${addressType}`;
}

let cluster: Cluster | undefined;
let worker: boolean | undefined;

/**
 * Is this process a cluster worker? (Node deletes NODE_UNIQUE_ID while a
 * worker starts, so ask the cluster module; only a process with an IPC
 * channel can be a worker, and only such a process loads it here.)
 */
export function inClusterWorker(): boolean {
  if (worker === undefined) {
    worker = typeof process.send === 'function' && (cluster ??= require('node:cluster') as Cluster).isWorker;
  }
  return worker;
}

// ---- worker side ----

const heard = new Map<string, FastPathStatus>();

/** Listen for the primary's word, from start-up (fastnet must load before the worker listens). */
export function listenToPrimary(): void {
  if (!inClusterWorker()) return;
  process.on(CLUSTER_INTERNAL_MESSAGE as 'message', (message: unknown) => {
    const word = message as Word | null;
    if (word !== null && typeof word === 'object' && word.cmd === CMD) heard.set(word.key, word.status);
  });
}

/** What the primary said it did for this listener, if it runs fastnet. */
export function fromPrimary(address: string | null, port: number, addressType: number): FastPathStatus | undefined {
  return heard.get(keyOf(address, port, addressType));
}

// ---- primary side ----

const said = new Map<string, Word>();

/** In a cluster primary with workers, tell them (and later ones) what was decided for a listener. */
export function announceToWorkers(address: string | null, port: number, addressType: number,
  status: FastPathStatus): void {
  if (inClusterWorker()) return;
  // Loaded only when a listener is set up on Windows; it has no side effects of its own.
  cluster ??= require('node:cluster') as Cluster;
  const workers = Object.values(cluster.workers ?? {}) as Worker[];
  if (workers.length === 0 && said.size === 0) return;
  if (said.size === 0) {
    cluster.on('fork', (worker: Worker) => {
      for (const word of said.values()) worker.send(word);
    });
  }
  const word: Word = { cmd: CMD, key: keyOf(address, port, addressType), status };
  said.set(word.key, word);
  for (const worker of workers) if (worker.isConnected()) worker.send(word);
}
