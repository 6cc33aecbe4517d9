// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Go's Regexp.ExpandString spells groups ${1}.
import { describe, expect, it } from 'vitest';
import { ConfigError, type DiscoveryRule } from '../../../proxy/rules/config.ts';
import {
  buildExternalQuery,
  buildObjectQuery,
  type CompiledRule,
  compileRule,
  expandGo,
  isClusterScoped,
  MAX_NAMES_IN_QUERY,
  QueryError,
} from '../../../proxy/rules/naming.ts';
import type { GroupResource } from '../../../proxy/rules/resources.ts';
import { parseSelector, type Requirement } from '../../../shared/labels.ts';
import { gr, mapper, ruleFrom, rulesFrom } from './fixtures.ts';

// Cases marked "adapter <file> <case>" are ported from kubernetes-sigs/prometheus-adapter
// (pkg/naming at v0.12.0 / master unless the path says otherwise), with the adapter's expectation
// kept where our behaviour is the same and replaced, with the reason, where it deliberately is not.
//
// The adapter's pkg/naming/metrics_query_test.go uses a mock ResourceConverter whose label for a
// resource is the resource's own name ("resource", "namespaces"). Here the same cases run on a real
// rule whose overrides map the label `pod` to pods and `namespace` to namespaces.

const podRule = (metricsQuery: string, extra: Record<string, unknown> = {}) =>
  ruleFrom({
    metricsQuery,
    resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
    ...extra,
  });

const objectQuery = (
  rule: CompiledRule,
  opts: {
    series?: string;
    resource?: GroupResource;
    namespace?: string;
    names?: readonly string[] | 'any';
    selector?: string;
  },
) =>
  buildObjectQuery(rule, {
    seriesName: opts.series ?? 'foo',
    resource: opts.resource ?? gr('pods'),
    namespace: opts.namespace,
    names: opts.names ?? ['bar'],
    metricSelector: parseSelector(opts.selector ?? ''),
  });

describe('buildObjectQuery: adapter metrics_query_test.go TestBuildSelector', () => {
  it.each<[string, string, { namespace?: string; names?: string[]; selector?: string }, string]>([
    // adapter "series" (the adapter also accepts no names; we need at least one, see below)
    ['series', 'series <<.Series>>', {}, 'series foo'],
    // adapter "multiple LabelMatchers values": resource=~"bar|baz"
    ['multiple LabelMatchers values', '<<.LabelMatchers>>', { names: ['bar', 'baz'] }, 'pod=~"bar|baz"'],
    // adapter "single LabelMatchers value": resource="bar"
    ['single LabelMatchers value', '<<.LabelMatchers>>', { names: ['bar'] }, 'pod="bar"'],
    // adapter "LabelMatchers with additional metrics filter": metric1="value1",resource="bar".
    // Difference: our matchers come namespace, object, then selector (sorted by key); PromQL does
    // not care about matcher order.
    [
      'LabelMatchers with additional metrics filter',
      '<<.LabelMatchers>>',
      { names: ['bar'], selector: 'metric1=value1' },
      'pod="bar",metric1="value1"',
    ],
    // adapter "single LabelValuesByName value"
    ['single LabelValuesByName value', '<<index .LabelValuesByName "pod">>', { names: ['bar'] }, 'bar'],
    // adapter "multiple LabelValuesByName values"
    [
      'multiple LabelValuesByName values',
      '<<index .LabelValuesByName "pod">>',
      { names: ['bar', 'baz'] },
      'bar|baz',
    ],
    // adapter "multiple LabelValuesByName values with namespace"
    [
      'multiple LabelValuesByName values with namespace',
      '<<index .LabelValuesByName "namespace">> <<index .LabelValuesByName "pod">>',
      { namespace: 'default', names: ['bar', 'baz'] },
      'default bar|baz',
    ],
    // adapter "single GroupBy value"
    ['single GroupBy value', '<<.GroupBy>>', {}, 'pod'],
    // adapter "single GroupBySlice value"
    ['single GroupBySlice value', '<<.GroupBySlice>>', {}, '[pod]'],
    // adapter "multiple GroupBy values" / "multiple GroupBySlice values" pass extraGroupBy, which the
    // adapter only uses for resource-metrics container labels; custom-metrics queries (ours) never
    // group by more than the object label, so those two cases have no counterpart.
    ['GroupBySlice with range', '<<range .GroupBySlice>>by <<.>><<end>>', {}, 'by pod'],
    [
      'everything together',
      'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)',
      { namespace: 'ns' },
      'sum(foo{namespace="ns",pod="bar"}) by (pod)',
    ],
  ])('%s', (_name, template, opts, want) => {
    expect(objectQuery(podRule(template), opts)).toBe(want);
  });
});

