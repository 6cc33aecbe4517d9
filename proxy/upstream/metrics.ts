// The metrics of the upstream layer: how long each upstream metrics server took to answer, by the
// code it answered (or why it did not), as metrics-server's pkg/storage/monitoring.go keeps the
// storage layer's own metrics.
import { Histogram, type Registry } from 'prom-client';

/** What an upstream client reports about each request it sends. */
export interface UpstreamObserver {
  /** `code`: the HTTP status, or `timeout`, `unreachable`. */
  observe(upstream: string, seconds: number, code: string): void;
}

export function registerUpstreamMetrics(registry: Registry, latencyBuckets: number[]): UpstreamObserver {
  const latency = new Histogram({
    name: 'cmetrics_proxy_upstream_request_duration_seconds',
    help: 'Time an upstream metrics server took to answer a forwarded request or a discovery, by upstream and code (HTTP status, timeout, unreachable).',
    labelNames: ['upstream', 'code'] as const,
    buckets: latencyBuckets,
    registers: [registry],
  });
  return { observe: (upstream, seconds, code) => latency.observe({ upstream, code }, seconds) };
}
