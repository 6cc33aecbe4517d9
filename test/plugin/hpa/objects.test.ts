// objects.ts: the snapshot's Kubernetes objects read into the fields the controller uses, with the API
// server's defaults (kubernetes pkg/apis/autoscaling/v2/defaults.go) and the metrics clients' reading
// of each answer (pkg/controller/podautoscaler/metrics/client.go).

import { describe, expect, it } from 'vitest';
import {
  goLabelSelector,
  goTime,
  InvalidObject,
  metricSelectorError,
  readExternalValues,
  readHpa,
  readObjectMetricValue,
  readPodMetrics,
  readPods,
  readPodsMetricValues,
  readRescaleEvents,
  readScale,
} from '../../../plugin/hpa/objects.ts';

/** time.Time{} in epoch ms. */
const GO_ZERO = -62135596800000;

const hpa = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  metadata: { name: 'web', namespace: 'shop' },
  spec: { maxReplicas: 10, ...spec },
  ...extra,
});

describe('goTime and quantities', () => {
  it.each<[string, unknown, number]>([
    ['RFC 3339', '2026-07-01T12:00:00Z', Date.parse('2026-07-01T12:00:00Z')],
    ['missing: Go zero time', undefined, GO_ZERO],
    ['unreadable: Go zero time', 'yesterday', GO_ZERO],
    ['not a string: Go zero time', 1_700_000_000_000, GO_ZERO],
  ])('goTime %s', (_name, v, expected) => {
    expect(goTime(v)).toBe(expected);
  });

  // Quantity.MilliValue() as the controller's int64, read here through a pod's request.
  const request = (cpu: unknown) =>
    readPods({
      items: [
        { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', resources: { requests: { cpu } } }] } },
      ],
    })[0]?.containers[0]?.requests.get('cpu');
  it.each<[unknown, bigint]>([
    ['1.5', 1500n],
    ['250m', 250n],
    [2, 2000n],
    ['1Ki', 1024000n],
    ['1n', 1n], // MilliValue rounds up
  ])('a quantity %j is %s milli', (v, expected) => {
    expect(request(v)).toBe(expected);
  });

  it.each<[unknown, RegExp]>([
    [true, /^pod p spec\.containers\[0\]\.resources\.requests\.cpu is not a quantity$/],
    ['ten', /^pod p spec\.containers\[0\]\.resources\.requests\.cpu: /],
  ])('a request %j throws InvalidObject naming the field', (v, message) => {
    expect(() => request(v)).toThrow(InvalidObject);
    expect(() => request(v)).toThrow(message);
  });
});

describe('readHpa', () => {
  it('applies the API defaults: minReplicas 1, the CPU 80% metric, namespace default', () => {
    const h = readHpa({ metadata: { name: 'web' }, spec: { maxReplicas: 3 } }, 300);
    expect(h.namespace).toBe('default');
    expect(h.minReplicas).toBe(1);
    expect(h.defaultedMetrics).toBe(true);
    expect(h.metrics).toEqual([
      { type: 'Resource', resource: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
    ]);
    expect(h.behavior).toBeUndefined();
    expect(h.status).toEqual({ conditions: [] });
  });

  it.each<[string, unknown, string]>([
    ['not an object', [], 'the HPA is not an object'],
    ['no maxReplicas', { spec: {} }, 'spec.maxReplicas is missing'],
    [
      'a bad selectPolicy',
      hpa({ behavior: { scaleUp: { selectPolicy: 'Fastest' } } }),
      'spec.behavior.scaleUp.selectPolicy "Fastest" is not Max, Min or Disabled',
    ],
    [
      'a policy without a period',
      hpa({ behavior: { scaleDown: { policies: [{ type: 'Pods', value: 1 }] } } }),
      'spec.behavior.scaleDown.policies[0] needs type Pods or Percent, value and periodSeconds',
    ],
    [
      'a Pods metric without a name',
      hpa({ metrics: [{ type: 'Pods', pods: { metric: {}, target: { averageValue: '1' } } }] }),
      'spec.metrics[0].pods.metric.name is missing',
    ],
    [
      'a bad target quantity',
      hpa({
        metrics: [{ type: 'External', external: { metric: { name: 'q' }, target: { value: 'lots' } } }],
      }),
      'spec.metrics[0].external.target.value: ',
    ],
  ])('rejects %s with InvalidObject', (_name, body, message) => {
    expect(() => readHpa(body, 300)).toThrow(InvalidObject);
    expect(() => readHpa(body, 300)).toThrow(message);
  });

  it('completes a partial behavior with the defaults, the scale-down window from the controller flag', () => {
    const h = readHpa(hpa({ behavior: { scaleUp: { stabilizationWindowSeconds: 60 } } }), 120);
    expect(h.behavior).toEqual({
      scaleUp: {
        stabilizationWindowSeconds: 60,
        selectPolicy: 'Max',
        policies: [
          { type: 'Pods', value: 4, periodSeconds: 15 },
          { type: 'Percent', value: 100, periodSeconds: 15 },
        ],
      },
      scaleDown: {
        stabilizationWindowSeconds: 120,
        selectPolicy: 'Max',
        policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
      },
    });
  });

  it.each<[unknown, number]>([
    ['50m', 0.05],
    ['0.2', 0.2],
    [1, 1],
  ])('reads behavior tolerance %j as %s', (tolerance, expected) => {
    const h = readHpa(hpa({ behavior: { scaleDown: { tolerance } } }), 300);
    expect(h.behavior?.scaleDown.tolerance).toBe(expected);
    expect(h.behavior?.scaleUp.tolerance).toBeUndefined();
  });

  it('reads every metric source type, targets in milli', () => {
    const h = readHpa(
      hpa({
        minReplicas: 0,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1Mi' } },
          },
          {
            type: 'ContainerResource',
            containerResource: { name: 'cpu', container: 'app', target: { averageUtilization: 60 } },
          },
          {
            type: 'Pods',
            pods: {
              metric: { name: 'qps', selector: { matchLabels: { a: 'b' } } },
              target: { averageValue: '500m' },
            },
          },
          {
            type: 'Object',
            object: {
              describedObject: { kind: 'Service', name: 'front', apiVersion: 'v1' },
              metric: { name: 'rps' },
              target: { type: 'Value', value: 10 },
            },
          },
          { type: 'External', external: { metric: { name: 'queue' }, target: { averageValue: '30' } } },
          { type: 'CheddarCheese' },
        ],
      }),
      300,
    );
    expect(h.minReplicas).toBe(0);
    expect(h.defaultedMetrics).toBe(false);
    expect(h.metrics).toEqual([
      { type: 'Resource', resource: 'memory', target: { type: 'AverageValue', averageValue: 1048576000n } },
      { type: 'ContainerResource', resource: 'cpu', container: 'app', target: { averageUtilization: 60 } },
      {
        type: 'Pods',
        metric: { name: 'qps', selector: { matchLabels: { a: 'b' } } },
        target: { averageValue: 500n },
      },
      {
        type: 'Object',
        describedObject: { kind: 'Service', name: 'front', apiVersion: 'v1' },
        metric: { name: 'rps' },
        target: { type: 'Value', value: 10000n },
      },
      { type: 'External', metric: { name: 'queue' }, target: { averageValue: 30000n } },
      { type: 'Unknown', typeName: 'CheddarCheese' },
    ]);
  });

  it('keeps the status the controller last wrote, integers only', () => {
    const h = readHpa(
      hpa(
        {},
        {
          status: {
            currentReplicas: 3,
            desiredReplicas: '4',
            lastScaleTime: '2026-07-01T11:00:00Z',
            conditions: [{ type: 'AbleToScale', status: 'True' }, 'garbage'],
          },
        },
      ),
      300,
    );
    expect(h.status).toEqual({
      currentReplicas: 3,
      lastScaleTime: '2026-07-01T11:00:00Z',
      conditions: [{ type: 'AbleToScale', status: 'True' }],
    });
  });
});

