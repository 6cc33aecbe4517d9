// cmetrics over another Prometheus-compatible store: a proxy of its own pointed at a store that holds
// the stack's targets (scraped by itself or by Prometheus servers under it) answers the same
// requests as the stack's proxy over Prometheus: the same discovery with no name twice, the same
// objects, each value what the store computes for the rule's query at the answer's timestamp, gauges
// equal and rates close to Prometheus' (each store scrapes at its own moments).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type {
  APIResourceList,
  ExternalMetricValueList,
  MetricValueList,
  MetricValueV1beta2,
  NodeMetricsList,
  PodMetricsList,
} from '../../shared/api-types.ts';
import { parseQuantity, toNumber } from '../../shared/quantity.ts';
import { promQuery } from '../harness/prometheus.ts';
import {
  eventually,
  expectSameAsPrometheus,
  kubectl,
  proxyAgent,
  send,
  servedPodIps,
  startLoad,
  tlsAgent,
} from './helpers.ts';
import { AS_ADMIN, frontProxyClient, type ProxyInstance, startProxyInstance } from './proxy-instance.ts';

const CUSTOM = '/apis/custom.metrics.k8s.io/v1beta2';
const EXTERNAL = '/apis/external.metrics.k8s.io/v1beta1';
const RESOURCE = '/apis/metrics.k8s.io/v1beta1';
const APP = 'custom-metrics-app';
const SELECTOR = `labelSelector=app%3D${APP}`;

const quantity = (q: string | undefined) => toNumber(parseQuantity(q ?? ''));

/** Within `relative` of each other, or both below `floor`. */
function expectClose(a: number, b: number, relative: number, floor = 0) {
  if (Math.max(Math.abs(a), Math.abs(b)) <= floor) return;
  expect(Math.abs(a - b), `${a} vs ${b}`).toBeLessThanOrEqual(relative * Math.max(Math.abs(a), Math.abs(b)));
}

const appPods = () =>
  kubectl(['get', 'pods', '-n', 'default', '-l', `app=${APP}`, '-o', 'jsonpath={.items[*].metadata.name}'])
    .split(' ')
    .filter(Boolean)
    .sort();

export interface Store {
  url: string;
  stop(): Promise<void>;
}

/**
 * Registers the conformance suite for `name`: `start` starts the store, `proxyOptions` adds to the
 * proxy's; CPU of PodMetrics and NodeMetrics must agree within `cpuTolerance` (kwok's usage is
 * constant: only the stores' rate arithmetic and scrape moments differ). Returns the proxy, for a
 * file's own tests beside the suite.
 */
