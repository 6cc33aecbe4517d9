// replicas.ts, the replica calculator, against Kubernetes' replica calculator tests, replayed through
// decide() (the calculator's inputs are what a snapshot holds).
//
// Source: kubernetes/kubernetes v1.37.2 pkg/controller/podautoscaler/replica_calculator_test.go.
// Each Go case becomes an HPASnapshot (pods, the metric answer, an HPA with the metric's target) and
// the Go expectations are asserted on the metric decide() computes: the proposal (the calculator's
// replica count), and the utilization / raw value / usage the Go test checks. Tolerances other than
// the default are set through behavior.scaleUp/scaleDown.tolerance (HPAConfigurableTolerance).
//
// | Go test                                              | Go cases | ported |
// |------------------------------------------------------|----------|--------|
// | TestReplicaCalcResourceScale                         | 24       | 24     |
// | TestReplicaCalcExternalPerPodMetric                  | 6        | 6      |
// | TestReplicaCalcPodMetric                             | 8        | 8      |
// | TestReplicaCalcObjectMetric                          | 6        | 6      |
// | TestReplicaCalcObjectPerPodMetric                    | 4        | 4      |
// | TestReplicaCalcExternalMetric                        | 5        | 5      |
// | TestReplicaCalcResourceTolerance                     | 6        | 6      |
// | TestReplicaCalcResourceMissingMetrics                | 15       | 15     |
// | TestReplicaCalcComputedToleranceAlgImplementation    | 2        | 2      |
// | TestGroupPods                                        | 14       | 14     |
// | TestCalculateRequests                                | 9        | 9      |
// | TestCalculatePodRequestsFromContainers_NonExistent…  | 1        | 1      |
// | total                                                | 100      | 100    |
//
// Not portable: none. TestGroupPods, TestCalculateRequests and the non-existent container case test
// internal functions; they run against groupPods / calculateRequests on pods read from pod JSON.

import { describe, expect, it } from 'vitest';
import { readPodMetrics } from '../../../plugin/hpa/answers.ts';
import { decide } from '../../../plugin/hpa/decision.ts';
import { readPods } from '../../../plugin/hpa/objects.ts';
import { calculateRequests, groupPods } from '../../../plugin/hpa/replicas.ts';
import type { Fetched } from '../../../plugin/hpa/snapshot.ts';
import type { MetricDecision } from '../../../plugin/hpa/types.ts';
import {
  COOL,
  EXTERNAL_PATH,
  externalMetricList,
  HOT,
  iso,
  milli,
  NOW,
  OBJECT_PATH,
  objectMetricList,
  ok,
  PODS_PATH,
  type PodFixture,
  podList,
  podMetricsList,
  podsMetricList,
  RESOURCE_PATH,
  snapshot,
  ZERO_TIME,
} from './builder.ts';

const MAX_INT64 = (1n << 63n) - 1n;
const MAX_INT32 = 2 ** 31 - 1;
const NUM_CONTAINERS_PER_POD = 2;
const T = 'True' as const;
const F = 'False' as const;

/** calcScenario of replica_calculator_test.go. */
interface CalcScenario {
  currentReplicas: number;
  resource?: { requests: string[]; levels: (number | bigint)[][]; podNames?: string[] };
  metric?: { levels: (number | bigint)[] };
  container?: string;
  podReadiness?: ('True' | 'False')[];
  podStartTime?: string[];
  podPhase?: string[];
  podDeletionTimestamp?: boolean[];
}

/** makePodMetricLevels: every container of pod i uses levels[i]. */
const levels = (...perPod: (number | bigint)[]) => perPod.map((v) => Array(NUM_CONTAINERS_PER_POD).fill(v));
const cpuRequests = (n: number, value: string) => Array<string>(n).fill(value);

/** newFakePodClient / buildFakePod: both containers request the pod's request each. */
function fakePods(f: CalcScenario): PodFixture[] {
  const count = Math.max(f.currentReplicas, f.podPhase?.length ?? 0);
  return Array.from({ length: count }, (_, i) => {
    const request = f.resource && i < f.resource.requests.length ? f.resource.requests[i] : undefined;
    const requests = request === undefined ? undefined : { cpu: request };
    return {
      name: `test-pod-${i}`,
      phase: f.podPhase?.[i] ?? 'Running',
      ready: f.podReadiness?.[i] ?? T,
      startTime: f.podStartTime?.[i] ?? ZERO_TIME,
      deleted: f.podDeletionTimestamp?.[i] ?? false,
      containers: [
        { name: 'container1', ...(requests ? { requests } : {}) },
        { name: 'container2', ...(requests ? { requests } : {}) },
      ],
    };
  });
}

/** newFakeResourceMetricsClient: two container slots per pod; unset slots stay empty (no name, no usage). */
function fakeResourceMetrics(f: CalcScenario) {
  const list = podMetricsList([]);
  list.items = (f.resource?.levels ?? []).map((containers, i) => ({
    metadata: {
      name: f.resource?.podNames?.[i] ?? `test-pod-${i}`,
      namespace: 'test-namespace',
      creationTimestamp: iso(NOW),
    },
    timestamp: ZERO_TIME,
    window: '1m0s',
    containers: Array.from(
      { length: NUM_CONTAINERS_PER_POD },
      (_, j): { name: string; usage: Record<string, string> } =>
        j < containers.length
          ? { name: `container${j + 1}`, usage: { cpu: milli(containers[j] as number) } }
          : { name: '', usage: {} },
    ),
  }));
  return list;
}

type Tolerances = [down: number, up: number];

/** The HPA's behavior carrying the Go test's Tolerances{scaleDown, scaleUp}. */
function withTolerances(t?: Tolerances) {
  return t
    ? { behavior: { scaleDown: { tolerance: String(t[0]) }, scaleUp: { tolerance: String(t[1]) } } }
    : {};
}

function run(
  f: CalcScenario,
  metric: Record<string, unknown>,
  answer: Fetched<unknown>,
  tolerances?: Tolerances,
): MetricDecision {
  const d = decide(
    snapshot({
      hpa: {
        spec: {
          scaleTargetRef: { kind: 'Deployment', name: 'some-deployment', apiVersion: 'apps/v1' },
          minReplicas: 1,
          maxReplicas: 1000,
          metrics: [metric],
          ...withTolerances(tolerances),
        },
      },
      spec: f.currentReplicas,
      pods: fakePods(f),
      metrics: [answer],
    }),
  );
  return d.metrics[0] as MetricDecision;
}

