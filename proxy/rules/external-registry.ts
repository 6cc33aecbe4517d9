// What the relist found for the external rules: metric names only. External metrics describe no
// Kubernetes object, so a name is all a request needs to find its series and rule.
import { closest } from '../../shared/text.ts';
import type { CompiledRule } from './naming.ts';
import { type Carry, carryOver, type SeriesShape } from './registry.ts';

export interface ExternalMetric {
  metric: string;
  seriesName: string;
  rule: CompiledRule;
  lastSeenMs: number;
}

export class ExternalMetricRegistry {
  readonly entries = new Map<string, ExternalMetric>();

  /** `seriesByRule[i]` holds the series that rule i's seriesQuery returned; see carryOver. */
  static build(
    rules: readonly CompiledRule[],
    seriesByRule: readonly (readonly SeriesShape[])[],
    carry: Carry<ExternalMetricRegistry> | undefined = undefined,
  ): ExternalMetricRegistry {
    const registry = new ExternalMetricRegistry();
    const lastSeenMs = carry?.nowMs ?? Date.now();
    // First rule wins, so answers do not depend on the order series arrive in.
    const add = (metric: string, seriesName: string, rule: CompiledRule) => {
      if (!registry.entries.has(metric))
        registry.entries.set(metric, { metric, seriesName, rule, lastSeenMs });
    };
    rules.forEach((rule, i) => {
      // A metricName rule (no discovery) always serves its one metric, which is also `.Series`.
      if (rule.rule.metricName) add(rule.rule.metricName, rule.rule.metricName, rule);
      for (const series of seriesByRule[i] ?? []) {
        if (rule.keepsSeries(series.name)) add(rule.metricName(series.name), series.name, rule);
      }
    });
    if (carry) carryOver(registry.entries, carry.previous.entries, rules, carry);
    return registry;
  }

  get size(): number {
    return this.entries.size;
  }

  find(metric: string): ExternalMetric | undefined {
    return this.entries.get(metric);
  }

  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  /** Why `find` came back empty, with the closest names served. */
  explainMissing(metric: string): string {
    const hint = closest(metric, this.entries.keys());
    const suggestion = hint.length ? ` (did you mean ${hint.join(', ')}?)` : '';
    return `no series in Prometheus gives an external metric named ${metric}${suggestion}; check the externalRules' seriesQuery and name, and that the series exist`;
  }
}
