import { describe, expect, it } from 'vitest';
import { decide } from '../../../plugin/hpa/decision.ts';
import type { HPASnapshot } from '../../../plugin/hpa/snapshot.ts';
import { describeCause, formatMilli, formatRatio, narrate } from '../../../plugin/printers/narrative.ts';
import { formatQuantity } from '../../../shared/quantity.ts';
import { horizontalSnapshot, iso, NOW, ok, PODS_PATH, podsMetricList, snapshot } from '../hpa/builder.ts';

const DEPLOYMENT = { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' };

/** Pods averaging the given qps (milli) against a 500m target. */
function qps(values: number[], extra: Record<string, unknown> = {}): HPASnapshot {
  return snapshot({
    hpa: {
      spec: {
        scaleTargetRef: DEPLOYMENT,
        minReplicas: 1,
        maxReplicas: 6,
        metrics: [
          {
            type: 'Pods',
            pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '500m' } },
          },
        ],
        ...extra,
      },
    },
    spec: values.length,
    pods: values.map((_, i) => ({ name: `test-pod-${i}`, containers: [{ name: 'app' }] })),
    metrics: [ok(PODS_PATH, podsMetricList(values, iso(NOW)))],
  });
}

describe('narrate', () => {
  it.each<[string, HPASnapshot, string]>([
    ['a scale-up', qps([812, 812]), 'scales to 4 because average qps 812m is 1.62× the 500m target'],
    [
      'inside the tolerance',
      qps([520, 520]),
      'stays at 2 because average qps 520m is 1.04× the 500m target, within the tolerance',
    ],
    [
      'a scale-down the controller may still be holding',
      qps([250, 250, 250, 250]),
      "stays at 4 (or 2: the highest recommendation of the last 300s is in the controller's memory only): average qps 250m is 0.5× the 500m target, which asks for 2, but the scale-down stabilization window holds it",
    ],
    [
      'the scale-up limit without behavior',
      qps([5000, 5000]),
      'scales to 4 because average qps 5 is 10× the 500m target, limited from 20 by the scale-up rate limit',
    ],
    [
      'a behavior policy',
      qps([2000, 2000], {
        behavior: { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
      }),
      'scales to 3 because average qps 2 is 4× the 500m target, limited from 8 by the scale-up rate limit',
    ],
    [
      'maxReplicas',
      qps([1000, 1000, 1000, 1000]),
      'scales to 6 because average qps 1 is 2× the 500m target, limited from 8 by maxReplicas',
    ],
    [
      'no metric could be computed',
      horizontalSnapshot({
        minReplicas: 1,
        maxReplicas: 5,
        specReplicas: 3,
        statusReplicas: 3,
        CPUTarget: 50,
        reportedLevels: [],
        reportedCPURequests: ['1', '1', '1'],
      }),
      'stays at 3 because no metric could be computed: cpu resource utilization (percentage of request) failed (the metrics API returned no values)',
    ],
    [
      'zero replicas',
      horizontalSnapshot({
        minReplicas: 1,
        maxReplicas: 5,
        specReplicas: 0,
        statusReplicas: 0,
        CPUTarget: 50,
      }),
      'does not scale: ReplicationController/test-rc has 0 replicas, which turns autoscaling off until it is scaled up by hand',
    ],
    [
      'above maxReplicas',
      horizontalSnapshot({
        minReplicas: 2,
        maxReplicas: 5,
        specReplicas: 8,
        statusReplicas: 8,
        CPUTarget: 50,
      }),
      'scales to 5 because the current 8 replicas are above maxReplicas',
    ],
    [
      'no selector',
      horizontalSnapshot({
        minReplicas: 1,
        maxReplicas: 5,
        specReplicas: 3,
        statusReplicas: 3,
        CPUTarget: 50,
        selector: '',
      }),
      "stays at 3: the HPA target's scale is missing a selector",
    ],
  ])('%s', (_name, s, sentence) => {
    expect(narrate(decide(s))).toBe(sentence);
  });

  it('a failing metric while the others ask for fewer replicas', () => {
    const s = horizontalSnapshot({
      minReplicas: 2,
      maxReplicas: 6,
      specReplicas: 5,
      statusReplicas: 5,
      CPUTarget: 50,
      metricsTarget: [
        { type: 'External', external: { metric: { name: 'qps' }, target: { type: 'Value', value: '1' } } },
      ],
      reportedLevels: [100, 300, 500, 250, 250],
      reportedCPURequests: ['1', '1', '1', '1', '1'],
      failing: ['external'],
    });
    expect(narrate(decide(s))).toBe(
      'stays at 5: the metrics want fewer replicas, but the controller does not scale down while external metric qps(nil) failed (the metrics API answered 500: something went wrong)',
    );
  });
});

describe('describeCause', () => {
  it.each<[Parameters<typeof describeCause>[0], string]>([
    [
      { kind: 'FetchFailed', path: '/x', code: 404, message: 'not found' },
      'the metrics API answered 404: not found',
    ],
    [{ kind: 'NotFetched' }, 'it was not fetched'],
    [{ kind: 'NoValues' }, 'the metrics API returned no values'],
    [{ kind: 'NoReadyPodMetrics', unready: ['a'], ignored: [] }, 'only unready or ignored pods have values'],
    [
      {
        kind: 'MissingRequests',
        resource: 'cpu',
        pods: [
          { pod: 'a', containers: ['x', 'y'] },
          { pod: 'b', containers: [] },
        ],
      },
      'pods without a cpu request: a (x, y), b',
    ],
    [{ kind: 'NoPods' }, 'the selector matches no pods'],
    [{ kind: 'Invalid', message: 'bad' }, 'bad'],
  ])('%j', (cause, text) => {
    expect(describeCause(cause)).toBe(text);
  });

  it('formatRatio keeps two decimals at most', () => {
    expect([1.624, 0.5, 3, Number.POSITIVE_INFINITY].map(formatRatio)).toEqual([
      '1.62×',
      '0.5×',
      '3×',
      'Infinity×',
    ]);
  });
});

/** kubernetes v1.37.2 pkg/controller/podautoscaler/horizontal_test.go TestBuildQuantity. */
describe('TestBuildQuantity', () => {
  it.each<[string, string, bigint, string]>([
    [
      'Memory - 1000 bytes → 1Ki',
      'memory',
      1000n,
      formatQuantity({ unscaled: 1n, scale: 0, format: 'BinarySI' }),
    ],
    [
      'Memory - 1000000 bytes → 1000Ki',
      'memory',
      1000000n,
      formatQuantity({ unscaled: 1000n, scale: 0, format: 'BinarySI' }),
    ],
    ['CPU - 100 milli-cores', 'cpu', 100n, '100m'],
    ['CPU - 500 milli-cores', 'cpu', 500n, '500m'],
    ['CPU - 1 milli-core', 'cpu', 1n, '1m'],
    ['CustomResource - 200 milli-units', 'custom-resource', 200n, '200m'],
    ['CustomResource - 300 milli-units', 'custom-resource', 300n, '300m'],
  ])('%s', (_name, resource, raw, expected) => {
    expect(formatMilli(raw, resource)).toBe(expected);
  });

  it('memory keeps its binary suffix where the value allows it', () => {
    expect(formatMilli(1073741824000n, 'memory')).toBe('1Gi');
    expect(formatMilli(1073741824000n, 'cpu')).toBe('1073741824');
  });
});