interface ResourceCase {
  name: string;
  fixture: CalcScenario;
  targetUtilization: number;
  expectedReplicas?: number;
  expectedUtilization?: number;
  expectedRawValue?: bigint;
  expectedError?: string;
  tolerances?: Tolerances;
}

function runResource(tc: ResourceCase): void {
  const { container } = tc.fixture;
  const target = { type: 'Utilization', averageUtilization: tc.targetUtilization };
  const spec = container
    ? { type: 'ContainerResource', containerResource: { name: 'cpu', container, target } }
    : { type: 'Resource', resource: { name: 'cpu', target } };
  const m = run(tc.fixture, spec, ok(RESOURCE_PATH, fakeResourceMetrics(tc.fixture)), tc.tolerances);
  if (tc.expectedError !== undefined) {
    expect(m.proposal).toBeUndefined();
    expect(m.failure?.message).toContain(tc.expectedError);
    return;
  }
  expect(m.failure).toBeUndefined();
  expect(m.proposal).toBe(tc.expectedReplicas);
  expect(m.current?.averageUtilization).toBe(tc.expectedUtilization);
  expect(m.current?.averageValue).toBe(tc.expectedRawValue);
}

const N = BigInt(NUM_CONTAINERS_PER_POD);

describe('TestReplicaCalcResourceScale', () => {
  it.each<ResourceCase>([
    {
      name: 'scale up',
      fixture: {
        currentReplicas: 3,
        resource: { requests: cpuRequests(3, '1.0'), levels: levels(300, 500, 700) },
      },
      targetUtilization: 30,
      expectedReplicas: 5,
      expectedUtilization: 50,
      expectedRawValue: N * 500n,
    },
    {
      name: 'scale up: container metric',
      fixture: {
        currentReplicas: 3,
        container: 'container2',
        resource: {
          requests: cpuRequests(3, '1.0'),
          levels: [
            [1000, 300],
            [1000, 500],
            [1000, 700],
          ],
        },
      },
      targetUtilization: 30,
      expectedReplicas: 5,
      expectedUtilization: 50,
      expectedRawValue: 500n,
    },
    {
      name: 'scale up: unready pod scales less',
      fixture: {
        currentReplicas: 3,
        podReadiness: [F, T, T],
        resource: { requests: cpuRequests(3, '1.0'), levels: levels(300, 500, 700) },
      },
      targetUtilization: 30,
      expectedReplicas: 4,
      expectedUtilization: 60,
      expectedRawValue: N * 600n,
    },
    {
      name: 'scale up: hot-CPU container scales less',
      fixture: {
        currentReplicas: 3,
        podStartTime: [HOT, COOL, COOL],
        container: 'container2',
        resource: {
          requests: cpuRequests(3, '1.0'),
          levels: [
            [0, 300],
            [0, 500],
            [0, 700],
          ],
        },
      },
      targetUtilization: 30,
      expectedReplicas: 4,
      expectedUtilization: 60,
      expectedRawValue: 600n,
    },
    {
      name: 'scale up: hot-CPU pod scales less',
      fixture: {
        currentReplicas: 3,
        podStartTime: [HOT, COOL, COOL],
        resource: { requests: cpuRequests(3, '1.0'), levels: levels(300, 500, 700) },
      },
      targetUtilization: 30,
      expectedReplicas: 4,
      expectedUtilization: 60,
      expectedRawValue: N * 600n,
    },
    {
      name: 'no scale: unready pods ignored',
      fixture: {
        currentReplicas: 3,
        podReadiness: [T, F, F],
        resource: { requests: cpuRequests(3, '1.0'), levels: levels(400, 500, 700) },
      },
      targetUtilization: 30,
      expectedReplicas: 3,
      expectedUtilization: 40,
      expectedRawValue: N * 400n,
    },
    {
      name: 'no scale: hot-CPU pods ignored',
      fixture: {
        currentReplicas: 3,
        podReadiness: [T, F, F],
        podStartTime: [COOL, HOT, HOT],
        resource: { requests: cpuRequests(3, '1.0'), levels: levels(400, 500, 700) },
      },
      targetUtilization: 30,
      expectedReplicas: 3,
      expectedUtilization: 40,
      expectedRawValue: N * 400n,
    },
    {
      name: 'scale up: failed pods ignored',
      fixture: {
        currentReplicas: 2,
        podReadiness: [T, T, F, F],
        podPhase: ['Running', 'Running', 'Failed', 'Failed'],
        resource: { requests: cpuRequests(4, '1.0'), levels: levels(500, 700) },
      },
      targetUtilization: 30,
      expectedReplicas: 4,
      expectedUtilization: 60,
      expectedRawValue: N * 600n,
    },
    {
      name: 'scale up: failed pods ignored with missing container metric',
      fixture: {
        currentReplicas: 2,
        podReadiness: [T, T, F, F],
        podPhase: ['Running', 'Running', 'Failed', 'Failed'],
        container: 'container2',
        resource: { requests: cpuRequests(4, '1.0'), levels: [[1000, 500], [9000, 700], [1000], [9000]] },
      },
      targetUtilization: 30,
      expectedReplicas: 4,
      expectedUtilization: 60,
      expectedRawValue: 600n,
    },
    {
      name: 'scale up: container metrics with failed pods ignored',
      fixture: {
        currentReplicas: 2,
        podReadiness: [T, T, F, F],
        podPhase: ['Running', 'Running', 'Failed', 'Failed'],
        container: 'container2',
        resource: {
          requests: cpuRequests(4, '1.0'),
          levels: [
            [1000, 500],
            [9000, 700],
          ],
        },
      },
      targetUtilization: 30,
      expectedReplicas: 4,
      expectedUtilization: 60,
      expectedRawValue: 600n,
    },
    {
      name: 'scale up: pods being deleted are ignored',
      fixture: {
        currentReplicas: 2,
        podReadiness: [T, T, F, F],
        podPhase: ['Running', 'Running', 'Running', 'Running'],
        podDeletionTimestamp: [false, false, true, true],
        resource: { requests: cpuRequests(4, '1.0'), levels: levels(500, 700) },
      },
      targetUtilization: 30,
      expectedReplicas: 4,
      expectedUtilization: 60,
      expectedRawValue: N * 600n,
    },
    {
      name: 'scale up: container metrics with pods being deleted ignored',
      fixture: {
        currentReplicas: 2,
        podReadiness: [T, T, F, F],
        podPhase: ['Running', 'Running', 'Running', 'Running'],
        podDeletionTimestamp: [false, false, true, true],
        container: 'container1',
        resource: { requests: cpuRequests(4, '1.0'), levels: levels(500, 700) },
      },
      targetUtilization: 30,
      expectedReplicas: 4,
      expectedUtilization: 60,
      expectedRawValue: 600n,
    },
    {
      name: 'scale down',
      fixture: {
        currentReplicas: 5,
        resource: { requests: cpuRequests(5, '1.0'), levels: levels(100, 300, 500, 250, 250) },
      },
      targetUtilization: 50,
      expectedReplicas: 3,
      expectedUtilization: 28,
      expectedRawValue: N * 280n,
    },
    {
      name: 'scale down: container metric',
      fixture: {
        currentReplicas: 5,
        container: 'container2',
        resource: {
          requests: cpuRequests(5, '1.0'),
          levels: [
            [1000, 100],
            [1000, 300],
            [1000, 500],
            [1000, 250],
            [1000, 250],
          ],
        },
      },
      targetUtilization: 50,
      expectedReplicas: 3,
      expectedUtilization: 28,
      expectedRawValue: 280n,
    },
    {
      name: 'scale down: exclude unready pods',
      fixture: {
        currentReplicas: 5,
        podReadiness: [T, T, T, F, F],
        resource: { requests: cpuRequests(5, '1.0'), levels: levels(100, 300, 500, 250, 250) },
      },
      targetUtilization: 50,
      expectedReplicas: 2,
      expectedUtilization: 30,
      expectedRawValue: N * 300n,
    },
    {
      name: 'scale down: container metric excludes unready pods',
      fixture: {
        currentReplicas: 5,
        podReadiness: [T, T, T, F, F],
        container: 'container2',
        resource: {
          requests: cpuRequests(5, '1.0'),
          levels: [
            [1000, 100],
            [1000, 300],
            [1000, 500],
            [1000, 250],
            [1000, 250],
          ],
        },
      },
      targetUtilization: 50,
      expectedReplicas: 2,
      expectedUtilization: 30,
      expectedRawValue: 300n,
    },
    {
      name: 'scale down: exclude unscheduled pods',
      fixture: {
        currentReplicas: 5,
        podReadiness: [T, F, F, F, F],
        podPhase: ['Running', 'Pending', 'Pending', 'Pending', 'Pending'],
        resource: { requests: cpuRequests(5, '1.0'), levels: levels(100) },
      },
      targetUtilization: 50,
      expectedReplicas: 1,
      expectedUtilization: 10,
      expectedRawValue: N * 100n,
    },
    {
      name: 'scale down: container metric excludes unscheduled pods',
      fixture: {
        currentReplicas: 5,
        podReadiness: [T, F, F, F, F],
        podPhase: ['Running', 'Pending', 'Pending', 'Pending', 'Pending'],
        container: 'container2',
        resource: {
          requests: cpuRequests(5, '1.0'),
          levels: [
            [1000, 100],
            [1000, 300],
            [1000, 500],
            [1000, 250],
            [1000, 250],
          ],
        },
      },
      targetUtilization: 50,
      expectedReplicas: 1,
      expectedUtilization: 10,
      expectedRawValue: 100n,
    },
    {
      name: 'scale down: ignore hot-CPU pods',
      fixture: {
        currentReplicas: 5,
        podStartTime: [COOL, COOL, COOL, HOT, HOT],
        resource: { requests: cpuRequests(5, '1.0'), levels: levels(100, 300, 500, 250, 250) },
      },
      targetUtilization: 50,
      expectedReplicas: 2,
      expectedUtilization: 30,
      expectedRawValue: N * 300n,
    },
    {
      name: 'scale down: container metric ignores hot-CPU pods',
      fixture: {
        currentReplicas: 5,
        podStartTime: [COOL, COOL, COOL, HOT, HOT],
        container: 'container2',
        resource: {
          requests: cpuRequests(5, '1.0'),
          levels: [
            [1000, 100],
            [1000, 300],
            [1000, 500],
            [1000, 1000],
            [1000, 1000],
          ],
        },
      },
      targetUtilization: 50,
      expectedReplicas: 2,
      expectedUtilization: 30,
      expectedRawValue: 300n,
    },
    {
      name: 'scale down: failed pods ignored',
      fixture: {
        currentReplicas: 5,
        podReadiness: [T, T, T, T, T, F, F],
        podPhase: ['Running', 'Running', 'Running', 'Running', 'Running', 'Failed', 'Failed'],
        resource: { requests: cpuRequests(7, '1.0'), levels: levels(100, 300, 500, 250, 250) },
      },
      targetUtilization: 50,
      expectedReplicas: 3,
      expectedUtilization: 28,
      expectedRawValue: N * 280n,
    },
    {
      name: 'scale down: container metric with failed pods ignored',
      fixture: {
        currentReplicas: 5,
        podReadiness: [T, T, T, T, T, F, F],
        podPhase: ['Running', 'Running', 'Running', 'Running', 'Running', 'Failed', 'Failed'],
        container: 'container2',
        resource: {
          requests: cpuRequests(7, '1.0'),
          levels: [
            [1000, 100],
            [1000, 300],
            [1000, 500],
            [1000, 250],
            [1000, 250],
          ],
        },
      },
      targetUtilization: 50,
      expectedReplicas: 3,
      expectedUtilization: 28,
      expectedRawValue: 280n,
    },
    {
      name: 'scale down: pods being deleted are ignored',
      fixture: {
        currentReplicas: 5,
        podReadiness: [T, T, T, T, T, F, F],
        podPhase: Array(7).fill('Running'),
        podDeletionTimestamp: [false, false, false, false, false, true, true],
        resource: { requests: cpuRequests(7, '1.0'), levels: levels(100, 300, 500, 250, 250) },
      },
      targetUtilization: 50,
      expectedReplicas: 3,
      expectedUtilization: 28,
      expectedRawValue: N * 280n,
    },
    {
      name: 'scale down: still-running pods being deleted are ignored',
      fixture: {
        currentReplicas: 5,
        podReadiness: [T, T, T, T, T, F, F],
        podPhase: Array(7).fill('Running'),
        podDeletionTimestamp: [false, false, false, false, false, true, true],
        container: 'container2',
        resource: {
          requests: cpuRequests(7, '1.0'),
          levels: [
            [1000, 100],
            [1000, 300],
            [1000, 500],
            [1000, 250],
            [1000, 250],
          ],
        },
      },
      targetUtilization: 50,
      expectedReplicas: 3,
      expectedUtilization: 28,
      expectedRawValue: 280n,
    },
  ])('$name', runResource);
});

