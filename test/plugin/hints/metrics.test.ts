import { describe, expect, it } from 'vitest';
import {
  type CustomMetricInfo,
  customMetricProblem,
  customMetricsOf,
  externalMetricProblem,
} from '../../../plugin/hints/metrics.ts';

const SERVED: CustomMetricInfo[] = [
  { resource: 'pods', metric: 'qps', namespaced: true },
  { resource: 'pods', metric: 'queue_depth', namespaced: true },
  { resource: 'services', metric: 'qps', namespaced: true },
  { resource: 'deployments.apps', metric: 'qps', namespaced: true },
  { resource: 'nodes', metric: 'load', namespaced: false },
];

describe('customMetricsOf', () => {
  it('pairs RESOURCE/METRIC names and leaves plain resources out', () => {
    expect(
      customMetricsOf({
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: 'custom.metrics.k8s.io/v1beta2',
        resources: [
          { name: 'pods/qps', singularName: '', namespaced: true, kind: 'MetricValueList', verbs: ['get'] },
          {
            name: 'nodes/load',
            singularName: '',
            namespaced: false,
            kind: 'MetricValueList',
            verbs: ['get'],
          },
          { name: 'pods', singularName: '', namespaced: true, kind: 'MetricValueList', verbs: ['get'] },
        ],
      } as never),
    ).toEqual([
      { resource: 'pods', metric: 'qps', namespaced: true },
      { resource: 'nodes', metric: 'load', namespaced: false },
    ]);
  });
});

describe('customMetricProblem', () => {
  it.each<[string, string, string, string | undefined]>([
    ['served: nothing to say', 'pods', 'qps', undefined],
    [
      'served for other resources, with the usual slip named',
      'deployment',
      'qps',
      'metric "qps" is served for deployments.apps, pods, services, not for deployment (did you mean deployments.apps?); see: kubectl cmetrics list qps',
    ],
    [
      'a near name for the same resource',
      'pods',
      'queue_dept',
      'no metric "queue_dept" is served for pods by custom.metrics.k8s.io (closest: queue_depth); see what is served: kubectl cmetrics list',
    ],
    [
      'a resource with no metrics: the closest of all',
      'jobs.batch',
      'lod',
      'no metric "lod" is served for jobs.batch by custom.metrics.k8s.io (closest: load); see what is served: kubectl cmetrics list',
    ],
  ])('%s', (_what, resource, metric, line) => {
    expect(customMetricProblem(SERVED, resource, metric)).toBe(line);
  });
});

describe('externalMetricProblem', () => {
  it.each<[string, string | undefined]>([
    ['queue_depth', undefined],
    [
      'queue_dpth',
      'no metric "queue_dpth" is served by external.metrics.k8s.io (closest: queue_depth); see what is served: kubectl cmetrics list',
    ],
    [
      'zzz',
      'no metric "zzz" is served by external.metrics.k8s.io; see what is served: kubectl cmetrics list',
    ],
  ])('%s', (metric, line) => {
    expect(externalMetricProblem(['queue_depth', 'requests_total'], metric)).toBe(line);
  });
});
