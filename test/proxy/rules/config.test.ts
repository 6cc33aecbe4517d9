// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Go's Regexp.ExpandString spells groups ${1}.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AdapterConfig, ConfigError, parseAdapterConfig } from '../../../proxy/rules/config.ts';
import { buildObjectQuery, compileRule } from '../../../proxy/rules/naming.ts';
import { adapterDefaultConfig, gr, mapper } from './fixtures.ts';

// The adapter has no loader tests of its own (pkg/config/loader.go is yaml.UnmarshalStrict into
// MetricsDiscoveryConfig); these cases pin the same contract: every key the adapter knows is read,
// any other key is an error, and the error says where.

const FIXTURES = join(import.meta.dirname, '../../fixtures');
const load = (yaml: string): AdapterConfig => parseAdapterConfig(yaml, 'test.yaml');

describe('parseAdapterConfig: valid configs', () => {
  it.each<[string, string, Partial<AdapterConfig>]>([
    ['an empty file', '', { rules: [], externalRules: [], resourceRules: undefined }],
    ['only comments', '# nothing yet\n', { rules: [], externalRules: [], resourceRules: undefined }],
    ['empty lists', 'rules: []\nexternalRules: []\n', { rules: [], externalRules: [] }],
    ['null lists', 'rules:\nexternalRules:\n', { rules: [], externalRules: [] }],
  ])('%s', (_name, yaml, want) => {
    expect(load(yaml)).toMatchObject(want);
  });

  it('reads every field of a discovery rule', () => {
    const cfg = load(`rules:
- seriesQuery: 'http_requests_total{namespace!="",pod!=""}'
  seriesFilters:
  - is: ^http_
  - isNot: _bucket$
  resources:
    template: kube_<<.Group>>_<<.Resource>>
    overrides:
      namespace: {resource: namespace}
      ingress: {group: networking.k8s.io, resource: ingresses}
  name:
    matches: ^(.*)_total$
    as: \${1}_per_second
  metricsQuery: sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)
`);
    expect(cfg.rules).toEqual([
      {
        seriesQuery: 'http_requests_total{namespace!="",pod!=""}',
        seriesFilters: [{ is: '^http_' }, { isNot: '_bucket$' }],
        resources: {
          template: 'kube_<<.Group>>_<<.Resource>>',
          overrides: {
            namespace: { group: '', resource: 'namespace' },
            ingress: { group: 'networking.k8s.io', resource: 'ingresses' },
          },
          namespaced: undefined,
        },
        name: { matches: '^(.*)_total$', as: '${1}_per_second' },
        metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)',
        metricName: '',
        backend: '',
        origin: { path: 'rules[0]', line: 2 },
      },
    ]);
  });

  it('fills absent optional fields with empty values', () => {
    expect(load('rules:\n- seriesQuery: up\n  metricsQuery: <<.Series>>\n').rules[0]).toEqual({
      seriesQuery: 'up',
      seriesFilters: [],
      resources: { template: '', overrides: {}, namespaced: undefined },
      name: { matches: '', as: '' },
      metricsQuery: '<<.Series>>',
      metricName: '',
      backend: '',
      origin: { path: 'rules[0]', line: 2 },
    });
  });

  it.each<[string, string, Record<string, unknown>]>([
    // yaml.v2 stores a scalar's text in a string field, whatever it looks like.
    ['a number as a string field', 'seriesQuery: 5', { seriesQuery: '5' }],
    ['a boolean as a string field', 'seriesQuery: true', { seriesQuery: 'true' }],
    ['null name', 'name:', { name: { matches: '', as: '' } }],
    ['null resources', 'resources:', { resources: { template: '', overrides: {}, namespaced: undefined } }],
    [
      'namespaced: false',
      'resources: {namespaced: false}',
      { resources: expect.objectContaining({ namespaced: false }) },
    ],
    [
      'namespaced: true',
      'resources: {namespaced: true}',
      { resources: expect.objectContaining({ namespaced: true }) },
    ],
    [
      'override without group',
      'resources: {overrides: {pod: {resource: pod}}}',
      {
        resources: expect.objectContaining({ overrides: { pod: { group: '', resource: 'pod' } } }),
      },
    ],
  ])('%s', (_name, line, want) => {
    const yaml = `externalRules:\n- metricsQuery: q\n  ${line}\n${line.startsWith('seriesQuery') ? '' : '  seriesQuery: s\n'}`;
    expect(load(yaml).externalRules[0]).toMatchObject(want);
  });

  it('records where each rule stands', () => {
    const cfg = load(`# leading comment
rules:
- seriesQuery: a
  metricsQuery: b

- seriesQuery: c
  metricsQuery: d
externalRules:
  - seriesQuery: e
    metricsQuery: f
`);
    expect(cfg.rules.map((r) => r.origin)).toEqual([
      { path: 'rules[0]', line: 3 },
      { path: 'rules[1]', line: 6 },
    ]);
    expect(cfg.externalRules.map((r) => r.origin)).toEqual([{ path: 'externalRules[0]', line: 9 }]);
  });

  it('reads resourceRules, with the window defaulting to 1m', () => {
    const cfg = load(`resourceRules:
  cpu:
    containerQuery: cq
    nodeQuery: nq
    resources: {overrides: {instance: {resource: node}}}
    containerLabel: container
  memory:
    containerQuery: mcq
    nodeQuery: mnq
`);
    expect(cfg.resourceRules).toEqual({
      cpu: {
        containerQuery: 'cq',
        nodeQuery: 'nq',
        resources: {
          template: '',
          overrides: { instance: { group: '', resource: 'node' } },
          namespaced: undefined,
        },
        containerLabel: 'container',
      },
      memory: {
        containerQuery: 'mcq',
        nodeQuery: 'mnq',
        resources: { template: '', overrides: {}, namespaced: undefined },
        containerLabel: '',
      },
      window: '1m',
      backend: '',
    });
  });

  // cmd/config-gen/utils/default.go DefaultConfig, as config-gen prints it.
  it('reads the adapter DefaultConfig', () => {
    const cfg = load(adapterDefaultConfig('kube_'));
    expect(cfg.rules).toHaveLength(6);
    expect(cfg.rules[3]?.resources.template).toBe('kube_<<.Resource>>');
    expect(cfg.rules[1]?.seriesFilters).toEqual([{ isNot: '^container_.*_seconds_total$' }]);
    expect(cfg.resourceRules?.window).toBe('1m');
    expect(cfg.resourceRules?.cpu.containerLabel).toBe('kube_container');
  });

  it('reads override labels named like Object.prototype keys as labels', () => {
    const cfg = parseAdapterConfig(
      'rules:\n- seriesQuery: a\n  metricsQuery: b\n  resources:\n    overrides:\n      __proto__: {resource: pod}\n      constructor: {resource: namespace}\n',
    );
    expect(Object.entries(cfg.rules[0]?.resources.overrides ?? {})).toEqual([
      ['__proto__', { group: '', resource: 'pod' }],
      ['constructor', { group: '', resource: 'namespace' }],
    ]);
  });
});