interface MetricCase {
  name: string;
  fixture: CalcScenario;
  target: bigint;
  expectedReplicas: number;
  expectedUsage: bigint;
  tolerances?: Tolerances;
}

const SELECTOR = { matchLabels: { label: 'value' } };
const DEPLOYMENT = { kind: 'Deployment', name: 'some-deployment', apiVersion: 'apps/v1' };

function externalSpec(target: Record<string, unknown>) {
  return { type: 'External', external: { metric: { name: 'qps', selector: SELECTOR }, target } };
}

function objectSpec(target: Record<string, unknown>) {
  return { type: 'Object', object: { describedObject: DEPLOYMENT, metric: { name: 'qps' }, target } };
}

describe('TestReplicaCalcExternalPerPodMetric', () => {
  it.each<MetricCase>([
    {
      name: 'replica count overflow saturates to MaxInt32',
      fixture: { currentReplicas: 1, metric: { levels: [MAX_INT64] } },
      target: 1n,
      expectedReplicas: MAX_INT32,
      expectedUsage: MAX_INT64,
    },
    {
      name: 'usage overflow with huge target leaves replicas unchanged',
      fixture: { currentReplicas: 1, metric: { levels: [MAX_INT64] } },
      target: MAX_INT64,
      expectedReplicas: 1,
      expectedUsage: MAX_INT64,
    },
    {
      name: 'scale up',
      fixture: { currentReplicas: 3, metric: { levels: [8600] } },
      target: 2150n,
      expectedReplicas: 4,
      expectedUsage: 2867n,
    },
    {
      name: 'scale down',
      fixture: { currentReplicas: 5, metric: { levels: [8600] } },
      target: 2867n,
      expectedReplicas: 3,
      expectedUsage: 1720n,
    },
    {
      name: 'within default tolerance',
      fixture: { currentReplicas: 3, metric: { levels: [8600] } },
      target: 2900n,
      expectedReplicas: 3,
      expectedUsage: 2867n,
    },
    {
      name: 'outside configurable 1% tolerance',
      tolerances: [0.1, 0.01],
      fixture: { currentReplicas: 3, metric: { levels: [8600] } },
      target: 2800n,
      expectedReplicas: 4,
      expectedUsage: 2867n,
    },
  ])('$name', (tc) => {
    const answer = ok(EXTERNAL_PATH, externalMetricList(tc.fixture.metric?.levels ?? []));
    const m = run(
      tc.fixture,
      externalSpec({ type: 'AverageValue', averageValue: milli(tc.target) }),
      answer,
      tc.tolerances,
    );
    expect(m.failure).toBeUndefined();
    expect(m.proposal).toBe(tc.expectedReplicas);
    expect(m.current?.averageValue).toBe(tc.expectedUsage);
  });
});