describe('buildExternalQuery: adapter metrics_query_test.go TestBuildExternalSelector', () => {
  const ext = (template: string, namespaced?: boolean) =>
    ruleFrom({
      metricsQuery: template,
      resources: {
        overrides: { namespace: { resource: 'namespace' } },
        ...(namespaced === undefined ? {} : { namespaced }),
      },
    });

  it.each<[string, string, boolean | undefined, string | undefined, string, string]>([
    // adapter "series"
    ['series', 'series <<.Series>>', undefined, undefined, '', 'series foo'],
    // adapter "single GroupBy value" / "multiple GroupBySlice values" pass a group-by of their own;
    // the adapter's external provider (QueryForExternalSeries) always passes "" and [], as we do.
    ['GroupBy is empty', '[<<.GroupBy>>]', undefined, undefined, '', '[]'],
    ['GroupBySlice is empty', '<<.GroupBySlice>>', undefined, undefined, '', '[]'],
    // adapter "multiple GroupBySlice values with namespace": "default [foo bar]"
    [
      'LabelValuesByName with namespace',
      '<<index .LabelValuesByName "namespace">> <<.GroupBySlice>>',
      undefined,
      'default',
      '',
      'default []',
    ],
    // adapter "multiple GroupBySlice values with namespace disabled": " [foo bar]"
    [
      'namespace disabled (resources.namespaced: false)',
      '<<index .LabelValuesByName "namespace">> <<.GroupBySlice>>',
      false,
      'default',
      '',
      ' []',
    ],
    [
      'namespace disabled: no namespace matcher',
      '<<.LabelMatchers>>',
      false,
      'default',
      'foo=bar',
      'foo="bar"',
    ],
    ['namespaced: true', '<<.LabelMatchers>>', true, 'default', '', 'namespace="default"'],
    // adapter "single LabelMatchers value"
    ['single LabelMatchers value', '<<.LabelMatchers>>', undefined, undefined, 'foo=bar', 'foo="bar"'],
    // adapter "single LabelMatchers value with namespace": foo="bar",namespaces="default" (order
    // differs, see above)
    [
      'single LabelMatchers value with namespace',
      '<<.LabelMatchers>>',
      undefined,
      'default',
      'foo=bar',
      'namespace="default",foo="bar"',
    ],
    // adapter "multiple LabelMatchers value"
    [
      'multiple LabelMatchers value',
      '<<.LabelMatchers>>',
      undefined,
      undefined,
      'foo=bar,qux in (bar,baz)',
      'foo="bar",qux=~"bar|baz"',
    ],
    // adapter "single LabelValuesByName value"
    [
      'single LabelValuesByName value',
      '<<.LabelValuesByName>>',
      undefined,
      undefined,
      'foo=bar',
      'map[foo:bar]',
    ],
    // adapter "single LabelValuesByName with multiple selectors"
    [
      'single LabelValuesByName with multiple selectors',
      '<<.LabelValuesByName>>',
      undefined,
      undefined,
      'foo in (bar,baz)',
      'map[foo:bar|baz]',
    ],
    [
      'selector keys are sorted',
      '<<.LabelMatchers>>',
      undefined,
      undefined,
      'zone=a,app=web',
      'app="web",zone="a"',
    ],
  ])('%s', (_name, template, namespaced, namespace, selector, want) => {
    expect(buildExternalQuery(ext(template, namespaced), 'foo', namespace, parseSelector(selector))).toBe(
      want,
    );
  });

  it('a namespaced rule without a namespace label is refused rather than read every namespace', () => {
    // The adapter's LabelForResource fails the same way; the message says how to fix the rule.
    const rule = ruleFrom({ metricsQuery: '<<.Series>>{<<.LabelMatchers>>}' });
    expect(() => buildExternalQuery(rule, 'queue_depth', 'default', parseSelector('queue=jobs'))).toThrow(
      /maps no label to namespaces; map one, or set resources.namespaced: false/,
    );
  });
});

