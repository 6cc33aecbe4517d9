// metric.ts: one metric computed as the controller does it (horizontal.go computeStatusFor*Metric,
// replica_calculator.go Get*Replicas): its label, value, proposal, the failure worded as the controller
// writes it, and the values where the proposal would change.

import { describe, expect, it } from 'vitest';
import { computeMetric, type MetricContext } from '../../../plugin/hpa/metric.ts';
import type { MetricSpec, Pod } from '../../../plugin/hpa/objects.ts';
import type { Fetched } from '../../../plugin/hpa/snapshot.ts';
import type { MetricFailureCause } from '../../../plugin/hpa/types.ts';
import { iso, NOW } from './builder.ts';

const HOUR = 3_600_000;
const UNABLE = 'the HPA was unable to compute the replica count: ';

const pod = (name: string, cpuRequest?: bigint): Pod => ({
  name,
  deleted: false,
  phase: 'Running',
  ready: { status: 'True', lastTransitionTime: NOW - HOUR },
  startTime: NOW - HOUR,
  containers: [{ name: 'app', requests: new Map(cpuRequest === undefined ? [] : [['cpu', cpuRequest]]) }],
  sidecars: [],
});

function context(pods: MetricContext['pods'] = [pod('p1', 500n), pod('p2', 500n)]): MetricContext {
  return {
    namespace: 'shop',
    specReplicas: 2,
    statusReplicas: 2,
    pods,
    tolerances: { down: 0.1, up: 0.1 },
    readiness: { now: NOW, cpuInitializationPeriodMs: 300_000, initialReadinessDelayMs: 30_000 },
    podLevelResources: true,
  };
}

const answer = (body: unknown, path = '/apis/x'): Fetched<unknown> => ({ path, body });
const podsQps: MetricSpec = { type: 'Pods', metric: { name: 'qps' }, target: { averageValue: 500n } };
const podValues = (...values: string[]) =>
  answer({
    items: values.map((value, i) => ({
      describedObject: { name: `p${i + 1}` },
      value,
      timestamp: iso(NOW),
      windowSeconds: 60,
    })),
  });
const cpuUsage = (...usage: string[]) =>
  answer({
    items: usage.map((cpu, i) => ({
      metadata: { name: `p${i + 1}` },
      timestamp: iso(NOW - 10_000),
      window: '30s',
      containers: [{ name: 'app', usage: { cpu } }],
    })),
  });

describe('a metric that proposes', () => {
  it('Pods AverageValue: ceil(ratio × ready pods), and where the proposal moves', () => {
    const d = computeMetric(podsQps, 0, podValues('1', '1'), context());
    expect(d).toMatchObject({
      index: 0,
      type: 'Pods',
      label: 'pods metric qps',
      targetType: 'AverageValue',
      target: 500n,
      current: { averageValue: 1000n },
      timestamp: iso(NOW),
      ratio: 2,
      path: 'Ratio',
      podCount: 2,
      proposal: 4,
      pods: { ready: ['p1', 'p2'], unready: [], missing: [], ignored: [] },
      // ceil(a / 250) > 4 from 1001m; < 4 up to 750m.
      scaleUpAt: { at: 1001n, replicas: 5 },
      scaleDownAt: { at: 750n, replicas: 3 },
    });
    expect(d.failure).toBeUndefined();
  });

  it('Pods AverageValue inside the tolerance: the current count', () => {
    const d = computeMetric(podsQps, 0, podValues('520m', '520m'), context());
    // Out of the band above 550m (ceil(1.102 × 2) = 3); inside it down to 450m, and ceil(r × 2) < 2 from 250m.
    expect(d).toMatchObject({
      path: 'WithinTolerance',
      proposal: 2,
      scaleUpAt: { at: 551n, replicas: 3 },
      scaleDownAt: { at: 250n, replicas: 1 },
    });
  });

  it('Resource Utilization: percent of the requests, floored', () => {
    const spec: MetricSpec = { type: 'Resource', resource: 'cpu', target: { averageUtilization: 50 } };
    const d = computeMetric(spec, 1, cpuUsage('400m', '600m'), context());
    expect(d).toMatchObject({
      label: 'cpu resource utilization (percentage of request)',
      targetType: 'Utilization',
      target: 50,
      current: { averageUtilization: 100, averageValue: 500n },
      timestamp: iso(NOW - 10_000),
      ratio: 2,
      proposal: 4,
    });
    expect(typeof d.scaleUpAt?.at).toBe('number');
  });

  it('Object Value: the ratio times the ready pods', () => {
    const spec: MetricSpec = {
      type: 'Object',
      describedObject: { kind: 'Service', name: 'front', apiVersion: 'v1' },
      metric: { name: 'rps' },
      target: { type: 'Value', value: 10_000n },
    };
    const d = computeMetric(
      spec,
      0,
      answer({ kind: 'MetricValue', value: '20', timestamp: iso(NOW) }),
      context(),
    );
    expect(d).toMatchObject({
      label: 'Service metric rps',
      subject: 'Service/front',
      targetType: 'Value',
      current: { value: 20_000n },
      ratio: 2,
      podCount: 2,
      proposal: 4,
    });
  });

  it('External AverageValue: ceil(total / target), the average over status replicas', () => {
    const spec: MetricSpec = { type: 'External', metric: { name: 'queue' }, target: { averageValue: 1000n } };
    const d = computeMetric(spec, 0, answer({ items: [{ value: '3' }, { value: '3' }] }), context());
    expect(d).toMatchObject({
      label: 'external metric queue(nil)',
      targetType: 'AverageValue',
      current: { averageValue: 3000n },
      ratio: 3,
      podCount: 2,
      proposal: 6,
    });
  });
});

