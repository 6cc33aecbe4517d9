// What the relist found: for each (resource, metric) pair, the series and rule that answer it.
// Only names are kept, never label sets, so memory follows the number of metrics, not of series.
import { closest, compareCodeUnits } from '../../shared/text.ts';
import { type CompiledRule, isClusterScoped } from './naming.ts';
import { type GroupResource, groupResourceString } from './resources.ts';

export interface MetricInfo {
  resource: GroupResource;
  namespaced: boolean;
  metric: string;
}

export interface RegisteredMetric extends MetricInfo {
  seriesName: string;
  rule: CompiledRule;
  /** When a relist last found a series for it (ms since the epoch). */
  lastSeenMs: number;
}

/** One series as the relist sees it: its name and the names of its labels. */
export interface SeriesShape {
  name: string;
  labels: readonly string[];
}

export interface Carry<R> {
  previous: R;
  nowMs: number;
  retainMs: number;
}

/**
 * Keeps entries of the previous relist that this one did not find, until `retainMs` after they were
 * last seen, so a short gap in the data (a restart, a slow scrape) does not make metrics flicker
 * (adapter #64, #229). Entries of rules that are gone (a reloaded config) go with them.
 */
export function carryOver<E extends { rule: CompiledRule; lastSeenMs: number }>(
  next: Map<string, E>,
  previous: ReadonlyMap<string, E>,
  liveRules: readonly CompiledRule[],
  carry: { nowMs: number; retainMs: number },
): void {
  const live = new Set(liveRules);
  for (const [key, old] of previous) {
    if (next.has(key) || !live.has(old.rule)) continue;
    if (carry.nowMs - old.lastSeenMs <= carry.retainMs) next.set(key, old);
  }
}

const keyOf = (resource: GroupResource, namespaced: boolean, metric: string) =>
  `${groupResourceString(resource)}|${namespaced ? 'ns' : 'cluster'}|${metric}`;

export class MetricRegistry {
  readonly entries = new Map<string, RegisteredMetric>();

  /** `seriesByRule[i]` holds the series that rule i's seriesQuery returned; see carryOver. */
  static build(
    rules: readonly CompiledRule[],
    seriesByRule: readonly (readonly SeriesShape[])[],
    carry: Carry<MetricRegistry> | undefined = undefined,
  ): MetricRegistry {
    const registry = new MetricRegistry();
    const lastSeenMs = carry?.nowMs ?? Date.now();
    rules.forEach((rule, i) => {
      // A metricName rule (no discovery) is served for every resource its overrides name.
      const fixed = rule.rule.metricName
        ? [{ name: rule.rule.metricName, labels: Object.keys(rule.rule.resources.overrides) }]
        : [];
      for (const series of [...fixed, ...(seriesByRule[i] ?? [])]) {
        if (!fixed.length && !rule.keepsSeries(series.name)) continue;
        const metric = fixed.length ? series.name : rule.metricName(series.name);
        const { resources, namespaced } = rule.resourcesFor(series.labels);
        for (const resource of resources) {
          const info = { resource, namespaced: namespaced && !isClusterScoped(resource), metric };
          const key = keyOf(info.resource, info.namespaced, metric);
          // First rule wins, so answers do not depend on the order series arrive in.
          if (!registry.entries.has(key))
            registry.entries.set(key, { ...info, seriesName: series.name, rule, lastSeenMs });
        }
      }
    });
    if (carry) carryOver(registry.entries, carry.previous.entries, rules, carry);
    return registry;
  }

  get size(): number {
    return this.entries.size;
  }

  find(resource: GroupResource, namespaced: boolean, metric: string): RegisteredMetric | undefined {
    return this.entries.get(keyOf(resource, namespaced, metric));
  }

  list(): MetricInfo[] {
    return [...this.entries.values()]
      .map(({ resource, namespaced, metric }) => ({ resource, namespaced, metric }))
      .sort(
        (a, b) =>
          compareCodeUnits(groupResourceString(a.resource), groupResourceString(b.resource)) ||
          compareCodeUnits(a.metric, b.metric),
      );
  }

  /** Why `find` came back empty, in words: which part (metric or resource) is unknown. */
  explainMissing(resource: GroupResource, metric: string): string {
    const target = groupResourceString(resource);
    const sameMetric = [...this.entries.values()].filter((e) => e.metric === metric);
    if (sameMetric.length) {
      const served = [...new Set(sameMetric.map((e) => groupResourceString(e.resource)))].sort().join(', ');
      return `metric ${metric} is served for ${served}, not for ${target}: no rule maps a label of its series to ${target}`;
    }
    const names = [...this.entries.values()].map((e) => e.metric);
    const hint = closest(metric, names);
    const suggestion = hint.length ? ` (did you mean ${hint.join(', ')}?)` : '';
    return `no series in Prometheus gives a metric named ${metric} for ${target}${suggestion}; check the rules' seriesQuery and name, and that the series exist`;
  }
}