describe('parseAdapterConfig: rejected configs', () => {
  it.each<[string, string, string]>([
    // Unknown keys (yaml.UnmarshalStrict rejects them too; ours say which, where, and what is known).
    [
      'unknown top-level key',
      'rules: []\nmetricsRelistInterval: 1m\n',
      'test.yaml:2: top level: unknown key "metricsRelistInterval" (known keys: rules, externalRules, resourceRules, backends, upstreams)',
    ],
    [
      'misspelt rule key',
      'rules:\n- seriesQuery: a\n  metricsQuery: b\n  seriesQeury: c\n',
      'test.yaml:4: rules[0]: unknown key "seriesQeury" (known keys: seriesQuery, seriesFilters, resources, name, metricsQuery, metricName, backend)',
    ],
    [
      'unknown key in the second rule',
      'rules:\n- seriesQuery: a\n  metricsQuery: b\n- seriesQuery: a\n  metricsQuery: b\n  metricQuery: c\n',
      'test.yaml:6: rules[1]: unknown key "metricQuery" (known keys: seriesQuery, seriesFilters, resources, name, metricsQuery, metricName, backend)',
    ],
    [
      'unknown key in resources',
      'rules:\n- seriesQuery: a\n  metricsQuery: b\n  resources:\n    override: {}\n',
      'test.yaml:5: rules[0].resources: unknown key "override" (known keys: template, overrides, namespaced)',
    ],
    [
      'unknown key in an override',
      'rules:\n- seriesQuery: a\n  metricsQuery: b\n  resources:\n    overrides:\n      namespace:\n        resource: namespace\n        grup: x\n',
      'test.yaml:8: rules[0].resources.overrides.namespace: unknown key "grup" (known keys: group, resource)',
    ],
    [
      'unknown key in name',
      'externalRules:\n- seriesQuery: a\n  metricsQuery: b\n  name: {matches: x, to: y}\n',
      'test.yaml:4: externalRules[0].name: unknown key "to" (known keys: matches, as)',
    ],
    [
      'unknown key in a series filter',
      'rules:\n- seriesQuery: a\n  metricsQuery: b\n  seriesFilters:\n  - isnot: x\n',
      'test.yaml:5: rules[0].seriesFilters[0]: unknown key "isnot" (known keys: is, isNot)',
    ],
    [
      'unknown key in resourceRules',
      'resourceRules:\n  cpu: {containerQuery: a, nodeQuery: b}\n  memory: {containerQuery: a, nodeQuery: b}\n  windows: 2m\n',
      'test.yaml:4: resourceRules: unknown key "windows" (known keys: cpu, memory, window, backend)',
    ],
    [
      'unknown key in resourceRules.cpu',
      'resourceRules:\n  cpu:\n    containerQuery: a\n    nodeQuery: b\n    podQuery: c\n',
      'test.yaml:5: resourceRules.cpu: unknown key "podQuery" (known keys: containerQuery, nodeQuery, resources, containerLabel)',
    ],
    // Duplicate keys (yaml.v2: "key already set in map").
    [
      'duplicate key in a rule',
      'rules:\n- seriesQuery: a\n  seriesQuery: b\n  metricsQuery: x\n',
      'test.yaml:3: invalid YAML: Map keys must be unique',
    ],
    [
      'duplicate top-level key',
      'rules: []\nexternalRules: []\nrules: []\n',
      'test.yaml:3: invalid YAML: Map keys must be unique',
    ],
    [
      'duplicate override label',
      'rules:\n- seriesQuery: a\n  metricsQuery: b\n  resources:\n    overrides:\n      pod: {resource: pod}\n      pod: {resource: service}\n',
      'test.yaml:7: invalid YAML: Map keys must be unique',
    ],
    // Wrong types.
    ['rules as a mapping', 'rules:\n  a: b\n', 'test.yaml:2: rules: must be a list'],
    ['externalRules as a string', 'externalRules: none\n', 'test.yaml:1: externalRules: must be a list'],
    [
      'seriesQuery as a list',
      'rules:\n- seriesQuery: [a]\n  metricsQuery: b\n',
      'test.yaml:2: rules[0].seriesQuery: must be a string',
    ],
    [
      'metricsQuery as a mapping',
      'rules:\n- seriesQuery: a\n  metricsQuery: {sum: x}\n',
      'test.yaml:3: rules[0].metricsQuery: must be a string',
    ],
    [
      'namespaced as a quoted string',
      'rules:\n- seriesQuery: a\n  metricsQuery: b\n  resources:\n    namespaced: "false"\n',
      'test.yaml:5: rules[0].resources.namespaced: must be true or false',
    ],
    [
      'overrides as a list',
      'rules:\n- seriesQuery: a\n  metricsQuery: b\n  resources:\n    overrides: [pod]\n',
      'test.yaml:5: rules[0].resources.overrides: must be a mapping',
    ],
    [
      'an override as a string',
      'rules:\n- seriesQuery: a\n  metricsQuery: b\n  resources:\n    overrides: {pod: pods}\n',
      'test.yaml:5: rules[0].resources.overrides.pod: must be a mapping',
    ],
    [
      'seriesFilters as a mapping',
      'rules:\n- seriesQuery: a\n  metricsQuery: b\n  seriesFilters: {is: x}\n',
      'test.yaml:4: rules[0].seriesFilters: must be a list',
    ],
    [
      'name as a string',
      'rules:\n- seriesQuery: a\n  metricsQuery: b\n  name: qps\n',
      'test.yaml:4: rules[0].name: must be a mapping',
    ],
    ['a rule as a string', 'rules:\n- up\n', 'test.yaml:2: rules[0]: must be a mapping'],
    ['the document as a list', '- rules\n', 'test.yaml:1: must be a mapping'],
    ['the document as a scalar', 'rules\n', 'test.yaml:1: must be a mapping'],
    // Series filters need exactly one of is / isNot (adapter NewReMatcher says the same).
    [
      'series filter with is and isNot',
      'rules:\n- seriesQuery: a\n  metricsQuery: b\n  seriesFilters:\n  - is: x\n    isNot: y\n',
      'test.yaml:5: rules[0].seriesFilters[0]: give exactly one of is or isNot',
    ],
    [
      'series filter with neither',
      'rules:\n- seriesQuery: a\n  metricsQuery: b\n  seriesFilters:\n  - is: x\n  - {}\n',
      'test.yaml:6: rules[0].seriesFilters[1]: give exactly one of is or isNot',
    ],
    // Required fields.
    [
      'rule without seriesQuery',
      'rules:\n- metricsQuery: b\n',
      'test.yaml:2: rules[0]: give seriesQuery (discover metrics from series) or metricName (one fixed metric), not both',
    ],
    [
      'external rule without metricsQuery',
      'externalRules:\n- seriesQuery: a\n',
      'test.yaml:2: externalRules[0]: metricsQuery is required',
    ],
    [
      'empty rule',
      'rules:\n- \n',
      'test.yaml:2: rules[0]: give seriesQuery (discover metrics from series) or metricName (one fixed metric), not both',
    ],
    [
      'resource rule without nodeQuery',
      'resourceRules:\n  cpu: {containerQuery: a, nodeQuery: b}\n  memory:\n    containerQuery: a\n',
      // The line of the mapping's first key (the value node), not of `memory:`.
      'test.yaml:4: resourceRules.memory: containerQuery and nodeQuery are required',
    ],
    [
      'resource rules without memory',
      'resourceRules:\n  cpu: {containerQuery: a, nodeQuery: b}\n',
      'test.yaml:2: resourceRules.memory: containerQuery and nodeQuery are required',
    ],
    // YAML syntax errors keep their line.
    ['tab indentation', 'rules:\n\t- a\n', 'test.yaml:2: invalid YAML: Tabs are not allowed as indentation'],
    ['complex key', '? [a]\n: b\n', 'test.yaml:1: keys must be plain strings'],
    // Object.prototype's names are unknown keys (found by fuzzing: `__proto__` threw a TypeError).
    [
      '__proto__ in resources',
      'rules:\n- seriesQuery: a\n  metricsQuery: b\n  resources:\n    __proto__: {}\n',
      'test.yaml:5: rules[0].resources: unknown key "__proto__" (known keys: template, overrides, namespaced)',
    ],
    [
      'constructor at the top level',
      'constructor: {}\n',
      'test.yaml:1: top level: unknown key "constructor" (known keys: rules, externalRules, resourceRules, backends, upstreams)',
    ],
    // An alias before its anchor (found by fuzzing: the yaml package's ReferenceError escaped).
    [
      'an alias before its anchor',
      'rules:\n- seriesQuery: a\n  metricsQuery: *q\n- seriesQuery: b\n  metricsQuery: &q x\n',
      "test.yaml:3: invalid YAML: unknown anchor 'q' referenced (an anchor, &q, must come before its alias)",
    ],
    [
      'a merge key naming no anchor',
      'rules:\n- seriesQuery: a\n  metricsQuery: b\n  resources:\n    <<: [*pods]\n',
      "test.yaml:5: invalid YAML: unknown anchor 'pods' referenced (an anchor, &pods, must come before its alias)",
    ],
    // A merge key with no mapping (found by fuzzing: the yaml package's plain Error escaped).
    [
      'a merge key with no value',
      '<<:\n',
      'test.yaml:1: map merge requires map or sequence of maps as the value',
    ],
    [
      'a merge key with a list of scalars',
      'rules:\n- seriesQuery: a\n  metricsQuery: b\n  resources:\n    <<: [1]\n',
      'test.yaml:5: rules[0].resources: map merge requires map or sequence of maps as the value',
    ],
    [
      'more aliases of one anchor than the yaml package reads (a billion laughs guard)',
      `rules:\n- &r {seriesQuery: a, metricsQuery: b}\n${'- *r\n'.repeat(101)}`,
      'test.yaml: invalid YAML: Excessive alias count indicates a resource exhaustion attack',
    ],
  ])('%s', (_name, yaml, message) => {
    expect(() => load(yaml)).toThrow(ConfigError);
    expect(() => load(yaml)).toThrow(message);
  });

  it('uses the file name it is given', () => {
    expect(() => parseAdapterConfig('foo: 1\n', '/etc/adapter/config.yaml')).toThrow(
      /^\/etc\/adapter\/config\.yaml:1: top level: unknown key "foo"/,
    );
  });
});

