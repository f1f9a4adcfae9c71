/**
 * `node -r fastnet/register app.js` / `node --import fastnet/register app.mjs`:
 * transparent mode for the whole process. Worker threads and cluster workers
 * inherit it through process.execArgv (or NODE_OPTIONS).
 */
import { patch } from './core/patch.js';
import { installTransfer } from './core/transfer.js';

patch();
// Servers and sockets moved between threads keep their records (lib/core/transfer.ts).
installTransfer();
