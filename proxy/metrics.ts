// The proxy's own metrics, served at /metrics in Prometheus' text format: each layer registers its
// own on one registry (as metrics-server's server/config.go Complete() has every package register).

import type { ReloadStatus } from './config/live.ts';
import { registerConfigMetrics } from './config/metrics.ts';
import { registerCacheMetrics } from './kube/metrics.ts';
import {
  type PrometheusMetrics,
  type ResourceStoreState,
  registerPrometheusMetrics,
  type ServerState,
} from './prometheus/metrics.ts';
import { createServerMetrics, LATENCY_BUCKETS, type ServerMetrics } from './server/metrics.ts';
import { registerUpstreamMetrics, type UpstreamObserver } from './upstream/metrics.ts';

interface ProxyMetrics extends ServerMetrics, PrometheusMetrics {
  upstream: UpstreamObserver;
}

/** Read at scrape time, so they may name what is created after the registry. */
interface MetricsSources {
  reloads: () => ReloadStatus;
  metricsListed: () => { custom: number; external: number };
  /** Every server of every Prometheus backend, and whether its last request succeeded. */
  prometheusServers?: () => ServerState[];
  resourceStore?: () => ResourceStoreState | undefined;
  /** Objects in each watch cache, by resource (`pods`, `deployments.apps`). */
  cacheObjects?: () => Map<string, number>;
  /**
   * Whether `resource` of `group` names something served (a cluster resource, an external metric):
   * anything else is counted as `unknown`, so clients cannot make up label values.
   */
  knownResource?: (group: string, resource: string) => boolean;
}

export function createProxyMetrics(sources: MetricsSources): ProxyMetrics {
  const server = createServerMetrics(sources.knownResource);
  // The same buckets as the server's answers, so the two latencies can be read side by side.
  const prometheus = registerPrometheusMetrics(
    server.registry,
    LATENCY_BUCKETS,
    sources.metricsListed,
    sources.prometheusServers ?? (() => []),
    () => sources.resourceStore?.(),
  );
  registerCacheMetrics(server.registry, () => sources.cacheObjects?.() ?? new Map());
  registerConfigMetrics(server.registry, sources.reloads);
  const upstream = registerUpstreamMetrics(server.registry, LATENCY_BUCKETS);
  return { ...server, ...prometheus, upstream };
}