// pkg/custom-provider/query_builder_test.go and pkg/external-provider/query_builder_test.go (the
// builders pkg/naming/metrics_query.go replaced) drive each selector operator through
// `rate(<<.Series>>{<<.LabelMatchers>>}[2m])`. Their "no values" / "several values for =, !=,
// exists" cases cannot arise from a label selector (labels.NewRequirement rejects them, as
// parseSelector does), so only the representable ones are ported.
describe('metric selector operators: adapter query_builder_test.go', () => {
  const rule = ruleFrom({ metricsQuery: 'rate(<<.Series>>{<<.LabelMatchers>>}[2m])' });
  const byName = ruleFrom({ metricsQuery: '<<.LabelValuesByName>>' });

  it.each<[string, string, string, string]>([
    // [adapter test, selector, our query, our LabelValuesByName]
    [
      'TestEqualsQueryWithOneLabelValue',
      'target_label=one',
      'rate(my_series{target_label="one"}[2m])',
      'map[target_label:one]',
    ],
    [
      'TestDoubleEqualsQueryWithOneLabelValue',
      'target_label==one',
      'rate(my_series{target_label="one"}[2m])',
      'map[target_label:one]',
    ],
    // The adapter also puts excluded values into LabelValuesByName; we list only selected values.
    [
      'TestNotEqualsQueryWithOneLabelValue',
      'target_label!=one',
      'rate(my_series{target_label!="one"}[2m])',
      'map[]',
    ],
    // Adapter: target_label=~"one" (the value used as a regex). Ours: a literal, compared with =.
    [
      'TestInQueryWithOneLabelValue',
      'target_label in (one)',
      'rate(my_series{target_label="one"}[2m])',
      'map[target_label:one]',
    ],
    [
      'TestInQueryWithMultipleLabelValues',
      'target_label in (one,two)',
      'rate(my_series{target_label=~"one|two"}[2m])',
      'map[target_label:one|two]',
    ],
    // Adapter: target_label!~"one". Ours: a literal, compared with !=.
    [
      'TestNotInQueryWithOneLabelValue',
      'target_label notin (one)',
      'rate(my_series{target_label!="one"}[2m])',
      'map[]',
    ],
    [
      'TestNotInQueryWithMultipleLabelValues',
      'target_label notin (one,two)',
      'rate(my_series{target_label!~"one|two"}[2m])',
      'map[]',
    ],
    // pkg/naming (current): != "" ; the older custom-provider builder wrote =~".+", the same set.
    ['TestExistsQueryWithNoLabelValues', 'target_label', 'rate(my_series{target_label!=""}[2m])', 'map[]'],
    // pkg/naming (current): = "" ; the older custom-provider builder wrote !~".+", the same set.
    [
      'TestDoesNotExistsQueryWithNoLabelValues',
      '!target_label',
      'rate(my_series{target_label=""}[2m])',
      'map[]',
    ],
  ])('%s: %s', (_adapterTest, selector, query, valuesByName) => {
    expect(buildExternalQuery(rule, 'my_series', undefined, parseSelector(selector))).toBe(query);
    expect(buildExternalQuery(byName, 'my_series', undefined, parseSelector(selector))).toBe(valuesByName);
  });

  it.each<[string, string]>([
    // adapter ErrUnsupportedOperator
    ['TestGreaterThanQueryWithOneLabelValue', 'target_label>1'],
    ['TestLessThanQueryWithOneLabelValue', 'target_label<1'],
  ])('%s: %s is refused', (_adapterTest, selector) => {
    const reqs = parseSelector(selector);
    expect(() => buildExternalQuery(rule, 'my_series', undefined, reqs)).toThrow(QueryError);
    expect(() => buildExternalQuery(rule, 'my_series', undefined, reqs)).toThrow(
      /cannot be expressed in PromQL/,
    );
    expect(() => objectQuery(podRule('<<.LabelMatchers>>'), { selector })).toThrow(QueryError);
  });

  // adapter TestBadQueryPartsDontBuildQueries (an empty label name; ErrLabelNotSpecified)
  it('TestBadQueryPartsDontBuildQueries: an empty label name is refused', () => {
    const reqs: Requirement[] = [{ key: '', operator: 'exists', values: [] }];
    expect(() => buildExternalQuery(rule, 'my_series', undefined, reqs)).toThrow(QueryError);
  });
});

