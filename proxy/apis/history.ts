// history.cmetrics.io/v1alpha1: the values a metric the proxy serves took over a time range, from
// the same rule and PromQL as the live answer (custom-metrics.ts, external-metrics.ts, the
// resourceRules' queries), evaluated as a range query, with values formatted as the live API
// formats them; and, from kube-state-metrics, an HPA's replicas and its pods' lifecycle
// (history-kube-state.ts). Each request is also authorized as the live request it stands for.

import {
  CUSTOM_GROUP,
  EXTERNAL_GROUP,
  HISTORY_GROUP,
  HISTORY_VERSIONS,
  RESOURCE_GROUP,
} from '../../shared/api-types.ts';
import { isoTime, shortDuration } from '../../shared/duration.ts';
import type { Requirement } from '../../shared/labels.ts';
import { formatNumberAsQuantity } from '../../shared/quantity.ts';
import { compareCodeUnits } from '../../shared/text.ts';
import type { PrometheusMatrix, PrometheusSeries, QueryRange } from '../prometheus/client.ts';
import { QueryError } from '../rules/naming.ts';
import {
  buildContainersQuery,
  buildNodesQuery,
  type CompiledResourceRules,
  USAGE_RESOURCES,
  type UsageResource,
} from '../rules/resource-rules.ts';
import {
  type ApiResource,
  type GroupResource,
  groupResourceString,
  NAMESPACES,
  NODES,
  PODS,
} from '../rules/resources.ts';
import {
  type CustomMetricRequest,
  customMetricQuery,
  describedObject,
  findCustomMetric,
  parseCustomMetricPath,
  toLabelSelector,
} from './custom-metrics.ts';
import { HISTORY_RESOURCES } from './discovery.ts';
import { externalMetricQuery, labelsText } from './external-metrics.ts';
import { hpaHistory, podLifecycleHistory, podsMatchedDuring } from './history-kube-state.ts';
import { historyRange } from './history-range.ts';
import {
  type Found,
  type HistoryBackend,
  type HistoryRequest,
  type HistorySeries,
  keptPoints,
} from './history-series.ts';
import { isWatch, selectorParam } from './query-params.ts';
import { NOT_CONFIGURED, usageQuantity } from './resource-metrics.ts';
import { ApiError } from './status.ts';
import { storeWarnings } from './store-warnings.ts';

/**
 * Authorizes the caller for the live request at `path` (a kube-apiserver path, e.g.
 * /apis/custom.metrics.k8s.io/v1beta2/namespaces/NS/pods/NAME/METRIC): resolves when allowed,
 * rejects with a 403 ApiError naming the live attributes when not.
 */
export type LiveAuthorizer = (path: string) => Promise<void>;

export interface HistoryBody {
  kind: (typeof HISTORY_RESOURCES)[number]['kind'];
  apiVersion: string;
  metadata: Record<string, never>;
  start: string;
  end: string;
  step: string;
  series: HistorySeries[];
  source: 'prometheus' | 'kube-state-metrics' | 'none';
}

interface HistoryAnswer {
  body: HistoryBody;
  warnings: string[];
}

/** Parses the part of the path after `/apis/history.cmetrics.io/v1alpha1/`; undefined if it is no history path. */
export function parseHistoryPath(
  segments: readonly string[],
  query: URLSearchParams,
): HistoryRequest | undefined {
  const labelSelector = () => selectorParam(query, 'labelSelector');
  const [a, b, c, ...rest] = segments;
  if (a === 'custommetrics') {
    const custom = parseCustomMetricPath(CUSTOM_LIVE_VERSION, segments.slice(1), query);
    // `namespaces/NS/metrics/M` is the live API's own form for a namespace; here it is `namespaces/NS/M`.
    return custom && segments.length === 4 ? { kind: 'custommetrics', custom } : undefined;
  }
  if (a === 'nodemetrics' && c === undefined)
    return { kind: 'nodemetrics', name: b, labelSelector: labelSelector() };
  if (a !== 'namespaces' || !b) return undefined;
  const namespace = b;
  const [d] = rest;
  if (c === 'custommetrics' && rest.length === 3) {
    const custom = parseCustomMetricPath(CUSTOM_LIVE_VERSION, ['namespaces', namespace, ...rest], query);
    return custom && { kind: 'custommetrics', custom };
  }
  if (c === 'externalmetrics' && d && rest.length === 1)
    return { kind: 'externalmetrics', namespace, metric: d, labelSelector: labelSelector() };
  if (c === 'podmetrics' && rest.length <= 1)
    return { kind: 'podmetrics', namespace, name: d, labelSelector: labelSelector() };
  if (c === 'horizontalpodautoscalers' && d && rest.length === 1)
    return { kind: 'horizontalpodautoscalers', namespace, name: d };
  if (c === 'pods' && !rest.length) return { kind: 'pods', namespace, labelSelector: labelSelector() };
  return undefined;
}

