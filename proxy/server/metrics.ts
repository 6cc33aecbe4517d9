// The proxy's own metrics, served at /metrics in Prometheus' text format.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ReloadStatus } from '../config-reload.ts';

export interface ProxyMetrics {
  registry: Registry;
  /** Times one API request; call the result with the answer's code. */
  startRequest(path: string): (code: number) => void;
}

/** The API group a path belongs to, as a bounded label value (never the object or metric names). */
export function groupOf(path: string): string {
  const [root, group] = path.split('/').filter(Boolean);
  if (root === 'apis' && group) return group;
  return root ?? '';
}

export function createProxyMetrics(opts: {
  reloads: () => ReloadStatus;
  metricsListed: () => { custom: number; external: number };
}): ProxyMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'cmetrics_proxy_' });
  const requests = new Histogram({
    name: 'cmetrics_proxy_request_duration_seconds',
    help: 'Time to answer an API request, by API group and status code.',
    labelNames: ['group', 'code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new Counter({
    name: 'cmetrics_proxy_config_reloads_total',
    help: 'Configuration reloads, by result (failure: the running configuration stayed).',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      const s = opts.reloads();
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
      this.set(opts.reloads().lastError ? 0 : 1);
    },
  });
  new Gauge({
    name: 'cmetrics_proxy_metrics_listed',
    help: 'Metrics the last relist found, by API.',
    labelNames: ['api'] as const,
    registers: [registry],
    collect() {
      const m = opts.metricsListed();
      this.set({ api: 'custom' }, m.custom);
      this.set({ api: 'external' }, m.external);
    },
  });
  return {
    registry,
    startRequest: (path) => {
      const end = requests.startTimer({ group: groupOf(path) });
      return (code) => end({ code: String(code) });
    },
  };
}