describe('query building: deliberate fixes over the adapter', () => {
  const lm = podRule('<<.LabelMatchers>>');
  const byName = podRule('<<index .LabelValuesByName "pod">>');
  const names = (n: number) => Array.from({ length: n }, (_, i) => `web-${i}`);

  it.each<
    [string, { names?: readonly string[] | 'any'; selector?: string; namespace?: string }, string, string]
  >([
    // The adapter joins names raw into the regex: "web.1" would also match "web-1", "webX1".
    ['names are regex-escaped', { names: ['web.1', 'web-2'] }, 'pod=~"web\\\\.1|web-2"', 'web[.]1|web-2'],
    // One name is compared with =; LabelValuesByName stays regex-ready, as with several names.
    ['one name is compared with =', { names: ['web.1'] }, 'pod="web.1"', 'web[.]1'],
    ['quotes in names stay inside the string', { names: ['a"b', 'c'] }, 'pod=~"a\\"b|c"', 'a\\"b|c'],
    // The adapter leaves `in` values raw, so a value could widen the match.
    [
      '`in` values are regex-escaped',
      { selector: 'version in (1.0,2.0)' },
      'pod="bar",version=~"1\\\\.0|2\\\\.0"',
      'bar',
    ],
    [
      `${MAX_NAMES_IN_QUERY} names are still spelled out`,
      { names: names(MAX_NAMES_IN_QUERY) },
      `pod=~"${names(MAX_NAMES_IN_QUERY).join('|')}"`,
      names(MAX_NAMES_IN_QUERY).join('|'),
    ],
    // adapter #668: a regex of every pod name made queries too long for Prometheus; above the bound
    // the query selects every object and the caller filters the answer.
    [
      `${MAX_NAMES_IN_QUERY + 1} names select every object (adapter #668)`,
      { names: names(MAX_NAMES_IN_QUERY + 1) },
      'pod=~".+"',
      '.+',
    ],
    ["'any' selects every object", { names: 'any', namespace: 'ns' }, 'namespace="ns",pod=~".+"', '.+'],
  ])('%s', (_name, opts, matchers, valuesByName) => {
    expect(objectQuery(lm, opts)).toBe(matchers);
    expect(objectQuery(byName, opts)).toBe(valuesByName);
  });

  it.each<[string, string]>([
    // The adapter writes `app.kubernetes.io/name="web"` into the query, which Prometheus rejects.
    [
      'app.kubernetes.io/name=web',
      'metric label selector key "app.kubernetes.io/name" is not a Prometheus label name',
    ],
    ['app-name in (a,b)', 'metric label selector key "app-name" is not a Prometheus label name'],
  ])('selector key that is no Prometheus label name: %s', (selector, message) => {
    expect(() => objectQuery(lm, { selector })).toThrow(QueryError);
    expect(() => objectQuery(lm, { selector })).toThrow(message);
    expect(() => buildExternalQuery(lm, 'foo', undefined, parseSelector(selector))).toThrow(message);
  });

  it.each<[string, CompiledRule, Parameters<typeof objectQuery>[1], string]>([
    ['no names', lm, { names: [] }, 'no object names to query'],
    [
      'a resource the rule has no label for',
      lm,
      { resource: gr('services') },
      'rules[0] maps no label to services',
    ],
    [
      'a namespace, but no namespace label',
      ruleFrom({ resources: { overrides: { node: { resource: 'node' } } } }),
      { resource: gr('nodes'), namespace: 'default' },
      'rules[0] maps no label to namespaces',
    ],
  ])('refuses %s', (_name, rule, opts, message) => {
    expect(() => objectQuery(rule, opts)).toThrow(QueryError);
    expect(() => objectQuery(rule, opts)).toThrow(message);
  });
});