export function storeConformance(
  name: string,
  start: () => Promise<Store>,
  opts: {
    cpuTolerance: number;
    proxyOptions?: (dir: string) => Partial<Parameters<typeof startProxyInstance>[2]>;
  },
): { proxy: () => ProxyInstance; agent: () => Agent; store: () => Store } {
  const { cpuTolerance, proxyOptions } = opts;
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  let dir: string;
  let store: Store;
  let proxy: ProxyInstance;
  let storeAgent: Agent;
  let stackAgent: Agent;
  let load: ReturnType<typeof startLoad>;

  /** The same request to the proxy over the store and to the stack's proxy over Prometheus. */
  async function both<T>(path: string): Promise<{ store: T; prometheus: T }> {
    const [a, b] = await Promise.all([
      send(proxy.port, path, storeAgent, { headers: AS_ADMIN }),
      send(inject('proxyPort'), path, stackAgent, { headers: AS_ADMIN }),
    ]);
    expect([a.status, b.status], `${path}: ${a.text.slice(0, 300)}`).toEqual([200, 200]);
    return { store: a.body as T, prometheus: b.body as T };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `cmetrics-e2e-${slug}-`));
    store = await start();
    proxy = await startProxyInstance(`e2e-${slug}-proxy`, join(dir, 'proxy'), {
      prometheusUrl: store.url,
      ...(proxyOptions?.(dir) ?? {}),
    });
    const client = frontProxyClient(dir);
    storeAgent = tlsAgent(proxy.ca, proxy.servername, client);
    stackAgent = proxyAgent(client);
    // Steady requests, so that both stores hold non-zero rates to compare.
    load = startLoad(() => servedPodIps('default', `app=${APP}`), 10, 300_000);
    // Both stores hold full rate windows: rate() over a series younger than its range (a new pod, a
    // load just started) is a partial figure, and the two stores compute it differently (Prometheus
    // divides the extrapolated increase by the whole range). 40 s at the 2 s scrape is 20 samples.
    await eventually(
      'both stores hold 30 s of every series and a steady request rate',
      async () => {
        const pods = appPods().join('|');
        for (const url of [store.url, inject('prometheusUrl')]) {
          for (const series of ['container_cpu_usage_seconds_total', 'node_cpu_usage_seconds_total']) {
            const short = await promQuery(url, `count_over_time(${series}[40s]) < 16`);
            const all = await promQuery(url, `count_over_time(${series}[40s])`);
            if (short.length || !all.length) return undefined;
          }
          const rates = async (range: string) =>
            promQuery(url, `sum(rate(total_req_num{namespace="default",pod=~"${pods}"}[${range}])) by (pod)`);
          const [long, recent] = [await rates('30s'), await rates('10s')];
          if (long.length !== appPods().length) return undefined;
          for (const r of long) {
            const other = recent.find((x) => x.metric.pod === r.metric.pod);
            const [a, b] = [Number(r.value[1]), Number(other?.value[1])];
            if (!(a > 0) || Math.abs(a - b) > 0.2 * a) return undefined;
          }
        }
        return true;
      },
      180_000,
      1000,
    );
  });

  afterAll(async () => {
    await load?.stop();
    await storeAgent?.close();
    await stackAgent?.close();
    await proxy?.stop();
    await store?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe(`cmetrics over ${name}`, () => {
    it('lists the same metrics in discovery as over Prometheus, none twice', async () => {
      for (const path of [CUSTOM, '/apis/custom.metrics.k8s.io/v1beta1', EXTERNAL]) {
        const lists = await eventually(`${path} lists the same names`, async () => {
          const r = await both<APIResourceList>(path);
          const names = (l: APIResourceList) => l.resources.map((x) => x.name).sort();
          return names(r.store).length > 0 && names(r.store).join() === names(r.prometheus).join()
            ? r
            : undefined;
        });
        const names = lists.store.resources.map((x) => x.name);
        expect(new Set(names).size).toBe(names.length);
        expect(lists.store.resources).toEqual(expect.arrayContaining(lists.prometheus.resources));
      }
    });

    it("serves pods/*/qps: the same pods, the store's value, close to Prometheus", async () => {
      const r = await both<MetricValueList<MetricValueV1beta2>>(
        `${CUSTOM}/namespaces/default/pods/*/qps?${SELECTOR}`,
      );
      const pods = (l: MetricValueList<MetricValueV1beta2>) =>
        l.items.map((i) => i.describedObject.name).sort();
      expect(pods(r.store)).toEqual(appPods());
      expect(pods(r.store)).toEqual(pods(r.prometheus));
      await expectSameAsPrometheus(
        r.store.items,
        `sum(rate(total_req_num{namespace="default",pod=~"${appPods().join('|')}"}[30s])) by (pod)`,
        (item) => ({ pod: item.describedObject.name }),
        store.url,
      );
      for (const item of r.store.items) {
        const other = r.prometheus.items.find((i) => i.describedObject.name === item.describedObject.name);
        // Two stores scraping at their own moments under a load of 10 requests/s: rates agree loosely.
        expectClose(quantity(item.value), quantity(other?.value), 0.35, 0.5);
      }
    });

    it('serves a gauge (pods/*/cpuTemperature) equal to Prometheus', async () => {
      const r = await both<MetricValueList<MetricValueV1beta2>>(
        `${CUSTOM}/namespaces/default/pods/*/cpuTemperature?${SELECTOR}`,
      );
      expect(r.store.items.length).toBe(appPods().length);
      for (const item of r.store.items) {
        const other = r.prometheus.items.find((i) => i.describedObject.name === item.describedObject.name);
        expect(quantity(item.value)).toBe(quantity(other?.value));
      }
    });

    it('serves an Object metric on a Service', async () => {
      const r = await both<MetricValueList<MetricValueV1beta2>>(
        `${CUSTOM}/namespaces/default/services/${APP}/http_requests`,
      );
      expect(r.store.items.map((i) => i.describedObject.name)).toEqual([APP]);
      await expectSameAsPrometheus(
        r.store.items,
        `sum(rate(total_req_num{namespace="default",service="${APP}"}[30s])) by (service)`,
        () => ({ service: APP }),
        store.url,
      );
      expectClose(quantity(r.store.items[0]?.value), quantity(r.prometheus.items[0]?.value), 0.35, 0.5);
    });

    it('serves an external metric', async () => {
      const r = await both<ExternalMetricValueList>(
        `${EXTERNAL}/namespaces/default/external_requests_per_second?labelSelector=service%3D${APP}`,
      );
      expect(r.store.items.map((i) => i.metricLabels)).toEqual(r.prometheus.items.map((i) => i.metricLabels));
      await expectSameAsPrometheus(
        r.store.items,
        `sum(rate(total_req_num{namespace="default",service="${APP}"}[30s])) by (service)`,
        (item) => item.metricLabels,
        store.url,
      );
    });

    it('serves PodMetrics: the same pods and containers, memory equal, CPU close', async () => {
      const r = await both<PodMetricsList>(`${RESOURCE}/namespaces/default/pods?${SELECTOR}`);
      const shape = (l: PodMetricsList) =>
        l.items.map((p) => [p.metadata.name, p.window, p.containers.map((c) => c.name)]).sort();
      expect(shape(r.store)).toEqual(shape(r.prometheus));
      expect(r.store.items.length).toBe(appPods().length);
      for (const pod of r.store.items) {
        const other = r.prometheus.items.find((p) => p.metadata.name === pod.metadata.name);
        for (const c of pod.containers) {
          const o = other?.containers.find((x) => x.name === c.name);
          expect(quantity(c.usage.memory)).toBe(quantity(o?.usage.memory));
          // kwok's usage is constant: only the stores' rate arithmetic differs.
          expectClose(quantity(c.usage.cpu), quantity(o?.usage.cpu), cpuTolerance);
        }
      }
    });

    it('serves NodeMetrics for the same nodes', async () => {
      const r = await both<NodeMetricsList>(`${RESOURCE}/nodes`);
      const names = (l: NodeMetricsList) => l.items.map((n) => n.metadata.name).sort();
      expect(names(r.store).length).toBeGreaterThan(0);
      expect(names(r.store)).toEqual(names(r.prometheus));
      for (const node of r.store.items) {
        const other = r.prometheus.items.find((n) => n.metadata.name === node.metadata.name);
        expect(quantity(node.usage.memory)).toBe(quantity(other?.usage.memory));
        expectClose(quantity(node.usage.cpu), quantity(other?.usage.cpu), cpuTolerance);
      }
    });
  });

  return { proxy: () => proxy, agent: () => storeAgent, store: () => store };
}