/** The versions the live requests are named with, for authorization (verbs and resources do not depend on them). */
const CUSTOM_LIVE_VERSION = 'v1beta2';
const RESOURCE_LIVE_VERSION = 'v1beta1';

/** The kube-apiserver path of the live request a history request stands for. */
export function livePath(req: HistoryRequest): string {
  const path = (...segments: string[]) => `/${segments.map(encodeURIComponent).join('/')}`;
  switch (req.kind) {
    case 'custommetrics': {
      const { namespace, resourceText, name, metric } = req.custom;
      const gv = ['apis', CUSTOM_GROUP, CUSTOM_LIVE_VERSION];
      // The HPA's client asks for a namespace's own metric as namespaces/NAME/metrics/METRIC.
      if (namespace === undefined && resourceText === NAMESPACES.resource)
        return path(...gv, 'namespaces', name, 'metrics', metric);
      return namespace === undefined
        ? path(...gv, resourceText, name, metric)
        : path(...gv, 'namespaces', namespace, resourceText, name, metric);
    }
    case 'externalmetrics':
      return path('apis', EXTERNAL_GROUP, 'v1beta1', 'namespaces', req.namespace, req.metric);
    case 'podmetrics':
      return path(
        'apis',
        RESOURCE_GROUP,
        RESOURCE_LIVE_VERSION,
        'namespaces',
        req.namespace,
        'pods',
        ...(req.name === undefined ? [] : [req.name]),
      );
    case 'nodemetrics':
      return path(
        'apis',
        RESOURCE_GROUP,
        RESOURCE_LIVE_VERSION,
        'nodes',
        ...(req.name === undefined ? [] : [req.name]),
      );
    case 'horizontalpodautoscalers':
      return path(
        'apis',
        'autoscaling',
        'v2',
        'namespaces',
        req.namespace,
        'horizontalpodautoscalers',
        req.name,
      );
    case 'pods':
      return path('api', 'v1', 'namespaces', req.namespace, 'pods');
  }
}

export async function getHistory(
  req: HistoryRequest,
  query: URLSearchParams,
  backend: HistoryBackend,
  authorize: LiveAuthorizer,
): Promise<HistoryAnswer> {
  if (isWatch(query)) {
    throw new ApiError(
      405,
      `watch is not supported on ${req.kind}.${HISTORY_GROUP}: ask again for a newer range`,
    );
  }
  const range = historyRange(query, backend.historyLimits, backend.now());
  await authorize(livePath(req));
  const found = await endpoint(req, backend, range);
  const kubeState = req.kind === 'horizontalpodautoscalers' || req.kind === 'pods';
  return {
    body: {
      kind: HISTORY_RESOURCES.find((r) => r.name === req.kind)?.kind ?? 'MetricHistory',
      apiVersion: `${HISTORY_GROUP}/${HISTORY_VERSIONS[0]}`,
      metadata: {},
      start: isoTime(range.startMs),
      end: isoTime(range.endMs),
      step: shortDuration(range.stepMs),
      series: found.series,
      source: !kubeState ? 'prometheus' : found.series.length ? 'kube-state-metrics' : 'none',
    },
    warnings: found.warnings,
  };
}

function endpoint(req: HistoryRequest, backend: HistoryBackend, range: QueryRange): Promise<Found> {
  switch (req.kind) {
    case 'custommetrics':
      return customHistory(req.custom, backend, range);
    case 'externalmetrics':
      return externalHistory(req, backend, range);
    case 'podmetrics':
      return podHistory(req, backend, range);
    case 'nodemetrics':
      return nodeHistory(req, backend, range);
    case 'horizontalpodautoscalers':
      return hpaHistory(req, backend, range);
    case 'pods':
      return podLifecycleHistory(req, backend, range);
  }
}