describe('resources: adapter resource_converter_test.go and naming/resource_converter.go', () => {
  const groupTemplate = (overrides: Record<string, unknown> = {}) =>
    ruleFrom({ resources: { template: 'kube_<<.Group>>_<<.Resource>>', overrides } });

  it.each<[string, CompiledRule, GroupResource, string | undefined]>([
    // adapter TestCanCreateLabelFromResource: {apps, deployment} → kube_apps_deployment
    [
      'TestCanCreateLabelFromResource',
      groupTemplate(),
      { group: 'apps', resource: 'deployment' },
      'kube_apps_deployment',
    ],
    ['plural resource', groupTemplate(), gr('deployments.apps'), 'kube_apps_deployment'],
    [
      'dotted group is sanitised',
      groupTemplate(),
      gr('ingresses.networking.k8s.io'),
      'kube_networking_k8s_io_ingress',
    ],
    ['core group renders empty', groupTemplate(), gr('pods'), 'kube__pod'],
    ['override wins over template', groupTemplate({ ns: { resource: 'namespace' } }), gr('namespaces'), 'ns'],
    [
      'resource-only template',
      ruleFrom({ resources: { template: '<<.Resource>>' } }),
      gr('jobs.batch'),
      'job',
    ],
    ['no template, no override', ruleFrom({}), gr('pods'), undefined],
    ['only overrides', podRule('x'), gr('services'), undefined],
  ])('labelFor: %s', (_name, rule, resource, want) => {
    expect(rule.labelFor(resource)).toBe(want);
  });

  it.each<[string, CompiledRule, string[], string[], boolean]>([
    // adapter TestDetectsResourcesFromLabel: kube_extensions_deployment → deployments.extensions, not
    // namespaced. The fixture cluster serves deployments from apps, as current clusters do.
    ['TestDetectsResourcesFromLabel', groupTemplate(), ['kube_apps_deployment'], ['deployments.apps'], false],
    // adapter TestDetectsNamespacedFromOverrides: an override to "Namespaces" (any case) makes the
    // series namespaced.
    [
      'TestDetectsNamespacedFromOverrides',
      groupTemplate({ has_namespace: { group: '', resource: 'Namespaces' } }),
      ['kube_apps_deployment', 'has_namespace'],
      ['deployments.apps', 'namespaces'],
      true,
    ],
    // adapter TestDetectsNonNamespaceResourcesFromOverrides
    [
      'TestDetectsNonNamespaceResourcesFromOverrides',
      groupTemplate({ a_special_label: { group: '', resource: 'pod' } }),
      ['kube_apps_deployment', 'a_special_label'],
      ['deployments.apps', 'pods'],
      false,
    ],
    // Fix: the adapter's lazy `(?P<group>.+?)` splits kube_networking_k8s_io_ingress into group
    // "networking" and resource "k8s_io_ingress" and finds nothing.
    [
      'dotted group from a template label',
      groupTemplate(),
      ['kube_networking_k8s_io_ingress'],
      ['ingresses.networking.k8s.io'],
      false,
    ],
    [
      'dotted group beside a core label',
      groupTemplate(),
      ['kube_networking_k8s_io_networkpolicy', 'kube__namespace'],
      ['networkpolicies.networking.k8s.io'],
      false,
    ],
    [
      'batch group',
      groupTemplate(),
      ['kube_batch_job', 'kube_batch_cronjob'],
      ['cronjobs.batch', 'jobs.batch'],
      false,
    ],
    ['a group the cluster does not serve', groupTemplate(), ['kube_extensions_deployment'], [], false],
    ['a resource not in the group', groupTemplate(), ['kube_apps_pod'], [], false],
    // Same as the adapter: `.+?` needs a character, so core resources never match a group template.
    ['core resources and group templates', groupTemplate(), ['kube__pod'], [], false],
    [
      'the usual `<<.Resource>>` template',
      ruleFrom({ resources: { template: '<<.Resource>>' } }),
      ['namespace', 'pod', 'service', 'container', 'instance', 'node'],
      ['namespaces', 'nodes', 'pods', 'services'],
      true,
    ],
    // A Prometheus `job` label names jobs.batch under `<<.Resource>>` (the adapter does the same).
    [
      '`job` is jobs.batch',
      ruleFrom({ resources: { template: '<<.Resource>>' } }),
      ['job'],
      ['jobs.batch'],
      false,
    ],
    [
      'a prefixed resource template',
      ruleFrom({ resources: { template: 'kube_<<.Resource>>' } }),
      ['kube_namespace', 'kube_deployment', 'kube_ingress', 'namespace'],
      ['deployments.apps', 'ingresses.networking.k8s.io', 'namespaces'],
      true,
    ],
    // Overrides name resources as the adapter's RESTMapper accepts them: plural, singular, kind.
    [
      'overrides by plural, singular and kind',
      ruleFrom({
        resources: {
          overrides: {
            a: { resource: 'pods' },
            b: { resource: 'Service' },
            c: { group: 'apps', resource: 'statefulset' },
            d: { resource: 'namespace' },
          },
        },
      }),
      ['a', 'b', 'c', 'd', 'e'],
      ['namespaces', 'pods', 'services', 'statefulsets.apps'],
      true,
    ],
    // events exist in core and events.k8s.io; without a group the core one wins, as in RESTMapper.
    [
      'core group preferred',
      ruleFrom({ resources: { overrides: { ev: { resource: 'event' } } } }),
      ['ev'],
      ['events'],
      false,
    ],
    [
      'group given explicitly',
      ruleFrom({ resources: { overrides: { ev: { group: 'events.k8s.io', resource: 'events' } } } }),
      ['ev'],
      ['events.events.k8s.io'],
      false,
    ],
    [
      'repeated resources are listed once',
      podRule('x'),
      ['pod', 'pod', 'namespace'],
      ['namespaces', 'pods'],
      true,
    ],
  ])('resourcesFor: %s', (_name, rule, labels, want, namespaced) => {
    const got = rule.resourcesFor(labels);
    expect(got.resources.map((r) => (r.group ? `${r.resource}.${r.group}` : r.resource)).sort()).toEqual(
      want,
    );
    expect(got.namespaced).toBe(namespaced);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'an override to a resource the cluster does not serve',
      { overrides: { widget: { resource: 'widgets' } } },
      'rules[0] (line 2): resources.overrides.widget: the API server serves no resource "widgets"',
    ],
    [
      'an override in the wrong group',
      { overrides: { d: { group: 'batch', resource: 'deployments' } } },
      'rules[0] (line 2): resources.overrides.d: the API server serves no resource "deployments" in group "batch"',
    ],
    [
      'an override to a subresource',
      { overrides: { l: { resource: 'pods/log' } } },
      'the API server serves no resource "pods/log"',
    ],
    [
      'a template that does not parse',
      { template: '<<.Resource | lower>>' },
      'rules[0] (line 2): resources.template: function "lower" not defined',
    ],
  ])('compileRule refuses %s', (_name, resources, message) => {
    expect(() => ruleFrom({ resources })).toThrow(ConfigError);
    expect(() => ruleFrom({ resources })).toThrow(message);
  });

  it.each<[GroupResource, boolean]>([
    [gr('namespaces'), true],
    [gr('nodes'), true],
    [gr('persistentvolumes'), true],
    [gr('pods'), false],
    [gr('deployments.apps'), false],
    // Only the three the adapter names (NsGroupResource, NodeGroupResource, PVGroupResource).
    [gr('ingressclasses.networking.k8s.io'), false],
  ])('isClusterScoped(%j) → %s (adapter naming.resource_converter.go)', (resource, want) => {
    expect(isClusterScoped(resource)).toBe(want);
  });
});