describe('goLabelSelector and metricSelectorError', () => {
  it.each<[string, Parameters<typeof goLabelSelector>[0], string]>([
    ['nil', undefined, 'nil'],
    ['null', null, 'nil'],
    [
      'empty',
      {},
      '&LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{},}',
    ],
    [
      'labels in Go map order (sorted keys)',
      { matchLabels: { zone: 'b', app: 'web' } },
      '&LabelSelector{MatchLabels:map[string]string{app: web,zone: b,},MatchExpressions:[]LabelSelectorRequirement{},}',
    ],
    [
      'expressions in order',
      {
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['a', 'b'] },
          { key: 'x', operator: 'Exists' },
        ],
      },
      '&LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:tier,Operator:In,Values:[a b],},LabelSelectorRequirement{Key:x,Operator:Exists,Values:[],},},}',
    ],
  ])('%s', (_name, selector, expected) => {
    expect(goLabelSelector(selector)).toBe(expected);
  });

  it('reports no error for a valid selector and the parser message for an invalid one', () => {
    expect(metricSelectorError({ matchLabels: { app: 'web' } })).toBeUndefined();
    expect(metricSelectorError(undefined)).toBeUndefined();
    expect(metricSelectorError({ matchExpressions: [{ key: 'a', operator: 'Near' }] })).toMatch(
      /^invalid label selector/,
    );
  });
});

