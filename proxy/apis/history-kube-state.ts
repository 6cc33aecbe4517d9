// The history of what no metrics rule holds, read from kube-state-metrics' series: an HPA's replica
// counts and bounds, and its pods' lifecycle (kubernetes/kube-state-metrics docs/metrics/workload:
// horizontalpodautoscaler-metrics.md, pod-metrics.md). Several kube-state-metrics replicas (or
// scrape jobs) give the same series: `max by` keeps one per object.
import type { ObjectReference } from '../../shared/api-types.ts';
import type { Requirement } from '../../shared/labels.ts';
import { formatNumberAsQuantity } from '../../shared/quantity.ts';
import { compareCodeUnits } from '../../shared/text.ts';
import type { PrometheusMatrix, QueryRange } from '../prometheus/client.ts';
import { QueryError, selectorMatchers } from '../rules/naming.ts';
import { matcher } from '../rules/promql.ts';
import { type Found, type HistoryBackend, type HistoryRequest, keptPoints } from './history-series.ts';
import { ApiError } from './status.ts';
import { storeWarnings } from './store-warnings.ts';

/** kube-state-metrics' series are in the default backend (--prometheus-url). */
const BACKEND = '';

const HPA_SERIES = [
  ['currentReplicas', 'kube_horizontalpodautoscaler_status_current_replicas'],
  ['desiredReplicas', 'kube_horizontalpodautoscaler_status_desired_replicas'],
  ['minReplicas', 'kube_horizontalpodautoscaler_spec_min_replicas'],
  ['maxReplicas', 'kube_horizontalpodautoscaler_spec_max_replicas'],
] as const;

export async function hpaHistory(
  req: Extract<HistoryRequest, { kind: 'horizontalpodautoscalers' }>,
  backend: HistoryBackend,
  range: QueryRange,
): Promise<Found> {
  const selector = `{${matcher('namespace', '=', req.namespace)},${matcher('horizontalpodautoscaler', '=', req.name)}}`;
  const matrices = await Promise.all(
    HPA_SERIES.map(([, series]) =>
      backend.queryRange(`max by (horizontalpodautoscaler) (${series}${selector})`, range, BACKEND),
    ),
  );
  const describedObject: ObjectReference = {
    kind: 'HorizontalPodAutoscaler',
    namespace: req.namespace,
    name: req.name,
    apiVersion: 'autoscaling/v2',
  };
  const warnings = matrices.flatMap(storeWarnings);
  const series = HPA_SERIES.flatMap(([name], i) =>
    (matrices[i] as PrometheusMatrix).slice(0, 1).flatMap((s) => {
      const points = keptPoints(s, formatNumberAsQuantity, warnings, name);
      return points.length ? [{ describedObject, name, points }] : [];
    }),
  );
  return { series, warnings };
}

/** Which pod series, and how each value is written. */
const POD_SERIES: readonly {
  name: string;
  query: (matchers: string) => string;
  format: (v: number) => string;
}[] = [
  {
    name: 'ready',
    query: (m) => `max by (pod) (kube_pod_status_ready{${m},condition="true"})`,
    format: formatNumberAsQuantity,
  },
  {
    // Unix seconds: a plain integer, never 1796612k.
    name: 'startTime',
    query: (m) => `max by (pod) (kube_pod_start_time{${m}})`,
    format: (v) => String(Math.round(v)),
  },
  {
    // The series exists while a deletion timestamp is set; its value is that time.
    name: 'deleted',
    query: (m) => `max by (pod) (kube_pod_deletion_timestamp{${m}}) > bool 0`,
    format: formatNumberAsQuantity,
  },
];

export async function podLifecycleHistory(
  req: Extract<HistoryRequest, { kind: 'pods' }>,
  backend: HistoryBackend,
  range: QueryRange,
): Promise<Found> {
  const namespace = matcher('namespace', '=', req.namespace);
  const labels = podLabelsFilter(namespace, req.labelSelector);
  const matrices = await Promise.all(
    POD_SERIES.map(({ query }) => backend.queryRange(`${query(namespace)}${labels}`, range, BACKEND)),
  );
  const warnings = matrices.flatMap(storeWarnings);
  const rows = POD_SERIES.flatMap((_, i) => {
    const seen = new Set<string>();
    return (matrices[i] as PrometheusMatrix).flatMap((s) => {
      const pod = s.labels.pod;
      if (pod === undefined || seen.has(pod)) return [];
      seen.add(pod);
      return [{ pod, kind: i, s }];
    });
  });
  rows.sort((a, b) => compareCodeUnits(a.pod, b.pod) || a.kind - b.kind);
  const series = rows.flatMap(({ pod, kind, s }) => {
    const { name, format } = POD_SERIES[kind] as (typeof POD_SERIES)[number];
    const points = keptPoints(s, format, warnings, `pod ${req.namespace}/${pod} ${name}`);
    const describedObject = { kind: 'Pod', namespace: req.namespace, name: pod, apiVersion: 'v1' };
    return points.length ? [{ describedObject, name, points }] : [];
  });
  return { series, warnings };
}

/**
 * ` and on (pod) …kube_pod_labels…` keeping the pods whose labels matched the selector at each step
 * (kube-state-metrics names a pod label `label_` + the name with every character but [a-zA-Z0-9_]
 * as `_`: internal/store/utils.go kubeMapToPrometheusLabels); empty without a selector.
 */
export function podLabelsFilter(namespace: string, selector: readonly Requirement[]): string {
  if (!selector.length) return '';
  const renamed = selector.map((r) => ({ ...r, key: `label_${r.key.replace(/[^a-zA-Z0-9_]/g, '_')}` }));
  let matchers: string[];
  try {
    matchers = selectorMatchers(renamed, {});
  } catch (e) {
    if (e instanceof QueryError) throw new ApiError(400, `labelSelector: ${e.message}`);
    throw e;
  }
  return ` and on (pod) max by (pod) (kube_pod_labels{${[namespace, ...matchers].join(',')}})`;
}

/**
 * The pods of `namespace` whose labels matched `selector` at some step of the range, from
 * kube_pod_labels: a pod deleted since (an HPA's scale-down) is not in the watch cache any more, yet
 * it was part of what the controller read. Empty without kube-state-metrics.
 */
export async function podsMatchedDuring(
  backend: HistoryBackend,
  namespace: string,
  selector: readonly Requirement[],
  range: QueryRange,
): Promise<string[]> {
  const inNamespace = matcher('namespace', '=', namespace);
  const matrix = await backend.queryRange(
    `group by (pod) (kube_pod_labels{${inNamespace}})${podLabelsFilter(inNamespace, selector)}`,
    range,
    BACKEND,
  );
  return matrix.flatMap((s) => (s.labels.pod === undefined ? [] : [s.labels.pod]));
}
