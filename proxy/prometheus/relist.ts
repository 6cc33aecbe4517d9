// Periodic discovery: each distinct seriesQuery goes to /api/v1/series once per interval, and the
// result becomes a new MetricRegistry (rules) and ExternalMetricRegistry (externalRules). A failed
// relist keeps the previous registries, so metrics never vanish because Prometheus was briefly
// unreachable.
import type { Logger } from '../log.ts';
import { ExternalMetricRegistry } from '../rules/external-registry.ts';
import type { CompiledRule } from '../rules/naming.ts';
import { MetricRegistry, type SeriesShape } from '../rules/registry.ts';
import type { PrometheusBackend } from './failover.ts';

interface RuleSets {
  rules: readonly CompiledRule[];
  externalRules: readonly CompiledRule[];
  /** The backend a rule names ('' for the default). */
  backend(name: string): PrometheusBackend;
}

interface RelistOptions {
  intervalMs: number;
  maxAgeMs: number;
  log: Logger;
  /** Told how long each relist took and whether it succeeded (the proxy's own metrics). */
  observe?: (seconds: number, ok: boolean) => void;
}

export class Relister {
  private registry = new MetricRegistry();
  private externalRegistry = new ExternalMetricRegistry();
  private timer: NodeJS.Timeout | undefined;
  lastSuccessMs = 0;
  lastError: string | undefined;

  private readonly rules: () => RuleSets;
  private readonly opts: RelistOptions;

  constructor(rules: () => RuleSets, opts: RelistOptions) {
    this.rules = rules;
    this.opts = opts;
  }

  current(): MetricRegistry {
    return this.registry;
  }

  external(): ExternalMetricRegistry {
    return this.externalRegistry;
  }

  get synced(): boolean {
    return this.lastSuccessMs > 0;
  }

  async relist(): Promise<void> {
    const source = this.rules();
    const { rules, externalRules } = source;
    const now = Date.now();
    const started = performance.now();
    // One request per (backend, seriesQuery); metricName rules need none.
    const keyOf = (r: CompiledRule) => `${r.rule.backend}\u0000${r.rule.seriesQuery}`;
    const discovering = [...rules, ...externalRules].filter((r) => r.rule.seriesQuery);
    const queries = [...new Map(discovering.map((r) => [keyOf(r), r.rule])).entries()];
    try {
      const results = await Promise.all(
        queries.map(async ([, rule]) => {
          const shapes = new SeriesShapes();
          const backend = source.backend(rule.backend);
          // A relist may take until the next one is due: at a million series Prometheus needs
          // longer than a query's timeout to answer.
          await backend.series(
            rule.seriesQuery,
            now - this.opts.maxAgeMs,
            now,
            (labels) => shapes.add(labels),
            this.opts.intervalMs,
          );
          return shapes.list();
        }),
      );
      const byQuery = new Map(queries.map(([key], i) => [key, results[i] as SeriesShape[]]));
      const seriesOf = (r: CompiledRule) => byQuery.get(keyOf(r)) ?? [];
      this.registry = MetricRegistry.build(rules, rules.map(seriesOf), {
        previous: this.registry,
        nowMs: now,
        retainMs: this.opts.maxAgeMs,
      });
      this.externalRegistry = ExternalMetricRegistry.build(externalRules, externalRules.map(seriesOf), {
        previous: this.externalRegistry,
        nowMs: now,
        retainMs: this.opts.maxAgeMs,
      });
      this.lastSuccessMs = now;
      this.lastError = undefined;
      this.opts.log.debug('relist done', {
        metrics: this.registry.size,
        externalMetrics: this.externalRegistry.size,
        queries: queries.length,
        ms: Math.round(performance.now() - started),
      });
      this.opts.observe?.((performance.now() - started) / 1000, true);
    } catch (e) {
      this.opts.observe?.((performance.now() - started) / 1000, false);
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
class SeriesShapes {
  private readonly seen = new Map<string, SeriesShape>();

  add(series: Record<string, string>): void {
    const name = series.__name__ ?? '';
    const labels = Object.keys(series)
      .filter((k) => k !== '__name__')
      .sort();
    const key = `${name}{${labels.join(',')}}`;
    if (!this.seen.has(key)) this.seen.set(key, { name, labels });
  }

  list(): SeriesShape[] {
    return [...this.seen.values()];
  }
}
