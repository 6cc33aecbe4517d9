// A metrics backend for the API tests: real rules, registries and resource mapper, with stubbed
// cluster objects and Prometheus answers that record what they were asked.

import type { ExternalMetricsBackend } from '../../../proxy/apis/external-metrics.ts';
import type { LiveAuthorizer } from '../../../proxy/apis/history.ts';
import type { HistoryBackend } from '../../../proxy/apis/history-series.ts';
import type { CustomMetricsBackend } from '../../../proxy/apis/ports.ts';
import type { ResourceMetricsBackend } from '../../../proxy/apis/resource-metrics.ts';
import { ApiError } from '../../../proxy/apis/status.ts';
import type { UpstreamsBackend } from '../../../proxy/apis/upstreams.ts';
import type {
  PrometheusAnswer,
  PrometheusMatrix,
  PrometheusSample,
  PrometheusSeries,
  QueryRange,
} from '../../../proxy/prometheus/client.ts';
import { parseAdapterConfig } from '../../../proxy/rules/config.ts';
import { ExternalMetricRegistry } from '../../../proxy/rules/external-registry.ts';
import { compileRule } from '../../../proxy/rules/naming.ts';
import { MetricRegistry, type SeriesShape } from '../../../proxy/rules/registry.ts';
import { type ApiResource, ResourceMapper } from '../../../proxy/rules/resources.ts';
import type { MetricsUpstream } from '../../../proxy/upstream/client.ts';
import type { Requirement } from '../../../shared/labels.ts';

const resource = (
  group: string,
  version: string,
  plural: string,
  singular: string,
  kind: string,
  namespaced: boolean,
): ApiResource => ({ group, version, resource: plural, singular, kind, namespaced });

export const RESOURCES: ApiResource[] = [
  resource('', 'v1', 'pods', 'pod', 'Pod', true),
  resource('', 'v1', 'services', 'service', 'Service', true),
  resource('', 'v1', 'namespaces', 'namespace', 'Namespace', false),
  resource('', 'v1', 'nodes', 'node', 'Node', false),
  resource('apps', 'v1', 'deployments', 'deployment', 'Deployment', true),
];

export const mapper = new ResourceMapper(RESOURCES);

/** One rule: `*_total` series become `*_per_second`, over a 30s window. */
export const RULE_YAML = `rules:
- seriesQuery: '{__name__=~".*_total"}'
  resources:
    overrides:
      namespace: {resource: namespace}
      pod: {resource: pod}
      service: {resource: service}
      deployment: {group: apps, resource: deployment}
      node: {resource: node}
  name: {matches: "^(.*)_total$", as: "\${1}_per_second"}
  metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[30s])) by (<<.GroupBy>>)'
`;

export const SERIES: SeriesShape[] = [
  // Served for pods, services, deployments.apps (namespaced) and namespaces.
  { name: 'http_requests_total', labels: ['namespace', 'pod', 'service', 'deployment'] },
  // Served for nodes only.
  { name: 'node_interrupts_total', labels: ['node'] },
  // Served for pods, but without a namespace label: cluster-wide only.
  { name: 'standalone_total', labels: ['pod'] },
];

export function buildRegistry(): MetricRegistry {
  const rule = parseAdapterConfig(RULE_YAML, 'test.yaml').rules[0];
  if (!rule) throw new Error('fixture config has no rule');
  return MetricRegistry.build([compileRule(rule, mapper)], [SERIES]);
}

/**
 * Two external rules: `*_total` series as rates within the namespace asked (a 2m window), and
 * `queue_depth` with `namespaced: false`, across namespaces (no range selector, so no window).
 */
export const EXTERNAL_RULE_YAML = `externalRules:
- seriesQuery: '{__name__=~".*_total"}'
  resources:
    overrides:
      namespace: {resource: namespace}
  name: {matches: "^(.*)_total$", as: "\${1}_per_second"}
  metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (queue)'
- seriesQuery: 'queue_depth'
  resources:
    namespaced: false
    overrides:
      namespace: {resource: namespace}
  name: {as: "cluster_queue_depth"}
  metricsQuery: 'max(<<.Series>>{<<.LabelMatchers>>}) by (namespace, queue)'
`;

export const EXTERNAL_SERIES: SeriesShape[][] = [
  [{ name: 'jobs_processed_total', labels: ['namespace', 'queue'] }],
  [{ name: 'queue_depth', labels: ['namespace', 'queue'] }],
];

