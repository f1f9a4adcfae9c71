'use strict';
// Preload: Node main's DEP0208 (nodejs/node#64794) on the Node at hand, so that
// fastnet's server path is proven where `Server.prototype._listen2` is deprecated
// (Node 27) on every Node CI runs. As on main:
//  - reading `_listen2` gives a deprecated alias, not setupListenHandle itself;
//  - calling that alias from outside node:net, or assigning an override, emits
//    DeprecationWarning DEP0208 (once per process; it throws under
//    --throw-deprecation and is silent under --no-deprecation, as Node's own);
//  - listen() still sets up the handle (this Node's own code calls the alias
//    from node:net, which stands in for main calling setupListenHandle directly),
//    and an override is honoured.
// Load it before anything else (`-r`), in plain-net and fastnet runs alike.
const net = require('node:net');

const proto = net.Server.prototype;
const setupListenHandle = proto._listen2;
if (typeof setupListenHandle !== 'function') throw new Error('dep0208.js: this Node has no Server.prototype._listen2');

const MESSAGE = 'Server.prototype._listen2 is deprecated. Use Server.prototype.listen() instead.';
let warned = false;
function warn() {
  if (warned) return;
  warned = true;
  process.emitWarning(MESSAGE, 'DeprecationWarning', 'DEP0208');
}

/** Whether the caller of the function that called this one is node:net itself. */
function calledFromNet() {
  const holder = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 4;
  Error.captureStackTrace(holder, calledFromNet);
  Error.stackTraceLimit = limit;
  // [0] "Error", [1] the alias, [2] its caller.
  const caller = String(holder.stack).split('\n')[2] || '';
  return /\(node:net:\d+:\d+\)$|at node:net:\d+:\d+$/.test(caller.trim());
}

// Named like main's wrapper, not setupListenHandle.
const alias = { _listen2(...args) {
  if (!calledFromNet()) warn();
  return Reflect.apply(setupListenHandle, this, args);
} }._listen2;

let override;
Object.defineProperty(proto, '_listen2', {
  configurable: true,
  enumerable: false,
  get() { return override ?? alias; },
  set(value) {
    warn();
    override = value;
  },
});

Object.defineProperty(proto, Symbol.for('fastnet.test.dep0208'), { value: true });
