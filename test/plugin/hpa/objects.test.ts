// objects.ts: the snapshot's Kubernetes objects (HPA, Scale, Pods, Events) read into the fields the
// controller uses, with the API server's defaults (kubernetes pkg/apis/autoscaling/v2/defaults.go).

import { describe, expect, it } from 'vitest';
import { goTime } from '../../../plugin/hpa/fields.ts';
import {
  goLabelSelector,
  metricSelectorError,
  readHpa,
  readPods,
  readRescaleEvents,
  readScale,
} from '../../../plugin/hpa/objects.ts';
import { GO_ZERO, invalid } from './invalid-field.ts';

const hpa = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  metadata: { name: 'web', namespace: 'shop' },
  spec: { maxReplicas: 10, ...spec },
  ...extra,
});

describe('goTime and quantities', () => {
  it.each<[string, unknown, number]>([
    ['RFC 3339', '2026-07-01T12:00:00Z', Date.parse('2026-07-01T12:00:00Z')],
    ['with a fraction and an offset', '2026-07-01T14:00:00.5+02:00', Date.parse('2026-07-01T12:00:00.5Z')],
    ['missing: Go zero time', undefined, GO_ZERO],
    ['null: Go zero time', null, GO_ZERO],
  ])('goTime %s', (_name, v, expected) => {
    expect(goTime(v, 't')).toBe(expected);
  });

  // metav1.Time refuses what time.Parse(RFC3339) refuses: the object cannot be decoded.
  it.each<[unknown, string]>([
    ['yesterday', 'x.t: expected an RFC 3339 time, got "yesterday"'],
    ['2026-07-01', 'x.t: expected an RFC 3339 time, got "2026-07-01"'],
    ['2026-13-01T00:00:00Z', 'x.t: expected an RFC 3339 time, got "2026-13-01T00:00:00Z"'],
    [1_700_000_000_000, 'x.t: expected an RFC 3339 time, got 1700000000000'],
  ])('goTime %j is an InvalidField naming the path', (v, message) => {
    expect(invalid(() => goTime(v, 'x.t'))).toBe(message);
  });

  // Quantity.MilliValue() as the controller's int64, read here through a pod's request.
  const request = (cpu: unknown) =>
    readPods(
      {
        items: [
          {
            metadata: { name: 'p' },
            spec: { containers: [{ name: 'c', resources: { requests: { cpu } } }] },
          },
        ],
      },
      'pods.body',
    )[0]?.containers[0]?.requests.get('cpu');
  it.each<[unknown, bigint]>([
    ['1.5', 1500n],
    ['250m', 250n],
    [2, 2000n],
    ['1Ki', 1024000n],
    ['1n', 1n], // MilliValue rounds up
    [null, 0n], // Quantity.UnmarshalJSON: null is zero
  ])('a quantity %j is %s milli', (v, expected) => {
    expect(request(v)).toBe(expected);
  });

  it.each<[unknown, string]>([
    [true, 'true'],
    ['ten', '"ten"'],
    ['1Kb', '"1Kb"'],
    [{ value: 1 }, 'an object'],
  ])('a request %j throws InvalidField naming the field and the text', (v, got) => {
    expect(invalid(() => request(v))).toBe(
      `pods.body.items[0].spec.containers[0].resources.requests.cpu: expected a quantity such as "250m", "1.5" or "2Gi", got ${got}`,
    );
  });
});

