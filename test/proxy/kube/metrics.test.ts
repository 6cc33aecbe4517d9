import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerCacheMetrics } from '../../../proxy/kube/metrics.ts';

describe('registerCacheMetrics', () => {
  it('drops a cache that is gone from the gauge', async () => {
    let caches = new Map([['services', 3]]);
    const registry = new Registry();
    registerCacheMetrics(registry, () => caches);
    expect(await registry.getSingleMetricAsString('cmetrics_proxy_cache_objects')).toContain(
      'resource="services"',
    );
    caches = new Map();
    expect(await registry.getSingleMetricAsString('cmetrics_proxy_cache_objects')).not.toContain(
      'resource="services"',
    );
  });
});
