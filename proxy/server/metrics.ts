// The proxy's own metrics, served at /metrics in Prometheus' text format. Every label value is from
// a bounded set: API groups, resources the cluster or the configuration knows, endpoints, reasons.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { CUSTOM_GROUP, EXTERNAL_GROUP, RESOURCE_GROUP } from '../../shared/api-types.ts';
import type { ReloadStatus } from '../config/live.ts';
import type { RequestAttributes } from './request-info.ts';

/** What a Prometheus client reports about each request it sends. */
export interface PrometheusObserver {
  /** `endpoint`: query, series or ready; `error`: why it failed (a short reason), if it did. */
  observe(endpoint: string, seconds: number, error?: string): void;
}

export interface ProxyMetrics {
  registry: Registry;
  /** Times one API request; call the result with the answer's code. */
  startRequest(attributes: RequestAttributes): (code: number) => void;
  prometheus: PrometheusObserver;
  relisted(seconds: number, ok: boolean): void;
}

export interface MetricsSources {
  reloads: () => ReloadStatus;
  metricsListed: () => { custom: number; external: number };
  /** Objects in each watch cache, by resource (`pods`, `deployments.apps`). */
  cacheObjects?: () => Map<string, number>;
  /**
   * Whether `resource` of `group` names something served (a cluster resource, an external metric):
   * anything else is counted as `unknown`, so clients cannot make up label values.
   */
  knownResource?: (group: string, resource: string) => boolean;
}

/** The API group and resource a request is counted under. */
export function requestLabels(
  a: RequestAttributes,
  knownResource: (group: string, resource: string) => boolean,
): { group: string; resource: string } {
  if (a.kind === 'nonResource') {
    const [root, group] = a.path.split('/').filter(Boolean);
    // Discovery (/apis/GROUP[/VERSION]) is counted under its group; other paths are not groups.
    return { group: root === 'apis' && group && knownGroup(group) ? group : '', resource: '' };
  }
  if (!knownGroup(a.group)) return { group: 'unknown', resource: 'unknown' };
  return { group: a.group, resource: knownResource(a.group, a.resource) ? a.resource : 'unknown' };
}

const GROUPS = new Set([RESOURCE_GROUP, CUSTOM_GROUP, EXTERNAL_GROUP]);
function knownGroup(group: string): boolean {
  return GROUPS.has(group);
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createProxyMetrics(sources: MetricsSources): ProxyMetrics {
  const registry = new Registry();
  const knownResource = sources.knownResource ?? (() => false);
  collectDefaultMetrics({ register: registry, prefix: 'cmetrics_proxy_' });
  const requests = new Counter({
    name: 'cmetrics_proxy_requests_total',
    help: 'API requests answered, by API group, resource and status code.',
    labelNames: ['group', 'resource', 'code'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'cmetrics_proxy_request_duration_seconds',
    help: 'Time to answer an API request, by API group, resource and status code.',
    labelNames: ['group', 'resource', 'code'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'cmetrics_proxy_requests_in_flight',
    help: 'API requests being answered now.',
    registers: [registry],
  });
  const promLatency = new Histogram({
    name: 'cmetrics_proxy_prometheus_request_duration_seconds',
    help: 'Time Prometheus took to answer, by endpoint (query, series, ready), failed requests included.',
    labelNames: ['endpoint'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const promErrors = new Counter({
    name: 'cmetrics_proxy_prometheus_errors_total',
    help: 'Prometheus requests that failed, by endpoint and reason (unreachable, timeout, bad_response, the errorType Prometheus sent).',
    labelNames: ['endpoint', 'reason'] as const,
    registers: [registry],
  });
  const relists = new Histogram({
    name: 'cmetrics_proxy_relist_duration_seconds',
    help: 'Time a relist (series discovery for every rule) took, by result.',
    labelNames: ['result'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  new Gauge({
    name: 'cmetrics_proxy_cache_objects',
    help: 'Objects held in each watch cache, by resource.',
    labelNames: ['resource'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [resource, count] of sources.cacheObjects?.() ?? []) this.set({ resource }, count);
    },
  });
  new Counter({
    name: 'cmetrics_proxy_config_reloads_total',
    help: 'Configuration reloads, by result (failure: the running configuration stayed).',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      const s = sources.reloads();
      this.reset();
      this.inc({ result: 'success' }, s.reloads);
      this.inc({ result: 'failure' }, s.failures);
    },
  });
  new Gauge({
    name: 'cmetrics_proxy_config_last_reload_successful',
    help: '1 when the configuration file in force is the one on disk, 0 when the last reload was refused.',
    registers: [registry],
    collect() {
      this.set(sources.reloads().lastError ? 0 : 1);
    },
  });
  new Gauge({
    name: 'cmetrics_proxy_metrics_listed',
    help: 'Metrics the last relist found, by API.',
    labelNames: ['api'] as const,
    registers: [registry],
    collect() {
      const m = sources.metricsListed();
      this.set({ api: 'custom' }, m.custom);
      this.set({ api: 'external' }, m.external);
    },
  });
  return {
    registry,
    startRequest: (attributes) => {
      const labels = requestLabels(attributes, knownResource);
      const end = latency.startTimer(labels);
      inFlight.inc();
      return (code) => {
        inFlight.dec();
        end({ code: String(code) });
        requests.inc({ ...labels, code: String(code) });
      };
    },
    prometheus: {
      observe: (endpoint, seconds, error) => {
        promLatency.observe({ endpoint }, seconds);
        if (error) promErrors.inc({ endpoint, reason: error });
      },
    },
    relisted: (seconds, ok) => relists.observe({ result: ok ? 'success' : 'failure' }, seconds),
  };
}
