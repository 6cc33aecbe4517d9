import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AdapterConfig, ConfigError, parseAdapterConfig } from '../../../proxy/rules/config.ts';
import {
  buildContainersQuery,
  buildNodesQuery,
  compileResourceRules,
} from '../../../proxy/rules/resource-rules.ts';
import { adapterDefaultConfig, mapper } from './fixtures.ts';

function resourceRules(yaml: string): NonNullable<AdapterConfig['resourceRules']> {
  const rules = parseAdapterConfig(yaml, 'test.yaml').resourceRules;
  if (!rules) throw new Error('fixture has no resourceRules');
  return rules;
}

const FIXTURES = join(import.meta.dirname, '../../fixtures');

const defaults = () => compileResourceRules(resourceRules(adapterDefaultConfig('')), mapper);

/** resourceRules with both resources alike; `cpu` fields override the cpu rule's. */
function yamlWith(cpu: Record<string, unknown>, window = '30s'): string {
  const rule = {
    containerQuery: 'sum(x{<<.LabelMatchers>>}) by (<<.GroupBy>>)',
    nodeQuery: 'sum(y{<<.LabelMatchers>>}) by (<<.GroupBy>>)',
    resources: {
      overrides: {
        namespace: { resource: 'namespace' },
        pod: { resource: 'pod' },
        node: { resource: 'node' },
      },
    },
    containerLabel: 'container',
  };
  return `resourceRules: ${JSON.stringify({ cpu: { ...rule, ...cpu }, memory: rule, window })}\n`;
}

describe('compileResourceRules: adapter DefaultConfig (provider_test.go)', () => {
  it('reads labels and window', () => {
    const rules = defaults();
    expect(rules.windowMs).toBe(60_000);
    for (const rule of [rules.cpu, rules.memory]) {
      expect({
        pod: rule.podLabel,
        namespace: rule.namespaceLabel,
        node: rule.nodeLabel,
        container: rule.containerLabel,
      }).toEqual({
        pod: 'pod',
        namespace: 'namespace',
        node: 'instance',
        container: 'container',
      });
    }
  });

  it.each<[string, (r: ReturnType<typeof defaults>) => string, string]>([
    [
      'cpu of every container, grouped by pod, namespace and container',
      (r) => buildContainersQuery(r.cpu),
      'sum(rate(container_cpu_usage_seconds_total{pod=~".+"}[1m])) by (pod,namespace,container)',
    ],
    [
      'memory of every container',
      (r) => buildContainersQuery(r.memory),
      'sum(container_memory_working_set_bytes{pod=~".+"}) by (pod,namespace,container)',
    ],
    [
      'cpu of every node, grouped by the node label',
      (r) => buildNodesQuery(r.cpu),
      `sum(rate(container_cpu_usage_seconds_total{instance=~".+", id='/'}[1m])) by (instance)`,
    ],
    [
      'memory of every node',
      (r) => buildNodesQuery(r.memory),
      `sum(container_memory_working_set_bytes{instance=~".+",id='/'}) by (instance)`,
    ],
  ])('%s', (_name, build, want) => {
    expect(build(defaults())).toBe(want);
  });
});

describe('compileResourceRules: the harness config (test/fixtures/harness-adapter.yaml)', () => {
  it('compiles, with the labels kwok and Prometheus give and a 30 s window', () => {
    const yaml = readFileSync(join(FIXTURES, 'harness-adapter.yaml'), 'utf8');
    const rules = compileResourceRules(resourceRules(yaml), mapper);
    expect(rules.windowMs).toBe(30_000);
    expect(buildContainersQuery(rules.cpu)).toBe(
      'sum(rate(container_cpu_usage_seconds_total{pod=~".+",container!=""}[30s])) by (pod,namespace,container)',
    );
    expect(buildNodesQuery(rules.memory)).toBe('sum(node_memory_working_set_bytes{node=~".+"}) by (node)');
  });
});

describe('compileResourceRules: errors stop the start, naming the rule', () => {
  it.each<[string, string, string]>([
    [
      'no pod label',
      yamlWith({
        resources: { overrides: { namespace: { resource: 'namespace' }, node: { resource: 'node' } } },
      }),
      'resourceRules.cpu: resources maps no label to pods; add an override such as pod: {resource: pod}',
    ],
    [
      'no namespace label',
      yamlWith({ resources: { overrides: { pod: { resource: 'pod' }, node: { resource: 'node' } } } }),
      'resourceRules.cpu: resources maps no label to namespaces',
    ],
    [
      'no node label',
      yamlWith({
        resources: { overrides: { pod: { resource: 'pod' }, namespace: { resource: 'namespace' } } },
      }),
      'resourceRules.cpu: resources maps no label to nodes',
    ],
    [
      'an override naming a resource the cluster lacks',
      yamlWith({ resources: { overrides: { widget: { resource: 'widget' } } } }),
      'resourceRules.cpu: resources.overrides.widget: the API server serves no resource "widget"',
    ],
    ['no containerLabel', yamlWith({ containerLabel: '' }), 'resourceRules.cpu: containerLabel "" is not'],
    [
      'a containerLabel that is no label name',
      yamlWith({ containerLabel: 'container-name' }),
      'containerLabel "container-name" is not a Prometheus label name',
    ],
    [
      'a containerQuery that does not parse',
      yamlWith({ containerQuery: 'sum(x{<<.LabelMatchers>>) by (<<.GroupBy' }),
      'resourceRules.cpu: containerQuery:',
    ],
    [
      'a nodeQuery that does not execute',
      yamlWith({ nodeQuery: '<<index .Missing 1>>' }),
      'resourceRules.cpu: nodeQuery:',
    ],
    ['a window that is no duration', yamlWith({}, 'soon'), 'resourceRules.window: invalid duration "soon"'],
    ['a zero window', yamlWith({}, '0s'), 'resourceRules.window must be longer than 0s'],
  ])('%s', (_name, yaml, message) => {
    expect(() => compileResourceRules(resourceRules(yaml), mapper)).toThrow(ConfigError);
    expect(() => compileResourceRules(resourceRules(yaml), mapper)).toThrow(message);
  });
});
