// custom.metrics.k8s.io: parse the request path, find the rule, select the objects, ask Prometheus,
// and answer a MetricValueList in the requested version (v1beta1 and v1beta2 carry the same data).
import {
  CUSTOM_GROUP,
  type CustomVersion,
  formatTime,
  type LabelSelector,
  type MetricValueList,
  type MetricValueV1beta1,
  type MetricValueV1beta2,
  type ObjectReference,
} from '../../shared/api-types.ts';
import type { Requirement } from '../../shared/labels.ts';
import { formatNumberAsQuantity } from '../../shared/quantity.ts';
import type { PrometheusAnswer, PrometheusSample } from '../prometheus/client.ts';
import { buildObjectQuery, QueryError } from '../rules/naming.ts';
import type { RegisteredMetric } from '../rules/registry.ts';
import { type ApiResource, groupResourceString, NAMESPACES } from '../rules/resources.ts';
import type { CustomMetricsBackend } from './ports.ts';
import { selectorParam } from './query-params.ts';
import { ApiError } from './status.ts';
import { storeWarnings } from './store-warnings.ts';

export interface CustomMetricRequest {
  version: CustomVersion;
  /** Kept as written in the URL, for messages. */
  resourceText: string;
  namespace: string | undefined;
  /** `*` selects every object that matches labelSelector. */
  name: string;
  metric: string;
  labelSelector: Requirement[];
  metricSelector: Requirement[];
}

interface CustomMetricsAnswer {
  body: MetricValueList;
  /** Human-readable notes for the `Warning` header (skipped NaN values and the like). */
  warnings: string[];
}

/** Parses the part of the path after `/apis/custom.metrics.k8s.io/VERSION/`; undefined if it is no metric path. */
export function parseCustomMetricPath(
  version: CustomVersion,
  segments: readonly string[],
  query: URLSearchParams,
): CustomMetricRequest | undefined {
  const selectors = () => ({
    labelSelector: selectorParam(query, 'labelSelector'),
    metricSelector: selectorParam(query, 'metricLabelSelector'),
  });
  const [a, b, c, d, e, ...extra] = segments;
  if (extra.length || !a) return undefined;
  if (a === 'namespaces' && b && c === 'metrics' && d && e === undefined) {
    return { version, resourceText: 'namespaces', namespace: undefined, name: b, metric: d, ...selectors() };
  }
  if (a === 'namespaces' && b && c && d && e) {
    return { version, resourceText: c, namespace: b, name: d, metric: e, ...selectors() };
  }
  if (b && c && d === undefined) {
    return { version, resourceText: a, namespace: undefined, name: b, metric: c, ...selectors() };
  }
  return undefined;
}

export async function getCustomMetric(
  req: CustomMetricRequest,
  backend: CustomMetricsBackend,
): Promise<CustomMetricsAnswer> {
  const { resource, entry } = findCustomMetric(req, backend);
  const names = await selectObjects(req, resource, backend);
  const expr = customMetricQuery(req, resource, entry, names);
  const samples = await backend.query(expr, backend.now(), entry.rule.rule.backend);
  return answer(req, resource, entry, names, samples, expr);
}

/** The resource a request names and the rule that serves its metric there; 404 naming what is missing. */
export function findCustomMetric(
  req: Pick<CustomMetricRequest, 'resourceText' | 'namespace' | 'name' | 'metric'>,
  backend: Pick<CustomMetricsBackend, 'mapper' | 'registry'>,
): { resource: ApiResource; entry: RegisteredMetric } {
  const mapper = backend.mapper();
  const resource = mapper.parse(req.resourceText);
  if (!resource) {
    throw new ApiError(
      404,
      `the cluster serves no resource "${req.resourceText}"; use the plural name, with its group if any (pods, services, deployments.apps)`,
    );
  }
  if (req.namespace !== undefined && !resource.namespaced) {
    throw new ApiError(
      404,
      `${groupResourceString(resource)} are cluster-scoped; ask for /${req.resourceText}/${req.name}/${req.metric} without a namespace`,
    );
  }
  const namespaced = req.namespace !== undefined;
  const registry = backend.registry();
  const entry = registry.find(resource, namespaced, req.metric);
  if (!entry) {
    // Served with the other scope: say so, rather than "served for pods, not for pods".
    if (registry.find(resource, !namespaced, req.metric)) {
      const gr = groupResourceString(resource);
      throw new ApiError(
        404,
        namespaced
          ? `${req.metric} for ${gr} is served without a namespace; ask for /${req.resourceText}/${req.name}/${req.metric}`
          : `${req.metric} for ${gr} is served per namespace; ask for /namespaces/NAMESPACE/${req.resourceText}/${req.name}/${req.metric}`,
      );
    }
    throw new ApiError(404, registry.explainMissing(resource, req.metric));
  }
  return { resource, entry };
}

