// Crash back-off: a worker that keeps crashing is restarted after a delay that doubles
// with each crash in a row, up to a ceiling, so a crash loop cannot eat the machine.
// A worker that has stayed ready for `stableAfterMs` resets its slot's streak.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  stableAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 30_000, stableAfterMs: 10_000 };

/** Delay before restart number `streak` (1 = first crash in a row). */
export function backoffDelay(streak: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  if (streak < 1) return 0;
  const exponent = Math.min(streak - 1, 30);
  return Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
}
