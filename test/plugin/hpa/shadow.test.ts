import { describe, expect, it } from 'vitest';
import { compareShadow, type Shadow } from '../../../plugin/hpa/shadow.ts';
import type { Fetched, HPASnapshot } from '../../../plugin/hpa/snapshot.ts';
import {
  EXTERNAL_PATH,
  externalMetricList,
  iso,
  NOW,
  ok,
  PODS_PATH,
  type PodFixture,
  podsMetricList,
  snapshot,
} from './builder.ts';

const DEPLOYMENT = { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' };
const pods = (n: number): PodFixture[] =>
  Array.from({ length: n }, (_, i) => ({ name: `test-pod-${i}`, containers: [{ name: 'app' }] }));

/** Pods of a pod metric's answer, as served: exact quantity text per pod. */
function podsAnswer(values: string[]): Fetched<unknown> {
  const list = podsMetricList(
    values.map(() => 0),
    iso(NOW),
  );
  list.items.forEach((item, i) => {
    item.value = values[i] as string;
  });
  return ok(PODS_PATH, list);
}

/** An HPA of 4 pods on qps (target 500m a pod) and an external metric (target 10 in total). */
function hpaSnapshot(podsMetric: Fetched<unknown>, external: Fetched<unknown>): HPASnapshot {
  return snapshot({
    hpa: {
      spec: {
        scaleTargetRef: DEPLOYMENT,
        minReplicas: 1,
        maxReplicas: 20,
        metrics: [
          {
            type: 'Pods',
            pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '500m' } },
          },
          {
            type: 'External',
            external: {
              metric: { name: 'qps', selector: { matchLabels: { label: 'value' } } },
              target: { type: 'Value', value: '10' },
            },
          },
        ],
      },
      status: { currentReplicas: 4, desiredReplicas: 4 },
    },
    spec: 4,
    pods: pods(4),
    metrics: [podsMetric, external],
  });
}

const EXTERNAL_OK = ok(EXTERNAL_PATH, externalMetricList([10_000], iso(NOW)));

function shadow(served: Fetched<unknown>, fromCmetrics: Fetched<unknown>, compared = [true, false]): Shadow {
  return {
    serving: hpaSnapshot(served, EXTERNAL_OK),
    cmetrics: hpaSnapshot(fromCmetrics, EXTERNAL_OK),
    compared,
  };
}

describe('compareShadow', () => {
  it.each([
    [
      'the same answers',
      ['500m', '500m', '500m', '500m'],
      ['500m', '500m', '500m', '500m'],
      'Same',
      undefined,
    ],
    [
      'values within the milli-unit the adapter truncates to',
      ['499m', '500m', '500m', '500m'],
      ['499600u', '500m', '500m', '500m'],
      'DifferentValue',
      'precision',
    ],
    [
      'values apart by more: read at other instants',
      ['500m', '500m', '500m', '500m'],
      ['520m', '500m', '500m', '500m'],
      'DifferentValue',
      'evaluation time',
    ],
    [
      'values apart enough to move the decision',
      ['500m', '500m', '500m', '500m'],
      ['900m', '900m', '900m', '900m'],
      'DifferentDecision',
      'evaluation time',
    ],
  ])('%s', (_name, served, fromCmetrics, verdict, difference) => {
    const c = compareShadow(shadow(podsAnswer(served), podsAnswer(fromCmetrics)));
    expect(c.verdict).toBe(verdict);
    expect(c.metrics[0]?.difference?.class).toBe(difference);
    expect(c.metrics[0]?.compared).toBe(true);
  });

  it('a metric not compared keeps the serving answer and has no difference', () => {
    const c = compareShadow(
      shadow(podsAnswer(['500m', '500m', '500m', '500m']), podsAnswer(['500m', '500m', '500m', '500m'])),
    );
    expect(c.metrics[1]).toMatchObject({ compared: false });
    expect(c.metrics[1]?.difference).toBeUndefined();
    expect(c.serving.desiredReplicas).toBe(4);
    expect(c.cmetrics.desiredReplicas).toBe(4);
  });

  it('a pod the adapter serves as 0 and cmetrics leaves out is a NaN', () => {
    const served = podsAnswer(['500m', '500m', '500m', '0']);
    const fromCmetrics = podsAnswer(['500m', '500m', '500m']);
    const c = compareShadow(shadow(served, fromCmetrics));
    expect(c.metrics[0]?.difference).toEqual({
      class: 'NaN',
      why: 'served as 0, left out by cmetrics (a NaN sample): Pod test-namespace/test-pod-3',
    });
  });

  it('different pods listed are a difference of objects', () => {
    const served = podsAnswer(['500m', '500m', '500m']);
    const fromCmetrics = podsAnswer(['500m', '500m', '500m', '500m']);
    expect(compareShadow(shadow(served, fromCmetrics)).metrics[0]?.difference).toEqual({
      class: 'objects',
      why: 'only served: nothing more; only cmetrics: Pod test-namespace/test-pod-3',
    });
  });

  it('one side failing is a failure, and decides differently when the metric held the count', () => {
    const failed: Fetched<unknown> = {
      path: PODS_PATH,
      error: { code: 404, message: 'the metric qps is not served' },
    };
    const c = compareShadow(shadow(podsAnswer(['900m', '900m', '900m', '900m']), failed));
    expect(c.metrics[0]?.difference).toEqual({
      class: 'failure',
      why: 'serving: values; cmetrics: 404 the metric qps is not served',
    });
    expect(c.metrics[0]?.cmetrics?.failure?.reason).toBe('FailedGetPodsMetric');
    expect(c.serving.desiredReplicas).toBe(8);
    expect(c.cmetrics.desiredReplicas).toBe(4);
    expect(c.verdict).toBe('DifferentDecision');
  });

  it('both failing alike is no difference', () => {
    const failed: Fetched<unknown> = { path: PODS_PATH, error: { code: 404, message: 'not found' } };
    const other: Fetched<unknown> = { path: PODS_PATH, error: { code: 404, message: 'no metric qps' } };
    expect(compareShadow(shadow(failed, other)).metrics[0]?.difference).toBeUndefined();
  });

  it('an external series the adapter serves as the lowest int64 is a NaN', () => {
    const served = ok(EXTERNAL_PATH, {
      ...externalMetricList([10_000], iso(NOW)),
      items: [
        { metricName: 'qps', metricLabels: { queue: 'a' }, timestamp: iso(NOW), value: '10' },
        {
          metricName: 'qps',
          metricLabels: { queue: 'b' },
          timestamp: iso(NOW),
          value: '-9223372036854775808m',
        },
      ],
    });
    const fromCmetrics = ok(EXTERNAL_PATH, {
      ...externalMetricList([10_000], iso(NOW)),
      items: [{ metricName: 'qps', metricLabels: { queue: 'a' }, timestamp: iso(NOW), value: '10' }],
    });
    const pods4 = podsAnswer(['500m', '500m', '500m', '500m']);
    const c = compareShadow({
      serving: hpaSnapshot(pods4, served),
      cmetrics: hpaSnapshot(pods4, fromCmetrics),
      compared: [false, true],
    });
    expect(c.metrics[1]?.difference).toEqual({
      class: 'NaN',
      why: 'served as -9223372036854775808m, left out by cmetrics (a NaN sample): {"queue":"b"}',
    });
  });
});