/**
 * Every object of the resource (`any`) when no labelSelector narrows a wildcard, so that objects
 * gone since have their history too; with one, the objects that match now (the watch caches know
 * only today's labels) and, for pods, those whose labels matched during the range
 * (kube-state-metrics' kube_pod_labels).
 */
async function historyNames(
  backend: HistoryBackend,
  resource: ApiResource,
  namespace: string | undefined,
  name: string | undefined,
  selector: readonly Requirement[],
  range: QueryRange,
): Promise<readonly string[] | 'any'> {
  if (name !== undefined) return [name];
  if (!selector.length) return 'any';
  if (resource.group !== '' || resource.resource !== 'pods' || namespace === undefined)
    return backend.objects.names(resource, namespace, selector);
  const [now, then] = await Promise.all([
    backend.objects.names(resource, namespace, selector),
    podsMatchedDuring(backend, namespace, selector, range),
  ]);
  return [...new Set([...now, ...then])];
}

async function customHistory(
  req: CustomMetricRequest,
  backend: HistoryBackend,
  range: QueryRange,
): Promise<Found> {
  const { resource, entry } = findCustomMetric(req, backend);
  const names = await historyNames(
    backend,
    resource,
    req.namespace,
    req.name === '*' ? undefined : req.name,
    req.labelSelector,
    range,
  );
  if (!names.length) return { series: [], warnings: [] };
  const expr = customMetricQuery(req, resource, entry, names);
  const matrix = await backend.queryRange(expr, range, entry.rule.rule.backend);
  const label = entry.rule.labelFor(resource) as string;
  const wanted = names === 'any' ? undefined : new Set(names);
  const byName = new Map<string, PrometheusSeries>();
  for (const s of matrix) {
    const name = s.labels[label];
    if (name !== undefined && (!wanted || wanted.has(name)) && !byName.has(name)) byName.set(name, s);
  }
  const warnings = storeWarnings(matrix);
  const selector = toLabelSelector(req.metricSelector);
  const series = [...byName.keys()].sort(compareCodeUnits).flatMap((name) => {
    const what = `${groupResourceString(resource)}/${name}: ${req.metric}`;
    const points = keptPoints(byName.get(name) as PrometheusSeries, formatNumberAsQuantity, warnings, what);
    return points.length
      ? [
          {
            describedObject: describedObject(resource, req.namespace, name),
            metric: { name: req.metric, selector },
            points,
          },
        ]
      : [];
  });
  return { series, warnings };
}

async function externalHistory(
  req: Extract<HistoryRequest, { kind: 'externalmetrics' }>,
  backend: HistoryBackend,
  range: QueryRange,
): Promise<Found> {
  const { entry, expr } = externalMetricQuery(req, backend.externalRegistry());
  const matrix = await backend.queryRange(expr, range, entry.rule.rule.backend);
  const warnings = storeWarnings(matrix);
  const selector = toLabelSelector(req.labelSelector);
  // Sorted by labels, as the live answer's items.
  const labelled = matrix
    .map((s) => {
      const { __name__: _, ...metricLabels } = s.labels;
      return { s, metricLabels, text: labelsText(metricLabels) };
    })
    .sort((a, b) => compareCodeUnits(a.text, b.text));
  const series = labelled.flatMap(({ s, metricLabels, text }) => {
    const points = keptPoints(s, formatNumberAsQuantity, warnings, `${req.metric}${text}`);
    return points.length ? [{ metric: { name: req.metric, selector }, metricLabels, points }] : [];
  });
  return { series, warnings };
}

