// The configuration the manifests ship: it loads and compiles with the proxy's own loader, the Helm
// chart carries the same one, and the proxy's ClusterRole reads exactly what its rules need.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { type CompiledConfig, compileConfig } from '../../proxy/config/compile.ts';
import { parseAdapterConfig } from '../../proxy/rules/config.ts';
import { buildContainersQuery, buildNodesQuery } from '../../proxy/rules/resource-rules.ts';
import { groupResourceString, NODES, PODS } from '../../proxy/rules/resources.ts';
import { mapper } from '../proxy/rules/fixtures.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BASE = join(root, 'deploy', 'kustomize', 'base');
const configText = readFileSync(join(BASE, 'config.yaml'), 'utf8');
const config = parseAdapterConfig(configText, 'config.yaml');

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
interface Manifest {
  kind: string;
  metadata: { name: string };
  rules?: PolicyRule[];
}
const rbac = parseAllDocuments(readFileSync(join(BASE, 'rbac.yaml'), 'utf8')).map(
  (d) => d.toJS() as Manifest,
);

describe('the shipped configuration', () => {
  let compiled: CompiledConfig | undefined;
  const compile = () => {
    compiled ??= compileConfig(config, mapper, { urls: ['http://127.0.0.1:9'], timeoutMs: 1000 });
    return compiled;
  };
  afterAll(async () => {
    await compiled?.close();
  });

  it("loads and compiles with the proxy's loader against a cluster's resources", () => {
    const compiled = compile();
    // The adapter chart's six default rules and two custom ones; cpu and memory for metrics.k8s.io.
    expect(compiled.rules).toHaveLength(8);
    expect(compiled.externalRules).toHaveLength(0);
    expect(compiled.resourceRules?.windowMs).toBe(180_000);
  });

  it("reads nodes from cAdvisor's root cgroup and containers from their own series", () => {
    const resource = compile().resourceRules;
    expect(resource).toBeDefined();
    if (!resource) return;
    expect(buildNodesQuery(resource.cpu)).toBe(
      'sum by (node) (rate(container_cpu_usage_seconds_total{id="/",node=~".+"}[3m]))',
    );
    expect(buildNodesQuery(resource.memory)).toBe(
      'sum by (node) (container_memory_working_set_bytes{id="/",node=~".+"})',
    );
    expect(buildContainersQuery(resource.memory)).toBe(
      'sum by (pod,namespace,container) (container_memory_working_set_bytes{container!="",container!="POD",pod=~".+"})',
    );
  });

  it('is what the Helm chart ships by default', () => {
    const values = parse(readFileSync(join(root, 'deploy', 'helm', 'cmetrics', 'values.yaml'), 'utf8')) as {
      config: unknown;
    };
    expect(values.config).toEqual(parse(configText));
  });

  it("needs no more than the proxy's ClusterRole grants, and the role grants nothing more", () => {
    // `template` mappings would turn any label named like a resource into objects to read.
    const mappings = [
      ...config.rules.map((r) => r.resources),
      ...config.externalRules.map((r) => r.resources),
      ...(config.resourceRules
        ? [config.resourceRules.cpu.resources, config.resourceRules.memory.resources]
        : []),
    ];
    expect(mappings.filter((m) => m.template)).toEqual([]);
    const mapped = mappings.flatMap((m) =>
      Object.values(m.overrides).map((o) => {
        const r = mapper.resolve(o.group, o.resource);
        if (!r) throw new Error(`the configuration maps ${o.resource}, which the cluster does not serve`);
        return groupResourceString(r);
      }),
    );
    // Pods and nodes are watched from the start, whatever the rules say.
    const needed = new Set([groupResourceString(PODS), groupResourceString(NODES), ...mapped]);

    const role = rbac.find((o) => o.kind === 'ClusterRole' && o.metadata.name === 'cmetrics-resource-reader');
    const granted = (role?.rules ?? []).flatMap((r) =>
      r.resources.flatMap((res) => r.apiGroups.map((g) => (g ? `${res}.${g}` : res))),
    );
    expect(new Set(granted)).toEqual(needed);
    expect(role?.rules?.every((r) => r.verbs.join() === 'get,list,watch')).toBe(true);
  });
});
