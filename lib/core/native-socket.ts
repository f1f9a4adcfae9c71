/**
 * Our socket: created by the native binding, the ioctl applied, and the
 * outcome as a status. Shared by the server and client hooks and by doctor's probe.
 *
 * A stack that refuses the ioctl as unsupported (WSAEOPNOTSUPP: an older
 * Windows, a layered provider, Wine) refuses it for every socket, so the
 * refusal is remembered process-wide and later sockets go straight to Node's
 * own path, at no cost. FASTNET_REMEMBER_REFUSAL=0 (or false, or empty: env.ts; read once) turns that
 * off, so that every socket exercises the full plumbing (test tiers, bench).
 */
import { envFlag } from './env.js';
import { native, type NativeBinding } from './binding.js';
import { isUnsupportedCode, osErrorName } from './errors.js';
import { warnKnownIssue } from './known-issues.js';
import { currentPlatform, type Decision } from './policy.js';
import { APPLIED, errorStatus, skipped, type FastPathStatus } from './status.js';

let remember = envFlag('FASTNET_REMEMBER_REFUSAL', true);
let refusal: FastPathStatus | undefined;

/** Our socket (when one was made) and what the OS said about the ioctl. */
export interface Made {
  /** The socket, owned by the caller until a Node handle adopts it; -1 if there is none. */
  sock: number;
  status: FastPathStatus;
}

function outcome(state: 'failed' | 'unsupported', errno: number, remembered = false): FastPathStatus {
  return errorStatus(state, osErrorName(errno, currentPlatform()), errno, remembered);
}

/** Create a socket for an 'attempt' decision (bound to the wildcard with `bindAny`) and apply the ioctl. */
export function makeSocket(decision: Extract<Decision, { action: 'attempt' }>, bindAny: boolean): Made {
  if (refusal) return { sock: -1, status: refusal };
  // On a build with a known crash, only an explicit opt-in gets here: say so, once.
  if (decision.knownIssue) warnKnownIssue(decision.knownIssue);
  const binding = native();
  if (!binding) return { sock: -1, status: skipped('no-binding') };
  const made = attempt(binding, decision.family, bindAny);
  if (remember && made.status.state === 'unsupported') refusal = outcome('unsupported', made.status.errno, true);
  return made;
}

/** A new socket from `binding`, the ioctl applied, and the outcome (never remembered here). */
export function attempt(binding: NativeBinding, family: 4 | 6, bindAny: boolean): Made {
  const sock = binding.createSocket(family, bindAny);
  if (sock < 0) return { sock: -1, status: outcome('failed', -sock) };
  const err = binding.enableLoopbackFastPath(sock);
  if (err === 0) return { sock, status: APPLIED };
  return { sock, status: outcome(isUnsupportedCode(osErrorName(err, currentPlatform())) ? 'unsupported' : 'failed', err) };
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
