/**
 * `node -r fastnet/register app.js` / `node --import fastnet/register app.mjs`:
 * transparent mode for the whole process. Worker threads and cluster workers
 * inherit it through process.execArgv (or NODE_OPTIONS).
 */
import { patch } from './core/patch.js';
import { setUp } from './core/setup.js';

patch();
// Everything the package does when it loads: an app under the preload alone may never import it.
setUp();