describe('readScale', () => {
  it.each<[string, unknown, ReturnType<typeof readScale>]>([
    [
      'a full Scale',
      { spec: { replicas: 3 }, status: { replicas: 2, selector: 'app=web' } },
      { specReplicas: 3, statusReplicas: 2, selector: 'app=web' },
    ],
    ['an empty one: zero values', {}, { specReplicas: 0, statusReplicas: 0, selector: '' }],
    ['not an object', 'nope', { specReplicas: 0, statusReplicas: 0, selector: '' }],
  ])('%s', (_name, body, expected) => {
    expect(readScale(body)).toEqual(expected);
  });
});

describe('readPods', () => {
  const pod = (name: string, fields: { metadata?: object; spec?: object; status?: object }) => ({
    metadata: { name, ...fields.metadata },
    spec: { containers: [], ...fields.spec },
    status: { phase: 'Running', ...fields.status },
  });

  it('reads deletion, phase, readiness, start time and requests', () => {
    const [a, b] = readPods({
      items: [
        pod('a', {
          metadata: { deletionTimestamp: '2026-07-01T12:00:00Z' },
          spec: {
            containers: [{ name: 'app', resources: { requests: { cpu: '250m', memory: '1Gi' } } }],
            initContainers: [
              { name: 'sidecar', restartPolicy: 'Always', resources: { requests: { cpu: '50m' } } },
              { name: 'init', resources: { requests: { cpu: '1' } } },
            ],
          },
          status: {
            startTime: '2026-07-01T11:00:00Z',
            conditions: [
              { type: 'PodScheduled', status: 'True' },
              { type: 'Ready', status: 'False', lastTransitionTime: '2026-07-01T11:30:00Z' },
            ],
          },
        }),
        pod('b', {
          metadata: { deletionTimestamp: null },
          spec: { resources: { requests: { cpu: '2' } } },
          status: { phase: 'Pending', startTime: null },
        }),
      ],
    });
    expect(a).toEqual({
      name: 'a',
      deleted: true,
      phase: 'Running',
      ready: { status: 'False', lastTransitionTime: Date.parse('2026-07-01T11:30:00Z') },
      startTime: Date.parse('2026-07-01T11:00:00Z'),
      containers: [
        {
          name: 'app',
          requests: new Map([
            ['cpu', 250n],
            ['memory', 1073741824000n],
          ]),
        },
      ],
      sidecars: [{ name: 'sidecar', requests: new Map([['cpu', 50n]]) }],
    });
    expect(b).toEqual({
      name: 'b',
      deleted: false,
      phase: 'Pending',
      containers: [],
      sidecars: [],
      podRequests: new Map([['cpu', 2000n]]),
    });
  });

  it('leaves out empty pod-level requests and fails on a bad request quantity', () => {
    expect(readPods({ items: [pod('c', { spec: { resources: {} } })] })[0]?.podRequests).toBeUndefined();
    const bad = {
      items: [pod('d', { spec: { containers: [{ name: 'x', resources: { requests: { cpu: 'lots' } } }] } })],
    };
    expect(() => readPods(bad)).toThrow(InvalidObject);
    expect(() => readPods(bad)).toThrow('pod d spec.containers[0].resources.requests.cpu');
  });
});

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
      item('bad-window', [{ name: 'app', usage: { cpu: '7m' } }], { window: 'soon' }),
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
        'bad-window': [7n, Date.parse('2026-07-01T12:00:00Z'), 0],
        twice: [2n, Date.parse('2026-07-01T12:00:00Z'), 30_000],
      },
    ],
    ['one container: its usage only', 'proxy', { sum: [20n, Date.parse('2026-07-01T12:00:00Z'), 30_000] }],
  ])('%s', (_name, container, expected) => {
    const samples = readPodMetrics(body, 'cpu', container);
    expect(
      Object.fromEntries([...samples].map(([pod, s]) => [pod, [s.value, s.timestamp, s.windowMs]])),
    ).toEqual(expected);
  });
});

