/**
 * Our socket: created by the native binding, the ioctl applied, and the
 * outcome as a status. Shared by the server and client hooks and by doctor.
 *
 * A stack that refuses the ioctl as unsupported (WSAEOPNOTSUPP: an older
 * Windows, a layered provider, Wine) refuses it for every socket, so the
 * refusal is remembered process-wide and later sockets go straight to Node's
 * own path, at no cost. FASTNET_REMEMBER_REFUSAL=0 (read once) turns that
 * off, so that every socket exercises the full plumbing (test tiers, bench).
 */
import { native } from './binding.js';
import { isUnsupportedCode, osErrorName } from './errors.js';
import { warnKnownIssue } from './known-issues.js';
import { currentPlatform, type Decision } from './policy.js';
import { APPLIED, skipped, type FastPathStatus } from './status.js';

let remember = process.env.FASTNET_REMEMBER_REFUSAL !== '0';
let refusal: FastPathStatus | undefined;

/** Our socket (when one was made) and what the OS said about the ioctl. */
export interface Made {
  /** The socket, owned by the caller until a Node handle adopts it; -1 if there is none. */
  sock: number;
  status: FastPathStatus;
}

function failed(errno: number): FastPathStatus {
  return Object.freeze({ state: 'failed', code: osErrorName(errno, currentPlatform()), errno });
}

/** Create a socket for an 'attempt' decision (bound to the wildcard with `bindAny`) and apply the ioctl. */
export function makeSocket(decision: Extract<Decision, { action: 'attempt' }>, bindAny: boolean): Made {
  if (refusal) return { sock: -1, status: refusal };
  // On a build with a known crash, only an explicit opt-in gets here: say so, once.
  if (decision.knownIssue) warnKnownIssue(decision.knownIssue);
  const family = decision.family;
  const binding = native();
  if (!binding) return { sock: -1, status: skipped('no-binding') };
  const sock = binding.createSocket(family, bindAny);
  if (sock < 0) return { sock: -1, status: failed(-sock) };
  const err = binding.enableLoopbackFastPath(sock);
  if (err === 0) return { sock, status: APPLIED };
  const code = osErrorName(err, currentPlatform());
  if (!isUnsupportedCode(code)) return { sock, status: failed(err) };
  if (remember) refusal = Object.freeze({ state: 'unsupported', code, errno: err, remembered: true });
  return { sock, status: Object.freeze({ state: 'unsupported', code, errno: err }) };
}

/** Close a socket no Node handle adopted. */
export function closeSocket(sock: number): void {
  native()?.closeSocket(sock);
}

/** Whether a refusal is remembered; `set` changes the setting and forgets any refusal (bench, doctor, tests). */
export function rememberRefusal(set?: boolean): boolean {
  if (set !== undefined) {
    remember = set;
    refusal = undefined;
  }
  return remember;
}
