// history.cmetrics.io through the real aggregator: the sample app's custom, external and resource
// metrics over the last minutes agree with the live APIs at the same second; the bounds answer a
// Status naming the limit; and a reader allowed the history but not the live metric gets 403.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  APIResourceList,
  ExternalMetricValueList,
  MetricValueList,
  MetricValueV1beta2,
  NodeMetricsList,
  PodMetricsList,
} from '../../shared/api-types.ts';
import { parseQuantity, toNumber } from '../../shared/quantity.ts';
import { apiServiceAvailable, eventually, getRaw, hit, kubectl, scrapedPods } from './helpers.ts';

const BASE = '/apis/history.cmetrics.io/v1alpha1';
const APP = 'custom-metrics-app';
const SELECTOR = `labelSelector=app%3D${APP}`;
const HISTORY_ONLY = 'e2e-history-only';
const BOTH = 'e2e-history-both';

interface Series {
  describedObject?: { kind: string; namespace?: string; name: string; apiVersion: string };
  metric?: { name: string; selector: unknown };
  metricLabels?: Record<string, string>;
  container?: string;
  resource?: string;
  name?: string;
  points: [number, string][];
}

interface History {
  kind: string;
  apiVersion: string;
  start: string;
  end: string;
  step: string;
  series: Series[];
  source: string;
}

const number = (q: string) => toNumber(parseQuantity(q));

/** The last five minutes up to `endS`, every 2 s: 151 steps. */
const lastMinutes = (endS: number) => `start=${endS - 300}&end=${endS}&step=2s`;

function history(path: string, args: string[] = []): History {
  const r = getRaw<History>(`${BASE}/${path}`, args);
  if (!r.ok) throw new Error(`${path}: ${r.stderr}`);
  return r.body;
}

function rbac(): string {
  const role = (name: string, rules: object[]) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name, namespace: 'default' },
    rules,
  });
  const binding = (user: string, roleName: string) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: `${user}-${roleName}`, namespace: 'default' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  });
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      role('e2e-history', [{ apiGroups: ['history.cmetrics.io'], resources: ['*'], verbs: ['get', 'list'] }]),
      role('e2e-history-live', [{ apiGroups: ['custom.metrics.k8s.io'], resources: ['*'], verbs: ['get'] }]),
      binding(HISTORY_ONLY, 'e2e-history'),
      binding(BOTH, 'e2e-history'),
      binding(BOTH, 'e2e-history-live'),
    ],
  });
}

beforeAll(async () => {
  kubectl(['apply', '-f', '-'], rbac());
  const [first] = Object.values(await scrapedPods());
  await hit(first as string, '/', 20);
  expect((await apiServiceAvailable('v1alpha1.history.cmetrics.io')).reason).toBe('Passed');
});

afterAll(() => {
  kubectl(['delete', '-f', '-', '--ignore-not-found'], rbac());
});