describe('readHpa', () => {
  it('applies the API defaults: minReplicas 1, the CPU 80% metric, namespace default', () => {
    const h = readHpa({ metadata: { name: 'web' }, spec: { maxReplicas: 3 } }, 'hpa.body', 300);
    expect(h.namespace).toBe('default');
    expect(h.minReplicas).toBe(1);
    expect(h.defaultedMetrics).toBe(true);
    expect(h.metrics).toEqual([
      { type: 'Resource', resource: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
    ]);
    expect(h.behavior).toBeUndefined();
    expect(h.status).toEqual({ conditions: [] });
  });

  const Q = 'a quantity such as "250m", "1.5" or "2Gi"';
  it.each<[string, unknown, string]>([
    ['not an object', [], 'hpa.body: expected an object (a HorizontalPodAutoscaler), got an array'],
    ['no maxReplicas', { spec: {} }, 'hpa.body.spec.maxReplicas: expected an integer, but it is missing'],
    [
      'another kind',
      { kind: 'Deployment' },
      'hpa.body.kind: expected "HorizontalPodAutoscaler", got "Deployment"',
    ],
    [
      'another version (v1 spells the target differently)',
      { apiVersion: 'autoscaling/v1', spec: { maxReplicas: 3, targetCPUUtilizationPercentage: 50 } },
      'hpa.body.apiVersion: expected "autoscaling/v2", got "autoscaling/v1"',
    ],
    ['a spec that is not an object', { spec: 'big' }, 'hpa.body.spec: expected an object, got "big"'],
    [
      'maxReplicas as a string',
      hpa({ maxReplicas: '10' }),
      'hpa.body.spec.maxReplicas: expected an integer, got "10"',
    ],
    [
      'maxReplicas as a fraction',
      hpa({ maxReplicas: 2.5 }),
      'hpa.body.spec.maxReplicas: expected an integer, got 2.5',
    ],
    [
      'maxReplicas beyond int32',
      hpa({ maxReplicas: 2 ** 31 }),
      'hpa.body.spec.maxReplicas: expected an integer, got 2147483648',
    ],
    [
      'minReplicas as a string',
      hpa({ minReplicas: '1' }),
      'hpa.body.spec.minReplicas: expected an integer, got "1"',
    ],
    [
      'metrics not an array',
      hpa({ metrics: { type: 'Resource' } }),
      'hpa.body.spec.metrics: expected an array, got an object',
    ],
    [
      'a metric type not a string',
      hpa({ metrics: [{ type: 7 }] }),
      'hpa.body.spec.metrics[0].type: expected a string, got 7',
    ],
    [
      'a bad selectPolicy',
      hpa({ behavior: { scaleUp: { selectPolicy: 'Fastest' } } }),
      'hpa.body.spec.behavior.scaleUp.selectPolicy: expected Max, Min or Disabled, got "Fastest"',
    ],
    [
      'a policy without a period',
      hpa({ behavior: { scaleDown: { policies: [{ type: 'Pods', value: 1 }] } } }),
      'hpa.body.spec.behavior.scaleDown.policies[0].periodSeconds: expected an integer, but it is missing',
    ],
    [
      'a policy of another type',
      hpa({ behavior: { scaleDown: { policies: [{ type: 'Replicas', value: 1, periodSeconds: 15 }] } } }),
      'hpa.body.spec.behavior.scaleDown.policies[0].type: expected Pods or Percent, got "Replicas"',
    ],
    [
      'a window as a string',
      hpa({ behavior: { scaleUp: { stabilizationWindowSeconds: '60' } } }),
      'hpa.body.spec.behavior.scaleUp.stabilizationWindowSeconds: expected an integer, got "60"',
    ],
    [
      'a Pods metric without a name',
      hpa({ metrics: [{ type: 'Pods', pods: { metric: {}, target: { averageValue: '1' } } }] }),
      'hpa.body.spec.metrics[0].pods.metric.name: expected a string, but it is missing',
    ],
    [
      'a selector with an expression list that is not one',
      hpa({
        metrics: [
          {
            type: 'External',
            external: {
              metric: { name: 'q', selector: { matchExpressions: 'a in (b)' } },
              target: { value: 1 },
            },
          },
        ],
      }),
      'hpa.body.spec.metrics[0].external.metric.selector.matchExpressions: expected an array, got "a in (b)"',
    ],
    [
      'a selector label that is not a string',
      hpa({
        metrics: [
          {
            type: 'External',
            external: {
              metric: { name: 'q', selector: { matchLabels: { 'app.kubernetes.io/name': 1 } } },
              target: { value: 1 },
            },
          },
        ],
      }),
      'hpa.body.spec.metrics[0].external.metric.selector.matchLabels["app.kubernetes.io/name"]: expected a string, got 1',
    ],
    [
      'a bad target quantity',
      hpa({
        metrics: [{ type: 'External', external: { metric: { name: 'q' }, target: { value: 'lots' } } }],
      }),
      `hpa.body.spec.metrics[0].external.target.value: expected ${Q}, got "lots"`,
    ],
    [
      'a utilization as a string',
      hpa({
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { averageUtilization: '80' } } }],
      }),
      'hpa.body.spec.metrics[0].resource.target.averageUtilization: expected an integer, got "80"',
    ],
    [
      'a status replica count as a string',
      hpa({}, { status: { desiredReplicas: '4' } }),
      'hpa.body.status.desiredReplicas: expected an integer, got "4"',
    ],
    [
      'a condition that is not an object',
      hpa({}, { status: { conditions: ['garbage'] } }),
      'hpa.body.status.conditions[0]: expected an object, got "garbage"',
    ],
    [
      'a lastScaleTime that is not a time',
      hpa({}, { status: { lastScaleTime: 'an hour ago' } }),
      'hpa.body.status.lastScaleTime: expected an RFC 3339 time, got "an hour ago"',
    ],
  ])('rejects %s with InvalidField naming its path', (_name, body, message) => {
    expect(invalid(() => readHpa(body, 'hpa.body', 300))).toBe(message);
  });

  it.each<[string, unknown]>([
    [
      'null fields',
      {
        metadata: null,
        spec: { maxReplicas: 3, minReplicas: null, metrics: null, behavior: null },
        status: null,
      },
    ],
    ['absent fields', { spec: { maxReplicas: 3 } }],
  ])('reads %s as the API defaults (omitempty)', (_name, body) => {
    const h = readHpa(body, 'hpa.body', 300);
    expect([h.name, h.namespace, h.minReplicas, h.defaultedMetrics, h.behavior]).toEqual([
      '',
      'default',
      1,
      true,
      undefined,
    ]);
  });

  it('completes a partial behavior with the defaults, the scale-down window from the controller flag', () => {
    const h = readHpa(hpa({ behavior: { scaleUp: { stabilizationWindowSeconds: 60 } } }), 'hpa.body', 120);
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
    const h = readHpa(hpa({ behavior: { scaleDown: { tolerance } } }), 'hpa.body', 300);
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
      'hpa.body',
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
      { type: 'Unknown', typeName: 'CheddarCheese', where: 'hpa.body.spec.metrics[5].type' },
    ]);
  });

  it('keeps the status the controller last wrote (a wrong type is refused above)', () => {
    const condition = {
      type: 'ScalingActive',
      status: 'True',
      reason: 'ValidMetricFound',
      message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization',
      lastTransitionTime: '2026-07-01T10:00:00Z',
    };
    const h = readHpa(
      hpa(
        {},
        {
          status: {
            currentReplicas: 3,
            desiredReplicas: 4,
            lastScaleTime: '2026-07-01T11:00:00Z',
            conditions: [{ type: 'AbleToScale', status: 'True' }, condition],
          },
        },
      ),
      'hpa.body',
      300,
    );
    expect(h.status).toEqual({
      currentReplicas: 3,
      desiredReplicas: 4,
      lastScaleTime: '2026-07-01T11:00:00Z',
      conditions: [{ type: 'AbleToScale', status: 'True' }, condition],
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
    // omitempty: the API sends a Scale at zero without spec.replicas.
    ['an empty one: zero values', {}, { specReplicas: 0, statusReplicas: 0, selector: '' }],
    [
      'null fields: zero values',
      { spec: null, status: { replicas: null } },
      { specReplicas: 0, statusReplicas: 0, selector: '' },
    ],
    ['none at all (no scale read)', undefined, { specReplicas: 0, statusReplicas: 0, selector: '' }],
  ])('%s', (_name, body, expected) => {
    expect(readScale(body, 'scale.body')).toEqual(expected);
  });

  it.each<[string, unknown, string]>([
    ['not an object', 'nope', 'scale.body: expected an object, got "nope"'],
    ['another kind', { kind: 'Deployment' }, 'scale.body.kind: expected "Scale", got "Deployment"'],
    [
      'spec.replicas as a string',
      { spec: { replicas: '3' } },
      'scale.body.spec.replicas: expected an integer, got "3"',
    ],
    [
      'status.replicas as a fraction',
      { status: { replicas: 1.5 } },
      'scale.body.status.replicas: expected an integer, got 1.5',
    ],
    [
      'a selector that is not a string',
      { status: { selector: { app: 'web' } } },
      'scale.body.status.selector: expected a string, got an object',
    ],
  ])('refuses %s: a replica count that is not one is not 0', (_name, body, message) => {
    expect(invalid(() => readScale(body, 'scale.body'))).toBe(message);
  });
});

