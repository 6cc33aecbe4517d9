// external.metrics.k8s.io/v1beta1: a metric by name in a namespace, its series narrowed by
// labelSelector (the HPA's metric.selector), answered with one ExternalMetricValue per sample.
import {
  EXTERNAL_GROUP,
  EXTERNAL_VERSIONS,
  type ExternalMetricValue,
  type ExternalMetricValueList,
  formatTime,
} from '../../shared/api-types.ts';
import { formatSelector, type Requirement } from '../../shared/labels.ts';
import { formatNumberAsQuantity } from '../../shared/quantity.ts';
import { compareCodeUnits } from '../../shared/text.ts';
import type { ExternalMetric, ExternalMetricRegistry } from '../rules/external-registry.ts';
import { buildExternalQuery, QueryError } from '../rules/naming.ts';
import type { CustomMetricsBackend } from './ports.ts';
import { selectorParam } from './query-params.ts';
import { ApiError } from './status.ts';
import { storeWarnings } from './store-warnings.ts';

export interface ExternalMetricRequest {
  namespace: string;
  metric: string;
  /** Selects series by their labels, not objects. */
  labelSelector: Requirement[];
}

export interface ExternalMetricsBackend extends Pick<CustomMetricsBackend, 'query' | 'now'> {
  externalRegistry(): ExternalMetricRegistry;
}

interface ExternalMetricsAnswer {
  body: ExternalMetricValueList;
  /** Human-readable notes for the `Warning` header (skipped NaN values and the like). */
  warnings: string[];
}

/** Parses the part of the path after `/apis/external.metrics.k8s.io/v1beta1/`; undefined if it is no metric path. */
export function parseExternalMetricPath(
  segments: readonly string[],
  query: URLSearchParams,
): ExternalMetricRequest | undefined {
  const [a, namespace, metric, ...extra] = segments;
  if (a !== 'namespaces' || !namespace || !metric || extra.length) return undefined;
  return { namespace, metric, labelSelector: selectorParam(query, 'labelSelector') };
}

export async function getExternalMetric(
  req: ExternalMetricRequest,
  backend: ExternalMetricsBackend,
): Promise<ExternalMetricsAnswer> {
  const { entry, expr } = externalMetricQuery(req, backend.externalRegistry());
  const samples = await backend.query(expr, backend.now(), entry.rule.rule.backend);

  const window = entry.rule.windowSeconds;
  const warnings = storeWarnings(samples);
  const items: ExternalMetricValue[] = [];
  // Prometheus gives no order for a vector; sorted by labels, answers read the same every time.
  const labelled = samples
    .map((s) => {
      const { __name__: _, ...metricLabels } = s.labels;
      return { s, metricLabels, text: labelsText(metricLabels) };
    })
    .sort((a, b) => compareCodeUnits(a.text, b.text));
  for (const { s, metricLabels, text } of labelled) {
    if (!Number.isFinite(s.value)) {
      warnings.push(`${req.metric}${text} is ${s.value}, left out`);
      continue;
    }
    items.push({
      metricName: req.metric,
      metricLabels,
      timestamp: formatTime(s.timestampMs),
      ...(window ? { window } : {}),
      value: formatNumberAsQuantity(s.value),
    });
  }
  if (!items.length) {
    const selector = req.labelSelector.length
      ? ` matching labelSelector ${formatSelector(req.labelSelector)}`
      : '';
    const why = warnings.length ? ` (values were not finite: ${warnings.join('; ')})` : '';
    throw new ApiError(404, `Prometheus has no ${req.metric}${selector}${why}; query: ${expr}`);
  }
  return {
    body: {
      kind: 'ExternalMetricValueList',
      apiVersion: `${EXTERNAL_GROUP}/${EXTERNAL_VERSIONS[0]}`,
      metadata: {},
      items,
    },
    warnings,
  };
}

/** The rule serving the metric and its PromQL for the request: 404 when none serves it, 400 when it cannot be built. */
export function externalMetricQuery(
  req: ExternalMetricRequest,
  registry: ExternalMetricRegistry,
): { entry: ExternalMetric; expr: string } {
  const entry = registry.find(req.metric);
  if (!entry) throw new ApiError(404, registry.explainMissing(req.metric));
  try {
    return {
      entry,
      expr: buildExternalQuery(entry.rule, entry.seriesName, req.namespace, req.labelSelector),
    };
  } catch (e) {
    if (e instanceof QueryError) throw new ApiError(400, e.message);
    throw e;
  }
}

/** `{a="x",b="y"}` as Prometheus prints a label set; empty for none. */
export function labelsText(labels: Record<string, string>): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return pairs.length ? `{${pairs.join(',')}}` : '';
}