describe('metric names: adapter custom-provider/metric_name_converter_test.go', () => {
  it.each<[string, { matches?: string; as?: string }, string, string]>([
    // TestWhenNoMappingMetricNameIsUnaltered
    ['TestWhenNoMappingMetricNameIsUnaltered', {}, 'my_series', 'my_series'],
    ['TestWhenNoMappingMetricNameIsUnaltered', {}, 'your_series', 'your_series'],
    // TestWhenMappingWithOneCaptureGroupMetricNameIsCorrect
    [
      'TestWhenMappingWithOneCaptureGroupMetricNameIsCorrect',
      { matches: 'my_(.*)', as: 'your_$1' },
      'my_requests_per_second',
      'your_requests_per_second',
    ],
    // TestWhenMappingWithMultipleCaptureGroupsMetricNameIsCorrect
    [
      'TestWhenMappingWithMultipleCaptureGroupsMetricNameIsCorrect',
      { matches: 'my_([^_]+)_([^_]+)', as: 'your_${1}_is_${2}_large' },
      'my_horse_very',
      'your_horse_is_very_large',
    ],
    [
      'TestWhenMappingWithMultipleCaptureGroupsMetricNameIsCorrect',
      { matches: 'my_([^_]+)_([^_]+)', as: 'your_${1}_is_${2}_large' },
      'my_dog_not',
      'your_dog_is_not_large',
    ],
    // TestAsCanBeInferred: one capture group → $1, none → $0
    ['TestAsCanBeInferred (one group)', { matches: 'my_(.+)' }, 'my_test_metric', 'test_metric'],
    ['TestAsCanBeInferred (no group)', { matches: 'my_metric' }, 'my_metric', 'my_metric'],
    // Same defaults, on the adapter's DefaultConfig-style rules.
    [
      'default as with $ anchors',
      { matches: '^container_(.*)_seconds_total$' },
      'container_cpu_usage_seconds_total',
      'cpu_usage',
    ],
    [
      'a named group counts as a group',
      { matches: '^(?P<base>.*)_total$' },
      'http_requests_total',
      'http_requests',
    ],
    [
      'named group by name',
      { matches: '^(?P<base>.*)_total$', as: '${base}_per_second' },
      'http_requests_total',
      'http_requests_per_second',
    ],
    ['a non-capturing group does not count', { matches: '^(?:kube|node)_(.*)$' }, 'node_load1', 'load1'],
    ['unanchored, as Go: the match only is expanded', { matches: '_total' }, 'http_requests_total', '_total'],
    // The seed's rules: a literal name renamed.
    ['literal rename', { matches: 'total_req_num', as: 'qps' }, 'total_req_num', 'qps'],
    // Go's ExpandString reads `$1_per_second` as the group named "1_per_second", which is empty; this
    // is the behaviour the adapter test's comment warns about, and we keep it.
    [
      '$1x names group "1x" (Go ExpandString)',
      { matches: '^(.*)_total$', as: '$1_per_second' },
      'http_requests_total',
      '',
    ],
    [
      '${1}x',
      { matches: '^(.*)_total$', as: '${1}_per_second' },
      'http_requests_total',
      'http_requests_per_second',
    ],
  ])('%s: %j %s → %s', (_adapterTest, name, series, want) => {
    const rule = ruleFrom({ name });
    expect(rule.keepsSeries(series)).toBe(true);
    expect(rule.metricName(series)).toBe(want);
  });

  // TestWhenAsCannotBeInferredError: more than one group and no `as`.
  it.each<[string, string]>([
    [
      'my_([^_]+)_([^_]+)',
      'rules[0] (line 2): name.matches has 2 capture groups; say which to use with name.as',
    ],
    ['^(a)(b)(c)$', 'rules[0] (line 2): name.matches has 3 capture groups; say which to use with name.as'],
  ])('TestWhenAsCannotBeInferredError: %s', (matches, message) => {
    expect(() => ruleFrom({ name: { matches } })).toThrow(ConfigError);
    expect(() => ruleFrom({ name: { matches } })).toThrow(message);
  });

  it('a series the name does not match keeps its name (but is not kept)', () => {
    const rule = ruleFrom({ name: { matches: '^(.*)_total$' } });
    expect(rule.keepsSeries('up')).toBe(false);
    expect(rule.metricName('up')).toBe('up');
  });
});