describe('TestReplicaCalcPodMetric', () => {
  it.each<MetricCase>([
    {
      name: 'scale up',
      fixture: { currentReplicas: 3, metric: { levels: [20000, 10000, 30000] } },
      target: 15000n,
      expectedReplicas: 4,
      expectedUsage: 20000n,
    },
    {
      name: 'scale up: unready hot-CPU pod scales less',
      fixture: {
        currentReplicas: 3,
        podReadiness: [T, T, F],
        podStartTime: [COOL, COOL, HOT],
        metric: { levels: [50000, 10000, 30000] },
      },
      target: 15000n,
      expectedReplicas: 6,
      expectedUsage: 30000n,
    },
    {
      name: 'scale up: unready hot-CPU pods avoid scale-down',
      fixture: {
        currentReplicas: 3,
        podReadiness: [F, T, F],
        podStartTime: [HOT, COOL, HOT],
        metric: { levels: [50000, 15000, 30000] },
      },
      target: 15000n,
      expectedReplicas: 7,
      expectedUsage: 31666n,
    },
    {
      name: 'scale down',
      fixture: { currentReplicas: 5, metric: { levels: [12000, 12000, 12000, 12000, 12000] } },
      target: 20000n,
      expectedReplicas: 3,
      expectedUsage: 12000n,
    },
    {
      name: 'within default tolerance',
      fixture: { currentReplicas: 3, metric: { levels: [20000, 21000, 21000] } },
      target: 20000n,
      expectedReplicas: 3,
      expectedUsage: 20666n,
    },
    {
      name: 'outside configurable 1% tolerance',
      tolerances: [0.1, 0.01],
      fixture: { currentReplicas: 3, metric: { levels: [20000, 21000, 21000] } },
      target: 20000n,
      expectedReplicas: 4,
      expectedUsage: 20666n,
    },
    {
      name: 'no change: missing metrics',
      fixture: { currentReplicas: 5, metric: { levels: [20000, 19000, 21000] } },
      target: 20000n,
      expectedReplicas: 5,
      expectedUsage: 20000n,
    },
    {
      name: 'rolling update with maxSurge: extra pod missing metric',
      fixture: {
        currentReplicas: 2,
        podPhase: ['Running', 'Running', 'Running'],
        metric: { levels: [10000, 10000] },
      },
      target: 17000n,
      expectedReplicas: 2,
      expectedUsage: 10000n,
    },
  ])('$name', (tc) => {
    const spec = {
      type: 'Pods',
      pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: milli(tc.target) } },
    };
    const m = run(
      tc.fixture,
      spec,
      ok(PODS_PATH, podsMetricList(tc.fixture.metric?.levels ?? [])),
      tc.tolerances,
    );
    expect(m.failure).toBeUndefined();
    expect(m.proposal).toBe(tc.expectedReplicas);
    expect(m.current?.averageValue).toBe(tc.expectedUsage);
  });
});

