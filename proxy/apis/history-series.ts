// What every history endpoint shares: the request, the backend it reads, the answer's series, and
// how a range query's points become the live API's values.
import type { LabelSelector, ObjectReference } from '../../shared/api-types.ts';
import type { Requirement } from '../../shared/labels.ts';
import type { PrometheusMatrix, PrometheusSeries, QueryRange } from '../prometheus/client.ts';
import type { ExternalMetricRegistry } from '../rules/external-registry.ts';
import type { CompiledResourceRules, UsageResource } from '../rules/resource-rules.ts';
import type { CustomMetricRequest } from './custom-metrics.ts';
import type { HistoryLimits } from './history-range.ts';
import type { CustomMetricsBackend } from './ports.ts';

export interface HistoryBackend
  extends Pick<CustomMetricsBackend, 'registry' | 'mapper' | 'objects' | 'now'> {
  externalRegistry(): ExternalMetricRegistry;
  resourceRules?: CompiledResourceRules | undefined;
  /** `backend` is the rule's backend name ('' for the default). */
  queryRange(expr: string, range: QueryRange, backend: string): Promise<PrometheusMatrix>;
  historyLimits: HistoryLimits;
}

export type HistoryRequest =
  | { kind: 'custommetrics'; custom: CustomMetricRequest }
  | { kind: 'externalmetrics'; namespace: string; metric: string; labelSelector: Requirement[] }
  | { kind: 'podmetrics'; namespace: string; name: string | undefined; labelSelector: Requirement[] }
  | { kind: 'nodemetrics'; name: string | undefined; labelSelector: Requirement[] }
  | { kind: 'horizontalpodautoscalers'; namespace: string; name: string }
  | { kind: 'pods'; namespace: string; labelSelector: Requirement[] };

/** One series of a history answer: what it is about, and its points. */
export interface HistorySeries {
  describedObject?: ObjectReference;
  metric?: { name: string; selector: LabelSelector | null };
  /** External metrics: the series' labels, as ExternalMetricValue.metricLabels. */
  metricLabels?: Record<string, string>;
  container?: string;
  resource?: UsageResource;
  /** The HPA and pod endpoints: which series (currentReplicas, ready, …). */
  name?: string;
  /** [Unix seconds, the value as the live API writes it], at the steps that had a sample. */
  points: [number, string][];
}

/** An endpoint's series, and the notes for the Warning header. */
export interface Found {
  series: HistorySeries[];
  warnings: string[];
}

/** Which points of a series mean something; the others are left out with a warning naming them. */
interface PointRule {
  keep: (v: number) => boolean;
  /** The warning's words for the others, "not finite". */
  others: string;
}

const FINITE: PointRule = { keep: Number.isFinite, others: 'not finite' };

/** The series' points the rule keeps (by default the finite ones), formatted. */
export function keptPoints(
  s: PrometheusSeries,
  format: (v: number) => string,
  warnings: string[],
  what: string,
  rule: PointRule = FINITE,
): [number, string][] {
  const points: [number, string][] = [];
  let left = 0;
  for (const [ms, v] of s.points) {
    if (rule.keep(v)) points.push([ms / 1000, format(v)]);
    else left++;
  }
  if (left) warnings.push(`${what}: ${left} points were ${rule.others}, left out`);
  return points;
}
