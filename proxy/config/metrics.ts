// The metrics of the configuration's live reload: reloads by result, and whether the file on disk is
// the one in force.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ReloadStatus } from './live.ts';

export function registerConfigMetrics(registry: Registry, reloads: () => ReloadStatus): void {
  new Counter({
    name: 'cmetrics_proxy_config_reloads_total',
    help: 'Configuration reloads, by result (failure: the running configuration stayed).',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      const s = reloads();
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
      this.set(reloads().lastError ? 0 : 1);
    },
  });
}
