// The Grafana dashboard asks only for what the proxy exports: every metric name in its PromQL is in
// the registry createProxyMetrics builds, every `by (...)` label is one those metrics (or the
// scrape) carry, and the families the dashboard is for are all on it.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Histogram } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createProxyMetrics } from '../../proxy/metrics.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}
interface Dashboard {
  panels: Panel[];
  templating: { list: { type: string; query: string | { query: string } }[] };
}
const dashboard = JSON.parse(
  readFileSync(join(root, 'deploy', 'grafana', 'cmetrics-proxy-dashboard.json'), 'utf8'),
) as Dashboard;

/** Exported series names, with the labels each carries (histograms as their _bucket, _sum, _count). */
function exported(): Map<string, Set<string>> {
  const { registry } = createProxyMetrics({
    reloads: () => ({ loadedAtMs: 0, lastError: undefined, reloads: 0, failures: 0 }),
    metricsListed: () => ({ custom: 0, external: 0 }),
  });
  const out = new Map<string, Set<string>>();
  for (const m of registry.getMetricsAsArray()) {
    const { name } = m;
    // prom-client keeps a metric's label names on the instance; the public typings leave them out.
    const labels = new Set((m as unknown as { labelNames?: string[] }).labelNames ?? []);
    if (m instanceof Histogram) {
      out.set(`${name}_bucket`, new Set([...labels, 'le']));
      out.set(`${name}_sum`, labels);
      out.set(`${name}_count`, labels);
    } else {
      out.set(name, labels);
    }
  }
  return out;
}

/** Labels every scraped series has from the ServiceMonitor's target (kube-prometheus' relabelling). */
const TARGET_LABELS = ['job', 'instance', 'namespace', 'pod', 'service', 'container', 'endpoint'];

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring']);

/** Metric names in a PromQL expression: identifiers that are not functions, keywords, labels or strings. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ');
  const names = [...bare.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)(\s*\()?/g)]
    .filter((m) => !m[2] && !KEYWORDS.has(m[1] as string))
    .map((m) => m[1] as string);
  return [...new Set(names)];
}

function groupingLabels(expr: string): string[] {
  return [...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) =>
    (m[1] as string)
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean),
  );
}

const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');
const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
// Template variables: label_values(SELECTOR, LABEL) names a metric in SELECTOR.
const variableSelectors = dashboard.templating.list
  .filter((v) => v.type === 'query')
  .map((v) => (typeof v.query === 'string' ? v.query : v.query.query))
  .map((q) => /^label_values\((.*),\s*\w+\)$/.exec(q)?.[1] ?? q);

describe('metricNames', () => {
  it.each([
    ['sum by (group, code) (rate(a_total{job=~"$job",code=~"5.."}[$__rate_interval]))', ['a_total']],
    ['histogram_quantile(0.99, sum by (le) (rate(b_bucket[5m]))) / on(pod) c', ['b_bucket', 'c']],
    ['x{le="0.5"} and bool y offset 5m', ['x', 'y']],
    ['1e3 * max(z)', ['z']],
  ])('%s', (expr, want) => {
    expect(metricNames(expr)).toEqual(want);
  });
});

describe('Grafana dashboard', () => {
  const metrics = exported();

  it('reads the label names of the registry (the check below depends on it)', () => {
    expect(metrics.get('cmetrics_proxy_request_duration_seconds_bucket')).toContain('group');
    expect(metrics.get('cmetrics_proxy_request_duration_seconds_bucket')).toContain('le');
  });

  it('has a query on every panel', () => {
    expect(panels.length).toBeGreaterThan(10);
    for (const p of panels) expect(p.targets?.length, p.title).toBeGreaterThan(0);
  });

  it('queries only metric names the proxy exports', () => {
    const used = [...exprs.map((e) => e.expr), ...variableSelectors].flatMap(metricNames);
    expect(used.length).toBeGreaterThan(exprs.length);
    expect(used.filter((name) => !metrics.has(name))).toEqual([]);
  });

  it('groups only by labels the queried metrics or their scrape carry', () => {
    for (const { panel, expr } of exprs) {
      const known = new Set([
        ...TARGET_LABELS,
        ...metricNames(expr).flatMap((n) => [...(metrics.get(n) ?? [])]),
      ]);
      expect(
        groupingLabels(expr).filter((l) => !known.has(l)),
        `${panel}: ${expr}`,
      ).toEqual([]);
    }
  });

  it.each([
    ['API requests by group and code', 'cmetrics_proxy_requests_total'],
    ['API request latency', 'cmetrics_proxy_request_duration_seconds_bucket'],
    ['Prometheus query latency', 'cmetrics_proxy_prometheus_request_duration_seconds_bucket'],
    ['Prometheus errors', 'cmetrics_proxy_prometheus_errors_total'],
    ['metrics listed', 'cmetrics_proxy_metrics_listed'],
    ['configuration reloads', 'cmetrics_proxy_config_reloads_total'],
    ['relist duration', 'cmetrics_proxy_relist_duration_seconds_count'],
    ['process RSS', 'cmetrics_proxy_process_resident_memory_bytes'],
    ['process CPU', 'cmetrics_proxy_process_cpu_seconds_total'],
  ])('shows %s', (_what, name) => {
    expect(exprs.some((e) => metricNames(e.expr).includes(name))).toBe(true);
  });
});
