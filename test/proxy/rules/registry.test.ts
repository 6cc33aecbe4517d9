import { describe, expect, it } from 'vitest';
import { buildObjectQuery, compileRule } from '../../../proxy/rules/naming.ts';
import { type MetricInfo, MetricRegistry, type SeriesShape } from '../../../proxy/rules/registry.ts';
import type { GroupResource } from '../../../proxy/rules/resources.ts';
import { parseSelector } from '../../../shared/labels.ts';
import { adapterDefaultConfig, gr, mapper, rulesFrom } from './fixtures.ts';

// Ported from kubernetes-sigs/prometheus-adapter pkg/custom-provider/series_registry_test.go,
// provider_test.go and (its unrelated-series part) the older metric_namer_test.go. The adapter's
// RESTMapper served Ingress and Deployment from extensions/v1beta1; the fixture cluster serves them
// from networking.k8s.io and apps, so those expectations name today's groups.

const registryFor = (prefix: string, seriesByRule: SeriesShape[][]) => {
  const rules = rulesFrom(adapterDefaultConfig(prefix)).map((r) => compileRule(r, mapper));
  return MetricRegistry.build(rules, seriesByRule);
};

const s = (name: string, ...labels: string[]): SeriesShape => ({ name, labels });

// series_registry_test.go seriesRegistryTestSeries: what each DefaultConfig("kube_") rule's
// seriesQuery returned.
const seriesRegistryTestSeries: SeriesShape[][] = [
  // container series
  [s('container_some_time_seconds_total', 'pod', 'namespace', 'container')],
  [s('container_some_count_total', 'pod', 'namespace', 'container')],
  [s('container_some_usage', 'pod', 'namespace', 'container')],
  // gauge metrics
  [s('node_gigawatts', 'kube_node'), s('service_proxy_packets', 'kube_service', 'kube_namespace')],
  // cumulative --> rate metrics
  [
    s('ingress_hits_total', 'kube_ingress', 'kube_service', 'kube_pod', 'kube_namespace'),
    s('ingress_hits_total', 'kube_ingress', 'kube_service', 'kube_pod', 'kube_namespace'),
    s('volume_claims_total', 'kube_persistentvolume'),
  ],
  // cumulative seconds --> rate metrics
  [
    s('work_queue_wait_seconds_total', 'kube_deployment', 'kube_namespace'),
    s('node_fan_seconds_total', 'kube_node'),
  ],
];

const infoKey = (i: MetricInfo) =>
  `${i.resource.group ? `${i.resource.resource}.${i.resource.group}` : i.resource.resource} ${i.namespaced} ${i.metric}`;
const info = (resource: string, namespaced: boolean, metric: string): MetricInfo => ({
  resource: gr(resource),
  namespaced,
  metric,
});