describe('readPods', () => {
  const pod = (name: string, fields: { metadata?: object; spec?: object; status?: object }) => ({
    metadata: { name, ...fields.metadata },
    spec: { containers: [], ...fields.spec },
    status: { phase: 'Running', ...fields.status },
  });

  it('reads deletion, phase, readiness, start time and requests', () => {
    const [a, b] = readPods(
      {
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
      },
      'pods.body',
    );
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
    expect(
      readPods({ items: [pod('c', { spec: { resources: {} } })] }, 'pods.body')[0]?.podRequests,
    ).toBeUndefined();
    const bad = {
      items: [pod('d', { spec: { containers: [{ name: 'x', resources: { requests: { cpu: 'lots' } } }] } })],
    };
    expect(invalid(() => readPods(bad, 'pods.body'))).toBe(
      'pods.body.items[0].spec.containers[0].resources.requests.cpu: expected a quantity such as "250m", "1.5" or "2Gi", got "lots"',
    );
  });

  it.each<[string, unknown, string]>([
    ['not a PodList', { kind: 'Pod', items: [] }, 'pods.body.kind: expected "PodList", got "Pod"'],
    ['items not an array', { items: {} }, 'pods.body.items: expected an array, got an object'],
    [
      'a pod name that is not a string',
      { items: [pod('a', {}), { metadata: { name: 3 } }] },
      'pods.body.items[1].metadata.name: expected a string, got 3',
    ],
    [
      'a phase that is not a string',
      { items: [pod('a', { status: { phase: true } })] },
      'pods.body.items[0].status.phase: expected a string, got true',
    ],
    [
      'a start time that is not a time',
      { items: [pod('a', { status: { startTime: 'soon' } })] },
      'pods.body.items[0].status.startTime: expected an RFC 3339 time, got "soon"',
    ],
    [
      'a deletion timestamp that is not a time',
      { items: [pod('a', { metadata: { deletionTimestamp: true } })] },
      'pods.body.items[0].metadata.deletionTimestamp: expected an RFC 3339 time, got true',
    ],
    [
      'containers not an array',
      { items: [pod('a', { spec: { containers: 'app' } })] },
      'pods.body.items[0].spec.containers: expected an array, got "app"',
    ],
    [
      'a sidecar with requests not an object',
      {
        items: [
          pod('a', {
            spec: {
              initContainers: [
                { name: 'x' },
                { name: 's', restartPolicy: 'Always', resources: { requests: [] } },
              ],
            },
          }),
        ],
      },
      'pods.body.items[0].spec.initContainers[1].resources.requests: expected an object, got an array',
    ],
    [
      'conditions not an array',
      { items: [pod('a', { status: { conditions: 'Ready' } })] },
      'pods.body.items[0].status.conditions: expected an array, got "Ready"',
    ],
  ])('refuses %s, naming the path', (_name, body, message) => {
    expect(invalid(() => readPods(body, 'pods.body'))).toBe(message);
  });
});