describe('the seed config (test/fixtures/seed-002-adapter.yaml)', () => {
  const cfg = parseAdapterConfig(
    readFileSync(join(FIXTURES, 'seed-002-adapter.yaml'), 'utf8'),
    'seed-002-adapter.yaml',
  );

  it('loads', () => {
    expect(cfg.externalRules).toEqual([]);
    expect(cfg.resourceRules).toBeUndefined();
    expect(cfg.rules.map((r) => [r.seriesQuery, r.name, r.origin])).toEqual([
      [
        'total_req_num{status!="", api!=""}',
        { matches: 'total_req_num', as: 'qps' },
        { path: 'rules[0]', line: 5 },
      ],
      [
        'cpu_temperature_celsius',
        { matches: 'cpu_temperature_celsius', as: 'cpuTemperature' },
        { path: 'rules[1]', line: 16 },
      ],
    ]);
  });

  it.each<[number, string, string, number | undefined, string]>([
    [
      0,
      'total_req_num',
      'qps',
      30,
      'sum(rate(total_req_num{namespace="default",pod="web-1"}[30s])) by (pod)',
    ],
    [1, 'cpu_temperature_celsius', 'cpuTemperature', undefined, 'avg(cpu_temperature_celsius) by (pod)'],
  ])('rule %i compiles: %s → %s', (i, series, metric, window, query) => {
    const rule = compileRule(cfg.rules[i] as (typeof cfg.rules)[number], mapper);
    expect(rule.keepsSeries(series)).toBe(true);
    expect(rule.metricName(series)).toBe(metric);
    expect(rule.windowSeconds).toBe(window);
    expect(rule.resourcesFor(['namespace', 'pod', 'status'])).toEqual({
      resources: [gr('namespaces'), gr('pods')],
      namespaced: true,
    });
    expect(
      buildObjectQuery(rule, {
        seriesName: series,
        resource: gr('pods'),
        namespace: 'default',
        names: ['web-1'],
        metricSelector: [],
      }),
    ).toBe(query);
  });

  it('the harness config (a superset) loads and compiles too', () => {
    const harness = parseAdapterConfig(readFileSync(join(FIXTURES, 'harness-adapter.yaml'), 'utf8'));
    // Only the Object-metric rule (seed 003) maps a label to services.
    const withServices = harness.rules.filter(
      (r) => compileRule(r, mapper).labelFor(gr('services')) === 'service',
    );
    expect(withServices.map((r) => r.name.as)).toEqual(['http_requests']);
    expect(harness.externalRules.map((r) => compileRule(r, mapper).rule.name.as)).toContain(
      'external_requests_per_second',
    );
  });
});

