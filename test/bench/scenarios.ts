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

const CUSTOM = '/apis/custom.metrics.k8s.io';
const selector = `labelSelector=${encodeURIComponent(BENCH_APP_LABEL)}`;

/** Measured under load: one of each kind of request an HPA or `kubectl top` sends. */
export function loadScenarios(benchPods: number): Request[] {
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