async function podHistory(
  req: Extract<HistoryRequest, { kind: 'podmetrics' }>,
  backend: HistoryBackend,
  range: QueryRange,
): Promise<Found> {
  const rules = usageRules(backend);
  const pods = clusterResource(backend, PODS);
  const names = await historyNames(backend, pods, req.namespace, req.name, req.labelSelector, range);
  if (!names.length) return { series: [], warnings: [] };
  const scope = { namespace: req.namespace, names };
  const matrices = await usageMatrices(rules, backend, range, (r) => buildContainersQuery(rules[r], scope));
  const wanted = names === 'any' ? undefined : new Set(names);
  const warnings: string[] = [];
  const rows: { pod: string; container: string; r: UsageResource; s: PrometheusSeries }[] = [];
  USAGE_RESOURCES.forEach((r, i) => {
    const { podLabel, namespaceLabel, containerLabel } = rules[r];
    const matrix = matrices[i] as PrometheusMatrix;
    warnings.push(...storeWarnings(matrix));
    const seen = new Set<string>();
    for (const s of matrix) {
      const pod = s.labels[podLabel];
      const container = s.labels[containerLabel];
      if (pod === undefined || container === undefined || s.labels[namespaceLabel] !== req.namespace)
        continue;
      if ((wanted && !wanted.has(pod)) || seen.has(`${pod}/${container}`)) continue;
      seen.add(`${pod}/${container}`);
      rows.push({ pod, container, r, s });
    }
  });
  rows.sort(
    (a, b) =>
      compareCodeUnits(a.pod, b.pod) ||
      compareCodeUnits(a.container, b.container) ||
      USAGE_RESOURCES.indexOf(a.r) - USAGE_RESOURCES.indexOf(b.r),
  );
  const series = rows.flatMap(({ pod, container, r, s }) => {
    const points = usagePoints(s, r, warnings, `pod ${req.namespace}/${pod} container ${container}`);
    return points.length
      ? [{ describedObject: describedObject(pods, req.namespace, pod), container, resource: r, points }]
      : [];
  });
  return { series, warnings };
}

async function nodeHistory(
  req: Extract<HistoryRequest, { kind: 'nodemetrics' }>,
  backend: HistoryBackend,
  range: QueryRange,
): Promise<Found> {
  const rules = usageRules(backend);
  const nodes = clusterResource(backend, NODES);
  const names = await historyNames(backend, nodes, undefined, req.name, req.labelSelector, range);
  if (!names.length) return { series: [], warnings: [] };
  const matrices = await usageMatrices(rules, backend, range, (r) => buildNodesQuery(rules[r], { names }));
  const wanted = names === 'any' ? undefined : new Set(names);
  const warnings: string[] = [];
  const rows: { node: string; r: UsageResource; s: PrometheusSeries }[] = [];
  USAGE_RESOURCES.forEach((r, i) => {
    const matrix = matrices[i] as PrometheusMatrix;
    warnings.push(...storeWarnings(matrix));
    const seen = new Set<string>();
    for (const s of matrix) {
      const node = s.labels[rules[r].nodeLabel];
      if (node === undefined || (wanted && !wanted.has(node)) || seen.has(node)) continue;
      seen.add(node);
      rows.push({ node, r, s });
    }
  });
  rows.sort(
    (a, b) => compareCodeUnits(a.node, b.node) || USAGE_RESOURCES.indexOf(a.r) - USAGE_RESOURCES.indexOf(b.r),
  );
  const series = rows.flatMap(({ node, r, s }) => {
    const points = usagePoints(s, r, warnings, `node ${node}`);
    return points.length
      ? [{ describedObject: describedObject(nodes, undefined, node), resource: r, points }]
      : [];
  });
  return { series, warnings };
}

function usageRules(backend: HistoryBackend): CompiledResourceRules {
  if (!backend.resourceRules) throw new ApiError(404, NOT_CONFIGURED);
  return backend.resourceRules;
}

function clusterResource(backend: HistoryBackend, gr: GroupResource): ApiResource {
  const resource = backend.mapper().get(gr);
  if (!resource) throw new ApiError(503, `the cluster's discovery lists no ${gr.resource} resource`);
  return resource;
}

/** The cpu and memory queries' answers, in USAGE_RESOURCES' order. */
function usageMatrices(
  rules: CompiledResourceRules,
  backend: HistoryBackend,
  range: QueryRange,
  build: (r: UsageResource) => string,
): Promise<PrometheusMatrix[]> {
  let exprs: string[];
  try {
    exprs = USAGE_RESOURCES.map(build);
  } catch (e) {
    if (e instanceof QueryError) throw new ApiError(400, e.message);
    throw e;
  }
  return Promise.all(exprs.map((expr) => backend.queryRange(expr, range, rules.backend)));
}

/** NaN, ±Inf and negative usage mean nothing and are left out, as live. */
const USABLE = {
  keep: (v: number) => Number.isFinite(v) && v >= 0,
  others: 'not usable (NaN, ±Inf or negative)',
};

/** A usage's points. */
function usagePoints(
  s: PrometheusSeries,
  r: UsageResource,
  warnings: string[],
  what: string,
): [number, string][] {
  return keptPoints(s, (v) => usageQuantity(r, v), warnings, `${what} ${r}`, USABLE);
}