/** The rule's PromQL for the objects (`any`: every one of the resource in the namespace); 400 if it cannot be built. */
export function customMetricQuery(
  req: Pick<CustomMetricRequest, 'namespace' | 'metricSelector'>,
  resource: ApiResource,
  entry: RegisteredMetric,
  names: readonly string[] | 'any',
): string {
  try {
    return buildObjectQuery(entry.rule, {
      seriesName: entry.seriesName,
      resource,
      namespace:
        resource.group === '' && resource.resource === NAMESPACES.resource ? undefined : req.namespace,
      names,
      metricSelector: req.metricSelector,
    });
  } catch (e) {
    if (e instanceof QueryError) throw new ApiError(400, e.message);
    throw e;
  }
}

async function selectObjects(req: CustomMetricRequest, resource: ApiResource, backend: CustomMetricsBackend) {
  const where = req.namespace ? ` in namespace ${req.namespace}` : '';
  if (req.name === '*') {
    const names = await backend.objects.names(resource, req.namespace, req.labelSelector);
    if (!names.length) {
      const sel = req.labelSelector.length ? ` matching labelSelector ${labelSelectorText(req)}` : '';
      throw new ApiError(
        404,
        `no ${groupResourceString(resource)}${sel}${where}, so there is no ${req.metric} to report`,
      );
    }
    return names;
  }
  if (!(await backend.objects.exists(resource, req.namespace, req.name))) {
    throw new ApiError(404, `${groupResourceString(resource)} "${req.name}" not found${where}`);
  }
  return [req.name];
}

function labelSelectorText(req: CustomMetricRequest): string {
  return req.labelSelector.map((r) => `${r.key} ${r.operator} ${r.values.join(',')}`.trim()).join(', ');
}

function answer(
  req: CustomMetricRequest,
  resource: ApiResource,
  entry: RegisteredMetric,
  names: readonly string[],
  samples: PrometheusAnswer,
  expr: string,
): CustomMetricsAnswer {
  const label = entry.rule.labelFor(resource) as string;
  const byName = new Map<string, PrometheusSample>();
  for (const s of samples) {
    const name = s.labels[label];
    if (name !== undefined && !byName.has(name)) byName.set(name, s);
  }
  const warnings = storeWarnings(samples);
  const items: (MetricValueV1beta2 | MetricValueV1beta1)[] = [];
  const selector = toLabelSelector(req.metricSelector);
  // The selected names come sorted (and distinct) from the watch cache: the items' order.
  for (const name of names) {
    const s = byName.get(name);
    if (!s) continue;
    if (!Number.isFinite(s.value)) {
      warnings.push(`${groupResourceString(resource)}/${name}: ${req.metric} is ${s.value}, left out`);
      continue;
    }
    const described = describedObject(resource, req.namespace, name);
    const value = formatNumberAsQuantity(s.value);
    const timestamp = formatTime(s.timestampMs);
    const window = entry.rule.windowSeconds;
    items.push(
      req.version === 'v1beta2'
        ? {
            describedObject: described,
            metric: { name: req.metric, selector },
            timestamp,
            ...(window ? { windowSeconds: window } : {}),
            value,
          }
        : {
            describedObject: described,
            metricName: req.metric,
            selector,
            timestamp,
            ...(window ? { window } : {}),
            value,
          },
    );
  }
  if (!items.length) {
    const what =
      req.name === '*'
        ? `any of the ${names.length} selected ${groupResourceString(resource)}`
        : `${groupResourceString(resource)} "${req.name}"`;
    const why = warnings.length ? ` (values were not finite: ${warnings.join('; ')})` : '';
    throw new ApiError(404, `Prometheus has no ${req.metric} for ${what}${why}; query: ${expr}`);
  }
  return {
    body: { kind: 'MetricValueList', apiVersion: `${CUSTOM_GROUP}/${req.version}`, metadata: {}, items },
    warnings,
  };
}

/** The object a value is about, as the answer's describedObject names it. */
export function describedObject(
  resource: ApiResource,
  namespace: string | undefined,
  name: string,
): ObjectReference {
  return {
    kind: resource.kind,
    ...(resource.namespaced && namespace ? { namespace } : {}),
    name,
    apiVersion: resource.group ? `${resource.group}/${resource.version}` : resource.version,
  };
}

/** The metric selector echoed back as metav1.LabelSelector, or null when none was given. */
export function toLabelSelector(reqs: readonly Requirement[]): LabelSelector | null {
  if (!reqs.length) return null;
  const out: LabelSelector = {};
  for (const r of reqs) {
    if (r.operator === '=' || r.operator === '==') {
      out.matchLabels = { ...out.matchLabels, [r.key]: r.values[0] as string };
      continue;
    }
    const operator = EXPRESSION_OPERATORS[r.operator];
    if (!operator) continue;
    out.matchExpressions = [...(out.matchExpressions ?? []), { key: r.key, operator, values: [...r.values] }];
  }
  return out;
}

const EXPRESSION_OPERATORS: Partial<Record<Requirement['operator'], string>> = {
  in: 'In',
  '!=': 'NotIn',
  notin: 'NotIn',
  exists: 'Exists',
  '!': 'DoesNotExist',
};
