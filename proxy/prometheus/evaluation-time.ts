// The time every query is evaluated at: the query-time policy the answer cache in client.ts relies on.

/**
 * Queries are evaluated at the last whole second that is at least one second old: the answer's
 * timestamp is then exact (whole seconds, as metav1.Time carries), and no scrape still in flight
 * can change the value afterwards, so the same query at that timestamp always gives the same value.
 */
export function evaluationTime(nowMs = Date.now()): number {
  return Math.floor(nowMs / 1000) * 1000 - 1000;
}
