/**
 * fastnet's `net.BoundSocket`, where Node has one (Node 26.4+, and 24
 * builds that carry it). Node's BoundSocket binds in its constructor
 * (`new TCP(SOCKET)`, then `bind`/`bind6`), and the ioctl must be on the
 * socket before that bind, so fastnet decides there: Node's own constructor
 * runs with the server's bind guards armed (server.ts), and the bind puts
 * our socket into Node's handle, under the BoundSocket's own options
 * (`loopbackFastPath`: Node ignores keys it does not know). What its
 * adopter then takes over is bound.ts's business.
 *
 * Every object it makes is Node's own BoundSocket, made by Node's
 * constructor: the function shares Node's prototype (so `instanceof` holds
 * both ways, also for a BoundSocket Node deserializes from another thread or
 * process as its own class), and Node's code that adopts, transfers or
 * sends one sees its own class. Everything else is Node's: validation and
 * errors, `address()`, `fd()`, `close()`, `[Symbol.dispose]`, `isPipe`,
 * pipes (never attempted), transfer.
 */
import net = require('node:net');
import { NodeBoundSocket as NodeClassOrNone, type TcpHandle } from './node-internals.js';
import { recordBound } from './bound.js';
import { readFastnetOptions, type FastnetOptions } from './options.js';
import { currentPlatform } from './policy.js';
import { constructArmed, constructRefused } from './server.js';
import { countSkip, countStatus, skipped, uvFailed, type FastPathStatus } from './status.js';

/** `net.BoundSocket`'s options, plus fastnet's. */
export interface BoundSocketOptions extends FastnetOptions {
  /** A numeric IP address (no DNS). Default: 0.0.0.0, or :: with ipv6Only. */
  host?: string;
  port?: number;
  ipv6Only?: boolean;
  reusePort?: boolean;
  /** A pipe / Unix socket path instead of TCP (never on the fast path). */
  path?: string;
}

/** A socket bound at construction, to be adopted by one server or socket (`net.BoundSocket`). */
export interface BoundSocket {
  address(): net.AddressInfo | string;
  fd(): number;
  close(): void;
  readonly isPipe: boolean;
}

export interface BoundSocketConstructor {
  new (options?: BoundSocketOptions): BoundSocket;
  readonly prototype: BoundSocket;
}

type NodeClass = new (...args: unknown[]) => BoundSocket;

/** Node's own class (node-internals.ts), undefined where Node has none. */
export const NodeBoundSocket = NodeClassOrNone as NodeClass | undefined;

/** fastnet's `BoundSocket` (undefined where Node has none). */
export const BoundSocket: BoundSocketConstructor = (NodeBoundSocket && wrap(NodeBoundSocket)) as BoundSocketConstructor;

function wrap(Node: NodeClass): BoundSocketConstructor {
  const BoundSocket = function BoundSocket(this: unknown, ...args: unknown[]): BoundSocket {
    // Called without new: Node's class throws its own TypeError.
    if (new.target === undefined) return Reflect.apply(Node, this, args) as BoundSocket;
    return construct(Node, args, new.target);
  };
  Object.defineProperty(BoundSocket, 'length', { value: Node.length });
  BoundSocket.prototype = Node.prototype;
  // Static members, if Node ever gives it any.
  Object.setPrototypeOf(BoundSocket, Node);
  return BoundSocket as unknown as BoundSocketConstructor;
}

/** What a construction that threw after fastnet's bind guard decided (`status`) really came to. */
function failedBy(status: FastPathStatus, err: unknown): FastPathStatus {
  const errno = (err as { errno?: unknown } | null)?.errno;
  const attempted = status.state === 'applied' || status.state === 'unsupported';
  return attempted && typeof errno === 'number' && errno < 0 ? uvFailed(errno) : status;
}

function construct(Node: NodeClass, args: unknown[], newTarget: Function): BoundSocket {
  let fastnet: FastnetOptions;
  try {
    fastnet = readFastnetOptions(args[0]);
  } catch (err) {
    // Node's errors come first, as for fastnet's Server and Socket (which read
    // their options after net's constructor), then fastnet's, before anything
    // is bound: on the Windows path it is thrown at Node's bind. A BoundSocket
    // is made only where Node binds no TCP handle (a pipe), or in pass-through
    // (which sets no guards).
    const make = () => Reflect.construct(Node, args, newTarget) as BoundSocket;
    (currentPlatform() === 'win32' ? constructRefused(err as Error, make) : make()).close();
    throw err;
  }
  if (currentPlatform() !== 'win32') {
    countSkip();
    return Reflect.construct(Node, args, newTarget) as BoundSocket;
  }
  const out: { status?: FastPathStatus; handle?: TcpHandle } = {};
  let bound: BoundSocket;
  try {
    bound = constructArmed(fastnet, () => Reflect.construct(Node, args, newTarget) as BoundSocket, out);
  } catch (err) {
    // Node closed its handle, and with it any socket of ours. An attempt whose
    // bind seemed to succeed failed all the same (libuv on Windows defers
    // EADDRINUSE to Node's getsockname): count it as failed, with Node's error.
    if (out.status) countStatus(failedBy(out.status, err));
    throw err;
  }
  recordBound(bound, out.handle, bound.isPipe ? skipped('pipe') : out.status ?? skipped('untracked'));
  return bound;
}
