// Two tenants of one multi-tenant store (Thanos Receive, one TSDB per tenant, and Thanos Query
// enforcing tenancy by its THANOS-TENANT header): team-a holds the sample app's request counters,
// team-b its temperatures. Each rule reaches its own tenant through its backend's headers; a rule
// asking one tenant for the other's series finds nothing, in discovery and in answers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Agent } from 'undici';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import type { APIResourceList, MetricValueList } from '../../shared/api-types.ts';
import { parseQuantity, toNumber } from '../../shared/quantity.ts';
import { startThanosReceive, TENANT_HEADER } from '../harness/thanos.ts';
import { eventually, prometheus, send, tlsAgent } from './helpers.ts';
import { AS_ADMIN, frontProxyClient, type ProxyInstance, startProxyInstance } from './proxy-instance.ts';

const CUSTOM = '/apis/custom.metrics.k8s.io/v1beta2';
const PODS = `${CUSTOM}/namespaces/default/pods/*`;
const SELECTOR = 'labelSelector=app%3Dcustom-metrics-app';
const POD_RESOURCES = { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } };

let dir: string;
let store: Awaited<ReturnType<typeof startThanosReceive>>;
let proxy: ProxyInstance;
let agent: Agent;

const get = (path: string) => send(proxy.port, path, agent, { headers: AS_ADMIN });

/** A rule of `tenant`'s backend for `series`, served as `as`. */
const rule = (tenant: string, series: string, as: string, query: string) => ({
  seriesQuery: `${series}{namespace!="",pod!=""}`,
  backend: tenant,
  resources: POD_RESOURCES,
  name: { matches: `^${series}$`, as },
  metricsQuery: query,
});
const RATE = 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[30s])) by (<<.GroupBy>>)';
const AVG = 'avg(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)';

/** Series of `metric` that Thanos Query shows `tenant`. */
async function seriesOf(tenant: string, metric: string): Promise<number> {
  const res = await request(`${store.queryUrl}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', [TENANT_HEADER]: tenant },
    body: new URLSearchParams({ query: `count(${metric})` }).toString(),
  });
  const body = (await res.body.json()) as { data?: { result: { value: [number, string] }[] } };
  return Number(body.data?.result[0]?.value[1] ?? 0);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cmetrics-e2e-tenants-'));
  store = await startThanosReceive({
    workDir: inject('workDir'),
    binDir: inject('binDir'),
    tenants: { 'team-a': 'total_req_num', 'team-b': 'cpu_temperature_celsius' },
  });
  await eventually(
    'each tenant holds its series',
    async () =>
      (await seriesOf('team-a', 'total_req_num')) > 0 &&
      (await seriesOf('team-b', 'cpu_temperature_celsius')) > 0
        ? true
        : undefined,
    120_000,
    1000,
  );
  const config = {
    backends: ['team-a', 'team-b'].map((tenant) => ({
      name: tenant,
      url: store.queryUrl,
      headers: { [TENANT_HEADER]: tenant },
    })),
    rules: [
      rule('team-a', 'total_req_num', 'team_a_qps', RATE),
      rule('team-b', 'cpu_temperature_celsius', 'team_b_temperature', AVG),
      // Each tenant asked for the other's series.
      rule('team-a', 'cpu_temperature_celsius', 'team_a_temperature', AVG),
      rule('team-b', 'total_req_num', 'team_b_qps', RATE),
    ],
    externalRules: [
      // team-a's request counters asked of team-b, as an external metric.
      {
        seriesQuery: 'total_req_num{namespace!=""}',
        backend: 'team-b',
        resources: { overrides: { namespace: { resource: 'namespace' } } },
        name: { matches: '^total_req_num$', as: 'team_b_requests_per_second' },
        metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[30s])) by (service)',
      },
    ],
  };
  proxy = await startProxyInstance('e2e-tenants-proxy', join(dir, 'proxy'), {
    prometheusUrl: store.queryUrl,
    config: stringify(config),
  });
  agent = tlsAgent(proxy.ca, proxy.servername, frontProxyClient(dir));
});

afterAll(async () => {
  await agent?.close();
  await proxy?.stop();
  await store?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('two tenants of Thanos Receive', () => {
  it("lists each tenant's own metrics in discovery and never the other's", async () => {
    const names = await eventually('both tenants listed', async () => {
      const r = await get(CUSTOM);
      const list = r.status === 200 ? (r.body as APIResourceList).resources.map((x) => x.name) : [];
      return list.includes('pods/team_a_qps') && list.includes('pods/team_b_temperature') ? list : undefined;
    });
    expect(names).not.toContain('pods/team_a_temperature');
    expect(names).not.toContain('pods/team_b_qps');
  });

  it("answers each tenant's metric from its own series", async () => {
    const temperature = await get(`${PODS}/team_b_temperature?${SELECTOR}`);
    expect(temperature.status).toBe(200);
    const items = (temperature.body as MetricValueList).items;
    expect(items.length).toBeGreaterThan(0);
    // A gauge: what the stack's Prometheus holds for the same pods.
    for (const item of items) {
      const [want] = await prometheus(
        `avg(cpu_temperature_celsius{namespace="default",pod="${item.describedObject.name}"})`,
      );
      expect(toNumber(parseQuantity(item.value))).toBe(Number(want?.value[1]));
    }
    expect((await get(`${PODS}/team_a_qps?${SELECTOR}`)).status).toBe(200);
  });

  it("finds nothing of one tenant's series through the other's rule", async () => {
    const leak = await get(`${PODS}/team_a_temperature?${SELECTOR}`);
    expect(leak.status).toBe(404);
    const discovery = await get('/apis/external.metrics.k8s.io/v1beta1');
    const names = (discovery.body as APIResourceList).resources.map((r) => r.name);
    expect(names).not.toContain('team_b_requests_per_second');
    const external = await get(
      '/apis/external.metrics.k8s.io/v1beta1/namespaces/default/team_b_requests_per_second',
    );
    expect(external.status, external.text.slice(0, 300)).toBe(404);
  });
});