describe('YAML anchors, aliases and merge keys, as Go YAML reads them', () => {
  const pods = 'resources: &pods {overrides: {namespace: {resource: namespace}, pod: {resource: pod}}}';
  it.each([
    [
      'an alias of a whole mapping',
      `rules:\n- seriesQuery: a_total\n  ${pods}\n  metricsQuery: x\n- seriesQuery: b_total\n  resources: *pods\n  metricsQuery: x\n`,
    ],
    [
      'a merge key',
      `rules:\n- seriesQuery: a_total\n  ${pods}\n  metricsQuery: x\n- seriesQuery: b_total\n  resources:\n    <<: *pods\n    namespaced: true\n  metricsQuery: x\n`,
    ],
    [
      'a merge key among overrides',
      `rules:\n- seriesQuery: a_total\n  metricsQuery: x\n  resources: {overrides: &ns {namespace: {resource: namespace}}}\n- seriesQuery: b_total\n  resources:\n    overrides:\n      <<: *ns\n      pod: {resource: pod}\n  metricsQuery: x\n`,
    ],
  ])('reads %s', (_, yaml) => {
    const cfg = parseAdapterConfig(yaml);
    expect(cfg.rules[1]?.resources.overrides).toEqual({
      namespace: { group: '', resource: 'namespace' },
      pod: { group: '', resource: 'pod' },
    });
  });

  it('checks what an alias names like any other value', () => {
    expect(() =>
      parseAdapterConfig(
        'x: &bad {notAKey: 1}\nrules:\n- seriesQuery: a\n  resources: *bad\n  metricsQuery: x\n',
      ),
    ).toThrow(/unknown key "x"|unknown key "notAKey"/);
  });
});