describe('TestReplicaCalcObjectMetric', () => {
  it.each<MetricCase>([
    {
      name: 'scale up',
      fixture: { currentReplicas: 3, metric: { levels: [20000] } },
      target: 15000n,
      expectedReplicas: 4,
      expectedUsage: 20000n,
    },
    {
      name: 'scale up: very large metric saturates replicas to MaxInt32',
      fixture: { currentReplicas: 3, metric: { levels: [MAX_INT64] } },
      target: 1n,
      expectedReplicas: MAX_INT32,
      expectedUsage: MAX_INT64,
    },
    {
      name: 'scale up: ignores unready pods',
      fixture: { currentReplicas: 3, podReadiness: [F, T, F], metric: { levels: [50000] } },
      target: 10000n,
      expectedReplicas: 5,
      expectedUsage: 50000n,
    },
    {
      name: 'scale down',
      fixture: { currentReplicas: 5, metric: { levels: [12000] } },
      target: 20000n,
      expectedReplicas: 3,
      expectedUsage: 12000n,
    },
    {
      name: 'within default tolerance',
      fixture: { currentReplicas: 3, metric: { levels: [20666] } },
      target: 20000n,
      expectedReplicas: 3,
      expectedUsage: 20666n,
    },
    {
      name: 'outside configurable 1% tolerance',
      tolerances: [0.1, 0.01],
      fixture: { currentReplicas: 3, metric: { levels: [20666] } },
      target: 20000n,
      expectedReplicas: 4,
      expectedUsage: 20666n,
    },
  ])('$name', (tc) => {
    const answer = ok(OBJECT_PATH, objectMetricList(tc.fixture.metric?.levels[0] ?? 0, DEPLOYMENT));
    const m = run(tc.fixture, objectSpec({ type: 'Value', value: milli(tc.target) }), answer, tc.tolerances);
    expect(m.failure).toBeUndefined();
    expect(m.proposal).toBe(tc.expectedReplicas);
    expect(m.current?.value).toBe(tc.expectedUsage);
  });
});

describe('TestReplicaCalcObjectPerPodMetric', () => {
  it.each<MetricCase>([
    {
      name: 'scale up',
      fixture: { currentReplicas: 3, metric: { levels: [20000] } },
      target: 5000n,
      expectedReplicas: 4,
      expectedUsage: 6667n,
    },
    {
      name: 'scale down',
      fixture: { currentReplicas: 5, metric: { levels: [6000] } },
      target: 2000n,
      expectedReplicas: 3,
      expectedUsage: 1200n,
    },
    {
      name: 'within default tolerance',
      fixture: { currentReplicas: 4, metric: { levels: [20166] } },
      target: 5000n,
      expectedReplicas: 4,
      expectedUsage: 5042n,
    },
    {
      name: 'outside configurable 1% tolerance',
      tolerances: [0.1, 0.01],
      fixture: { currentReplicas: 4, metric: { levels: [20208] } },
      target: 5000n,
      expectedReplicas: 5,
      expectedUsage: 5052n,
    },
  ])('$name', (tc) => {
    const answer = ok(OBJECT_PATH, objectMetricList(tc.fixture.metric?.levels[0] ?? 0, DEPLOYMENT));
    const m = run(
      tc.fixture,
      objectSpec({ type: 'AverageValue', averageValue: milli(tc.target) }),
      answer,
      tc.tolerances,
    );
    expect(m.failure).toBeUndefined();
    expect(m.proposal).toBe(tc.expectedReplicas);
    expect(m.current?.averageValue).toBe(tc.expectedUsage);
  });
});

describe('TestReplicaCalcExternalMetric', () => {
  it.each<MetricCase>([
    {
      name: 'scale down: ignores unready pods (would otherwise scale up)',
      fixture: { currentReplicas: 3, podReadiness: [F, T, F], metric: { levels: [8600] } },
      target: 4400n,
      expectedReplicas: 2,
      expectedUsage: 8600n,
    },
    {
      name: 'scale down',
      fixture: { currentReplicas: 5, metric: { levels: [8600] } },
      target: 14334n,
      expectedReplicas: 3,
      expectedUsage: 8600n,
    },
    {
      name: 'within default tolerance',
      fixture: { currentReplicas: 3, metric: { levels: [8600] } },
      target: 8888n,
      expectedReplicas: 3,
      expectedUsage: 8600n,
    },
    {
      name: 'outside configurable 1% tolerance',
      tolerances: [0.1, 0.01],
      fixture: { currentReplicas: 3, metric: { levels: [8900] } },
      target: 8800n,
      expectedReplicas: 4,
      expectedUsage: 8900n,
    },
    {
      name: 'usage overflow caps at MaxInt64',
      fixture: { currentReplicas: 3, metric: { levels: [MAX_INT64 / 2n + 1n, MAX_INT64 / 2n + 1n] } },
      target: MAX_INT64,
      expectedReplicas: 3,
      expectedUsage: MAX_INT64,
    },
  ])('$name', (tc) => {
    const answer = ok(EXTERNAL_PATH, externalMetricList(tc.fixture.metric?.levels ?? []));
    const m = run(
      tc.fixture,
      externalSpec({ type: 'Value', value: milli(tc.target) }),
      answer,
      tc.tolerances,
    );
    expect(m.failure).toBeUndefined();
    expect(m.proposal).toBe(tc.expectedReplicas);
    expect(m.current?.value).toBe(tc.expectedUsage);
  });
});

describe('TestReplicaCalcResourceTolerance', () => {
  const mixedRequests = ['0.9', '1.0', '1.1'];
  it.each<ResourceCase>([
    {
      name: 'within default tolerance',
      fixture: {
        currentReplicas: 3,
        resource: { requests: mixedRequests, levels: levels(1010, 1030, 1020) },
      },
      targetUtilization: 100,
      expectedReplicas: 3,
      expectedUtilization: 102,
      expectedRawValue: N * 1020n,
    },
    {
      name: 'outside 0% tolerance',
      tolerances: [0, 0],
      fixture: { currentReplicas: 3, resource: { requests: mixedRequests, levels: levels(909, 1010, 1111) } },
      targetUtilization: 100,
      expectedReplicas: 4,
      expectedUtilization: 101,
      expectedRawValue: N * 1010n,
    },
    {
      name: 'within 200% scale-up tolerance',
      tolerances: [0.1, 2],
      fixture: {
        currentReplicas: 3,
        resource: { requests: mixedRequests, levels: levels(1890, 1910, 1900) },
      },
      targetUtilization: 100,
      expectedReplicas: 3,
      expectedUtilization: 190,
      expectedRawValue: N * 1900n,
    },
    {
      name: 'outside 8% scale-up tolerance (superfluous scale-down tolerance)',
      tolerances: [2, 0.08],
      fixture: {
        currentReplicas: 3,
        resource: { requests: mixedRequests, levels: levels(1100, 1080, 1090) },
      },
      targetUtilization: 100,
      expectedReplicas: 4,
      expectedUtilization: 109,
      expectedRawValue: N * 1090n,
    },
    {
      name: 'within 36% scale-down tolerance',
      tolerances: [0.36, 0.1],
      fixture: { currentReplicas: 3, resource: { requests: mixedRequests, levels: levels(660, 640, 650) } },
      targetUtilization: 100,
      expectedReplicas: 3,
      expectedUtilization: 65,
      expectedRawValue: N * 650n,
    },
    {
      name: 'outside 34% scale-down tolerance',
      tolerances: [0.34, 0.1],
      fixture: { currentReplicas: 3, resource: { requests: mixedRequests, levels: levels(660, 640, 650) } },
      targetUtilization: 100,
      expectedReplicas: 2,
      expectedUtilization: 65,
      expectedRawValue: N * 650n,
    },
  ])('$name', runResource);
});

