/**
 * Exponential backoff with full jitter: a uniformly random delay in [0, min(max, base * 2^attempt)).
 * Attempt 0 waits up to `base`; the ceiling doubles per attempt until it reaches `max`.
 */
export function backoffDelay(attempt, { base = 500, max = 15000, random = Math.random } = {}) {
  const ceiling = Math.min(max, base * 2 ** Math.min(Math.max(0, attempt), 30));
  return Math.floor(random() * ceiling);
}