describe('expandGo matches Go regexp.ExpandString', () => {
  // [regexp, template, input, Go 1.26's result]
  it.each<[string, string, string, string]>([
    ['^(.*)_total$', '$1', 'http_requests_total', 'http_requests'],
    ['^(.*)_total$', '$1x', 'http_requests_total', ''],
    ['^(.*)_total$', '${1}x', 'http_requests_total', 'http_requestsx'],
    ['^(.*)_total$', '$1_per_second', 'http_requests_total', ''],
    ['^(.*)_total$', '${1}_per_second', 'http_requests_total', 'http_requests_per_second'],
    ['^(.*)_total$', '$0', 'http_requests_total', 'http_requests_total'],
    ['^(.*)_total$', '$2', 'http_requests_total', ''],
    ['^(.*)_total$', '$$1', 'http_requests_total', '$1'],
    ['^(.*)_total$', 'cost$', 'http_requests_total', 'cost$'],
    ['^(.*)_total$', 'a$-b', 'http_requests_total', 'a$-b'],
    ['^(.*)_total$', '${1', 'http_requests_total', '${1'],
    ['^(.*)_total$', '$ 1', 'x_total', '$ 1'],
    ['^(.*)_total$', '${1}${1}', 'x_total', 'xx'],
    ['^(?<base>.*)_total$', '$base', 'http_requests_total', 'http_requests'],
    ['^(?<base>.*)_total$', '${base}_rate', 'http_requests_total', 'http_requests_rate'],
    ['^(?<base>.*)_total$', '$base_rate', 'http_requests_total', ''],
    ['^(?<base>.*)_total$', '$nope', 'http_requests_total', ''],
    ['my_([^_]+)_([^_]+)', 'your_${1}_is_${2}_large', 'my_horse_very', 'your_horse_is_very_large'],
    ['my_([^_]+)_([^_]+)', '$2.$1', 'my_horse_very', 'very.horse'],
    ['my_([^_]+)_([^_]+)', '$10', 'my_horse_very', ''],
    // A leading zero makes a name, not a number.
    ['my_([^_]+)_([^_]+)', '$01', 'my_horse_very', ''],
    ['(a)?b', '[$1]', 'b', '[]'],
  ])('%s with %j on %s → %j', (re, template, input, want) => {
    const m = new RegExp(re).exec(input);
    expect(m).not.toBeNull();
    expect(expandGo(template, m as RegExpExecArray)).toBe(want);
  });
});

