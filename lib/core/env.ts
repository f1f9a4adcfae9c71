/**
 * The one reading of fastnet's environment flags (FASTNET_DISABLE,
 * FASTNET_ALLOW_KNOWN_ISSUES, FASTNET_REMEMBER_REFUSAL, FASTNET_LOOPBACK_BINDS_ONLY,
 * FASTNET_SUMMARY, PREBUILDS_ONLY).
 * A flag is off when it is empty, `0` or `false` (any case), on for any
 * other value, and takes its default when unset.
 */

/** Whether the flag `value` (as read from the environment) is on; `fallback` when it is unset. */
export function flagOn(value: string | undefined, fallback = false): boolean {
  if (value === undefined) return fallback;
  return value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/** The flag `name` in `env` (process.env by default). */
export function envFlag(name: string, fallback = false, env: NodeJS.ProcessEnv = process.env): boolean {
  return flagOn(env[name], fallback);
}