describe('cmetrics extensions: backends, backend per rule, metricName rules', () => {
  const withBackends = `backends:
- name: thanos
  url: https://thanos-query.monitoring.svc:9090
  bearerTokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token
  tls: {caFile: /etc/ca.crt}
- name: mimir
  url: http://mimir/prometheus
  headers: {X-Scope-OrgID: team-a}
  basicAuth: {username: cmetrics, passwordFile: /etc/mimir/password}
  timeout: 5s
`;

  it('reads a backend of several servers holding the same data, in order', () => {
    const cfg = parseAdapterConfig(
      'backends:\n- name: ha\n  urls: [http://prom-0:9090, http://prom-1:9090]\n',
    );
    expect(cfg.backends[0]?.urls).toEqual(['http://prom-0:9090', 'http://prom-1:9090']);
  });

  it('reads backends and the rules that name them', () => {
    const cfg = parseAdapterConfig(
      `${withBackends}externalRules:
- metricName: queue_depth
  backend: mimir
  metricsQuery: 'sum(queue_depth{<<.LabelMatchers>>})'
`,
      'test.yaml',
    );
    expect(cfg.backends.map((b) => [b.name, b.urls])).toEqual([
      ['thanos', ['https://thanos-query.monitoring.svc:9090']],
      ['mimir', ['http://mimir/prometheus']],
    ]);
    expect(cfg.backends[0]).toMatchObject({
      bearerTokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
      tls: { caFile: '/etc/ca.crt', insecureSkipVerify: false },
      basicAuth: undefined,
    });
    expect(cfg.backends[1]).toMatchObject({
      headers: { 'X-Scope-OrgID': 'team-a' },
      basicAuth: { username: 'cmetrics', passwordFile: '/etc/mimir/password' },
      timeout: '5s',
    });
    expect(cfg.externalRules[0]).toMatchObject({
      metricName: 'queue_depth',
      seriesQuery: '',
      backend: 'mimir',
    });
  });

  it.each([
    [
      'a rule naming an unknown backend',
      `${withBackends}rules:\n- seriesQuery: up\n  backend: victoria\n  metricsQuery: up\n`,
      'test.yaml:13: rules[0]: backend "victoria" is not among backends (thanos, mimir)',
    ],
    [
      'both seriesQuery and metricName',
      'rules:\n- seriesQuery: up\n  metricName: up\n  metricsQuery: up\n',
      'rules[0]: give seriesQuery (discover metrics from series) or metricName (one fixed metric), not both',
    ],
    [
      'naming rules on a metricName rule',
      'rules:\n- metricName: up\n  name: {as: x}\n  metricsQuery: up\n',
      'rules[0]: name and seriesFilters only apply to rules with seriesQuery',
    ],
    [
      'a backend without url',
      'backends:\n- name: a\n',
      'test.yaml:2: backends[0]: url (or urls) is required: http:// or https://',
    ],
    [
      'a backend with a bad name',
      'backends:\n- name: A_B\n  url: http://x\n',
      'backends[0]: name is required: lowercase letters, digits and -',
    ],
    [
      'a backend with both url and urls',
      'backends:\n- name: a\n  url: http://x\n  urls: [http://x, http://y]\n',
      'backends[0]: give url (one server) or urls (servers holding the same data), not both',
    ],
    [
      'a backend listing one URL twice',
      'backends:\n- {name: a, urls: [http://x, http://x]}\n',
      'urls lists one URL twice',
    ],
    ['a backend with an empty urls', 'backends:\n- {name: a, urls: []}\n', 'url (or urls) is required'],
    [
      'two backends with one name',
      'backends:\n- {name: a, url: "http://x"}\n- {name: a, url: "http://y"}\n',
      'backends: backend names must be unique',
    ],
    [
      'token and basic auth together',
      'backends:\n- name: a\n  url: http://x\n  bearerTokenFile: /t\n  basicAuth: {username: u, passwordFile: /p}\n',
      'give bearerTokenFile or basicAuth, not both',
    ],
    [
      'a misspelt backend key',
      'backends:\n- name: a\n  url: http://x\n  bearerToken: abc\n',
      'test.yaml:4: backends[0]: unknown key "bearerToken" (known keys: name, url, urls, timeout, bearerTokenFile, basicAuth, tls, headers)',
    ],
    [
      'an upstream over plain HTTP',
      'upstreams:\n- name: keda\n  url: http://keda:443\n',
      'test.yaml:2: upstreams[0]: url is required: https://HOST[:PORT] of the metrics server, without a path',
    ],
    [
      'an upstream URL with a path',
      'upstreams:\n- name: keda\n  url: https://keda:443/apis\n',
      'upstreams[0]: url is required: https://HOST[:PORT]',
    ],
    [
      'an upstream with a bad name',
      'upstreams:\n- name: KEDA\n  url: https://keda\n',
      'upstreams[0]: name is required: lowercase letters, digits and -',
    ],
    [
      'an upstream for the resource metrics group',
      'upstreams:\n- name: keda\n  url: https://keda\n  groups: [metrics.k8s.io]\n',
      'test.yaml:4: upstreams[0]: groups: "metrics.k8s.io" is not one of external.metrics.k8s.io, custom.metrics.k8s.io',
    ],
    [
      'two upstreams with one name',
      'upstreams:\n- {name: a, url: "https://x"}\n- {name: a, url: "https://y"}\n',
      'upstreams: upstream names must be unique',
    ],
    [
      'a misspelt upstream key',
      'upstreams:\n- name: a\n  url: https://x\n  headers: {a: b}\n',
      'test.yaml:4: upstreams[0]: unknown key "headers" (known keys: name, url, groups, metrics, timeout, bearerTokenFile, tls)',
    ],
  ])('rejects %s', (_what, yaml, message) => {
    expect(() => parseAdapterConfig(yaml, 'test.yaml')).toThrow(message);
  });

  it('reads upstreams: external metrics by default, in their order, with their credentials', () => {
    const cfg = parseAdapterConfig(
      `upstreams:
- name: keda
  url: https://keda-operator-metrics-apiserver.keda.svc:443
  metrics: ['^s[0-9]+-']
  tls: {caFile: /ca.crt}
- name: adapter
  url: https://prometheus-adapter.monitoring.svc
  groups: [custom.metrics.k8s.io, external.metrics.k8s.io]
  timeout: 5s
  bearerTokenFile: /token
`,
      'test.yaml',
    );
    expect(cfg.upstreams).toMatchObject([
      {
        name: 'keda',
        groups: ['external.metrics.k8s.io'],
        metrics: ['^s[0-9]+-'],
        timeout: '',
        bearerTokenFile: '',
        tls: { caFile: '/ca.crt', insecureSkipVerify: false },
        origin: { path: 'upstreams[0]', line: 2 },
      },
      {
        name: 'adapter',
        groups: ['custom.metrics.k8s.io', 'external.metrics.k8s.io'],
        metrics: [],
        timeout: '5s',
        bearerTokenFile: '/token',
        origin: { path: 'upstreams[1]', line: 6 },
      },
    ]);
    expect(parseAdapterConfig('rules: []\n').upstreams).toEqual([]);
  });
});