describe('series filters: adapter series_filterer_test.go and naming/regex_matcher_test.go', () => {
  it.each<[string, Record<string, unknown>, string[], string[]]>([
    // series_filterer_test.go TestPositiveFilter
    [
      'TestPositiveFilter',
      { seriesFilters: [{ is: 'one_of_(yes|positive|ok)' }] },
      ['one_of_yes', 'one_of_no'],
      ['one_of_yes'],
    ],
    // TestNegativeFilter
    [
      'TestNegativeFilter',
      { seriesFilters: [{ isNot: 'one_of_(yes|positive|ok)' }] },
      ['one_of_yes', 'one_of_no'],
      ['one_of_no'],
    ],
    // TestAddRequirementAppliesFilter: series_\d+, then also series_[2-3]
    [
      'TestAddRequirementAppliesFilter (one filter)',
      { seriesFilters: [{ is: 'series_\\d+' }] },
      ['series_1', 'series_2', 'series_3'],
      ['series_1', 'series_2', 'series_3'],
    ],
    [
      'TestAddRequirementAppliesFilter (two filters)',
      { seriesFilters: [{ is: 'series_\\d+' }, { is: 'series_[2-3]' }] },
      ['series_1', 'series_2', 'series_3'],
      ['series_2', 'series_3'],
    ],
    // regex_matcher_test.go TestReMatcherIs / TestReMatcherIsNot
    ['TestReMatcherIs', { seriesFilters: [{ is: 'my_.*' }] }, ['my_label', 'your_label'], ['my_label']],
    [
      'TestReMatcherIsNot',
      { seriesFilters: [{ isNot: 'my_.*' }] },
      ['my_label', 'your_label'],
      ['your_label'],
    ],
    // naming/metric_namer.go adds name.matches as one more `is` filter.
    [
      'name.matches filters too',
      { name: { matches: '^(.*)_total$' } },
      ['a_total', 'b', 'total_a'],
      ['a_total'],
    ],
    [
      'filters and name together (DefaultConfig "container rate metrics")',
      {
        seriesFilters: [{ isNot: '^container_.*_seconds_total$' }],
        name: { matches: '^container_(.*)_total$' },
      },
      [
        'container_network_receive_bytes_total',
        'container_cpu_usage_seconds_total',
        'container_memory_usage_bytes',
      ],
      ['container_network_receive_bytes_total'],
    ],
    [
      'filters are unanchored, as in Go',
      { seriesFilters: [{ is: 'requests' }] },
      ['http_requests_total', 'up'],
      ['http_requests_total'],
    ],
    [
      'RE2 named groups are accepted',
      { seriesFilters: [{ is: '^(?P<x>http)_' }] },
      ['http_requests_total', 'up'],
      ['http_requests_total'],
    ],
  ])('%s', (_name, fields, series, kept) => {
    const rule = ruleFrom(fields);
    expect(series.filter((s) => rule.keepsSeries(s))).toEqual(kept);
  });

  // series_filterer_test.go TestPositiveAndNegativeFilterError and regex_matcher_test.go
  // TestEnforcesIsOrIsNotButNotBoth: refused when the config is read (see config.test.ts); a bad
  // regular expression is refused when the rule is compiled.
  it.each<[string, Record<string, unknown>, string]>([
    [
      'seriesFilters.is',
      { seriesFilters: [{ is: 'series_(' }] },
      'rules[0] (line 2): seriesFilters.is "series_(" is not a valid regular expression',
    ],
    [
      'seriesFilters.isNot',
      { seriesFilters: [{ isNot: '[' }] },
      'rules[0] (line 2): seriesFilters.isNot "[" is not a valid regular expression',
    ],
    [
      'name.matches',
      { name: { matches: '(' } },
      'rules[0] (line 2): name.matches "(" is not a valid regular expression',
    ],
  ])('an invalid %s', (_name, fields, message) => {
    expect(() => ruleFrom(fields)).toThrow(ConfigError);
    expect(() => ruleFrom(fields)).toThrow(message);
  });
});

describe('compileRule: metricsQuery templates are checked once, with the rule named', () => {
  it.each<[string, string]>([
    ['sum(<<.Foo>>)', "rules[0] (line 2): metricsQuery: can't evaluate field Foo"],
    [
      'sum(<<.Series>>{<<.LabelMatcher>>})',
      "rules[0] (line 2): metricsQuery: can't evaluate field LabelMatcher",
    ],
    ['<<sumx .Series>>', 'rules[0] (line 2): metricsQuery: function "sumx" not defined'],
    ['<<if .Series>>x', 'rules[0] (line 2): metricsQuery: missing <<end>>'],
    ['sum(<<.Series', 'rules[0] (line 2): metricsQuery: unclosed action'],
    ['<<$x>>', 'rules[0] (line 2): metricsQuery: undefined variable "$x"'],
  ])('%s', (metricsQuery, message) => {
    expect(() => ruleFrom({ metricsQuery })).toThrow(ConfigError);
    expect(() => ruleFrom({ metricsQuery })).toThrow(message);
  });

  it('names the rule and its line in the file', () => {
    const yaml =
      'externalRules:\n- seriesQuery: a\n  metricsQuery: <<.A>>\n- seriesQuery: b\n  metricsQuery: <<.B>>\n';
    const second = rulesFrom(yaml, 'externalRules')[1] as DiscoveryRule;
    expect(() => compileRule(second, mapper)).toThrow(
      "externalRules[1] (line 4): metricsQuery: can't evaluate field B",
    );
  });

  it.each<[string, number | undefined]>([
    ['sum(rate(<<.Series>>{<<.LabelMatchers>>}[30s])) by (<<.GroupBy>>)', 30],
    ['sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)', 120],
    ['sum(rate(<<.Series>>[1h30m]))', 5400],
    ['max_over_time(<<.Series>>[5m:1m])', 300],
    ['rate(<<.Series>>[ 1m ])', 60],
    ['increase(<<.Series>>[1d]) / increase(<<.Series>>[1h])', 86400],
    ['avg(<<.Series>>) by (<<.GroupBy>>)', undefined],
    ['<<.Series>>{<<.LabelMatchers>>}', undefined],
  ])('windowSeconds of %s → %s', (metricsQuery, want) => {
    expect(ruleFrom({ metricsQuery }).windowSeconds).toBe(want);
  });
});
