// Shared fixtures for the rule tests: the resources a typical cluster's discovery serves, and a
// helper that builds a discovery rule from the adapter's YAML.
import { type DiscoveryRule, parseAdapterConfig } from '../../../proxy/rules/config.ts';
import { type CompiledRule, compileRule } from '../../../proxy/rules/naming.ts';
import { type ApiResource, ResourceMapper } from '../../../proxy/rules/resources.ts';

const core = (resource: string, singular: string, kind: string, namespaced: boolean): ApiResource => ({
  group: '',
  version: 'v1',
  resource,
  singular,
  kind,
  namespaced,
});
const grouped =
  (group: string, version: string) =>
  (resource: string, singular: string, kind: string, namespaced = true): ApiResource => ({
    group,
    version,
    resource,
    singular,
    kind,
    namespaced,
  });
const apps = grouped('apps', 'v1');
const batch = grouped('batch', 'v1');
const networking = grouped('networking.k8s.io', 'v1');
const autoscaling = grouped('autoscaling', 'v2');
const events = grouped('events.k8s.io', 'v1');
const policy = grouped('policy', 'v1');

/** What `kubectl api-resources` lists on a recent cluster (a subset), subresources included. */
export const API_RESOURCES: ApiResource[] = [
  core('pods', 'pod', 'Pod', true),
  core('pods/log', '', 'Pod', true),
  core('pods/status', '', 'Pod', true),
  core('services', 'service', 'Service', true),
  core('endpoints', 'endpoints', 'Endpoints', true),
  core('namespaces', 'namespace', 'Namespace', false),
  core('nodes', 'node', 'Node', false),
  core('nodes/status', '', 'Node', false),
  core('persistentvolumes', 'persistentvolume', 'PersistentVolume', false),
  core('persistentvolumeclaims', 'persistentvolumeclaim', 'PersistentVolumeClaim', true),
  core('configmaps', 'configmap', 'ConfigMap', true),
  core('replicationcontrollers', 'replicationcontroller', 'ReplicationController', true),
  core('events', 'event', 'Event', true),
  apps('deployments', 'deployment', 'Deployment'),
  apps('deployments/scale', '', 'Scale'),
  apps('statefulsets', 'statefulset', 'StatefulSet'),
  apps('daemonsets', 'daemonset', 'DaemonSet'),
  apps('replicasets', 'replicaset', 'ReplicaSet'),
  batch('jobs', 'job', 'Job'),
  batch('cronjobs', 'cronjob', 'CronJob'),
  networking('ingresses', 'ingress', 'Ingress'),
  networking('ingressclasses', 'ingressclass', 'IngressClass', false),
  networking('networkpolicies', 'networkpolicy', 'NetworkPolicy'),
  autoscaling('horizontalpodautoscalers', 'horizontalpodautoscaler', 'HorizontalPodAutoscaler'),
  events('events', 'event', 'Event'),
  policy('poddisruptionbudgets', 'poddisruptionbudget', 'PodDisruptionBudget'),
];

export const mapper = new ResourceMapper(API_RESOURCES);

/** The discovery rules of an adapter config given as YAML text. */
export function rulesFrom(yaml: string, key: 'rules' | 'externalRules' = 'rules'): DiscoveryRule[] {
  return parseAdapterConfig(yaml, 'test.yaml')[key];
}

/** One rule compiled against the fixture cluster; fields as in the adapter's YAML, with a
 * placeholder seriesQuery and metricsQuery unless given. */
export function ruleFrom(fields: Record<string, unknown>): CompiledRule {
  const yaml = `rules:\n- ${JSON.stringify({ seriesQuery: 'up', metricsQuery: '<<.Series>>', ...fields })}\n`;
  return compileRule(rulesFrom(yaml)[0] as DiscoveryRule, mapper);
}

/** A GroupResource by its URL form (`pods`, `deployments.apps`), failing loudly if not served. */
export function gr(text: string): { group: string; resource: string } {
  const r = mapper.parse(text);
  if (!r) throw new Error(`fixture serves no resource ${text}`);
  return { group: r.group, resource: r.resource };
}

/**
 * The adapter's DefaultConfig(1*time.Minute, prefix) (cmd/config-gen/utils/default.go) as the YAML
 * that config-gen prints: the rules its own series registry and provider tests run against.
 */
export function adapterDefaultConfig(prefix: string): string {
  const containerSeries = '{__name__=~"^container_.*",container!="POD",namespace!="",pod!=""}';
  const normalSeries = `{${prefix}namespace!="",__name__!~"^container_.*"}`;
  const containerResources =
    'resources: {overrides: {namespace: {resource: namespace}, pod: {resource: pod}}}';
  const templateResources = `resources: {template: "${prefix}<<.Resource>>"}`;
  return `rules:
- seriesQuery: '${containerSeries}'
  ${containerResources}
  name: {matches: "^container_(.*)_seconds_total$"}
  metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>,container!="POD"}[1m])) by (<<.GroupBy>>)'
- seriesQuery: '${containerSeries}'
  seriesFilters: [{isNot: "^container_.*_seconds_total$"}]
  ${containerResources}
  name: {matches: "^container_(.*)_total$"}
  metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>,container!="POD"}[1m])) by (<<.GroupBy>>)'
- seriesQuery: '${containerSeries}'
  seriesFilters: [{isNot: "^container_.*_total$"}]
  ${containerResources}
  name: {matches: "^container_(.*)$"}
  metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>,container!="POD"}) by (<<.GroupBy>>)'
- seriesQuery: '${normalSeries}'
  seriesFilters: [{isNot: ".*_total$"}]
  ${templateResources}
  metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)'
- seriesQuery: '${normalSeries}'
  seriesFilters: [{isNot: ".*_seconds_total"}]
  name: {matches: "^(.*)_total$"}
  ${templateResources}
  metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[1m])) by (<<.GroupBy>>)'
- seriesQuery: '${normalSeries}'
  name: {matches: "^(.*)_seconds_total$"}
  ${templateResources}
  metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[1m])) by (<<.GroupBy>>)'
resourceRules:
  cpu:
    containerQuery: 'sum(rate(container_cpu_usage_seconds_total{<<.LabelMatchers>>}[1m])) by (<<.GroupBy>>)'
    nodeQuery: "sum(rate(container_cpu_usage_seconds_total{<<.LabelMatchers>>, id='/'}[1m])) by (<<.GroupBy>>)"
    resources: {overrides: {namespace: {resource: namespace}, pod: {resource: pod}, instance: {resource: node}}}
    containerLabel: ${prefix}container
  memory:
    containerQuery: 'sum(container_memory_working_set_bytes{<<.LabelMatchers>>}) by (<<.GroupBy>>)'
    nodeQuery: "sum(container_memory_working_set_bytes{<<.LabelMatchers>>,id='/'}) by (<<.GroupBy>>)"
    resources: {overrides: {namespace: {resource: namespace}, pod: {resource: pod}, instance: {resource: node}}}
    containerLabel: ${prefix}container
  window: 1m
`;
}
