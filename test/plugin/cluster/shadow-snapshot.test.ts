import { describe, expect, it } from 'vitest';
import { KubeApi } from '../../../plugin/cluster/api.ts';
import { fetchShadow } from '../../../plugin/cluster/shadow-snapshot.ts';
import { DEFAULT_CONTROLLER_SETTINGS } from '../../../plugin/hpa/snapshot.ts';
import { ALL_GROUPS, FakeRest, fakeSession, type Routes, status } from './fake.ts';

const q = (path: string, query: Record<string, string>) => `${path}?${new URLSearchParams(query)}`;
const list = (kind: string, items: unknown[]) => ({ kind, apiVersion: 'v1', metadata: {}, items });

const PODS_CALL = q('/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/pods/*/qps', {
  labelSelector: 'app=web',
  metricLabelSelector: 'api=root',
});
const EXTERNAL_CALL = '/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/queue_depth';

const SERVING: Routes = {
  ...ALL_GROUPS,
  '/version': { gitVersion: 'v1.37.2' },
  '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web': {
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      maxReplicas: 10,
      metrics: [
        {
          type: 'Pods',
          pods: {
            metric: { name: 'qps', selector: { matchLabels: { api: 'root' } } },
            target: { type: 'AverageValue', averageValue: '1' },
          },
        },
        {
          type: 'External',
          external: { metric: { name: 'queue_depth' }, target: { type: 'Value', value: '5' } },
        },
      ],
    },
  },
  '/apis/apps/v1': {
    kind: 'APIResourceList',
    groupVersion: 'apps/v1',
    resources: [{ name: 'deployments', kind: 'Deployment', namespaced: true, verbs: ['get'] }],
  },
  '/apis/apps/v1/namespaces/shop/deployments/web/scale': {
    kind: 'Scale',
    spec: { replicas: 1 },
    status: { replicas: 1, selector: 'app=web' },
  },
  [q('/api/v1/namespaces/shop/pods', { labelSelector: 'app=web' })]: list('PodList', []),
  [PODS_CALL]: list('MetricValueList', [{ value: '1' }]),
  [EXTERNAL_CALL]: list('ExternalMetricValueList', [{ value: '3' }]),
  '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers': { items: [] },
};

describe('fetchShadow', () => {
  it("makes the compared groups' calls again of cmetrics, same path and query, and keeps the others", async () => {
    const { session } = fakeSession(SERVING, 'shop');
    const cmetrics = new FakeRest({ [PODS_CALL]: list('MetricValueList', [{ value: '1001m' }]) });
    const shadow = await fetchShadow(session, new KubeApi(cmetrics), 'web', DEFAULT_CONTROLLER_SETTINGS, [
      'custom.metrics.k8s.io',
    ]);
    expect(cmetrics.requests).toEqual([PODS_CALL]);
    expect(shadow.compared).toEqual([true, false]);
    expect(shadow.serving.metrics[0]).toEqual({
      path: PODS_CALL,
      body: list('MetricValueList', [{ value: '1' }]),
    });
    expect(shadow.cmetrics.metrics[0]).toEqual({
      path: PODS_CALL,
      body: list('MetricValueList', [{ value: '1001m' }]),
    });
    expect(shadow.cmetrics.metrics[1]).toBe(shadow.serving.metrics[1]);
    expect(shadow.cmetrics.hpa).toBe(shadow.serving.hpa);
  });

  it("records cmetrics' failure as the controller would see it", async () => {
    const { session } = fakeSession(SERVING, 'shop');
    const cmetrics = new FakeRest({
      [PODS_CALL]: status(
        403,
        'user "e2e" cannot get resource "pods/qps" in API group "custom.metrics.k8s.io"',
      ),
    });
    const shadow = await fetchShadow(session, new KubeApi(cmetrics), 'web', DEFAULT_CONTROLLER_SETTINGS, [
      'custom.metrics.k8s.io',
      'external.metrics.k8s.io',
    ]);
    expect(cmetrics.requests).toEqual([PODS_CALL, EXTERNAL_CALL]);
    expect(shadow.cmetrics.metrics[0]).toEqual({
      path: PODS_CALL,
      error: {
        code: 403,
        message: 'user "e2e" cannot get resource "pods/qps" in API group "custom.metrics.k8s.io"',
      },
    });
    expect(shadow.cmetrics.metrics[1]?.error?.code).toBe(404);
  });
});
