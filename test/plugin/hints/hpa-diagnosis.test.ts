import { describe, expect, it } from 'vitest';
import { diagnose, parseMetricPath, reproduce } from '../../../plugin/hints/hpa-diagnosis.ts';
import type { Fetched, HPASnapshot } from '../../../plugin/hpa/snapshot.ts';
import type { Decision, MetricFailureCause } from '../../../plugin/hpa/types.ts';

const q = (path: string, query: Record<string, string>) => `${path}?${new URLSearchParams(query)}`;

describe('parseMetricPath and reproduce', () => {
  it.each<[string, string]>([
    [
      q('/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/pods/*/qps', {
        labelSelector: 'app=web',
        metricLabelSelector: 'api in (a,b)',
      }),
      "kubectl cmetrics get custom 'pods/*' qps -n shop -l app=web --metric-selector 'api in (a,b)'",
    ],
    [
      '/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/deployments.apps/web/queue',
      'kubectl cmetrics get custom deployments.apps/web queue -n shop',
    ],
    [
      '/apis/custom.metrics.k8s.io/v1beta1/namespaces/shop/metrics/temp',
      'kubectl cmetrics get custom namespaces/shop temp',
    ],
    [
      q('/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/queue_depth', { labelSelector: 'queue=jobs' }),
      'kubectl cmetrics get external queue_depth -n shop -l queue=jobs',
    ],
    [
      q('/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods', { labelSelector: 'app=web' }),
      'kubectl cmetrics get resource pods -n shop -l app=web',
    ],
  ])('%s', (path, command) => {
    expect(reproduce(parseMetricPath(path) as NonNullable<ReturnType<typeof parseMetricPath>>)).toBe(command);
  });

  it('knows no command for other paths', () => {
    expect(parseMetricPath('/api/v1/namespaces/shop/pods')).toBeUndefined();
    expect(parseMetricPath('http://[')).toBeUndefined();
    expect(reproduce(parseMetricPath('/apis/example.com/v1') as never)).toBeUndefined();
  });
});

const FAILED_PODS_PATH = q('/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/pods/*/qpz', {
  labelSelector: 'app=web',
});
const FAILED_EXTERNAL_PATH = q('/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/queue', {
  labelSelector: 'q=jobs',
});

/** A decision whose only metric failed with `cause`. */
function failedWith(cause: MetricFailureCause, name = 'qpz'): Decision {
  return {
    namespace: 'shop',
    metrics: [
      {
        index: 0,
        name,
        label: `pods metric ${name}`,
        failure: {
          reason: 'FailedGetPodsMetric',
          message: 'the HPA was unable to compute the replica count',
          cause,
        },
      },
    ],
  } as unknown as Decision;
}

const services = (available: boolean) => ({
  path: '/apis/apiregistration.k8s.io/v1/apiservices',
  body: {
    items: [
      {
        metadata: { name: 'v1beta2.custom.metrics.k8s.io' },
        spec: {
          group: 'custom.metrics.k8s.io',
          version: 'v1beta2',
          service: { namespace: 'cmetrics', name: 'cmetrics' },
        },
        status: {
          conditions: [
            available
              ? { type: 'Available', status: 'True' }
              : {
                  type: 'Available',
                  status: 'False',
                  reason: 'FailedDiscoveryCheck',
                  message: 'connection refused',
                },
          ],
        },
      },
    ],
  },
});

const discovery = (groupVersion: string, names: string[]) => ({
  [groupVersion]: {
    path: `/apis/${groupVersion}`,
    body: {
      kind: 'APIResourceList',
      groupVersion,
      resources: names.map((name) => ({ name, namespaced: true })),
    },
  },
});

const snapshotWith = (diagnosis: HPASnapshot['diagnosis']) =>
  ({
    scale: {
      path: '/apis/apps/v1/namespaces/shop/deployments/web/scale',
      body: { status: { selector: 'app=web' } },
    },
    diagnosis,
  }) as unknown as HPASnapshot;

