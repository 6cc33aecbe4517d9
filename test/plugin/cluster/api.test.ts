import { describe, expect, it } from 'vitest';
import { KubeApi, RequestFailed } from '../../../plugin/cluster/api.ts';
import type { RequestTarget } from '../../../plugin/hints/failures.ts';
import { FakeRest, status } from './fake.ts';

/** The request `call` sends, and the target its failure carries when the server says 503. */
async function sent(call: (api: KubeApi) => Promise<unknown>) {
  const rest = new FakeRest({});
  await call(new KubeApi(rest)).catch(() => undefined);
  const [path] = rest.requests;
  const failing = new FakeRest({ [path as string]: status(503, 'down') });
  const error = await call(new KubeApi(failing)).then(
    () => expect.unreachable(),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RequestFailed);
  return { path, target: (error as RequestFailed).target };
}

describe('KubeApi', () => {
  it.each<[string, (api: KubeApi) => Promise<unknown>, string, RequestTarget | undefined]>([
    [
      'pod metrics of a namespace, with a selector',
      (a) => a.listPodMetrics('v1beta1', 'shop', 'app=web'),
      '/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods?labelSelector=app%3Dweb',
      { group: 'metrics.k8s.io', resource: 'pods', namespace: 'shop' },
    ],
    [
      'pod metrics of every namespace; an empty selector is left out',
      (a) => a.listPodMetrics('v1', undefined, ''),
      '/apis/metrics.k8s.io/v1/pods',
      { group: 'metrics.k8s.io', resource: 'pods', namespace: undefined },
    ],
    [
      'one node',
      (a) => a.getNodeMetrics('v1', 'kwok-node-0'),
      '/apis/metrics.k8s.io/v1/nodes/kwok-node-0',
      { group: 'metrics.k8s.io', resource: 'nodes' },
    ],
    [
      'a custom metric of every pod, names escaped',
      (a) =>
        a.customMetric('v1beta2', {
          namespace: 'shop',
          resource: 'pods',
          name: '*',
          metric: 'http requests',
          metricSelector: 'api=/x',
        }),
      '/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/pods/*/http%20requests?metricLabelSelector=api%3D%2Fx',
      { group: 'custom.metrics.k8s.io', resource: 'pods', namespace: 'shop' },
    ],
    [
      "a Namespace's own metric has its own form",
      (a) =>
        a.customMetric('v1beta2', {
          namespace: undefined,
          resource: 'namespaces',
          name: 'shop',
          metric: 'load',
        }),
      '/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/metrics/load',
      { group: 'custom.metrics.k8s.io', resource: 'namespaces', namespace: undefined },
    ],
    [
      'an external metric',
      (a) => a.externalMetric('v1beta1', 'shop', 'queue_depth', 'queue=jobs'),
      '/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/queue_depth?labelSelector=queue%3Djobs',
      { group: 'external.metrics.k8s.io', namespace: 'shop' },
    ],
    [
      'the scale subresource of a Deployment',
      (a) => a.scale('apps/v1', 'deployments', 'shop', 'web'),
      '/apis/apps/v1/namespaces/shop/deployments/web/scale',
      { group: 'apps' },
    ],
    ['a core group resource list has no group target', (a) => a.resourceList('v1'), '/api/v1', undefined],
    [
      'an HPA',
      (a) => a.hpa('shop', 'web'),
      '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web',
      {
        group: 'autoscaling',
      },
    ],
    [
      'pods stay in the core group',
      (a) => a.getPod('shop', 'web-1'),
      '/api/v1/namespaces/shop/pods/web-1',
      undefined,
    ],
  ])('%s', async (_what, call, path, target) => {
    expect(await sent(call)).toEqual({ path, target });
  });
});
