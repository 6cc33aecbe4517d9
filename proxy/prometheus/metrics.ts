// The metrics of the Prometheus layer: how long Prometheus took to answer and why it failed, and how
// relists went (as metrics-server's pkg/storage/monitoring.go keeps the storage layer's own metrics).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What a Prometheus client reports about each request it sends. */
export interface PrometheusObserver {
  /** `endpoint`: query, query_range, series or ready; `error`: why it failed (a short reason), if it did. */
  observe(endpoint: string, seconds: number, error?: string): void;
  /** Answers (and the samples of those done) kept for sharing grew or shrank by these counts. */
  kept(answers: number, samples: number): void;
  /** A range query answered this many points, over all its series (the history API's cost). */
  rangePoints(points: number): void;
}

/** Told when a request moved from one server of a backend to the next. */
export interface FailoverObserver {
  failedOver(backend: string, url: string, reason: string): void;
}

/** One server of a backend as /metrics reports it ('' is the default backend, --prometheus-url). */
export interface ServerState {
  backend: string;
  url: string;
  healthy: boolean;
}

export interface PrometheusMetrics {
  prometheus: PrometheusObserver;
  failover: FailoverObserver;
  relisted(seconds: number, ok: boolean): void;
  resourceMetricsEvaluated(seconds: number, ok: boolean): void;
}

/** The resource-metrics store as its metrics read it, at scrape time. */
export interface ResourceStoreState {
  ageSeconds(): number | undefined;
  series(): { kind: string; resource: string; count: number }[];
}

export function registerPrometheusMetrics(
  registry: Registry,
  latencyBuckets: number[],
  metricsListed: () => { custom: number; external: number },
  servers: () => ServerState[],
  resourceStore: () => ResourceStoreState | undefined,
): PrometheusMetrics {
  const promLatency = new Histogram({
    name: 'cmetrics_proxy_prometheus_request_duration_seconds',
    help: 'Time Prometheus took to answer, by endpoint (query, query_range, series, ready), failed requests included.',
    labelNames: ['endpoint'] as const,
    buckets: latencyBuckets,
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
    name: 'cmetrics_proxy_metrics_listed',
    help: 'Metrics the last relist found, by API.',
    labelNames: ['api'] as const,
    registers: [registry],
    collect() {
      const m = metricsListed();
      this.set({ api: 'custom' }, m.custom);
      this.set({ api: 'external' }, m.external);
    },
  });
  new Gauge({
    name: 'cmetrics_proxy_prometheus_server_up',
    help: 'Whether the last request to each server of each backend succeeded (1) or failed (0).',
    labelNames: ['backend', 'url'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of servers()) this.set({ backend: s.backend || 'default', url: s.url }, s.healthy ? 1 : 0);
    },
  });
  const failovers = new Counter({
    name: 'cmetrics_proxy_prometheus_failovers_total',
    help: 'Requests that moved on from a server of a backend to the next, by backend, server and reason.',
    labelNames: ['backend', 'url', 'reason'] as const,
    registers: [registry],
  });
  const answersKept = new Gauge({
    name: 'cmetrics_proxy_prometheus_answers_kept',
    help: 'Query answers of the current evaluation second kept to share among requests, in flight or done.',
    registers: [registry],
  });
  const samplesKept = new Gauge({
    name: 'cmetrics_proxy_prometheus_samples_kept',
    help: 'Samples in the done answers kept to share among requests (bounded per second).',
    registers: [registry],
  });
  const rangePoints = new Counter({
    name: 'cmetrics_proxy_prometheus_range_points_total',
    help: 'Points the range queries (the history API) were answered with, over all their series.',
    registers: [registry],
  });
  const evaluations = new Histogram({
    name: 'cmetrics_proxy_resource_metrics_evaluation_duration_seconds',
    help: 'Time an evaluation of the resourceRules queries (cpu and memory, containers and nodes) took, by result.',
    labelNames: ['result'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  new Gauge({
    name: 'cmetrics_proxy_resource_metrics_age_seconds',
    help: 'Age of the resource-metrics snapshot metrics.k8s.io answers from (since its evaluation time).',
    registers: [registry],
    collect() {
      const age = resourceStore()?.ageSeconds();
      if (age === undefined) this.reset();
      else this.set(age);
    },
  });
  new Gauge({
    name: 'cmetrics_proxy_resource_metrics_series',
    help: 'Series in the resource-metrics snapshot, by kind (containers, nodes) and resource (cpu, memory).',
    labelNames: ['kind', 'resource'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { kind, resource, count } of resourceStore()?.series() ?? [])
        this.set({ kind, resource }, count);
    },
  });
  return {
    failover: {
      failedOver: (backend, url, reason) =>
        failovers.inc({ backend: backend || 'default', url, reason: boundedReason(reason) }),
    },
    resourceMetricsEvaluated: (seconds, ok) =>
      evaluations.observe({ result: ok ? 'success' : 'failure' }, seconds),
    prometheus: {
      observe: (endpoint, seconds, error) => {
        promLatency.observe({ endpoint }, seconds);
        if (error) promErrors.inc({ endpoint, reason: error });
      },
      kept: (answers, samples) => {
        if (answers) answersKept.inc(answers);
        if (samples) samplesKept.inc(samples);
      },
      rangePoints: (points) => rangePoints.inc(points),
    },
    relisted: (seconds, ok) => relists.observe({ result: ok ? 'success' : 'failure' }, seconds),
  };
}

/** Prometheus' errorType as a label value: its own short words, anything else as `other`. */
export function boundedReason(errorType: string): string {
  return /^[a-z_]{1,32}$/.test(errorType) ? errorType : 'other';
}