describe('MetricRegistry: adapter series_registry_test.go ("with the default configuration rules")', () => {
  const registry = registryFor('kube_', seriesRegistryTestSeries);

  // [adapter title, resource as the adapter's test names it, namespaced, metric, namespace, names,
  //  metric selector, expected query]
  it.each<[string, string, boolean, string, string | undefined, string[], string, string]>([
    [
      'container metrics gauge / multiple resource names',
      'pods',
      true,
      'some_usage',
      'somens',
      ['somepod1', 'somepod2'],
      '',
      'sum(container_some_usage{namespace="somens",pod=~"somepod1|somepod2",container!="POD"}) by (pod)',
    ],
    [
      'container metrics counter',
      'pods',
      true,
      'some_count',
      'somens',
      ['somepod1', 'somepod2'],
      '',
      'sum(rate(container_some_count_total{namespace="somens",pod=~"somepod1|somepod2",container!="POD"}[1m])) by (pod)',
    ],
    [
      'container metrics seconds counter',
      'pods',
      true,
      'some_time',
      'somens',
      ['somepod1', 'somepod2'],
      '',
      'sum(rate(container_some_time_seconds_total{namespace="somens",pod=~"somepod1|somepod2",container!="POD"}[1m])) by (pod)',
    ],
    [
      'namespaced metrics counter / multidimensional (service)',
      'service',
      true,
      'ingress_hits',
      'somens',
      ['somesvc'],
      '',
      'sum(rate(ingress_hits_total{kube_namespace="somens",kube_service="somesvc"}[1m])) by (kube_service)',
    ],
    // Adapter: {param1="value1",kube_namespace="somens",kube_service="somesvc"}; our selector
    // matchers come last (matcher order does not change what PromQL selects).
    [
      'namespaced metrics counter / multidimensional (service) / selection using labels',
      'service',
      true,
      'ingress_hits',
      'somens',
      ['somesvc'],
      'param1=value1',
      'sum(rate(ingress_hits_total{kube_namespace="somens",kube_service="somesvc",param1="value1"}[1m])) by (kube_service)',
    ],
    [
      'namespaced metrics counter / multidimensional (ingress)',
      'ingress.networking.k8s.io',
      true,
      'ingress_hits',
      'somens',
      ['someingress'],
      '',
      'sum(rate(ingress_hits_total{kube_namespace="somens",kube_ingress="someingress"}[1m])) by (kube_ingress)',
    ],
    [
      'namespaced metrics counter / multidimensional (pod)',
      'pod',
      true,
      'ingress_hits',
      'somens',
      ['somepod'],
      '',
      'sum(rate(ingress_hits_total{kube_namespace="somens",kube_pod="somepod"}[1m])) by (kube_pod)',
    ],
    [
      'namespaced metrics gauge',
      'service',
      true,
      'service_proxy_packets',
      'somens',
      ['somesvc'],
      '',
      'sum(service_proxy_packets{kube_namespace="somens",kube_service="somesvc"}) by (kube_service)',
    ],
    [
      'namespaced metrics seconds counter',
      'deployment.apps',
      true,
      'work_queue_wait',
      'somens',
      ['somedep'],
      '',
      'sum(rate(work_queue_wait_seconds_total{kube_namespace="somens",kube_deployment="somedep"}[1m])) by (kube_deployment)',
    ],
    [
      'root scoped metrics gauge',
      'node',
      false,
      'node_gigawatts',
      undefined,
      ['somenode'],
      '',
      'sum(node_gigawatts{kube_node="somenode"}) by (kube_node)',
    ],
    [
      'root scoped metrics counter',
      'persistentvolume',
      false,
      'volume_claims',
      undefined,
      ['somepv'],
      '',
      'sum(rate(volume_claims_total{kube_persistentvolume="somepv"}[1m])) by (kube_persistentvolume)',
    ],
    [
      'root scoped metrics seconds counter',
      'node',
      false,
      'node_fan',
      undefined,
      ['somenode'],
      '',
      'sum(rate(node_fan_seconds_total{kube_node="somenode"}[1m])) by (kube_node)',
    ],
  ])(
    'should build a query for %s',
    (_title, resourceName, namespaced, metric, namespace, names, selector, query) => {
      // The adapter's QueryForMetric normalises "service" / "ingress" through the RESTMapper first.
      const resource = gr(resourceName);
      const entry = registry.find(resource, namespaced, metric);
      expect(entry, `metric ${metric} should be available`).toBeDefined();
      if (!entry) return;
      expect(
        buildObjectQuery(entry.rule, {
          seriesName: entry.seriesName,
          resource,
          namespace,
          names,
          metricSelector: parseSelector(selector),
        }),
      ).toBe(query);
    },
  );

  it('should list all metrics', () => {
    const want = [
      info('pods', true, 'some_count'),
      info('namespaces', false, 'some_count'),
      info('pods', true, 'some_time'),
      info('namespaces', false, 'some_time'),
      info('pods', true, 'some_usage'),
      info('namespaces', false, 'some_usage'),
      info('services', true, 'ingress_hits'),
      info('ingresses.networking.k8s.io', true, 'ingress_hits'),
      info('pods', true, 'ingress_hits'),
      info('namespaces', false, 'ingress_hits'),
      info('services', true, 'service_proxy_packets'),
      info('namespaces', false, 'service_proxy_packets'),
      info('deployments.apps', true, 'work_queue_wait'),
      info('namespaces', false, 'work_queue_wait'),
      info('nodes', false, 'node_gigawatts'),
      info('persistentvolumes', false, 'volume_claims'),
      info('nodes', false, 'node_fan'),
    ];
    expect(registry.list().map(infoKey).sort()).toEqual(want.map(infoKey).sort());
    expect(registry.size).toBe(want.length);
  });

  it('lists metrics sorted by resource, then metric', () => {
    expect(registry.list().slice(0, 3).map(infoKey)).toEqual([
      'deployments.apps true work_queue_wait',
      'ingresses.networking.k8s.io true ingress_hits',
      'namespaces false ingress_hits',
    ]);
  });

  it.each<[string, GroupResource, boolean, string]>([
    ['namespaced flag must match (pods are namespaced)', gr('pods'), false, 'some_usage'],
    ['namespaces are never namespaced', gr('namespaces'), true, 'some_usage'],
    ['nodes are never namespaced', gr('nodes'), true, 'node_fan'],
    ['the series name is not the metric name', gr('pods'), true, 'container_some_usage'],
    ['a resource the series has no label for', gr('deployments.apps'), true, 'ingress_hits'],
  ])('find gives nothing: %s', (_name, resource, namespaced, metric) => {
    expect(registry.find(resource, namespaced, metric)).toBeUndefined();
  });
});

