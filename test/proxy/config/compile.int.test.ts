// Two Prometheus servers with different data, each named by some rules: discovery and queries go to
// the backend each rule names (adapter #45, #267), with real servers over backfilled data.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCustomMetric } from '../../../proxy/apis/custom-metrics.ts';
import { getExternalMetric } from '../../../proxy/apis/external-metrics.ts';
import { type CompiledConfig, compileConfig } from '../../../proxy/config/compile.ts';
import { createLogger } from '../../../proxy/log.ts';
import { Relister } from '../../../proxy/prometheus/relist.ts';
import { parseAdapterConfig } from '../../../proxy/rules/config.ts';
import { startPrometheusWithData } from '../../harness/prometheus.ts';
import { mapper } from '../apis/fixtures.ts';

const nowS = Math.floor(Date.now() / 1000);
const gauge = (name: string, labels: string, value: number) => {
  const lines = [`# TYPE ${name} gauge`];
  for (let t = nowS - 1800; t <= nowS + 7200; t += 60) lines.push(`${name}{${labels}} ${value} ${t}`);
  return lines;
};
const om = (...groups: string[][]) => `${groups.flat().join('\n')}\n# EOF\n`;

describe('rules answered by the backend they name', () => {
  let servers: Awaited<ReturnType<typeof startPrometheusWithData>>[] = [];
  let compiled: CompiledConfig;
  let relister: Relister;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cmetrics-backends-'));
    servers = await Promise.all([
      startPrometheusWithData(join(dir, 'main'), om(gauge('app_queue', 'namespace="shop",pod="web-0"', 3))),
      startPrometheusWithData(
        join(dir, 'tenant'),
        om(
          gauge('app_queue', 'namespace="shop",pod="web-0"', 300),
          gauge('jobs_waiting', 'queue="emails"', 17),
        ),
      ),
    ]);
    const config = parseAdapterConfig(
      `backends:
- name: tenant-a
  url: ${servers[1]?.url}/
  headers: {X-Scope-OrgID: tenant-a}
rules:
- seriesQuery: app_queue
  resources: {overrides: {namespace: {resource: namespace}, pod: {resource: pod}}}
  metricsQuery: 'max(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)'
- seriesQuery: app_queue
  backend: tenant-a
  resources: {overrides: {namespace: {resource: namespace}, pod: {resource: pod}}}
  name: {as: tenant_queue}
  metricsQuery: 'max(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)'
externalRules:
- metricName: emails_waiting
  backend: tenant-a
  resources: {namespaced: false}
  metricsQuery: 'sum(jobs_waiting{queue="emails"})'
`,
      'backends.yaml',
    );
    compiled = compileConfig(config, mapper, { urls: [servers[0]?.url as string], timeoutMs: 5000 });
    relister = new Relister(() => compiled, {
      intervalMs: 60_000,
      maxAgeMs: 3_600_000,
      log: createLogger('error'),
    });
    await relister.relist();
  }, 120_000);

  afterAll(async () => {
    await compiled?.close();
    await Promise.all(servers.map((s) => s.stop()));
  });

  const backend = () => ({
    registry: () => relister.current(),
    externalRegistry: () => relister.external(),
    mapper: () => mapper,
    objects: {
      names: async () => ['web-0'],
      exists: async () => true,
      list: async () => [],
      get: async () => undefined,
    },
    query: (expr: string, timeMs: number, name: string) => compiled.backend(name).query(expr, timeMs),
    now: () => nowS * 1000,
  });

  it("discovers each rule's metric on its own backend", () => {
    expect(relister.lastError).toBeUndefined();
    expect(
      relister
        .current()
        .list()
        .map((m) => `${m.resource.resource}/${m.metric}`),
    ).toEqual(['namespaces/app_queue', 'namespaces/tenant_queue', 'pods/app_queue', 'pods/tenant_queue']);
  });

  it.each([
    ['app_queue', '3'],
    ['tenant_queue', '300'],
  ])('answers %s from its backend', async (metric, value) => {
    const answer = await getCustomMetric(
      {
        version: 'v1beta2',
        resourceText: 'pods',
        namespace: 'shop',
        name: '*',
        metric,
        labelSelector: [],
        metricSelector: [],
      },
      backend() as never,
    );
    expect(answer.body.items.map((i) => i.value)).toEqual([value]);
  });

  it('answers a metricName external rule from its backend, with no discovery', async () => {
    const answer = await getExternalMetric(
      { namespace: 'shop', metric: 'emails_waiting', labelSelector: [] } as never,
      backend() as never,
    );
    expect(answer.body.items.map((i) => i.value)).toEqual(['17']);
  });
});
