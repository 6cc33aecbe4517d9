import { describe, expect, it } from 'vitest';
import { createProxyMetrics } from '../../proxy/metrics.ts';
import { requestAttributes } from '../../proxy/server/request-info.ts';

const known = (group: string, resource: string) =>
  (group === 'metrics.k8s.io' && resource === 'pods') ||
  (group === 'custom.metrics.k8s.io' && resource === 'deployments.apps') ||
  (group === 'external.metrics.k8s.io' && resource === 'queue_depth');

describe('createProxyMetrics', () => {
  const reloads = () => ({ loadedAtMs: 0, lastError: undefined, reloads: 1, failures: 0 });

  it('counts requests, Prometheus requests and errors, relists and cache sizes', async () => {
    const m = createProxyMetrics({
      reloads,
      metricsListed: () => ({ custom: 2, external: 1 }),
      cacheObjects: () =>
        new Map([
          ['pods', 12],
          ['nodes', 2],
        ]),
      knownResource: known,
    });
    const done = m.startRequest(
      requestAttributes('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/ns/pods', new URLSearchParams()),
    );
    expect(await m.registry.getSingleMetricAsString('cmetrics_proxy_requests_in_flight')).toContain(
      'cmetrics_proxy_requests_in_flight 1',
    );
    done(200);
    m.prometheus.observe('query', 0.02);
    m.prometheus.observe('query', 5, 'timeout');
    m.prometheus.observe('series', 0.1, 'bad_response');
    m.relisted(0.3, true);
    m.relisted(1.2, false);
    m.prometheus.kept(3, 0);
    m.prometheus.kept(0, 2000);
    m.prometheus.kept(-1, -500);
    m.prometheus.rangePoints(151);
    m.prometheus.rangePoints(0);
    const text = await m.registry.metrics();
    expect(text).toContain(
      'cmetrics_proxy_requests_total{group="metrics.k8s.io",resource="pods",code="200"} 1',
    );
    expect(text).toContain(
      'cmetrics_proxy_request_duration_seconds_count{group="metrics.k8s.io",resource="pods",code="200"} 1',
    );
    expect(text).toContain('cmetrics_proxy_requests_in_flight 0');
    expect(text).toContain('cmetrics_proxy_prometheus_request_duration_seconds_count{endpoint="query"} 2');
    expect(text).toContain('cmetrics_proxy_prometheus_errors_total{endpoint="query",reason="timeout"} 1');
    expect(text).toContain(
      'cmetrics_proxy_prometheus_errors_total{endpoint="series",reason="bad_response"} 1',
    );
    expect(text).toContain('cmetrics_proxy_relist_duration_seconds_count{result="success"} 1');
    expect(text).toContain('cmetrics_proxy_relist_duration_seconds_count{result="failure"} 1');
    expect(text).toContain('cmetrics_proxy_prometheus_answers_kept 2');
    expect(text).toContain('cmetrics_proxy_prometheus_samples_kept 1500');
    expect(text).toContain('cmetrics_proxy_prometheus_range_points_total 151');
    expect(text).toContain('cmetrics_proxy_cache_objects{resource="pods"} 12');
    expect(text).toContain('cmetrics_proxy_cache_objects{resource="nodes"} 2');
    expect(text).toContain('cmetrics_proxy_config_last_reload_successful 1');
    expect(text).toContain('cmetrics_proxy_metrics_listed{api="external"} 1');
  });
});