describe('MetricRegistry: adapter provider_test.go ("should be able to list all metrics")', () => {
  // DefaultConfig(1m, "") with the provider test's fake Prometheus: the container rules all see the
  // container series, the three others the namespaced ones.
  const container = [s('container_some_usage', 'pod', 'namespace', 'container')];
  const namespaced = [
    s('ingress_hits_total', 'ingress', 'service', 'pod', 'namespace'),
    s('ingress_hits_total', 'ingress', 'service', 'pod', 'namespace'),
    s('service_proxy_packets', 'service', 'namespace'),
    s('work_queue_wait_seconds_total', 'deployment', 'namespace'),
  ];
  const registry = registryFor('', [container, container, container, namespaced, namespaced, namespaced]);

  it('lists every metric once', () => {
    expect(registry.list().map(infoKey).sort()).toEqual(
      [
        info('services', true, 'ingress_hits'),
        info('ingresses.networking.k8s.io', true, 'ingress_hits'),
        info('pods', true, 'ingress_hits'),
        info('namespaces', false, 'ingress_hits'),
        info('services', true, 'service_proxy_packets'),
        info('namespaces', false, 'service_proxy_packets'),
        info('deployments.apps', true, 'work_queue_wait'),
        info('namespaces', false, 'work_queue_wait'),
        info('namespaces', false, 'some_usage'),
        info('pods', true, 'some_usage'),
      ]
        .map(infoKey)
        .sort(),
    );
  });

  it('the namespace-level query groups by namespace', () => {
    const entry = registry.find(gr('namespaces'), false, 'ingress_hits');
    expect(entry?.seriesName).toBe('ingress_hits_total');
    if (!entry) return;
    expect(
      buildObjectQuery(entry.rule, {
        seriesName: entry.seriesName,
        resource: gr('namespaces'),
        namespace: undefined,
        names: ['somens'],
        metricSelector: [],
      }),
    ).toBe('sum(rate(ingress_hits_total{namespace="somens"}[1m])) by (namespace)');
  });
});

describe('MetricRegistry: unrelated series (adapter custom-provider/metric_namer_test.go)', () => {
  // The older TestSeriesRegistry fed series with no resource labels alongside the others; they must
  // give no metric.
  const unrelated = [
    s('admin_coffee_liters_total', 'admin'),
    s('admin_unread_emails', 'admin'),
    s('admin_reddit_seconds_total', 'kube_admin'),
  ];
  const base = registryFor('kube_', seriesRegistryTestSeries);
  const withUnrelated = registryFor(
    'kube_',
    seriesRegistryTestSeries.map((series, i) => (i >= 3 ? [...series, ...unrelated] : series)),
  );

  it('adds nothing to the list', () => {
    expect(withUnrelated.list()).toEqual(base.list());
  });

  it.each(['admin_coffee_liters', 'admin_unread_emails', 'admin_reddit'])('%s is not served', (metric) => {
    expect(withUnrelated.list().some((m) => m.metric === metric)).toBe(false);
  });
});