describe('TestReplicaCalcResourceMissingMetrics', () => {
  it.each<ResourceCase>([
    {
      name: 'superfluous metrics counted',
      fixture: {
        currentReplicas: 4,
        resource: { requests: cpuRequests(4, '1.0'), levels: levels(4000, 9500, 3000, 7000, 3200, 2000) },
      },
      targetUtilization: 100,
      expectedReplicas: 24,
      expectedUtilization: 587,
      expectedRawValue: N * 5875n,
    },
    {
      name: 'some pods missing metrics scales down',
      fixture: { currentReplicas: 4, resource: { requests: cpuRequests(4, '1.0'), levels: levels(400, 95) } },
      targetUtilization: 100,
      expectedReplicas: 3,
      expectedUtilization: 24,
      expectedRawValue: 495n,
    },
    {
      name: 'no change: metric equal to target',
      fixture: { currentReplicas: 2, resource: { requests: cpuRequests(2, '1.0'), levels: levels(1000) } },
      targetUtilization: 100,
      expectedReplicas: 2,
      expectedUtilization: 100,
      expectedRawValue: N * 1000n,
    },
    {
      name: 'no change: metric above target',
      fixture: { currentReplicas: 2, resource: { requests: cpuRequests(2, '1.0'), levels: levels(1900) } },
      targetUtilization: 100,
      expectedReplicas: 2,
      expectedUtilization: 190,
      expectedRawValue: N * 1900n,
    },
    {
      name: 'no change: metric below target',
      fixture: { currentReplicas: 2, resource: { requests: cpuRequests(2, '1.0'), levels: levels(600) } },
      targetUtilization: 100,
      expectedReplicas: 2,
      expectedUtilization: 60,
      expectedRawValue: N * 600n,
    },
    {
      name: 'no change: unready pod metric missing',
      fixture: {
        currentReplicas: 3,
        podReadiness: [F, T, T],
        resource: { requests: cpuRequests(3, '1.0'), levels: levels(100, 450) },
      },
      targetUtilization: 50,
      expectedReplicas: 3,
      expectedUtilization: 45,
      expectedRawValue: N * 450n,
    },
    {
      name: 'no change: hot-CPU pod metric missing',
      fixture: {
        currentReplicas: 3,
        podStartTime: [HOT, COOL, COOL],
        resource: { requests: cpuRequests(3, '1.0'), levels: levels(100, 450) },
      },
      targetUtilization: 50,
      expectedReplicas: 3,
      expectedUtilization: 45,
      expectedRawValue: N * 450n,
    },
    {
      name: 'scale up: unready pod metric missing',
      fixture: {
        currentReplicas: 3,
        podReadiness: [F, T, T],
        resource: { requests: cpuRequests(3, '1.0'), levels: levels(100, 2000) },
      },
      targetUtilization: 50,
      expectedReplicas: 4,
      expectedUtilization: 200,
      expectedRawValue: N * 2000n,
    },
    {
      name: 'scale up: hot-CPU pod metric missing',
      fixture: {
        currentReplicas: 3,
        podReadiness: [F, T, T],
        podStartTime: [HOT, COOL, COOL],
        resource: { requests: cpuRequests(3, '1.0'), levels: levels(100, 2000) },
      },
      targetUtilization: 50,
      expectedReplicas: 4,
      expectedUtilization: 200,
      expectedRawValue: N * 2000n,
    },
    {
      name: 'scale down: unready pod metric missing',
      fixture: {
        currentReplicas: 4,
        podReadiness: [F, T, T, T],
        resource: { requests: cpuRequests(4, '1.0'), levels: levels(100, 100, 100) },
      },
      targetUtilization: 50,
      expectedReplicas: 3,
      expectedUtilization: 10,
      expectedRawValue: N * 100n,
    },
    {
      name: 'scale down: target over 100',
      fixture: {
        currentReplicas: 4,
        podReadiness: [F, T, T, T],
        resource: { requests: ['1.0', '1.0', '2.0', '2.0'], levels: levels(200, 100, 100) },
      },
      targetUtilization: 300,
      expectedReplicas: 2,
      expectedUtilization: 6,
      expectedRawValue: N * 100n,
    },
    {
      name: 'rolling update with maxSurge: extra pod missing metric',
      fixture: {
        currentReplicas: 2,
        podPhase: ['Running', 'Running', 'Running'],
        resource: { requests: cpuRequests(3, '1.0'), levels: levels(100, 100) },
      },
      targetUtilization: 50,
      expectedReplicas: 2,
      expectedUtilization: 10,
      expectedRawValue: N * 100n,
    },
    {
      name: 'disjoint pod and metric names',
      fixture: {
        currentReplicas: 1,
        resource: { requests: cpuRequests(1, '1.0'), levels: levels(100), podNames: ['an-older-pod-name'] },
      },
      targetUtilization: 100,
      expectedError: 'no metrics returned matched known pods',
    },
    {
      name: 'no metrics returned from metrics API',
      fixture: { currentReplicas: 4, resource: { requests: cpuRequests(3, '1.0'), levels: levels() } },
      targetUtilization: 100,
      expectedError: 'unable to get metrics for resource cpu: no metrics returned from resource metrics API',
    },
    {
      name: 'missing CPU request on container',
      fixture: { currentReplicas: 1, resource: { requests: [], levels: levels(200) } },
      targetUtilization: 100,
      expectedError: 'missing request for',
    },
  ])('$name', runResource);

  it('missing CPU request on container: the cause names the pod and both containers', () => {
    const fixture: CalcScenario = { currentReplicas: 1, resource: { requests: [], levels: levels(200) } };
    const target = { type: 'Utilization', averageUtilization: 100 };
    const m = run(
      fixture,
      { type: 'Resource', resource: { name: 'cpu', target } },
      ok(RESOURCE_PATH, fakeResourceMetrics(fixture)),
    );
    expect(m.failure?.reason).toBe('FailedGetResourceMetric');
    expect(m.failure?.message).toBe(
      'the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container container1 of Pod test-pod-0',
    );
    expect(m.failure?.cause).toEqual({
      kind: 'MissingRequests',
      resource: 'cpu',
      pods: [{ pod: 'test-pod-0', containers: ['container1', 'container2'] }],
    });
  });
});

