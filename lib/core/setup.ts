/**
 * What fastnet sets up when it loads, whichever entry loads it: the package
 * (lib/index.ts) or the preload alone (lib/register.ts), under which an app
 * may never import fastnet itself. One list, so the two cannot drift apart.
 */
import { listenToPrimary } from './cluster.js';
import { currentPlatform } from './policy.js';
import { stats } from './status.js';
import { summaryAtExit } from './summary.js';
import { installTransfer } from './transfer.js';

let done = false;

/** Idempotent: the preload and the package may both load in one process. */
export function setUp(): void {
  if (done) return;
  done = true;
  // A cluster worker hears from its primary what was done for shared listeners,
  // from start-up (the word comes before the handle, and is not repeated).
  listenToPrimary();
  // A server or socket moved to a worker thread keeps its record there (lib/core/transfer.ts).
  installTransfer();
  // FASTNET_SUMMARY: what fastnet did in this process, printed at exit.
  summaryAtExit(stats, currentPlatform);
}