describe('MetricRegistry: building', () => {
  const seed = rulesFrom(`rules:
- seriesQuery: 'total_req_num{namespace!="",pod!=""}'
  resources: {overrides: {namespace: {resource: namespace}, pod: {resource: pod}}}
  name: {matches: total_req_num, as: qps}
  metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[30s])) by (<<.GroupBy>>)'
- seriesQuery: '{__name__=~".*_total",namespace!=""}'
  resources: {template: <<.Resource>>}
  name: {matches: ^(.*)_total$, as: qps}
  metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[1m])) by (<<.GroupBy>>)'
`).map((r) => compileRule(r, mapper));

  it('the first rule wins for the same resource and metric', () => {
    const series = s('total_req_num', 'namespace', 'pod');
    const registry = MetricRegistry.build(seed, [[series], [s('qps_total', 'namespace', 'pod', 'service')]]);
    expect(registry.find(gr('pods'), true, 'qps')?.rule).toBe(seed[0]);
    expect(registry.find(gr('pods'), true, 'qps')?.seriesName).toBe('total_req_num');
    // The second rule still adds what the first does not serve.
    expect(registry.find(gr('services'), true, 'qps')?.rule).toBe(seed[1]);
    expect(registry.find(gr('services'), true, 'qps')?.seriesName).toBe('qps_total');
  });

  it('series a rule filters out are skipped', () => {
    const registry = MetricRegistry.build(seed, [[s('req_num', 'namespace', 'pod')], [s('up', 'pod')]]);
    expect(registry.size).toBe(0);
  });

  it('name.matches is unanchored, as in the adapter (Go MatchString)', () => {
    const registry = MetricRegistry.build(seed, [[s('total_req_num_bucket', 'namespace', 'pod')]]);
    expect(registry.find(gr('pods'), true, 'qps')?.seriesName).toBe('total_req_num_bucket');
  });

  it('rules without series give nothing', () => {
    expect(MetricRegistry.build(seed, []).size).toBe(0);
    expect(MetricRegistry.build(seed, [[]]).list()).toEqual([]);
  });

  it('a series without a namespace label is served cluster-wide', () => {
    const registry = MetricRegistry.build(seed, [[s('total_req_num', 'pod')]]);
    expect(registry.list()).toEqual([info('pods', false, 'qps')]);
  });
});

describe('MetricRegistry.explainMissing', () => {
  const registry = registryFor('kube_', seriesRegistryTestSeries);
  const empty = MetricRegistry.build([], []);

  it.each<[string, MetricRegistry, string, string, string]>([
    [
      'the metric exists for other resources',
      registry,
      'deployments.apps',
      'some_usage',
      'metric some_usage is served for namespaces, pods, not for deployments.apps: no rule maps a label of its series to deployments.apps',
    ],
    [
      'the metric exists for one other resource',
      registry,
      'pods',
      'node_fan',
      'metric node_fan is served for nodes, not for pods: no rule maps a label of its series to pods',
    ],
    [
      'a near miss gets a suggestion',
      registry,
      'pods',
      'some_usag',
      "no series in Prometheus gives a metric named some_usag for pods (did you mean some_usage?); check the rules' seriesQuery and name, and that the series exist",
    ],
    [
      'the series name instead of the metric name',
      registry,
      'pods',
      'container_some_usage',
      "no series in Prometheus gives a metric named container_some_usage for pods (did you mean some_usage?); check the rules' seriesQuery and name, and that the series exist",
    ],
    [
      'several suggestions, best first',
      registry,
      'pods',
      'node_fa',
      "no series in Prometheus gives a metric named node_fa for pods (did you mean node_fan?); check the rules' seriesQuery and name, and that the series exist",
    ],
    [
      'nothing close',
      registry,
      'pods',
      'qps',
      "no series in Prometheus gives a metric named qps for pods; check the rules' seriesQuery and name, and that the series exist",
    ],
    [
      'an empty registry',
      empty,
      'deployments.apps',
      'qps',
      "no series in Prometheus gives a metric named qps for deployments.apps; check the rules' seriesQuery and name, and that the series exist",
    ],
  ])('%s', (_name, reg, resource, metric, message) => {
    expect(reg.explainMissing(gr(resource), metric)).toBe(message);
  });
});

