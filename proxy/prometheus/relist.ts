// Periodic discovery: each distinct seriesQuery goes to /api/v1/series once per interval, and the
// result becomes a new MetricRegistry. A failed relist keeps the previous registry, so metrics
// never vanish because Prometheus was briefly unreachable.
import type { Logger } from '../log.ts';
import type { CompiledRule } from '../rules/naming.ts';
import { MetricRegistry, type SeriesShape } from '../rules/registry.ts';
import type { PrometheusClient } from './client.ts';

export class Relister {
  private registry = new MetricRegistry();
  private timer: NodeJS.Timeout | undefined;
  lastSuccessMs = 0;
  lastError: string | undefined;

  private readonly prometheus: PrometheusClient;
  private readonly rules: () => readonly CompiledRule[];
  private readonly opts: { intervalMs: number; maxAgeMs: number; log: Logger };

  constructor(
    prometheus: PrometheusClient,
    rules: () => readonly CompiledRule[],
    opts: { intervalMs: number; maxAgeMs: number; log: Logger },
  ) {
    this.prometheus = prometheus;
    this.rules = rules;
    this.opts = opts;
  }

  current(): MetricRegistry {
    return this.registry;
  }

  get synced(): boolean {
    return this.lastSuccessMs > 0;
  }

  async relist(): Promise<void> {
    const rules = this.rules();
    const now = Date.now();
    const started = performance.now();
    const queries = [...new Set(rules.map((r) => r.rule.seriesQuery))];
    try {
      const results = await Promise.all(
        queries.map(async (q) => shapes(await this.prometheus.series(q, now - this.opts.maxAgeMs, now))),
      );
      const byQuery = new Map(queries.map((q, i) => [q, results[i] as SeriesShape[]]));
      this.registry = MetricRegistry.build(
        rules,
        rules.map((r) => byQuery.get(r.rule.seriesQuery) ?? []),
      );
      this.lastSuccessMs = now;
      this.lastError = undefined;
      this.opts.log.debug('relist done', {
        metrics: this.registry.size,
        queries: queries.length,
        ms: Math.round(performance.now() - started),
      });
    } catch (e) {
      this.lastError = (e as Error).message;
      this.opts.log.warn('relist failed; keeping the previous metric list', { error: this.lastError });
    }
  }

  start(): void {
    this.timer = setInterval(() => void this.relist(), this.opts.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Distinct (name, label names) pairs: all that naming needs, without label values. */
function shapes(series: Record<string, string>[]): SeriesShape[] {
  const seen = new Map<string, SeriesShape>();
  for (const s of series) {
    const name = s.__name__ ?? '';
    const labels = Object.keys(s)
      .filter((k) => k !== '__name__')
      .sort();
    const key = `${name}{${labels.join(',')}}`;
    if (!seen.has(key)) seen.set(key, { name, labels });
  }
  return [...seen.values()];
}
