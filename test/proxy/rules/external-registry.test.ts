import { describe, expect, it } from 'vitest';
import { ExternalMetricRegistry } from '../../../proxy/rules/external-registry.ts';
import { buildExternalQuery, type CompiledRule, compileRule } from '../../../proxy/rules/naming.ts';
import type { SeriesShape } from '../../../proxy/rules/registry.ts';
import { mapper, rulesFrom } from './fixtures.ts';

const rules = rulesFrom(
  `externalRules:
- seriesQuery: '{__name__=~"^queue_.*"}'
  seriesFilters: [{isNot: "_created$"}]
  name: {matches: "^queue_(.*)$", as: "jobs_$1"}
  metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>})'
- seriesQuery: '{__name__=~".*_total"}'
  name: {matches: "^(.*)_total$", as: "\${1}_per_second"}
  metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[1m]))'
- seriesQuery: 'queue_depth'
  name: {as: "jobs_depth"}
  metricsQuery: 'max(<<.Series>>{<<.LabelMatchers>>})'
`,
  'externalRules',
).map((r) => compileRule(r, mapper));

const s = (name: string, ...labels: string[]): SeriesShape => ({ name, labels });

const registry = ExternalMetricRegistry.build(rules, [
  [s('queue_depth', 'queue'), s('queue_created', 'queue'), s('queue_depth', 'queue', 'shard')],
  [s('http_requests_total', 'service'), s('queue_depth', 'queue')],
  [s('queue_depth', 'queue')],
]);

describe('ExternalMetricRegistry', () => {
  it('lists the names the rules give the series they keep, sorted and once each', () => {
    expect(registry.names()).toEqual(['http_requests_per_second', 'jobs_depth']);
    expect(registry.size).toBe(2);
  });

  it.each<[string, string, number]>([
    ['http_requests_per_second', 'http_requests_total', 1],
    // Rules 0 and 2 both name queue_depth jobs_depth: the first rule wins.
    ['jobs_depth', 'queue_depth', 0],
  ])('finds %s: series %s, rule %i', (metric, seriesName, rule) => {
    const found = registry.find(metric);
    expect(found?.seriesName).toBe(seriesName);
    expect(found?.rule).toBe(rules[rule]);
  });

  it.each(['jobs_created', 'queue_depth', 'queue_depth_per_second'])('has no %s', (metric) => {
    expect(registry.find(metric)).toBeUndefined();
  });

  it.each<[string, string]>([
    [
      'jobs_dept',
      "no series in Prometheus gives an external metric named jobs_dept (did you mean jobs_depth?); check the externalRules' seriesQuery and name, and that the series exist",
    ],
    [
      'something_else_entirely',
      "no series in Prometheus gives an external metric named something_else_entirely; check the externalRules' seriesQuery and name, and that the series exist",
    ],
  ])('explains a missing %s', (metric, message) => {
    expect(registry.explainMissing(metric)).toBe(message);
  });

  it('is empty before the first relist', () => {
    expect(new ExternalMetricRegistry().names()).toEqual([]);
  });
});

describe('ExternalMetricRegistry: metricName rules (cmetrics extension)', () => {
  const withFixed = rulesFrom(
    `externalRules:
- metricName: queue_depth
  resources: {namespaced: false}
  metricsQuery: 'max(<<.Series>>{<<.LabelMatchers>>})'
- seriesQuery: 'queue_depth'
  name: {as: "queue_depth"}
  metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>})'
`,
    'externalRules',
  ).map((r) => compileRule(r, mapper));
  const fixed = withFixed[0] as CompiledRule;
  const registry = ExternalMetricRegistry.build(withFixed, [[], [s('queue_depth')]]);

  it('serves the metric without any series, with the metric name as the series, ahead of later rules', () => {
    expect(registry.names()).toEqual(['queue_depth']);
    const found = registry.find('queue_depth');
    expect(found?.rule).toBe(fixed);
    expect(found?.seriesName).toBe('queue_depth');
    expect(buildExternalQuery(found?.rule as CompiledRule, 'queue_depth', 'prod', [])).toBe(
      'max(queue_depth{})',
    );
  });

  it('is listed before the first relist finds anything', () => {
    expect(ExternalMetricRegistry.build([fixed], [[]]).names()).toEqual(['queue_depth']);
  });
});

describe('ExternalMetricRegistry across relists (no flicker)', () => {
  const rules = rulesFrom(
    `externalRules:
- seriesQuery: 'queue_depth'
  resources: {namespaced: false}
  metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>})'
`,
    'externalRules',
  ).map((r) => compileRule(r, mapper));
  const first = ExternalMetricRegistry.build(rules, [[s('queue_depth')]], {
    previous: new ExternalMetricRegistry(),
    nowMs: 1_000_000,
    retainMs: 60_000,
  });

  it.each([
    [30_000, ['queue_depth']],
    [60_001, []],
  ])('a metric missing %i ms after it was seen is listed as %j', (laterMs, names) => {
    const next = ExternalMetricRegistry.build(rules, [[]], {
      previous: first,
      nowMs: 1_000_000 + laterMs,
      retainMs: 60_000,
    });
    expect(next.names()).toEqual(names);
  });
});
