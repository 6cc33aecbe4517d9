// custom.metrics.k8s.io through the real aggregator: APIServices become Available, kubectl reads
// discovery and values, and every value equals what Prometheus answers for the same expression.
import { beforeAll, describe, expect, it } from 'vitest';
import type {
  APIResourceList,
  MetricValueList,
  MetricValueV1beta1,
  MetricValueV1beta2,
  Status,
} from '../../shared/api-types.ts';
import { parseQuantity, toNumber } from '../../shared/quantity.ts';
import {
  apiServiceAvailable,
  eventually,
  expectSameAsPrometheus,
  getRaw,
  hit,
  prometheus,
  scrapedPods,
} from './helpers.ts';

const BASE = '/apis/custom.metrics.k8s.io';
const SELECTOR = 'labelSelector=app%3Dcustom-metrics-app';

type V2List = MetricValueList<MetricValueV1beta2>;

/** The labels that pick an item's series out of Prometheus's answer: `label` names the object. */
const describedBy = (label: string) => (item: MetricValueV1beta2) => ({
  [label]: item.describedObject.name,
});

describe('custom.metrics.k8s.io through kube-apiserver', () => {
  let pods: Record<string, string> = {};

  beforeAll(async () => {
    pods = await scrapedPods();
    // Distinct load per pod and a warmer CPU, so values are not all alike.
    const first = Object.values(pods)[0] as string;
    await hit(first, '/', 20);
    await hit(first, '/cpuTempUp', 2);
    await eventually(
      'Prometheus scraped the sample app',
      async () => {
        const r = await prometheus('cpu_temperature_celsius{namespace="default"} > 50');
        return r.length ? r : undefined;
      },
      60_000,
    );
  });

  it('has both APIServices Available', async () => {
    for (const version of ['v1beta1', 'v1beta2']) {
      const condition = await apiServiceAvailable(`${version}.custom.metrics.k8s.io`);
      expect(condition.reason).toBe('Passed');
    }
  });

  it('lists the configured metrics in discovery, for every resource a rule maps', async () => {
    const list = await eventually('discovery lists qps', () => {
      const r = getRaw<APIResourceList>(`${BASE}/v1beta2`);
      return r.ok && r.body.resources.some((x) => x.name === 'pods/qps') ? r.body : undefined;
    });
    const names = list.resources.map((r) => r.name);
    expect(names).toEqual(
      expect.arrayContaining(['pods/qps', 'pods/cpuTemperature', 'namespaces/qps', 'services/http_requests']),
    );
    expect(list.resources.find((r) => r.name === 'namespaces/qps')?.namespaced).toBe(false);
    expect(list.resources.find((r) => r.name === 'pods/qps')).toMatchObject({
      namespaced: true,
      kind: 'MetricValueList',
      verbs: ['get'],
    });
  });

  it('serves pods/*/qps with the values Prometheus computes', async () => {
    // The 20 requests made above show in the rate once two scrapes bracket them.
    const r = await eventually('pods/*/qps above 0', () => {
      const res = getRaw<V2List>(`${BASE}/v1beta2/namespaces/default/pods/*/qps?${SELECTOR}`);
      return res.ok && res.body.items.some((i) => toNumber(parseQuantity(i.value)) > 0)
        ? res.body
        : undefined;
    });
    expect(r).toMatchObject({ kind: 'MetricValueList', apiVersion: 'custom.metrics.k8s.io/v1beta2' });
    expect(r.items.map((i) => i.describedObject.name).sort()).toEqual(Object.keys(pods).sort());
    expect(r.items[0]).toMatchObject({
      describedObject: { kind: 'Pod', namespace: 'default', apiVersion: 'v1' },
      metric: { name: 'qps', selector: null },
      windowSeconds: 30,
    });
    const names = r.items.map((i) => i.describedObject.name).join('|');
    await expectSameAsPrometheus(
      r.items,
      `sum(rate(total_req_num{namespace="default",pod=~"${names}"}[30s])) by (pod)`,
      describedBy('pod'),
    );
  });

  it("serves one pod's cpuTemperature, and the same data in v1beta1", async () => {
    const [name] = Object.keys(pods) as string[];
    const v2 = getRaw<V2List>(`${BASE}/v1beta2/namespaces/default/pods/${name}/cpuTemperature`);
    expect(v2.ok).toBe(true);
    const items = (v2 as { body: V2List }).body.items;
    expect(items).toHaveLength(1);
    await expectSameAsPrometheus(
      items,
      `avg(cpu_temperature_celsius{namespace="default",pod="${name}"}) by (pod)`,
      describedBy('pod'),
    );
    expect(items[0]?.value).toBe('70');

    const v1 = getRaw<MetricValueList<MetricValueV1beta1>>(
      `${BASE}/v1beta1/namespaces/default/pods/${name}/cpuTemperature`,
    );
    expect(v1.ok && v1.body.items[0]).toMatchObject({
      metricName: 'cpuTemperature',
      selector: null,
      value: '70',
      describedObject: { name },
    });
    expect(v1.ok && v1.body.apiVersion).toBe('custom.metrics.k8s.io/v1beta1');
  });

  it('serves the Service object metric (seed 003) with the value Prometheus computes', async () => {
    const r = getRaw<V2List>(`${BASE}/v1beta2/namespaces/default/services/custom-metrics-app/http_requests`);
    expect(r.ok).toBe(true);
    const items = (r as { body: V2List }).body.items;
    expect(items).toHaveLength(1);
    expect(items[0]?.describedObject).toEqual({
      kind: 'Service',
      namespace: 'default',
      name: 'custom-metrics-app',
      apiVersion: 'v1',
    });
    await expectSameAsPrometheus(
      items,
      'sum(rate(total_req_num{namespace="default",service="custom-metrics-app"}[30s])) by (service)',
      describedBy('service'),
    );
  });

  it('serves the namespace metric through namespaces/NS/metrics/M', async () => {
    const r = getRaw<V2List>(`${BASE}/v1beta2/namespaces/default/metrics/qps`);
    expect(r.ok && r.body.items[0]?.describedObject).toMatchObject({ kind: 'Namespace', name: 'default' });
  });

  it.each([
    [
      'an unknown metric',
      `${BASE}/v1beta2/namespaces/default/pods/*/qpz?${SELECTOR}`,
      /no series in Prometheus gives a metric named qpz.*did you mean qps/,
    ],
    [
      'a metric on a resource no rule maps',
      `${BASE}/v1beta2/namespaces/default/services/custom-metrics-app/qps`,
      /metric qps is served for namespaces, pods, not for services/,
    ],
    [
      'a selector matching no pods',
      `${BASE}/v1beta2/namespaces/default/pods/*/qps?labelSelector=app%3Dnothing`,
      /no pods matching labelSelector/,
    ],
    [
      'a pod that does not exist',
      `${BASE}/v1beta2/namespaces/default/pods/nope/qps`,
      /pods "nope" not found in namespace default/,
    ],
    [
      'a malformed selector',
      `${BASE}/v1beta2/namespaces/default/pods/*/qps?labelSelector=app%20in%20(x`,
      /labelSelector: invalid label selector/,
    ],
  ])('explains %s in a Status error', (_what, path, message) => {
    const r = getRaw<Status>(path);
    expect(r.ok).toBe(false);
    expect((r as { stderr: string }).stderr).toMatch(message);
  });
});
