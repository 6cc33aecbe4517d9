// The requests the benchmark sends to both servers: the load scenarios, and more requests for the
// conformance comparison only.
import { BENCH_APP_LABEL, BENCH_NAMESPACE, BENCH_SERVICE, podName } from './world.ts';

export type AnswerKind = 'custom' | 'external' | 'pods' | 'nodes';

export interface Request {
  id: string;
  title: string;
  path: string;
  kind: AnswerKind;
}

/** A request of the load; with `nth`, the i-th request is `nth(i)` (and `path` is `nth(0)`). */
export interface LoadScenario extends Request {
  nth?: (i: number) => string;
}

const CUSTOM = '/apis/custom.metrics.k8s.io';
const selector = `labelSelector=${encodeURIComponent(BENCH_APP_LABEL)}`;

/**
 * A metric selector that every series of the bench matches (their `status` is 200) but that no
 * other request spells the same: the i-th HPA's own Prometheus query, with the same answer. `notin`,
 * not `!=`: the adapter refuses `!=` in a metric selector ("\"!=\" is not a valid label selector operator").
 */
const distinctMetricSelector = (param: string, i: number) =>
  `${param}=${encodeURIComponent(`status notin (x${i})`)}`;

/** Measured under load: one of each kind of request an HPA or `kubectl top` sends, repeated. */
export function loadScenarios(benchPods: number): LoadScenario[] {
  return [
    {
      id: 'custom-pods',
      title: `custom pods/* qps, labelSelector ${BENCH_APP_LABEL} (${benchPods} pods)`,
      path: `${CUSTOM}/v1beta2/namespaces/${BENCH_NAMESPACE}/pods/*/qps?${selector}`,
      kind: 'custom',
    },
    {
      id: 'custom-object',
      title: `custom Object services/${BENCH_SERVICE} http_requests`,
      path: `${CUSTOM}/v1beta2/namespaces/${BENCH_NAMESPACE}/services/${BENCH_SERVICE}/http_requests`,
      kind: 'custom',
    },
    {
      id: 'external',
      title: 'external external_requests_per_second',
      path: `/apis/external.metrics.k8s.io/v1beta1/namespaces/${BENCH_NAMESPACE}/external_requests_per_second`,
      kind: 'external',
    },
    {
      id: 'resource-pods',
      title: 'metrics.k8s.io pods, all namespaces',
      path: '/apis/metrics.k8s.io/v1beta1/pods',
      kind: 'pods',
    },
  ];
}

/**
 * The same kinds of request, every one distinct, as many HPAs (or `kubectl top pod` over many pods)
 * send them: no two can share a Prometheus call. The metric selector of the custom and external
 * requests matches every series, so the answers are the repeated ones'; the resource requests each
 * name one pod of the bench namespace.
 */
export function distinctScenarios(benchPods: number): LoadScenario[] {
  const withNth = (id: string, title: string, kind: AnswerKind, nth: (i: number) => string) => ({
    id,
    title,
    path: nth(0),
    kind,
    nth,
  });
  const [pods, object, external] = loadScenarios(benchPods) as [Request, Request, Request];
  return [
    withNth(
      'custom-pods-distinct',
      `custom pods/* qps over ${benchPods} pods, each request its own metricLabelSelector`,
      'custom',
      (i) => `${pods.path}&${distinctMetricSelector('metricLabelSelector', i)}`,
    ),
    withNth(
      'custom-object-distinct',
      `custom Object services/${BENCH_SERVICE} http_requests, each request its own metricLabelSelector`,
      'custom',
      (i) => `${object.path}?${distinctMetricSelector('metricLabelSelector', i)}`,
    ),
    withNth(
      'external-distinct',
      'external external_requests_per_second, each request its own labelSelector',
      'external',
      (i) => `${external.path}?${distinctMetricSelector('labelSelector', i)}`,
    ),
    withNth(
      'resource-pod-distinct',
      `metrics.k8s.io one pod of ${BENCH_NAMESPACE}, each request another of its ${benchPods} pods`,
      'pods',
      (i) => `/apis/metrics.k8s.io/v1beta1/namespaces/${BENCH_NAMESPACE}/pods/${podName(i % benchPods)}`,
    ),
  ];
}

/** Compared, not measured: other shapes of the same APIs. */
export function conformanceOnly(): Request[] {
  return [
    {
      id: 'custom-pods-v1beta1',
      title: 'custom pods/* qps (v1beta1)',
      path: `${CUSTOM}/v1beta1/namespaces/${BENCH_NAMESPACE}/pods/*/qps?${selector}`,
      kind: 'custom',
    },
    {
      id: 'custom-pods-gauge',
      title: 'custom pods/* cpuTemperature',
      path: `${CUSTOM}/v1beta2/namespaces/${BENCH_NAMESPACE}/pods/*/cpuTemperature?${selector}`,
      kind: 'custom',
    },
    {
      id: 'custom-one-pod',
      title: `custom pods/${podName(1)} qps`,
      path: `${CUSTOM}/v1beta2/namespaces/${BENCH_NAMESPACE}/pods/${podName(1)}/qps`,
      kind: 'custom',
    },
    {
      id: 'resource-pods-namespace',
      title: `metrics.k8s.io pods in ${BENCH_NAMESPACE}`,
      path: `/apis/metrics.k8s.io/v1beta1/namespaces/${BENCH_NAMESPACE}/pods`,
      kind: 'pods',
    },
    {
      id: 'resource-nodes',
      title: 'metrics.k8s.io nodes',
      path: '/apis/metrics.k8s.io/v1beta1/nodes',
      kind: 'nodes',
    },
  ];
}