describe('metrics missing from one relist (adapter #64, #229: no flicker)', () => {
  const rules = rulesFrom(`rules:
- seriesQuery: 'total_req_num'
  resources: {overrides: {namespace: {resource: namespace}, pod: {resource: pod}}}
  name: {matches: total_req_num, as: qps}
  metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[30s])) by (<<.GroupBy>>)'
`).map((r) => compileRule(r, mapper));
  const seen = MetricRegistry.build(rules, [[s('total_req_num', 'namespace', 'pod')]], {
    previous: MetricRegistry.build([], []),
    nowMs: 1_000_000,
    retainMs: 60_000,
  });

  it.each([
    ['half the retention later', 30_000, rules, true],
    ['exactly the retention later', 60_000, rules, true],
    ['past the retention', 60_001, rules, false],
    ['after its rule was reloaded away', 1_000, [], false],
  ])('%s: listed %s', (_when, laterMs, liveRules, listed) => {
    const next = MetricRegistry.build(liveRules, [[]], {
      previous: seen,
      nowMs: 1_000_000 + laterMs,
      retainMs: 60_000,
    });
    expect(next.find(gr('pods'), true, 'qps') !== undefined).toBe(listed);
  });

  it('refreshes the last-seen time when the series is back', () => {
    const again = MetricRegistry.build(rules, [[s('total_req_num', 'namespace', 'pod')]], {
      previous: seen,
      nowMs: 1_050_000,
      retainMs: 60_000,
    });
    expect(again.find(gr('pods'), true, 'qps')?.lastSeenMs).toBe(1_050_000);
    const later = MetricRegistry.build(rules, [[]], { previous: again, nowMs: 1_100_000, retainMs: 60_000 });
    expect(later.find(gr('pods'), true, 'qps')).toBeDefined();
  });
});

describe('metricName rules (cmetrics extension: a raw query, no discovery)', () => {
  const rules = rulesFrom(`rules:
- metricName: queue_length
  resources: {overrides: {namespace: {resource: namespace}, deployment: {group: apps, resource: deployments}}}
  metricsQuery: 'max(queue_length{<<.LabelMatchers>>}) by (<<.GroupBy>>)'
`).map((r) => compileRule(r, mapper));

  it('serves the metric for every resource its overrides name, whatever the series say', () => {
    const registry = MetricRegistry.build(rules, [[]]);
    expect(registry.list()).toEqual([
      { resource: gr('deployments.apps'), namespaced: true, metric: 'queue_length' },
      { resource: gr('namespaces'), namespaced: false, metric: 'queue_length' },
    ]);
    const entry = registry.find(gr('deployments.apps'), true, 'queue_length');
    expect(entry?.seriesName).toBe('queue_length');
    const query = buildObjectQuery(entry?.rule as (typeof rules)[number], {
      seriesName: 'queue_length',
      resource: gr('deployments.apps'),
      namespace: 'shop',
      names: ['checkout'],
      metricSelector: [],
    });
    expect(query).toBe('max(queue_length{namespace="shop",deployment="checkout"}) by (deployment)');
  });

  it('refuses a metricName rule that names no resources', () => {
    expect(() =>
      rulesFrom(`rules:
- metricName: x
  resources: {template: <<.Resource>>}
  metricsQuery: x
`).map((r) => compileRule(r, mapper)),
    ).toThrow('a metricName rule names its resources with resources.overrides');
  });
});