describe('diagnose', () => {
  it.each<[string, MetricFailureCause, HPASnapshot['diagnosis'], string]>([
    [
      'forbidden: who may not do what, and that the controller has its own access',
      {
        kind: 'FetchFailed',
        path: FAILED_PODS_PATH,
        code: 403,
        message:
          'pods.custom.metrics.k8s.io "*" is forbidden: User "jane" cannot get resource "pods/qpz" in API group "custom.metrics.k8s.io" in the namespace "shop"',
      },
      undefined,
      'forbidden: user "jane" may not get pods.custom.metrics.k8s.io/qpz in namespace shop; ask a cluster administrator for a role that allows it (check: kubectl auth can-i get pods.custom.metrics.k8s.io --subresource=qpz -n shop); the controller has its own access: check it with kubectl cmetrics doctor',
    ],
    [
      'unavailable: the APIService condition and its fix',
      { kind: 'FetchFailed', path: FAILED_PODS_PATH, code: 503, message: 'service unavailable' },
      { apiServices: services(false) },
      'APIService v1beta2.custom.metrics.k8s.io is not available (FailedDiscoveryCheck: connection refused); fix service cmetrics/cmetrics, then check: kubectl get apiservice v1beta2.custom.metrics.k8s.io',
    ],
    [
      'unavailable while the APIService is Available: the server itself failed',
      {
        kind: 'FetchFailed',
        path: FAILED_PODS_PATH,
        code: 503,
        message: 'Prometheus at http://p:9090 is unreachable',
      },
      { apiServices: services(true) },
      "Prometheus at http://p:9090 is unreachable (HTTP 503): the APIService is Available, so its server failed to answer; check it with kubectl cmetrics doctor; see for yourself: kubectl cmetrics get custom 'pods/*' qpz -n shop -l app=web",
    ],
    [
      'a metric discovery does not list: the closest names',
      { kind: 'FetchFailed', path: FAILED_PODS_PATH, code: 404, message: 'no metric qpz' },
      discoveryOnly(discovery('custom.metrics.k8s.io/v1beta2', ['pods/qps', 'services/qps'])),
      'no metric "qpz" is served for pods by custom.metrics.k8s.io (closest: qps); see what is served: kubectl cmetrics list',
    ],
    [
      'a metric discovery lists, without a value for these pods',
      {
        kind: 'FetchFailed',
        path: FAILED_PODS_PATH,
        code: 404,
        message: 'Prometheus has no qpz for any of the 2 selected pods',
      },
      discoveryOnly(discovery('custom.metrics.k8s.io/v1beta2', ['pods/qpz'])),
      "Prometheus has no qpz for any of the 2 selected pods; qpz is listed by custom.metrics.k8s.io/v1beta2, but has no value for what the HPA asks: check that Prometheus has its series (repeat the call: kubectl cmetrics get custom 'pods/*' qpz -n shop -l app=web)",
    ],
    [
      'an external metric discovery does not list',
      { kind: 'FetchFailed', path: FAILED_EXTERNAL_PATH, code: 404, message: 'no metric queue' },
      discoveryOnly(discovery('external.metrics.k8s.io/v1beta1', ['queue_depth', 'queues'])),
      'no metric "queue" is served by external.metrics.k8s.io (closest: queue_depth, queues); see what is served: kubectl cmetrics list',
    ],
    [
      'a 404 without discovery: where to look',
      { kind: 'FetchFailed', path: FAILED_EXTERNAL_PATH, code: 404, message: 'not found' },
      undefined,
      'not found; see what is served: kubectl cmetrics list (repeat the call: kubectl cmetrics get external queue -n shop -l q=jobs)',
    ],
    [
      'a server error keeps its code, as hints/failures.ts says it',
      { kind: 'FetchFailed', path: FAILED_PODS_PATH, code: 500, message: 'boom' },
      undefined,
      'boom (HTTP 500)',
    ],
    [
      'a server that cannot be reached',
      {
        kind: 'FetchFailed',
        path: FAILED_PODS_PATH,
        code: 0,
        message: 'cannot reach the Kubernetes API at https://k:6443: timeout',
      },
      undefined,
      'cannot reach the Kubernetes API at https://k:6443: timeout; check the cluster address in the kubeconfig (--kubeconfig, --context), or raise --request-timeout if it timed out',
    ],
    [
      'not requested although the scale has a selector: the metric selector is invalid',
      { kind: 'NotFetched' },
      undefined,
      "not requested: the metric's selector is invalid; correct the HPA's spec.metrics[0]",
    ],
    [
      'containers without requests: which pods and containers',
      {
        kind: 'MissingRequests',
        resource: 'cpu',
        pods: [
          { pod: 'web-1', containers: ['app', 'sidecar'] },
          { pod: 'web-2', containers: ['sidecar'] },
        ],
      },
      undefined,
      'a Utilization target needs a cpu request on every container; none is set in web-1 (app, sidecar), web-2 (sidecar): set resources.requests.cpu in the pod template, or use an AverageValue target',
    ],
    [
      'no pods',
      { kind: 'NoPods' },
      undefined,
      "the target's selector matches no pod; check: kubectl get pods -n shop -l app=web",
    ],
    [
      'only unready pods have values',
      { kind: 'NoReadyPodMetrics', unready: ['web-1'], ignored: ['web-0'] },
      undefined,
      'every pod with a value is unready or ignored (web-1, web-0): the controller waits for Ready pods; check them: kubectl get pods -n shop -l app=web',
    ],
    [
      'an answer without values',
      { kind: 'NoValues', path: FAILED_EXTERNAL_PATH },
      undefined,
      'the metrics API answered without a value the controller can use: check that Prometheus has series for qpz of these objects (repeat the call: kubectl cmetrics get external queue -n shop -l q=jobs)',
    ],
    [
      'an invalid spec',
      { kind: 'Invalid', message: 'target.averageValue is not a quantity' },
      undefined,
      "target.averageValue is not a quantity; correct the HPA's spec.metrics[0]",
    ],
    [
      'an answer that cannot be decoded',
      {
        kind: 'Invalid',
        message:
          'metrics[0].body.items[0].value: expected a quantity such as "250m", "1.5" or "2Gi", got "lots"',
        path: FAILED_EXTERNAL_PATH,
      },
      undefined,
      'metrics[0].body.items[0].value: expected a quantity such as "250m", "1.5" or "2Gi", got "lots": the metrics API sent what its client cannot decode; check the adapter that serves external.metrics.k8s.io/v1beta1 (repeat the call: kubectl cmetrics get external queue -n shop -l q=jobs)',
    ],
  ])('%s', async (_what, cause, diagnosis, fix) => {
    expect(diagnose(snapshotWith(diagnosis), failedWith(cause))).toEqual({ 0: fix });
  });

  it('has nothing to say about metrics that did not fail', async () => {
    expect(
      diagnose(snapshotWith(undefined), {
        namespace: 'shop',
        metrics: [{ index: 0 }],
      } as unknown as Decision),
    ).toEqual({});
  });
});

function discoveryOnly(d: Record<string, Fetched<unknown>>): HPASnapshot['diagnosis'] {
  return { discovery: d };
}
