// The metrics of the watch caches: how many objects each holds.
import { Gauge, type Registry } from 'prom-client';

/** `cacheObjects`: objects in each watch cache, by resource (`pods`, `deployments.apps`). */
export function registerCacheMetrics(registry: Registry, cacheObjects: () => Map<string, number>): void {
  new Gauge({
    name: 'cmetrics_proxy_cache_objects',
    help: 'Objects held in each watch cache, by resource.',
    labelNames: ['resource'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [resource, count] of cacheObjects()) this.set({ resource }, count);
    },
  });
}