describe('TestReplicaCalcComputedToleranceAlgImplementation', () => {
  // The Go test's arithmetic, step by step in float64/int32 as written there.
  const startPods = 10;
  const totalUsedCPUOfAllPods = startPods * 150;
  const totalRequestedCPUOfAllPods = 2 * totalUsedCPUOfAllPods;
  const requestedToUsed = Math.trunc(totalRequestedCPUOfAllPods / totalUsedCPUOfAllPods);
  const perPodRequested = totalRequestedCPUOfAllPods / startPods;
  const fixture = (): CalcScenario => ({
    currentReplicas: startPods,
    resource: {
      levels: levels(...Array<number>(10).fill(totalUsedCPUOfAllPods / 10)),
      requests: [100, -100, 10, -10, 2, -2, 1, -1, 0, 0].map((d) => `${perPodRequested + d}m`),
    },
  });
  const expectedUtilization = Math.trunc((totalUsedCPUOfAllPods * 100) / totalRequestedCPUOfAllPods);
  const expectedRawValue = N * BigInt(totalUsedCPUOfAllPods / 10);

  it('a minimal scale-down just outside the tolerance', () => {
    const target = Math.abs(1 / (requestedToUsed * (1 - 0.1))) + 0.01;
    const finalCPUPercentTarget = Math.trunc(target * 100);
    const resourcesUsedRatio = totalUsedCPUOfAllPods / (totalRequestedCPUOfAllPods * target);
    const finalPods = Math.ceil(resourcesUsedRatio * startPods);
    runResource({
      name: 'scale down',
      fixture: fixture(),
      targetUtilization: finalCPUPercentTarget,
      expectedReplicas: finalPods,
      expectedUtilization,
      expectedRawValue,
    });
    expect(finalPods).toBe(9);
  });

  it('no scaling just inside the tolerance', () => {
    const target = Math.abs(1 / (requestedToUsed * (1 - 0.1))) + 0.004;
    runResource({
      name: 'no scale',
      fixture: fixture(),
      targetUtilization: Math.trunc(target * 100),
      expectedReplicas: startPods,
      expectedUtilization,
      expectedRawValue,
    });
  });
});

describe('TestGroupPods', () => {
  const settings = { now: NOW, cpuInitializationPeriodMs: 120_000, initialReadinessDelayMs: 10_000 };
  interface GroupCase {
    name: string;
    pods: PodFixture[];
    /** Pod name → metric timestamp offset (ms from now) and window; undefined offset: zero time. */
    metrics: Record<string, { at?: number; window?: string }>;
    resource: string;
    ready: number;
    unready: string[];
    missing: string[];
    ignored: string[];
  }
  const pod = (name: string, fields: Partial<PodFixture>): PodFixture => ({
    name,
    phase: 'Succeeded',
    startTime: null,
    containers: [],
    ...fields,
  });
  const ago = (ms: number) => iso(NOW - ms);
  const MIN = 60_000;
  it.each<GroupCase>([
    { name: 'void', pods: [], metrics: {}, resource: 'cpu', ready: 0, unready: [], missing: [], ignored: [] },
    {
      name: 'count in a ready pod - memory',
      pods: [pod('bentham', {})],
      metrics: { bentham: { at: 0, window: '1m0s' } },
      resource: 'memory',
      ready: 1,
      unready: [],
      missing: [],
      ignored: [],
    },
    {
      name: 'unready a pod without ready condition - CPU',
      pods: [pod('lucretius', { startTime: iso(NOW), ready: undefined })],
      metrics: { lucretius: {} },
      resource: 'cpu',
      ready: 0,
      unready: ['lucretius'],
      missing: [],
      ignored: [],
    },
    {
      name: 'count in a ready pod with fresh metrics during initialization period - CPU',
      pods: [pod('bentham', { startTime: ago(MIN), ready: T, readyTransition: ago(30_000) })],
      metrics: { bentham: { at: 0, window: '30s' } },
      resource: 'cpu',
      ready: 1,
      unready: [],
      missing: [],
      ignored: [],
    },
    {
      name: 'unready a ready pod without fresh metrics during initialization period - CPU',
      pods: [pod('bentham', { startTime: ago(MIN), ready: T, readyTransition: ago(30_000) })],
      metrics: { bentham: { at: 0, window: '1m0s' } },
      resource: 'cpu',
      ready: 0,
      unready: ['bentham'],
      missing: [],
      ignored: [],
    },
    {
      name: 'unready an unready pod during initialization period - CPU',
      pods: [
        pod('lucretius', { startTime: ago(10 * MIN), ready: F, readyTransition: ago(9 * MIN + 54_000) }),
      ],
      metrics: { lucretius: {} },
      resource: 'cpu',
      ready: 0,
      unready: ['lucretius'],
      missing: [],
      ignored: [],
    },
    {
      name: 'count in a ready pod without fresh metrics after initialization period - CPU',
      pods: [pod('bentham', { startTime: ago(3 * MIN), ready: T, readyTransition: ago(3 * MIN) })],
      metrics: { bentham: { at: -2 * MIN, window: '1m0s' } },
      resource: 'cpu',
      ready: 1,
      unready: [],
      missing: [],
      ignored: [],
    },
    {
      name: 'count in an unready pod that was ready after initialization period - CPU',
      pods: [pod('lucretius', { startTime: ago(10 * MIN), ready: F, readyTransition: ago(9 * MIN) })],
      metrics: { lucretius: {} },
      resource: 'cpu',
      ready: 1,
      unready: [],
      missing: [],
      ignored: [],
    },
    {
      name: 'unready pod that has never been ready after initialization period - CPU',
      pods: [
        pod('lucretius', { startTime: ago(10 * MIN), ready: F, readyTransition: ago(9 * MIN + 50_000) }),
      ],
      metrics: { lucretius: {} },
      resource: 'cpu',
      ready: 1,
      unready: [],
      missing: [],
      ignored: [],
    },
    {
      name: 'a missing pod',
      pods: [pod('epicurus', { startTime: ago(3 * MIN), ready: undefined })],
      metrics: {},
      resource: 'cpu',
      ready: 0,
      unready: [],
      missing: ['epicurus'],
      ignored: [],
    },
    {
      name: 'several pods',
      pods: [
        pod('lucretius', { startTime: iso(NOW), ready: undefined }),
        pod('niccolo', { startTime: ago(3 * MIN), ready: T, readyTransition: ago(3 * MIN) }),
        pod('epicurus', { startTime: ago(3 * MIN), ready: undefined }),
      ],
      metrics: { lucretius: {}, niccolo: {} },
      resource: 'cpu',
      ready: 1,
      unready: ['lucretius'],
      missing: ['epicurus'],
      ignored: [],
    },
    {
      name: 'pending pods are unreadied',
      pods: [pod('unscheduled', { phase: 'Pending', ready: undefined })],
      metrics: {},
      resource: 'cpu',
      ready: 0,
      unready: ['unscheduled'],
      missing: [],
      ignored: [],
    },
    {
      name: 'ignore pods with deletion timestamps',
      pods: [pod('deleted', { phase: 'Pending', deleted: true, ready: undefined })],
      metrics: { deleted: {} },
      resource: 'cpu',
      ready: 0,
      unready: [],
      missing: [],
      ignored: ['deleted'],
    },
    {
      name: 'ignore pods in a failed state',
      pods: [pod('failed', { phase: 'Failed', ready: undefined })],
      metrics: { failed: {} },
      resource: 'cpu',
      ready: 0,
      unready: [],
      missing: [],
      ignored: ['failed'],
    },
  ])('$name', (tc) => {
    // A pod without a Ready condition: drop the one podJson always writes.
    const json = podList(tc.pods);
    json.items.forEach((item, i) => {
      if (tc.pods[i]?.ready === undefined)
        (item as { status: { conditions: unknown[] } }).status.conditions = [];
    });
    const answer = podMetricsList(
      Object.entries(tc.metrics).map(([name, m]) => ({
        name,
        containers: [1],
        timestamp: m.at === undefined ? ZERO_TIME : iso(NOW + m.at),
        window: m.window ?? '0s',
      })),
      tc.resource,
    );
    const groups = groupPods(
      readPods(json, 'pods.body'),
      readPodMetrics(answer, 'metrics[0].body', tc.resource, ''),
      tc.resource,
      settings,
    );
    expect(groups.readyPodCount).toBe(tc.ready);
    expect([...groups.unready.keys()].sort()).toEqual(tc.unready);
    expect([...groups.missing].sort()).toEqual(tc.missing);
    expect([...groups.ignored.keys()].sort()).toEqual(tc.ignored);
  });
});