describe('readRescaleEvents', () => {
  it('keeps SuccessfulRescale events of either Event API, oldest last-seen first', () => {
    const events = readRescaleEvents(
      {
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
      },
      'events.body',
    );
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

  it.each<[string, unknown, string]>([
    ['not an EventList', { kind: 'Event' }, 'events.body.kind: expected "EventList", got "Event"'],
    [
      'a count that is a string',
      {
        items: [
          {
            reason: 'SuccessfulRescale',
            message: 'New size: 2; reason: r',
            lastTimestamp: '2026-07-01T11:00:00Z',
            count: '2',
          },
        ],
      },
      'events.body.items[0].count: expected an integer, got "2"',
    ],
    [
      'a lastTimestamp that is not a time',
      { items: [{ reason: 'SuccessfulRescale', message: 'New size: 2; reason: r', lastTimestamp: 'today' }] },
      'events.body.items[0].lastTimestamp: expected an RFC 3339 time, got "today"',
    ],
    [
      'a reason that is not a string',
      { items: [{ reason: 1 }] },
      'events.body.items[0].reason: expected a string, got 1',
    ],
  ])('refuses %s, naming the path', (_name, body, message) => {
    expect(invalid(() => readRescaleEvents(body, 'events.body'))).toBe(message);
  });
});