describe('custom and external metric answers', () => {
  it.each<[string, Record<string, unknown>, number]>([
    ['windowSeconds', { windowSeconds: 30 }, 30_000],
    ['no window: one minute', {}, 60_000],
  ])('readPodsMetricValues: %s', (_name, extra, windowMs) => {
    const samples = readPodsMetricValues({
      items: [
        { describedObject: { name: 'p1' }, value: '1500m', timestamp: '2026-07-01T12:00:00Z', ...extra },
      ],
    });
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
    expect(readObjectMetricValue(body)).toEqual(expected);
  });

  it('readExternalValues: values in order, the first timestamp', () => {
    expect(
      readExternalValues({
        items: [
          { value: '2', timestamp: '2026-07-01T12:00:00Z' },
          { value: '500m', timestamp: '2026-07-01T12:00:30Z' },
        ],
      }),
    ).toEqual({ values: [2000n, 500n], timestamp: Date.parse('2026-07-01T12:00:00Z') });
    expect(readExternalValues({ items: [] })).toEqual({ values: [], timestamp: GO_ZERO });
  });
});

describe('readRescaleEvents', () => {
  it('keeps SuccessfulRescale events of either Event API, oldest last-seen first', () => {
    const events = readRescaleEvents({
      items: [
        {
          reason: 'SuccessfulRescale',
          message: 'New size: 4; reason: cpu resource utilization (percentage of request) above target',
          firstTimestamp: '2026-07-01T11:50:00Z',
          lastTimestamp: '2026-07-01T11:55:00Z',
          count: 3,
        },
        {
          // events.k8s.io/v1: note, eventTime and series
          reason: 'SuccessfulRescale',
          note: 'New size: 2; reason: All metrics below target',
          eventTime: '2026-07-01T11:40:00Z',
          series: { count: 2, lastObservedTime: '2026-07-01T11:45:00Z' },
        },
        {
          reason: 'FailedGetScale',
          message: 'New size: 9; reason: x',
          lastTimestamp: '2026-07-01T11:00:00Z',
        },
        { reason: 'SuccessfulRescale', message: 'scaled', lastTimestamp: '2026-07-01T11:00:00Z' },
        { reason: 'SuccessfulRescale', message: 'New size: 1; reason: y' },
        {
          reason: 'SuccessfulRescale',
          message: 'New size: 5; reason: z',
          metadata: { creationTimestamp: '2026-07-01T11:30:00Z' },
        },
      ],
    });
    expect(events).toEqual([
      {
        newSize: 5,
        reason: 'z',
        first: Date.parse('2026-07-01T11:30:00Z'),
        last: Date.parse('2026-07-01T11:30:00Z'),
        count: 1,
      },
      {
        newSize: 2,
        reason: 'All metrics below target',
        first: Date.parse('2026-07-01T11:40:00Z'),
        last: Date.parse('2026-07-01T11:45:00Z'),
        count: 2,
      },
      {
        newSize: 4,
        reason: 'cpu resource utilization (percentage of request) above target',
        first: Date.parse('2026-07-01T11:50:00Z'),
        last: Date.parse('2026-07-01T11:55:00Z'),
        count: 3,
      },
    ]);
  });
});