describe('TestCalculateRequests', () => {
  const c = (name: string, cpu?: number) => ({
    name,
    ...(cpu === undefined ? {} : { requests: { cpu: milli(cpu) } }),
  });
  interface RequestsCase {
    name: string;
    pods: PodFixture[];
    container: string;
    podLevelResources: boolean;
    expected?: Record<string, bigint>;
    error?: string;
  }
  const testPod = (fields: Partial<PodFixture>): PodFixture => ({
    name: 'test-pod',
    containers: [],
    ...fields,
  });
  it.each<RequestsCase>([
    { name: 'void', pods: [], container: '', podLevelResources: false, expected: {} },
    {
      name: 'Sum container requests if pod-level feature is disabled',
      pods: [testPod({ containers: [c('container1', 100), c('container2', 50)] })],
      container: '',
      podLevelResources: false,
      expected: { 'test-pod': 150n },
    },
    {
      name: 'Pod-level resources are enabled, but not set: fallback to sum container requests',
      pods: [testPod({ containers: [c('container1', 100), c('container2', 50)] })],
      container: '',
      podLevelResources: true,
      expected: { 'test-pod': 150n },
    },
    {
      name: 'Pod-level resources override container requests when feature enabled and pod resources specified',
      pods: [
        testPod({ podRequests: { cpu: '800m' }, containers: [c('container1', 100), c('container2', 50)] }),
      ],
      container: '',
      podLevelResources: true,
      expected: { 'test-pod': 800n },
    },
    {
      name: 'Fail if at least one of the containers is missing requests and pod-level feature/requests are not set',
      pods: [testPod({ containers: [c('container1'), c('container2', 50)] })],
      container: '',
      podLevelResources: false,
      error: 'missing request for cpu in container container1 of Pod test-pod',
    },
    {
      name: 'Pod-level resources override missing container requests when feature enabled and pod resources specified',
      pods: [testPod({ podRequests: { cpu: '800m' }, containers: [c('container1'), c('container2', 50)] })],
      container: '',
      podLevelResources: true,
      expected: { 'test-pod': 800n },
    },
    {
      name: 'Container: if a container name is specified, calculate requests only for that container',
      pods: [testPod({ containers: [c('container1', 100), c('container2', 50)] })],
      container: 'container1',
      podLevelResources: false,
      expected: { 'test-pod': 100n },
    },
    {
      name: 'Container: if a container name is specified, calculate requests only for that container and ignore pod-level requests',
      pods: [
        testPod({ podRequests: { cpu: '800m' }, containers: [c('container1', 100), c('container2', 50)] }),
      ],
      container: 'container1',
      podLevelResources: true,
      expected: { 'test-pod': 100n },
    },
    {
      name: 'pod with restartable init containers',
      pods: [
        testPod({
          containers: [c('container1', 100)],
          initContainers: [
            { name: 'init-container1', requests: { cpu: '20m' } },
            { name: 'restartable-container1', restartPolicy: 'Always', requests: { cpu: '50m' } },
          ],
        }),
      ],
      container: '',
      podLevelResources: false,
      expected: { 'test-pod': 150n },
    },
  ])('$name', (tc) => {
    const pods = readPods(podList(tc.pods), 'pods.body');
    const calculate = () => calculateRequests(pods, tc.container, 'cpu', tc.podLevelResources);
    if (tc.error) expect(calculate).toThrow(tc.error);
    else expect(Object.fromEntries(calculate())).toEqual(tc.expected);
  });

  it('TestCalculatePodRequestsFromContainers_NonExistentContainer', () => {
    const pods = readPods(podList([testPod({ containers: [c('container1', 100)] })]), 'pods.body');
    expect(() => calculateRequests(pods, 'non-existent-container', 'cpu', false)).toThrow(
      /^container non-existent-container not found in Pod test-pod$/,
    );
  });
});