describe('a metric that fails, worded as the controller words it', () => {
  const cpu: MetricSpec = { type: 'Resource', resource: 'cpu', target: { averageUtilization: 50 } };
  it.each<[string, MetricSpec, Fetched<unknown> | null, MetricContext, string, string, MetricFailureCause]>([
    [
      'the call failed',
      podsQps,
      { path: '/apis/custom', error: { code: 404, message: 'not found' } },
      context(),
      'FailedGetPodsMetric',
      'unable to get metric qps: unable to fetch metrics from custom metrics API: not found',
      { kind: 'FetchFailed', path: '/apis/custom', code: 404, message: 'not found' },
    ],
    [
      'no call in the snapshot',
      podsQps,
      null,
      context(),
      'FailedGetPodsMetric',
      'unable to get metric qps: unable to fetch metrics from custom metrics API: the snapshot holds no answer for this metric',
      { kind: 'NotFetched' },
    ],
    [
      'an empty answer',
      podsQps,
      answer({ items: [] }, '/apis/empty'),
      context(),
      'FailedGetPodsMetric',
      'unable to get metric qps: no metrics returned from custom metrics API',
      { kind: 'NoValues', path: '/apis/empty' },
    ],
    [
      'a Pods target without averageValue',
      { type: 'Pods', metric: { name: 'qps' }, target: {} },
      podValues('1'),
      context(),
      'FailedGetPodsMetric',
      'invalid pods metric source: no average value target was set',
      { kind: 'Invalid', message: 'invalid pods metric source: no average value target was set' },
    ],
    [
      'an unknown source type',
      { type: 'Unknown', typeName: 'CheddarCheese', where: 'hpa.body.spec.metrics[0].type' },
      null,
      context(),
      'InvalidMetricSourceType',
      'unknown metric source type "CheddarCheese"',
      {
        kind: 'Invalid',
        message:
          'hpa.body.spec.metrics[0].type: unknown metric source type "CheddarCheese" (expected Resource, ContainerResource, Pods, Object or External)',
      },
    ],
    [
      'the pod list unknown',
      podsQps,
      podValues('1'),
      context({ error: 'forbidden' }),
      'FailedGetPodsMetric',
      'unable to get pods while calculating replica count: forbidden',
      { kind: 'Invalid', message: 'forbidden' },
    ],
    [
      'no pods',
      podsQps,
      podValues('1'),
      context([]),
      'FailedGetPodsMetric',
      'no pods returned by selector while calculating replica count',
      { kind: 'NoPods' },
    ],
    [
      'a pod without a request',
      cpu,
      cpuUsage('400m', '600m'),
      context([pod('p1', 500n), pod('p2')]),
      'FailedGetResourceMetric',
      'failed to get cpu utilization: missing request for cpu in container app of Pod p2',
      { kind: 'MissingRequests', resource: 'cpu', pods: [{ pod: 'p2', containers: ['app'] }] },
    ],
    [
      'an Object target of neither kind',
      {
        type: 'Object',
        describedObject: { kind: 'Service', name: 'front', apiVersion: 'v1' },
        metric: { name: 'rps' },
        target: { type: 'Utilization' },
      },
      null,
      context(),
      'FailedGetObjectMetric',
      'invalid object metric source: neither a value target nor an average value target was set',
      {
        kind: 'Invalid',
        message: 'invalid object metric source: neither a value target nor an average value target was set',
      },
    ],
  ])('%s', (_name, spec, fetched, ctx, reason, message, cause) => {
    const d = computeMetric(spec, 0, fetched, ctx);
    expect(d.failure).toEqual({ reason, message: `${UNABLE}${message}`, cause });
    expect(d.proposal).toBeUndefined();
    expect(d.scaleUpAt).toBeUndefined();
  });

  it('an answer the client could not decode fails the metric as Invalid', () => {
    const d = computeMetric(podsQps, 0, podValues('lots'), context());
    expect(d.failure?.reason).toBe('FailedGetPodsMetric');
    expect(d.failure?.cause).toEqual({
      kind: 'Invalid',
      message:
        'metrics[0].body.items[0].value: expected a quantity such as "250m", "1.5" or "2Gi", got "lots"',
      path: podValues('lots').path,
    });
    expect(d.failure?.message).toMatch(
      /^the HPA was unable to compute the replica count: metrics\[0\]\.body\.items\[0\]\.value: expected a quantity .*, got "lots"$/,
    );
  });
});