export function buildExternalRegistry(): ExternalMetricRegistry {
  const rules = parseAdapterConfig(EXTERNAL_RULE_YAML, 'test.yaml').externalRules;
  return ExternalMetricRegistry.build(
    rules.map((r) => compileRule(r, mapper)),
    EXTERNAL_SERIES,
  );
}

export interface NamesCall {
  resource: string;
  namespace: string | undefined;
  selector: readonly Requirement[];
}

export interface StubBackend
  extends CustomMetricsBackend,
    ExternalMetricsBackend,
    UpstreamsBackend,
    ResourceMetricsBackend,
    HistoryBackend {
  /** PromQL the backend was asked, in order. */
  queries: { expr: string; timeMs: number }[];
  /** Range queries the backend was asked, in order. */
  rangeQueries: { expr: string; range: QueryRange; backend: string }[];
  namesCalls: NamesCall[];
  existsCalls: { resource: string; namespace: string | undefined; name: string }[];
}

export interface StubOptions {
  /** Object names that `names` returns (whatever the selector). */
  names?: string[];
  /** Objects that exist, as `namespace/name` or bare `name` for cluster-scoped ones. */
  existing?: string[];
  samples?: PrometheusSample[];
  /** What the store warns of beside the samples (Thanos Query's partial responses). */
  storeWarnings?: string[];
  now?: number;
  upstreams?: MetricsUpstream[];
  /** What a range query answers: by the query's text, or one matrix for every query. */
  matrix?: PrometheusSeries[] | ((expr: string) => PrometheusSeries[]);
}

export const NOW = Date.UTC(2024, 0, 2, 3, 4, 5, 678);

export function stubBackend(opts: StubOptions = {}): StubBackend {
  const registry = buildRegistry();
  const externalRegistry = buildExternalRegistry();
  const queries: StubBackend['queries'] = [];
  const rangeQueries: StubBackend['rangeQueries'] = [];
  const namesCalls: NamesCall[] = [];
  const existsCalls: StubBackend['existsCalls'] = [];
  const existing = new Set(opts.existing ?? []);
  return {
    queries,
    rangeQueries,
    namesCalls,
    existsCalls,
    registry: () => registry,
    externalRegistry: () => externalRegistry,
    mapper: () => mapper,
    objects: {
      names: async (r, namespace, selector) => {
        namesCalls.push({ resource: r.resource, namespace, selector });
        return [...(opts.names ?? [])];
      },
      exists: async (r, namespace, name) => {
        existsCalls.push({ resource: r.resource, namespace, name });
        return existing.has(namespace ? `${namespace}/${name}` : name);
      },
      // Custom metrics select by name only.
      list: async () => [],
      get: async () => undefined,
    },
    query: async (expr, timeMs) => {
      queries.push({ expr, timeMs });
      const answer: PrometheusAnswer = [...(opts.samples ?? [])];
      if (opts.storeWarnings) answer.warnings = opts.storeWarnings;
      return answer;
    },
    queryRange: async (expr, range, backend) => {
      rangeQueries.push({ expr, range, backend });
      const matrix: PrometheusMatrix =
        typeof opts.matrix === 'function' ? opts.matrix(expr) : [...(opts.matrix ?? [])];
      if (opts.storeWarnings) matrix.warnings = opts.storeWarnings;
      return matrix;
    },
    historyLimits: { maxPoints: 11_000, maxRangeMs: 7 * 86_400_000 },
    now: () => opts.now ?? NOW,
    upstreams: () => opts.upstreams ?? [],
    // No resourceRules: metrics.k8s.io answers 404 before reading a snapshot.
    resourceSnapshot: () => ({ unavailable: 'no resourceRules' }),
  };
}

/** A Prometheus sample with the given labels, value and evaluation time. */
export function sample(labels: Record<string, string>, value: number, timestampMs = NOW): PrometheusSample {
  return { labels, value, timestampMs };
}

/** The live authorizer of a caller allowed everything. */
export const allowLive: LiveAuthorizer = async () => {};

/** The ApiError a call (or a promise) rejects with; fails the test if it answers or throws something else. */
export async function apiErrorOf(run: (() => unknown) | Promise<unknown>): Promise<ApiError> {
  try {
    await (typeof run === 'function' ? run() : run);
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError, got an answer');
}
