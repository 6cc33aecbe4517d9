// answers.ts: the metrics APIs' answers read as the controller's metrics client reads them
// (pkg/controller/podautoscaler/metrics/client.go), and the discovery documents of the diagnosis.

import { describe, expect, it } from 'vitest';
import {
  readAPIServices,
  readExternalValues,
  readObjectMetricValue,
  readPodMetrics,
  readPodsMetricValues,
  readResourceList,
} from '../../../plugin/hpa/answers.ts';
import { GO_ZERO, invalid } from './invalid-field.ts';

describe('readPodMetrics (metrics.k8s.io, getPodMetrics / getContainerMetrics)', () => {
  const item = (name: string, containers: { name: string; usage: Record<string, string> }[], extra = {}) => ({
    metadata: { name },
    timestamp: '2026-07-01T12:00:00Z',
    window: '30s',
    containers,
    ...extra,
  });
  const body = {
    items: [
      item('sum', [
        { name: 'app', usage: { cpu: '100m' } },
        { name: 'proxy', usage: { cpu: '20m' } },
      ]),
      item('partial', [
        { name: 'app', usage: { cpu: '100m' } },
        { name: 'proxy', usage: { memory: '1Mi' } },
      ]),
      item('empty', []),
      item('odd-window', [{ name: 'app', usage: { cpu: '5m' } }], { window: '1m0s', timestamp: undefined }),
      item('no-window', [{ name: 'app', usage: { cpu: '7m' } }], { window: null }),
      item('twice', [{ name: 'app', usage: { cpu: '1m' } }]),
      item('twice', [{ name: 'app', usage: { cpu: '2m' } }]),
    ],
  };

  it.each<[string, string, Record<string, [bigint, number, number]>]>([
    [
      'pods: the containers summed, a pod with a container lacking the resource or none has no value',
      '',
      {
        sum: [120n, Date.parse('2026-07-01T12:00:00Z'), 30_000],
        'odd-window': [5n, GO_ZERO, 60_000],
        'no-window': [7n, Date.parse('2026-07-01T12:00:00Z'), 0],
        twice: [2n, Date.parse('2026-07-01T12:00:00Z'), 30_000],
      },
    ],
    ['one container: its usage only', 'proxy', { sum: [20n, Date.parse('2026-07-01T12:00:00Z'), 30_000] }],
  ])('%s', (_name, container, expected) => {
    const samples = readPodMetrics(body, 'metrics[0].body', 'cpu', container);
    expect(
      Object.fromEntries([...samples].map(([pod, s]) => [pod, [s.value, s.timestamp, s.windowMs]])),
    ).toEqual(expected);
  });
});

describe('metric answers that cannot be decoded (the metric fails, metric.ts)', () => {
  const Q = 'a quantity such as "250m", "1.5" or "2Gi"';
  const at = 'metrics[0].body';
  it.each<[string, () => unknown, string]>([
    [
      'a PodMetrics window that is not a duration',
      () => readPodMetrics({ items: [{ window: 'soon', containers: [] }] }, at, 'cpu', ''),
      'metrics[0].body.items[0].window: expected a duration such as "30s", got "soon"',
    ],
    [
      'a usage that is not a quantity',
      () =>
        readPodMetrics({ items: [{ containers: [{ name: 'app', usage: { cpu: 'x' } }] }] }, at, 'cpu', ''),
      `metrics[0].body.items[0].containers[0].usage.cpu: expected ${Q}, got "x"`,
    ],
    [
      'another kind in place of a PodMetricsList',
      () => readPodMetrics({ kind: 'PodList', items: [] }, at, 'cpu', ''),
      'metrics[0].body.kind: expected "PodMetricsList", got "PodList"',
    ],
    [
      'a MetricValue value that is a boolean',
      () => readPodsMetricValues({ items: [{ describedObject: { name: 'p' }, value: true }] }, at),
      `metrics[0].body.items[0].value: expected ${Q}, got true`,
    ],
    [
      'windowSeconds as a string',
      () => readPodsMetricValues({ items: [{ value: '1', windowSeconds: '30' }] }, at),
      'metrics[0].body.items[0].windowSeconds: expected an integer, got "30"',
    ],
    [
      'a timestamp that is not a time',
      () => readPodsMetricValues({ items: [{ value: '1', timestamp: 'now' }] }, at),
      'metrics[0].body.items[0].timestamp: expected an RFC 3339 time, got "now"',
    ],
    [
      'an object value that is not a quantity',
      () => readObjectMetricValue({ kind: 'MetricValue', value: '1.2.3' }, at),
      `metrics[0].body.value: expected ${Q}, got "1.2.3"`,
    ],
    [
      'items that are not an array',
      () => readExternalValues({ items: 'none' }, at),
      'metrics[0].body.items: expected an array, got "none"',
    ],
    [
      'an external item that is not an object',
      () => readExternalValues({ items: [{ value: '1' }, 5] }, at),
      'metrics[0].body.items[1]: expected an object, got 5',
    ],
  ])('%s', (_name, read, message) => {
    expect(invalid(read)).toBe(message);
  });

  it('an absent or null value is zero, as resource.Quantity decodes it', () => {
    expect(readPodsMetricValues({ items: [{ describedObject: { name: 'p' } }] }, at).get('p')?.value).toBe(
      0n,
    );
    expect(readExternalValues({ items: [{ value: null }] }, at).values).toEqual([0n]);
  });
});