describe('history.cmetrics.io through kube-apiserver', () => {
  it('lists its resources in discovery', () => {
    const r = getRaw<APIResourceList>(BASE);
    expect(r.ok && r.body.resources.map((x) => [x.name, x.kind, x.verbs.join(',')])).toEqual([
      ['custommetrics', 'MetricHistory', 'get,list'],
      ['externalmetrics', 'MetricHistory', 'get,list'],
      ['podmetrics', 'MetricHistory', 'get,list'],
      ['nodemetrics', 'MetricHistory', 'get,list'],
      ['horizontalpodautoscalers', 'HorizontalPodAutoscalerHistory', 'get,list'],
      ['pods', 'PodHistory', 'get,list'],
    ]);
  });

  it("serves pods/*/qps over the last minutes at 2s, ending at the live answer's value", async () => {
    const live = await eventually('pods/*/qps above 0', () => {
      const r = getRaw<MetricValueList<MetricValueV1beta2>>(
        `/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/qps?${SELECTOR}`,
      );
      return r.ok && r.body.items.some((i) => number(i.value) > 0) ? r.body : undefined;
    });
    const endS = Date.parse(live.items[0]?.timestamp as string) / 1000;
    const body = history(`namespaces/default/custommetrics/pods/*/qps?${lastMinutes(endS)}&${SELECTOR}`);
    expect(body).toMatchObject({
      kind: 'MetricHistory',
      apiVersion: 'history.cmetrics.io/v1alpha1',
      end: new Date(endS * 1000).toISOString().replace('.000Z', 'Z'),
      step: '2s',
      source: 'prometheus',
    });
    const byPod = new Map(body.series.map((s) => [s.describedObject?.name, s]));
    for (const item of live.items) {
      const s = byPod.get(item.describedObject.name);
      expect(s, item.describedObject.name).toBeDefined();
      expect(s?.describedObject).toEqual(item.describedObject);
      expect(s?.metric).toEqual({ name: 'qps', selector: null });
      const points = s?.points ?? [];
      expect(points.length).toBeGreaterThan(1);
      // On the 2 s grid from start, oldest first.
      for (const [t] of points) expect((t - (endS - 300)) % 2).toBe(0);
      expect(points.map(([t]) => t)).toEqual([...points.map(([t]) => t)].sort((a, b) => a - b));
      // The same rule and query at the same second: the live value, formatted the same way.
      const [t, v] = points.at(-1) as [number, string];
      expect(t).toBe(endS);
      expect(number(v)).toBeCloseTo(number(item.value), 6);
    }
  });

  it('serves the external metric over the last minutes, per series as live', async () => {
    const live = await eventually('external_requests_per_second listed', () => {
      const r = getRaw<ExternalMetricValueList>(
        '/apis/external.metrics.k8s.io/v1beta1/namespaces/default/external_requests_per_second',
      );
      return r.ok && r.body.items.length ? r.body : undefined;
    });
    const endS = Date.parse(live.items[0]?.timestamp as string) / 1000;
    const body = history(
      `namespaces/default/externalmetrics/external_requests_per_second?${lastMinutes(endS)}`,
    );
    expect(body.kind).toBe('MetricHistory');
    for (const item of live.items) {
      const s = body.series.find((x) => JSON.stringify(x.metricLabels) === JSON.stringify(item.metricLabels));
      expect(s, JSON.stringify(item.metricLabels)).toMatchObject({
        metric: { name: 'external_requests_per_second', selector: null },
      });
      const [t, v] = (s?.points.at(-1) ?? []) as [number, string];
      expect(t).toBe(endS);
      expect(number(v)).toBeCloseTo(number(item.value), 6);
    }
  });

  it('serves cpu and memory per container of every pod live metrics.k8s.io reports, the live usage at its second', async () => {
    const live = await eventually('pod metrics listed', () => {
      const r = getRaw<PodMetricsList>(`/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?${SELECTOR}`);
      return r.ok && r.body.items.length ? r.body : undefined;
    });
    // The snapshot's evaluation second: the same rules' queries then give the same usage.
    const endS = Date.parse(live.items[0]?.timestamp as string) / 1000;
    const body = history(`namespaces/default/podmetrics?${lastMinutes(endS)}&${SELECTOR}`);
    expect(body.kind).toBe('MetricHistory');
    for (const pod of live.items) {
      for (const container of pod.containers) {
        for (const resource of ['cpu', 'memory'] as const) {
          const s = body.series.find(
            (x) =>
              x.describedObject?.name === pod.metadata.name &&
              x.container === container.name &&
              x.resource === resource,
          );
          expect(s, `${pod.metadata.name}/${container.name} ${resource}`).toMatchObject({
            describedObject: { kind: 'Pod', namespace: 'default', name: pod.metadata.name, apiVersion: 'v1' },
          });
          for (const [, v] of s?.points ?? []) expect(number(v)).toBeGreaterThanOrEqual(0);
          const [t, v] = (s?.points.at(-1) ?? []) as [number, string];
          expect(t).toBe(Date.parse(pod.timestamp) / 1000);
          expect(v).toBe(container.usage[resource]);
        }
      }
    }
  });

  it('serves cpu and memory per node, the live usage at its second', async () => {
    const live = await eventually('node metrics listed', () => {
      const r = getRaw<NodeMetricsList>('/apis/metrics.k8s.io/v1beta1/nodes');
      return r.ok && r.body.items.length ? r.body : undefined;
    });
    const endS = Date.parse(live.items[0]?.timestamp as string) / 1000;
    const body = history(`nodemetrics?${lastMinutes(endS)}`);
    for (const node of live.items) {
      for (const resource of ['cpu', 'memory'] as const) {
        const s = body.series.find(
          (x) => x.describedObject?.name === node.metadata.name && x.resource === resource,
        );
        expect(s?.describedObject, `${node.metadata.name} ${resource}`).toEqual({
          kind: 'Node',
          name: node.metadata.name,
          apiVersion: 'v1',
        });
        const [t, v] = (s?.points.at(-1) ?? []) as [number, string];
        expect(t).toBe(Date.parse(node.timestamp) / 1000);
        expect(v).toBe(node.usage[resource]);
      }
    }
  });

  it("answers a namespace's pod lifecycle, from kube-state-metrics or none", () => {
    const body = history(`namespaces/default/pods?${SELECTOR}`);
    expect(body.kind).toBe('PodHistory');
    expect(['kube-state-metrics', 'none']).toContain(body.source);
  });

  it('answers an HPA without kube-state-metrics series as source none, with no series', () => {
    const body = history('namespaces/default/horizontalpodautoscalers/e2e-history-no-such-hpa');
    expect(body).toMatchObject({ kind: 'HorizontalPodAutoscalerHistory', series: [], source: 'none' });
  });

  it.each<[string, string, RegExp]>([
    [
      'too many points',
      'start=0&end=86400&step=1s',
      /BadRequest.*step 1s over 24h gives 86401 points, more than the 11000 allowed \(--history-max-points\): use step ≥ 8s/,
    ],
    [
      'start after end',
      'start=2000&end=1000',
      /BadRequest.*start 1970-01-01T00:33:20Z is after end 1970-01-01T00:16:40Z/,
    ],
    [
      'a range past --history-max-range',
      'start=0&end=864000&step=1h',
      /BadRequest.*more than the 168h allowed/,
    ],
  ])('refuses %s with a 400 Status naming the limit', (_what, query, message) => {
    const r = getRaw<unknown>(`${BASE}/namespaces/default/custommetrics/pods/*/qps?${query}`);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.stderr.replace(/\n/g, ' ')).toMatch(message);
  });

  it('refuses a reader of the history who may not read the live metric, and serves one who may', async () => {
    const path = `${BASE}/namespaces/default/custommetrics/pods/*/qps?${SELECTOR}`;
    const denied = getRaw<unknown>(path, [`--as=${HISTORY_ONLY}`]);
    expect(denied.ok).toBe(false);
    expect(!denied.ok && denied.stderr).toContain(
      `is forbidden: User "${HISTORY_ONLY}" cannot get resource "pods/qps" in API group "custom.metrics.k8s.io" in the namespace "default"`,
    );
    // Without the history role the aggregator itself refuses.
    const outsider = getRaw<unknown>(path, ['--as=e2e-history-nobody']);
    expect(!outsider.ok && outsider.stderr).toContain(
      'cannot get resource "custommetrics/*" in API group "history.cmetrics.io"',
    );
    const allowed = await eventually('the reader of both is served', () => {
      const r = getRaw<History>(path, [`--as=${BOTH}`]);
      return r.ok ? r.body : undefined;
    });
    expect(allowed.kind).toBe('MetricHistory');
    expect(allowed.series.length).toBeGreaterThan(0);
  });
});
