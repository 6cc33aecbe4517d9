// What the metrics store sent beside an answer (Thanos Query: a store under it did not answer), as
// the answer's Warning header says it: served, never as a silently lower value.
import type { PrometheusAnswer, PrometheusMatrix } from '../prometheus/client.ts';

export function storeWarnings(answer: PrometheusAnswer | PrometheusMatrix): string[] {
  return (answer.warnings ?? []).map((w) => `the metrics store warned that this answer may be partial: ${w}`);
}