describe('custom and external metric answers', () => {
  it.each<[string, Record<string, unknown>, number]>([
    ['windowSeconds', { windowSeconds: 30 }, 30_000],
    ['no window: one minute', {}, 60_000],
  ])('readPodsMetricValues: %s', (_name, extra, windowMs) => {
    const samples = readPodsMetricValues(
      {
        items: [
          { describedObject: { name: 'p1' }, value: '1500m', timestamp: '2026-07-01T12:00:00Z', ...extra },
        ],
      },
      'metrics[0].body',
    );
    expect(samples.get('p1')).toEqual({
      value: 1500n,
      timestamp: Date.parse('2026-07-01T12:00:00Z'),
      windowMs,
    });
  });

  it.each<[string, unknown, ReturnType<typeof readObjectMetricValue>]>([
    [
      'a single MetricValue',
      { kind: 'MetricValue', value: '3', timestamp: '2026-07-01T12:00:00Z' },
      { value: 3000n, timestamp: Date.parse('2026-07-01T12:00:00Z') },
    ],
    ['a list of one', { items: [{ value: '250m' }] }, { value: 250n, timestamp: GO_ZERO }],
    [
      'a list of two',
      { items: [{ value: '1' }, { value: '2' }] },
      { error: 'the custom metrics API server returned 2 results when we asked for exactly one' },
    ],
    [
      'an empty list',
      { items: [] },
      { error: 'the custom metrics API server returned 0 results when we asked for exactly one' },
    ],
  ])('readObjectMetricValue: %s', (_name, body, expected) => {
    expect(readObjectMetricValue(body, 'metrics[0].body')).toEqual(expected);
  });

  it('readExternalValues: values in order, the first timestamp', () => {
    expect(
      readExternalValues(
        {
          items: [
            { value: '2', timestamp: '2026-07-01T12:00:00Z' },
            { value: '500m', timestamp: '2026-07-01T12:00:30Z' },
          ],
        },
        'metrics[0].body',
      ),
    ).toEqual({ values: [2000n, 500n], timestamp: Date.parse('2026-07-01T12:00:00Z') });
    expect(readExternalValues({ items: [] }, 'metrics[0].body')).toEqual({ values: [], timestamp: GO_ZERO });
  });
});

describe('diagnosis documents', () => {
  it('readAPIServices: names, groups, backends and conditions', () => {
    const available = { type: 'Available', status: 'False', reason: 'FailedDiscoveryCheck', message: 'no' };
    expect(
      readAPIServices(
        {
          kind: 'APIServiceList',
          items: [
            {
              metadata: { name: 'v1beta1.external.metrics.k8s.io' },
              spec: {
                group: 'external.metrics.k8s.io',
                version: 'v1beta1',
                service: { namespace: 'm', name: 'a' },
              },
              status: { conditions: [available] },
            },
            {
              metadata: { name: 'v1beta1.metrics.k8s.io' },
              spec: { group: 'metrics.k8s.io', service: null },
            },
          ],
        },
        'diagnosis.apiServices.body',
      ),
    ).toEqual([
      {
        metadata: { name: 'v1beta1.external.metrics.k8s.io' },
        spec: {
          group: 'external.metrics.k8s.io',
          version: 'v1beta1',
          service: { namespace: 'm', name: 'a' },
        },
        status: { conditions: [available] },
      },
      {
        metadata: { name: 'v1beta1.metrics.k8s.io' },
        spec: { group: 'metrics.k8s.io', version: '' },
        status: { conditions: [] },
      },
    ]);
  });

  it('readResourceList: the resources with their names', () => {
    expect(
      readResourceList(
        {
          groupVersion: 'custom.metrics.k8s.io/v1beta2',
          resources: [{ name: 'pods/qps', namespaced: true }],
        },
        'd',
      ),
    ).toEqual({
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: 'custom.metrics.k8s.io/v1beta2',
      resources: [{ name: 'pods/qps', singularName: '', namespaced: true, kind: '', verbs: [] }],
    });
  });

  it.each<[string, () => unknown, string]>([
    [
      'APIService items not an array',
      () => readAPIServices({ items: {} }, 'a'),
      'a.items: expected an array, got an object',
    ],
    [
      'an APIService group that is a number',
      () => readAPIServices({ items: [{ spec: { group: 1 } }] }, 'a'),
      'a.items[0].spec.group: expected a string, got 1',
    ],
    [
      'a condition that is a string',
      () => readAPIServices({ items: [{ status: { conditions: ['Available'] } }] }, 'a'),
      'a.items[0].status.conditions[0]: expected an object, got "Available"',
    ],
    [
      'resources not an array',
      () => readResourceList({ resources: 'pods/qps' }, 'd'),
      'd.resources: expected an array, got "pods/qps"',
    ],
    [
      'namespaced as a string',
      () => readResourceList({ resources: [{ name: 'x', namespaced: 'yes' }] }, 'd'),
      'd.resources[0].namespaced: expected true or false, got "yes"',
    ],
    [
      'another kind',
      () => readResourceList({ kind: 'APIGroupList' }, 'd'),
      'd.kind: expected "APIResourceList", got "APIGroupList"',
    ],
  ])('refuses %s, naming the path', (_name, read, message) => {
    expect(invalid(read)).toBe(message);
  });
});
