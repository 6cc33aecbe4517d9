// Kubernetes' HPA controller tests, replayed through decide().
//
// Source: kubernetes/kubernetes v1.37.2 pkg/controller/podautoscaler/horizontal_test.go. Each Go
// testCase / horizontalScenario becomes an HPASnapshot (horizontalSnapshot in builder.ts mirrors the
// fake clients: pods with requests split over two containers, metrics timestamped "now" with a one
// minute window). The controller's in-memory state the Go test sets up (tc.recommendations; nil means
// "seeded with the current count", as recordInitialRecommendation does) is passed to
// decideWithMemory, with the package's test constant scaleUpLimitFactor = 8 (horizontal_test.go
// init()). Asserted: the desired replicas, and where the Go test checks them the conditions (type,
// status, reason), the CPU utilization and the rescale event's reason. Functions the Go file tests
// directly (rate limits, stabilization) are ported against plugin/hpa/normalize.ts.
//
// | Go test                                                        | Go cases | ported |
// |----------------------------------------------------------------|----------|--------|
// | TestScaleCPU                                                   | 13       | 13     |
// | TestScaleContainerResource                                     | 2        | 2      |
// | TestScaleUpHotCpuNoScale                                       | 1        | 1      |
// | TestScaleUpCM                                                  | 5        | 5      |
// | TestScaleUpCMObject                                            | 6        | 6      |
// | TestScaleWithOneInvalidMetric                                  | 3        | 3      |
// | TestScaleUpCMUnreadyandCpuHot                                  | 1        | 1      |
// | TestScaleDownStabilizeInitialSize                              | 1        | 1      |
// | TestScaleDownCM                                                | 9        | 9      |
// | TestScaleToZeroBehavior                                        | 9        | 9      |
// | TestTolerance                                                  | 6        | 6      |
// | TestConfigurableTolerance                                      | 4        | 4      |
// | TestReplicaLimits                                              | 9        | 9      |
// | TestMetricsEdgeCases                                           | 6        | 6      |
// | TestEventCreated, TestEventNotCreated                          | 2        | 2      |
// | TestUpscaleCap, TestUpscaleCapGreaterThanMaxReplicas           | 2        | 2      |
// | TestConditionInvalidSelectorMissing / Unparsable               | 2        | 2      |
// | TestCondition(No)AmbiguousSelector… (3 tests × 2 store gates)  | 6        | 3 (a)  |
// | TestConditionFailedGetMetrics                                  | 4        | 4      |
// | TestConditionInvalidSourceType                                 | 1        | 1      |
// | TestConditionFailedGetScale                                    | 1        | 1      |
// | TestConditionFailedUpdateScale                                 | 1        | 0 (b)  |
// | TestNoBackoffUpscaleCM, TestNoBackoffUpscaleCMNoBackoffCpu     | 2        | 2      |
// | TestStabilizeDownscale                                         | 1        | 1      |
// | TestComputedToleranceAlgImplementation                         | 2        | 2      |
// | TestAvoidUnnecessaryUpdates                                    | 1        | 1      |
// | TestConvertDesiredReplicasWithRules                            | 5        | 5      |
// | TestCalculateScaleUpLimitWithScalingRules                      | 1        | 1      |
// | TestCalculateScaleDownLimitWithBehaviors                       | 1        | 1      |
// | TestNormalizeDesiredReplicas                                   | 5        | 5 (c)  |
// | TestScalingWithRules                                           | 40       | 40     |
// | TestStoreScaleEvents                                           | 8        | 8 (d)  |
// | TestNormalizeDesiredReplicasWithBehavior                       | 11       | 11 (c) |
// | TestScaleUpOneMetricEmpty                                      | 1        | 1      |
// | TestNoScaleDownOneMetricInvalid, TestNoScaleDownOneMetricEmpty | 2        | 2      |
// | TestHPARescaleWithSuccessfulConflictRetry                      | 1        | 1 (e)  |
// | TestReconciliationDurationIsRecorded(OnError), …TotalCount…    | 3        | 3 (e)  |
// | TestBuildQuantity                                              | 7        | 7      |
// | total                                                          | 185      | 181    |
//
// (a) The HPAOptimizedSelectorStore gate only changes how the controller finds overlapping HPAs; the
//     snapshot carries the overlap (conflictingHPAs, found by the fetching side), so each test is one case.
// (b) Not portable: the scale update fails; a client reading the cluster cannot know a write will fail.
// (c) The stabilized value is ported; the order/reuse of the stored recommendation slots is controller
//     bookkeeping a client never sees.
// (d) The replica change within the period (getReplicasChangePerPeriod) is ported; which stored slot an
//     event replaces (outdated marking) is bookkeeping a client never sees.
// (e) Only the decision is ported (the retry, the Prometheus counters and durations are controller internals).
// Not portable at all (no decision to compare): TestMultipleHPAs (queue throughput), TestEnqueueHPA*,
// TestUpdateHPA*, TestUpdateStatusPopulatesConsistencyStore, TestReconcileKeyEnsureReadyStaleCache,
// TestDeleteHPAClearsConsistencyStore (work queue and informer consistency machinery).

import { describe, expect, it } from 'vitest';
import { type Decision, decideWithMemory, formatMilli } from '../../../plugin/hpa/decision.ts';
import {
  clampWithRules,
  periodStartFromEvents,
  type Recommendation,
  rateLimitWithBehavior,
  type ScaleChange,
  scaleDownLimitWithRules,
  scaleUpLimit,
  scaleUpLimitWithRules,
  stabilizeWithBehavior,
  stabilizeWithoutBehavior,
} from '../../../plugin/hpa/normalize.ts';
import { readHpa } from '../../../plugin/hpa/objects.ts';
import { formatQuantity } from '../../../shared/quantity.ts';
import { COOL, HOT, type HorizontalFixture, horizontalSnapshot, iso, NOW, scalingRules } from './builder.ts';
import { SCALING_WITH_RULES } from './scaling-rules.ts';

const MIN = 60_000;
/** horizontal_test.go init(): scaleUpLimitFactor = 8, "so we don't accidentally run into it". */
const TEST_CONSTANTS = { scaleUpLimitFactor: 8, scaleUpLimitMinimum: 4 };
const T = 'True' as const;
const F = 'False' as const;

type Condition = [type: string, status: string, reason: string];
const STATUS_OK: Condition[] = [
  ['AbleToScale', 'True', 'SucceededRescale'],
  ['ScalingActive', 'True', 'ValidMetricFound'],
  ['ScalingLimited', 'False', 'DesiredWithinRange'],
];
const SCALED_TO_ZERO_FALSE: Condition = ['ScaledToZero', 'False', 'NotScaledToZero'];

/** statusOkWithOverrides: statusOk with conditions replaced by type (or appended). */
function statusOkWithOverrides(...overrides: Condition[]): Condition[] {
  const list = STATUS_OK.map((c) => [...c] as Condition);
  for (const o of overrides) {
    const i = list.findIndex((c) => c[0] === o[0]);
    if (i >= 0) list[i] = o;
    else list.push(o);
  }
  return list;
}

const ones = (n: number) => Array<string>(n).fill('1.0');
const podsQps = (averageValue: string) => ({
  type: 'Pods',
  pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue } },
});
const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'some-deployment' };
const objectQps = (target: Record<string, unknown>) => ({
  type: 'Object',
  object: { describedObject: DEPLOYMENT, metric: { name: 'qps' }, target },
});
const externalQps = (target: Record<string, unknown>) => ({
  type: 'External',
  external: { metric: { name: 'qps', selector: {} }, target },
});
const CHEDDAR = { type: 'CheddarCheese' };

interface HorizontalCase {
  name: string;
  fixture: HorizontalFixture;
  /** tc.recommendations: undefined is Go's nil (the controller seeds one with the current count). */
  recommendations?: Recommendation[];
  expectedDesiredReplicas: number;
  expectedConditions?: Condition[];
  /** verifyCPUCurrent: the utilization the status shows. */
  CPUCurrent?: number;
  /** verifyEvents: the SuccessfulRescale reason, or none. */
  rescaleReason?: string | null;
}

function decideCase(tc: HorizontalCase): Decision {
  return decideWithMemory(
    horizontalSnapshot(tc.fixture),
    { recommendations: tc.recommendations, scaleUpEvents: [], scaleDownEvents: [] },
    TEST_CONSTANTS,
  );
}

function check(tc: HorizontalCase): void {
  const d = decideCase(tc);
  expect(d.desiredReplicas).toBe(tc.expectedDesiredReplicas);
  expect(d.rescale).toBe(tc.expectedDesiredReplicas !== tc.fixture.specReplicas);
  if (tc.expectedConditions) {
    const ours = d.conditions.map((c): Condition => [c.type, c.status, c.reason]);
    const initial = (tc.fixture.initialConditions ?? []).map((c): Condition => [c.type, c.status, c.reason]);
    // Every condition the pass writes is in Go's list; Go's list holds nothing else but untouched initial ones.
    for (const c of ours) expect(tc.expectedConditions).toContainEqual(c);
    for (const c of tc.expectedConditions) {
      if (!initial.some((i) => i.join() === c.join())) expect(ours).toContainEqual(c);
    }
  }
  if (tc.CPUCurrent !== undefined) {
    expect(d.metrics.find((m) => m.type === 'Resource')?.current?.averageUtilization).toBe(tc.CPUCurrent);
  }
  if (tc.rescaleReason !== undefined) expect(d.rescaleReason).toBe(tc.rescaleReason ?? undefined);
}

/** runTest cases without expectedConditions default to statusOk with ScaledToZero=False. */
const runTest = (tc: HorizontalCase) =>
  check({ ...tc, expectedConditions: tc.expectedConditions ?? statusOkWithOverrides(SCALED_TO_ZERO_FALSE) });

describe('TestScaleCPU', () => {
  const base = { minReplicas: 2, maxReplicas: 6, CPUTarget: 30 };
  const up = {
    ...base,
    specReplicas: 3,
    statusReplicas: 3,
    reportedLevels: [300, 500, 700],
    reportedCPURequests: ones(3),
  };
  const down = {
    ...base,
    specReplicas: 5,
    statusReplicas: 5,
    CPUTarget: 50,
    reportedLevels: [100, 300, 500, 250, 250],
    reportedCPURequests: ones(5),
  };
  it.each<HorizontalCase>([
    { name: 'scale up', fixture: up, expectedDesiredReplicas: 5 },
    {
      name: 'scale up with unready pods results in less scale',
      fixture: { ...up, reportedPodReadiness: [F, T, T] },
      expectedDesiredReplicas: 4,
    },
    {
      name: 'scale up with hot cpu pods results in less scale',
      fixture: { ...up, reportedPodStartTime: [HOT, COOL, COOL] },
      expectedDesiredReplicas: 4,
    },
    {
      name: 'scale up ignores failed pods',
      fixture: {
        ...up,
        specReplicas: 2,
        statusReplicas: 2,
        reportedLevels: [500, 700],
        reportedCPURequests: ones(4),
        reportedPodReadiness: [T, T, F, F],
        reportedPodPhase: ['Running', 'Running', 'Failed', 'Failed'],
      },
      expectedDesiredReplicas: 4,
    },
    {
      name: 'scale up ignores deletion pods',
      fixture: {
        ...up,
        specReplicas: 2,
        statusReplicas: 2,
        reportedLevels: [500, 700],
        reportedCPURequests: ones(4),
        reportedPodReadiness: [T, T, F, F],
        reportedPodPhase: ['Running', 'Running', 'Running', 'Running'],
        reportedPodDeletionTimestamp: [false, false, true, true],
      },
      expectedDesiredReplicas: 4,
    },
    {
      name: 'scale up deployment',
      fixture: { ...up, resource: { name: 'test-dep', apiVersion: 'apps/v1', kind: 'Deployment' } },
      expectedDesiredReplicas: 5,
    },
    {
      name: 'scale up replicaset',
      fixture: { ...up, resource: { name: 'test-replicaset', apiVersion: 'apps/v1', kind: 'ReplicaSet' } },
      expectedDesiredReplicas: 5,
    },
    {
      name: 'no scale up when all unready pods bring utilization within target',
      fixture: { ...up, reportedLevels: [400, 500, 700], reportedPodReadiness: [T, F, F] },
      expectedDesiredReplicas: 3,
    },
    { name: 'scale down', fixture: down, recommendations: [], expectedDesiredReplicas: 3 },
    {
      name: 'scale down includes unready pods',
      fixture: { ...down, reportedPodReadiness: [T, T, T, F, F] },
      recommendations: [],
      expectedDesiredReplicas: 2,
    },
    {
      name: 'scale down ignores hot cpu pods',
      fixture: { ...down, reportedPodStartTime: [COOL, COOL, COOL, HOT, HOT] },
      recommendations: [],
      expectedDesiredReplicas: 2,
    },
    {
      name: 'scale down ignores failed pods',
      fixture: {
        ...down,
        reportedCPURequests: ones(7),
        reportedPodReadiness: [T, T, T, T, T, F, F],
        reportedPodPhase: ['Running', 'Running', 'Running', 'Running', 'Running', 'Failed', 'Failed'],
      },
      recommendations: [],
      expectedDesiredReplicas: 3,
    },
    {
      name: 'scale down ignores deletion pods',
      fixture: {
        ...down,
        reportedCPURequests: ones(7),
        reportedPodReadiness: [T, T, T, T, T, F, F],
        reportedPodPhase: Array(7).fill('Running'),
        reportedPodDeletionTimestamp: [false, false, false, false, false, true, true],
      },
      recommendations: [],
      expectedDesiredReplicas: 3,
    },
  ])('$name', check);
});

describe('TestScaleContainerResource', () => {
  const containerCpu = (container: string, averageUtilization: number) => ({
    type: 'ContainerResource',
    containerResource: { name: 'cpu', container, target: { type: 'Utilization', averageUtilization } },
  });
  it.each<HorizontalCase>([
    {
      name: 'scale up container resource',
      fixture: {
        minReplicas: 2,
        maxReplicas: 6,
        specReplicas: 3,
        statusReplicas: 3,
        metricsTarget: [containerCpu('container1', 30)],
        reportedLevels: [300, 500, 700],
        reportedCPURequests: ones(3),
      },
      expectedDesiredReplicas: 5,
    },
    {
      name: 'scale down container resource',
      fixture: {
        minReplicas: 2,
        maxReplicas: 6,
        specReplicas: 5,
        statusReplicas: 5,
        metricsTarget: [containerCpu('container2', 50)],
        reportedLevels: [100, 300, 500, 250, 250],
        reportedCPURequests: ones(5),
      },
      recommendations: [],
      expectedDesiredReplicas: 3,
    },
  ])('$name', check);
});

describe('controller cases run with runTest', () => {
  it.each<HorizontalCase>([
    {
      name: 'TestScaleUpHotCpuNoScale',
      fixture: {
        minReplicas: 2,
        maxReplicas: 6,
        specReplicas: 3,
        statusReplicas: 3,
        CPUTarget: 30,
        reportedLevels: [400, 500, 700],
        reportedCPURequests: ones(3),
        reportedPodReadiness: [T, F, F],
        reportedPodStartTime: [COOL, HOT, HOT],
      },
      CPUCurrent: 40,
      expectedDesiredReplicas: 3,
      expectedConditions: statusOkWithOverrides(['AbleToScale', 'True', 'ReadyForNewScale']),
    },
    {
      name: 'TestScaleUpCMUnreadyandCpuHot',
      fixture: {
        minReplicas: 2,
        maxReplicas: 6,
        specReplicas: 3,
        statusReplicas: 3,
        metricsTarget: [podsQps('15.0')],
        reportedLevels: [50000, 15000, 30000],
        reportedPodReadiness: [F, T, F],
        reportedPodStartTime: [HOT, COOL, HOT],
        reportedCPURequests: ones(3),
      },
      expectedDesiredReplicas: 6,
      expectedConditions: statusOkWithOverrides(
        ['AbleToScale', 'True', 'SucceededRescale'],
        ['ScalingLimited', 'True', 'TooManyReplicas'],
        SCALED_TO_ZERO_FALSE,
      ),
    },
    {
      name: 'TestScaleDownStabilizeInitialSize',
      fixture: {
        minReplicas: 2,
        maxReplicas: 6,
        specReplicas: 5,
        statusReplicas: 5,
        CPUTarget: 50,
        reportedLevels: [100, 300, 500, 250, 250],
        reportedCPURequests: ones(5),
      },
      recommendations: undefined,
      CPUCurrent: 28,
      expectedDesiredReplicas: 5,
      expectedConditions: statusOkWithOverrides(
        ['AbleToScale', 'True', 'ReadyForNewScale'],
        ['AbleToScale', 'True', 'ScaleDownStabilized'],
      ),
    },
    {
      name: 'TestEventCreated',
      fixture: {
        minReplicas: 1,
        maxReplicas: 5,
        specReplicas: 1,
        statusReplicas: 1,
        CPUTarget: 50,
        reportedLevels: [200],
        reportedCPURequests: ['0.2'],
      },
      expectedDesiredReplicas: 2,
      rescaleReason: 'cpu resource utilization (percentage of request) above target',
    },
    {
      name: 'TestEventNotCreated',
      fixture: {
        minReplicas: 1,
        maxReplicas: 5,
        specReplicas: 2,
        statusReplicas: 2,
        CPUTarget: 50,
        reportedLevels: [200, 200],
        reportedCPURequests: ['0.4', '0.4'],
      },
      expectedDesiredReplicas: 2,
      rescaleReason: null,
      expectedConditions: statusOkWithOverrides(['AbleToScale', 'True', 'ReadyForNewScale']),
    },
    {
      name: 'TestUpscaleCap',
      fixture: {
        minReplicas: 1,
        maxReplicas: 100,
        specReplicas: 3,
        statusReplicas: 3,
        scaleUpRules: scalingRules(0, 0, 700, 60, 0),
        CPUTarget: 10,
        reportedLevels: [100, 200, 300],
        reportedCPURequests: ['0.1', '0.1', '0.1'],
      },
      expectedDesiredReplicas: 24,
      expectedConditions: statusOkWithOverrides(
        ['ScalingLimited', 'True', 'ScaleUpLimit'],
        SCALED_TO_ZERO_FALSE,
      ),
    },
    {
      name: 'TestUpscaleCapGreaterThanMaxReplicas',
      fixture: {
        minReplicas: 1,
        maxReplicas: 20,
        specReplicas: 3,
        statusReplicas: 3,
        scaleUpRules: scalingRules(0, 0, 700, 60, 0),
        CPUTarget: 10,
        reportedLevels: [100, 200, 300],
        reportedCPURequests: ['0.1', '0.1', '0.1'],
      },
      expectedDesiredReplicas: 20,
      expectedConditions: statusOkWithOverrides(
        ['ScalingLimited', 'True', 'TooManyReplicas'],
        SCALED_TO_ZERO_FALSE,
      ),
    },
    {
      name: 'TestConditionInvalidSelectorMissing',
      fixture: {
        minReplicas: 1,
        maxReplicas: 100,
        specReplicas: 3,
        statusReplicas: 3,
        CPUTarget: 10,
        reportedLevels: [100, 200, 300],
        reportedCPURequests: ['0.1', '0.1', '0.1'],
        selector: '',
      },
      expectedDesiredReplicas: 3,
      expectedConditions: [
        ['AbleToScale', 'True', 'SucceededGetScale'],
        ['ScalingActive', 'False', 'InvalidSelector'],
      ],
    },
    {
      name: 'TestConditionInvalidSelectorUnparsable',
      fixture: {
        minReplicas: 1,
        maxReplicas: 100,
        specReplicas: 3,
        statusReplicas: 3,
        CPUTarget: 10,
        reportedLevels: [100, 200, 300],
        reportedCPURequests: ['0.1', '0.1', '0.1'],
        selector: 'cheddar cheese',
      },
      expectedDesiredReplicas: 3,
      expectedConditions: [
        ['AbleToScale', 'True', 'SucceededGetScale'],
        ['ScalingActive', 'False', 'InvalidSelector'],
      ],
    },
    {
      name: 'TestConditionNoAmbiguousSelectorWhenNoSelectorOverlapBetweenHPAs',
      fixture: {
        minReplicas: 2,
        maxReplicas: 6,
        specReplicas: 3,
        statusReplicas: 3,
        CPUTarget: 30,
        reportedLevels: [300, 500, 700],
        reportedCPURequests: ones(3),
        conflictingHPAs: [],
      },
      expectedDesiredReplicas: 5,
    },
    ...[
      'TestConditionAmbiguousSelectorWhenFullSelectorOverlapBetweenHPAs',
      'TestConditionAmbiguousSelectorWhenPartialSelectorOverlapBetweenHPAs',
    ].map(
      (name): HorizontalCase => ({
        name,
        fixture: {
          minReplicas: 2,
          maxReplicas: 6,
          specReplicas: 3,
          statusReplicas: 3,
          CPUTarget: 30,
          reportedLevels: [300, 500, 700],
          reportedCPURequests: ones(3),
          conflictingHPAs: ['test-hpa-2'],
        },
        expectedDesiredReplicas: 3,
        expectedConditions: [
          ['AbleToScale', 'True', 'SucceededGetScale'],
          ['ScalingActive', 'False', 'AmbiguousSelector'],
        ],
      }),
    ),
    ...(['resource', 'custom', 'custom', 'external'] as const).map((api, i): HorizontalCase => {
      const reason = [
        'FailedGetResourceMetric',
        'FailedGetPodsMetric',
        'FailedGetObjectMetric',
        'FailedGetExternalMetric',
      ][i] as string;
      const specs = [
        undefined,
        [podsQps('15.0')],
        [objectQps({ type: 'Value', value: '15.0' })],
        [externalQps({ type: 'Value', value: '300m' })],
      ][i];
      return {
        name: `TestConditionFailedGetMetrics: ${reason}`,
        fixture: {
          minReplicas: 1,
          maxReplicas: 100,
          specReplicas: 3,
          statusReplicas: 3,
          ...(specs ? { metricsTarget: specs } : { CPUTarget: 10 }),
          reportedLevels: [100, 200, 300],
          reportedCPURequests: ['0.1', '0.1', '0.1'],
          failing: [api],
        },
        expectedDesiredReplicas: 3,
        expectedConditions: [
          ['AbleToScale', 'True', 'SucceededGetScale'],
          ['ScalingActive', 'False', reason],
        ],
      };
    }),
    {
      name: 'TestConditionInvalidSourceType',
      fixture: {
        minReplicas: 2,
        maxReplicas: 6,
        specReplicas: 3,
        statusReplicas: 3,
        metricsTarget: [CHEDDAR],
        reportedLevels: [20000],
      },
      expectedDesiredReplicas: 3,
      expectedConditions: [
        ['AbleToScale', 'True', 'SucceededGetScale'],
        ['ScalingActive', 'False', 'InvalidMetricSourceType'],
      ],
    },
    {
      name: 'TestConditionFailedGetScale',
      fixture: {
        minReplicas: 1,
        maxReplicas: 100,
        specReplicas: 3,
        statusReplicas: 3,
        CPUTarget: 10,
        reportedLevels: [100, 200, 300],
        reportedCPURequests: ['0.1', '0.1', '0.1'],
        scaleFails: true,
      },
      expectedDesiredReplicas: 3,
      expectedConditions: [['AbleToScale', 'False', 'FailedGetScale']],
    },
    {
      name: 'TestNoBackoffUpscaleCM',
      fixture: {
        minReplicas: 1,
        maxReplicas: 5,
        specReplicas: 3,
        statusReplicas: 3,
        metricsTarget: [podsQps('15.0')],
        reportedLevels: [20000, 10000, 30000],
        reportedCPURequests: ones(3),
        lastScaleTime: iso(NOW),
      },
      expectedDesiredReplicas: 4,
      expectedConditions: statusOkWithOverrides(
        ['AbleToScale', 'True', 'ReadyForNewScale'],
        ['AbleToScale', 'True', 'SucceededRescale'],
        ['ScalingLimited', 'False', 'DesiredWithinRange'],
        SCALED_TO_ZERO_FALSE,
      ),
    },
    {
      name: 'TestNoBackoffUpscaleCMNoBackoffCpu',
      fixture: {
        minReplicas: 1,
        maxReplicas: 5,
        specReplicas: 3,
        statusReplicas: 3,
        CPUTarget: 10,
        metricsTarget: [podsQps('15.0')],
        reportedLevels: [20000, 10000, 30000],
        reportedCPURequests: ones(3),
        lastScaleTime: iso(NOW),
      },
      expectedDesiredReplicas: 5,
      expectedConditions: statusOkWithOverrides(
        ['AbleToScale', 'True', 'ReadyForNewScale'],
        ['AbleToScale', 'True', 'SucceededRescale'],
        ['ScalingLimited', 'True', 'TooManyReplicas'],
        SCALED_TO_ZERO_FALSE,
      ),
    },
    {
      name: 'TestStabilizeDownscale',
      fixture: {
        minReplicas: 1,
        maxReplicas: 5,
        specReplicas: 4,
        statusReplicas: 4,
        CPUTarget: 100,
        reportedLevels: [50, 50, 50],
        reportedCPURequests: ['0.1', '0.1', '0.1'],
      },
      recommendations: [
        { replicas: 10, at: NOW - 10 * MIN },
        { replicas: 4, at: NOW - 1 * MIN },
      ],
      expectedDesiredReplicas: 4,
      expectedConditions: statusOkWithOverrides(
        ['AbleToScale', 'True', 'ReadyForNewScale'],
        ['AbleToScale', 'True', 'ScaleDownStabilized'],
      ),
    },
    {
      name: 'TestScaleUpOneMetricEmpty',
      fixture: {
        minReplicas: 2,
        maxReplicas: 6,
        specReplicas: 3,
        statusReplicas: 3,
        CPUTarget: 30,
        metricsTarget: [externalQps({ type: 'Value', value: '100m' })],
        reportedLevels: [300, 400, 500],
        reportedCPURequests: ones(3),
        failing: ['external'],
      },
      CPUCurrent: 40,
      expectedDesiredReplicas: 4,
    },
    {
      name: 'TestNoScaleDownOneMetricInvalid',
      fixture: {
        minReplicas: 2,
        maxReplicas: 6,
        specReplicas: 5,
        statusReplicas: 5,
        CPUTarget: 50,
        metricsTarget: [CHEDDAR],
        reportedLevels: [100, 300, 500, 250, 250],
        reportedCPURequests: ones(5),
      },
      recommendations: [],
      expectedDesiredReplicas: 5,
      expectedConditions: [
        ['AbleToScale', 'True', 'SucceededGetScale'],
        ['ScalingActive', 'False', 'InvalidMetricSourceType'],
      ],
    },
    {
      name: 'TestNoScaleDownOneMetricEmpty',
      fixture: {
        minReplicas: 2,
        maxReplicas: 6,
        specReplicas: 5,
        statusReplicas: 5,
        CPUTarget: 50,
        metricsTarget: [externalQps({ type: 'Value', value: '1' })],
        reportedLevels: [100, 300, 500, 250, 250],
        reportedCPURequests: ones(5),
        failing: ['external'],
      },
      recommendations: [],
      expectedDesiredReplicas: 5,
      expectedConditions: [
        ['AbleToScale', 'True', 'SucceededGetScale'],
        ['ScalingActive', 'False', 'FailedGetExternalMetric'],
      ],
    },
    {
      name: 'TestHPARescaleWithSuccessfulConflictRetry',
      fixture: {
        minReplicas: 2,
        maxReplicas: 6,
        specReplicas: 3,
        statusReplicas: 3,
        CPUTarget: 50,
        reportedLevels: [600, 700, 800],
        reportedCPURequests: ones(3),
      },
      expectedDesiredReplicas: 5,
      expectedConditions: statusOkWithOverrides(
        ['AbleToScale', 'True', 'SucceededRescale'],
        SCALED_TO_ZERO_FALSE,
      ),
    },
    {
      name: 'TestReconciliationDurationIsRecorded',
      fixture: {
        minReplicas: 2,
        maxReplicas: 6,
        specReplicas: 3,
        statusReplicas: 3,
        CPUTarget: 30,
        reportedLevels: [300, 500, 700],
        reportedCPURequests: ones(3),
      },
      CPUCurrent: 50,
      expectedDesiredReplicas: 5,
    },
    {
      name: 'TestReconciliationDurationIsRecordedOnError',
      fixture: {
        minReplicas: 2,
        maxReplicas: 6,
        specReplicas: 4,
        statusReplicas: 4,
        CPUTarget: 100,
        reportedLevels: [],
        reportedCPURequests: ones(4),
      },
      expectedDesiredReplicas: 4,
      expectedConditions: [
        ['AbleToScale', 'True', 'SucceededGetScale'],
        ['ScalingActive', 'False', 'FailedGetResourceMetric'],
      ],
    },
    {
      name: 'TestReconciliationsTotalCountMultipleReconciliations',
      fixture: {
        minReplicas: 1,
        maxReplicas: 5,
        specReplicas: 3,
        statusReplicas: 3,
        CPUTarget: 100,
        reportedLevels: [1010, 1030, 1020],
        reportedCPURequests: ['0.9', '1.0', '1.1'],
      },
      expectedDesiredReplicas: 3,
      expectedConditions: statusOkWithOverrides(['AbleToScale', 'True', 'ReadyForNewScale']),
    },
  ])('$name', runTest);

  it('TestAvoidUnnecessaryUpdates: the pass writes exactly the conditions the HPA already has', () => {
    const lastScaleTime = iso(NOW - 60 * MIN);
    const fixture: HorizontalFixture = {
      minReplicas: 2,
      maxReplicas: 6,
      specReplicas: 2,
      statusReplicas: 2,
      CPUTarget: 80,
      reportedLevels: [400, 500, 700],
      reportedCPURequests: ones(3),
      reportedPodStartTime: [COOL, HOT, HOT],
      lastScaleTime,
      initialConditions: [
        { type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale' },
        { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound' },
        { type: 'ScalingLimited', status: 'True', reason: 'TooFewReplicas' },
      ],
    };
    const tc: HorizontalCase = {
      name: 'TestAvoidUnnecessaryUpdates',
      fixture,
      recommendations: [],
      expectedDesiredReplicas: 2,
      CPUCurrent: 40,
    };
    check(tc);
    const d = decideCase(tc);
    expect(d.conditions.map((c) => ({ type: c.type, status: c.status, reason: c.reason }))).toEqual(
      fixture.initialConditions,
    );
    expect(d.agreesWithStatus).toBe(true);
  });
});

describe('TestScaleUpCM', () => {
  const base = { minReplicas: 2, maxReplicas: 6, specReplicas: 3, statusReplicas: 3 };
  it.each<HorizontalCase>([
    {
      name: 'scale up custom metric',
      fixture: {
        ...base,
        metricsTarget: [podsQps('15.0')],
        reportedLevels: [20000, 10000, 30000],
        reportedCPURequests: ones(3),
      },
      expectedDesiredReplicas: 4,
    },
    {
      name: 'unready and hot cpu pods do not reduce scale for custom metric',
      fixture: {
        ...base,
        metricsTarget: [podsQps('15.0')],
        reportedLevels: [50000, 10000, 30000],
        reportedPodReadiness: [T, T, F],
        reportedPodStartTime: [COOL, COOL, HOT],
        reportedCPURequests: ones(3),
      },
      expectedDesiredReplicas: 6,
    },
    {
      name: 'unready and hot cpu pods scale to max with scaling limited condition',
      fixture: {
        ...base,
        metricsTarget: [podsQps('15.0')],
        reportedLevels: [50000, 15000, 30000],
        reportedPodReadiness: [F, T, F],
        reportedPodStartTime: [HOT, COOL, HOT],
        reportedCPURequests: ones(3),
      },
      expectedDesiredReplicas: 6,
      expectedConditions: statusOkWithOverrides(
        ['AbleToScale', 'True', 'SucceededRescale'],
        ['ScalingLimited', 'True', 'TooManyReplicas'],
        ['ScaledToZero', 'False', 'NotScaledToZero'],
      ),
    },
    {
      name: 'scale up external metric with value target',
      fixture: {
        ...base,
        metricsTarget: [externalQps({ type: 'Value', value: '6666m' })],
        reportedLevels: [8600],
      },
      expectedDesiredReplicas: 4,
    },
    {
      name: 'scale up external metric with per-pod average value target',
      fixture: {
        ...base,
        metricsTarget: [externalQps({ type: 'AverageValue', averageValue: '2222m' })],
        reportedLevels: [8600],
      },
      expectedDesiredReplicas: 4,
    },
  ])('$name', check);
});

const SCALED_TO_ZERO_INITIAL = [{ type: 'ScaledToZero', status: 'True', reason: 'ScaledToZero' }];

describe('TestScaleUpCMObject', () => {
  const base = { minReplicas: 2, maxReplicas: 6, specReplicas: 3, statusReplicas: 3 };
  const fromZero = {
    minReplicas: 0,
    maxReplicas: 6,
    specReplicas: 0,
    statusReplicas: 0,
    initialConditions: SCALED_TO_ZERO_INITIAL,
  };
  const value = (v: string) => [objectQps({ type: 'Value', value: v })];
  const upFromZero: Condition[] = [
    ['ScaledToZero', 'False', 'NotScaledToZero'],
    ['AbleToScale', 'True', 'SucceededRescale'],
    ['ScalingActive', 'True', 'ValidMetricFound'],
    ['ScalingLimited', 'False', 'DesiredWithinRange'],
  ];
  const disabled: Condition[] = [
    ['AbleToScale', 'True', 'SucceededGetScale'],
    ['ScalingActive', 'False', 'ScalingDisabled'],
  ];
  it.each<HorizontalCase>([
    {
      name: 'scale up object metric with value target',
      fixture: { ...base, metricsTarget: value('15.0'), reportedLevels: [20000] },
      expectedDesiredReplicas: 4,
    },
    {
      name: 'scale up from zero with HPAScaleToZero enabled',
      fixture: { ...fromZero, metricsTarget: value('15.0'), reportedLevels: [20000], hpaScaleToZero: true },
      expectedDesiredReplicas: 2,
      expectedConditions: upFromZero,
    },
    {
      name: 'scale up from zero with HPAScaleToZero disabled',
      fixture: { ...fromZero, metricsTarget: value('15.0'), reportedLevels: [20000], hpaScaleToZero: false },
      expectedDesiredReplicas: 0,
      expectedConditions: disabled,
    },
    {
      name: 'scale up from zero ignores tolerance with HPAScaleToZero enabled',
      fixture: { ...fromZero, metricsTarget: value('1.0'), reportedLevels: [1000], hpaScaleToZero: true },
      expectedDesiredReplicas: 1,
      expectedConditions: upFromZero,
    },
    {
      name: 'scale up from zero ignores tolerance with HPAScaleToZero disabled',
      fixture: { ...fromZero, metricsTarget: value('1.0'), reportedLevels: [1000], hpaScaleToZero: false },
      expectedDesiredReplicas: 0,
      expectedConditions: disabled,
    },
    {
      name: 'scale up per-pod object metric with average value target',
      fixture: {
        ...base,
        metricsTarget: [objectQps({ type: 'AverageValue', averageValue: '10.0' })],
        reportedLevels: [40000],
      },
      expectedDesiredReplicas: 4,
    },
  ])('$name', check);
});

describe('TestScaleWithOneInvalidMetric', () => {
  const disabled: Condition[] = [
    ['AbleToScale', 'True', 'SucceededGetScale'],
    ['ScalingActive', 'False', 'ScalingDisabled'],
  ];
  const fixture = (replicas: number, min: number, hpaScaleToZero: boolean): HorizontalFixture => ({
    minReplicas: min,
    maxReplicas: 6,
    specReplicas: replicas,
    statusReplicas: replicas,
    CPUTarget: 30,
    reportedLevels: [300, 400, 500],
    reportedCPURequests: ones(3),
    metricsTarget: [CHEDDAR],
    hpaScaleToZero,
  });
  it.each<HorizontalCase>([
    {
      name: 'scale up with one invalid metric',
      fixture: fixture(3, 2, true),
      CPUCurrent: 40,
      expectedDesiredReplicas: 4,
    },
    {
      name: 'from zero with invalid metric, HPAScaleToZero enabled',
      fixture: fixture(0, 0, true),
      recommendations: [],
      expectedDesiredReplicas: 0,
      expectedConditions: disabled,
    },
    {
      name: 'from zero with invalid metric, HPAScaleToZero disabled',
      fixture: fixture(0, 0, false),
      recommendations: [],
      expectedDesiredReplicas: 0,
      expectedConditions: disabled,
    },
  ])('$name', check);

  it('scale up with one invalid metric: the invalid one is reported, the valid one decides', () => {
    const d = decideCase({ name: '', fixture: fixture(3, 2, true), expectedDesiredReplicas: 4 });
    expect(d.metrics[1]?.failure).toMatchObject({
      reason: 'InvalidMetricSourceType',
      message: 'the HPA was unable to compute the replica count: unknown metric source type "CheddarCheese"',
    });
    expect(d.decidingMetric).toBe(0);
  });
});

describe('TestScaleDownCM', () => {
  const base = { minReplicas: 2, maxReplicas: 6, specReplicas: 5, statusReplicas: 5 };
  const toZero = { ...base, minReplicas: 0 };
  const five = ones(5);
  const objectValue = [objectQps({ type: 'Value', value: '20.0' })];
  const externalValue = [externalQps({ type: 'Value', value: '14400m' })];
  it.each<HorizontalCase>([
    {
      name: 'scale down pods metric',
      fixture: {
        ...base,
        metricsTarget: [podsQps('20.0')],
        reportedLevels: [12000, 12000, 12000, 12000, 12000],
        reportedCPURequests: five,
      },
      expectedDesiredReplicas: 3,
    },
    {
      name: 'scale down object metric with value target',
      fixture: { ...base, metricsTarget: objectValue, reportedLevels: [12000], reportedCPURequests: five },
      expectedDesiredReplicas: 3,
    },
    {
      name: 'scale down to zero object metric with HPAScaleToZero enabled',
      fixture: {
        ...toZero,
        metricsTarget: objectValue,
        reportedLevels: [0],
        reportedCPURequests: five,
        hpaScaleToZero: true,
      },
      expectedDesiredReplicas: 0,
      expectedConditions: statusOkWithOverrides(['ScaledToZero', 'True', 'ScaledToZero']),
    },
    {
      name: 'scale down to zero object metric with HPAScaleToZero disabled',
      fixture: {
        ...toZero,
        metricsTarget: objectValue,
        reportedLevels: [0],
        reportedCPURequests: five,
        hpaScaleToZero: false,
      },
      expectedDesiredReplicas: 0,
      expectedConditions: statusOkWithOverrides(),
    },
    {
      name: 'scale down per-pod object metric with average value target',
      fixture: {
        ...base,
        metricsTarget: [objectQps({ type: 'AverageValue', averageValue: '20.0' })],
        reportedLevels: [60000],
        reportedCPURequests: five,
      },
      expectedDesiredReplicas: 3,
    },
    {
      name: 'scale down external metric with value target',
      fixture: { ...base, metricsTarget: externalValue, reportedLevels: [8600] },
      expectedDesiredReplicas: 3,
    },
    {
      name: 'scale down to zero external metric with HPAScaleToZero enabled',
      fixture: { ...toZero, metricsTarget: externalValue, reportedLevels: [0], hpaScaleToZero: true },
      expectedDesiredReplicas: 0,
      expectedConditions: statusOkWithOverrides(['ScaledToZero', 'True', 'ScaledToZero']),
    },
    {
      name: 'scale down to zero external metric with HPAScaleToZero disabled',
      fixture: { ...toZero, metricsTarget: externalValue, reportedLevels: [0], hpaScaleToZero: false },
      expectedDesiredReplicas: 0,
      expectedConditions: statusOkWithOverrides(),
    },
    {
      name: 'scale down per-pod external metric with average value target',
      fixture: {
        ...base,
        metricsTarget: [externalQps({ type: 'AverageValue', averageValue: '3' })],
        reportedLevels: [8600],
      },
      expectedDesiredReplicas: 3,
    },
  ])('$name', (tc) => check({ ...tc, recommendations: [] }));
});

describe('TestScaleToZeroBehavior', () => {
  const objectValue = (milli: number) => [objectQps({ type: 'Value', value: `${milli}m` })];
  const zero = { specReplicas: 0, statusReplicas: 0, maxReplicas: 6 };
  const disabled: Condition[] = [
    ['AbleToScale', 'True', 'SucceededGetScale'],
    ['ScalingActive', 'False', 'ScalingDisabled'],
  ];
  const cpuUp = {
    minReplicas: 1,
    maxReplicas: 6,
    specReplicas: 3,
    statusReplicas: 3,
    CPUTarget: 30,
    reportedLevels: [300, 500, 700],
    reportedCPURequests: ones(3),
  };
  const manualZero = { ...zero, minReplicas: 1, CPUTarget: 50, reportedLevels: [], reportedCPURequests: [] };
  it.each<HorizontalCase>([
    {
      name: 'from zero without condition, HPAScaleToZero enabled',
      fixture: {
        ...zero,
        minReplicas: 0,
        metricsTarget: objectValue(15000),
        reportedLevels: [20000],
        hpaScaleToZero: true,
      },
      expectedDesiredReplicas: 0,
      expectedConditions: disabled,
    },
    {
      name: 'from zero without condition, HPAScaleToZero disabled',
      fixture: {
        ...zero,
        minReplicas: 0,
        metricsTarget: objectValue(15000),
        reportedLevels: [20000],
        hpaScaleToZero: false,
      },
      expectedDesiredReplicas: 0,
      expectedConditions: disabled,
    },
    {
      name: 'minReplicas increased with ScaledToZero condition, HPAScaleToZero enabled',
      fixture: {
        ...zero,
        minReplicas: 2,
        metricsTarget: objectValue(15000),
        reportedLevels: [10000],
        initialConditions: SCALED_TO_ZERO_INITIAL,
        hpaScaleToZero: true,
      },
      expectedDesiredReplicas: 2,
      expectedConditions: [
        ['ScaledToZero', 'False', 'NotScaledToZero'],
        ['AbleToScale', 'True', 'SucceededRescale'],
        ['ScalingActive', 'True', 'ValidMetricFound'],
        ['ScalingLimited', 'True', 'TooFewReplicas'],
      ],
    },
    {
      name: 'minReplicas increased with ScaledToZero condition, HPAScaleToZero disabled',
      fixture: {
        ...zero,
        minReplicas: 2,
        metricsTarget: objectValue(15000),
        reportedLevels: [10000],
        initialConditions: SCALED_TO_ZERO_INITIAL,
        hpaScaleToZero: false,
      },
      expectedDesiredReplicas: 0,
      expectedConditions: disabled,
    },
    {
      name: 'stale ScaledToZero condition cleared on normal rescale, HPAScaleToZero enabled',
      fixture: { ...cpuUp, initialConditions: SCALED_TO_ZERO_INITIAL, hpaScaleToZero: true },
      expectedDesiredReplicas: 5,
      expectedConditions: [
        ['ScaledToZero', 'False', 'NotScaledToZero'],
        ['AbleToScale', 'True', 'SucceededRescale'],
        ['ScalingActive', 'True', 'ValidMetricFound'],
        ['ScalingLimited', 'False', 'DesiredWithinRange'],
      ],
    },
    {
      name: 'stale ScaledToZero condition removed on normal rescale, HPAScaleToZero disabled',
      fixture: { ...cpuUp, initialConditions: SCALED_TO_ZERO_INITIAL, hpaScaleToZero: false },
      expectedDesiredReplicas: 5,
      expectedConditions: statusOkWithOverrides(['ScalingLimited', 'False', 'DesiredWithinRange']),
    },
    {
      name: 'manual scale to zero disables HPA, HPAScaleToZero enabled',
      fixture: { ...manualZero, hpaScaleToZero: true },
      expectedDesiredReplicas: 0,
      expectedConditions: disabled,
    },
    {
      name: 'manual scale to zero disables HPA, HPAScaleToZero disabled',
      fixture: { ...manualZero, hpaScaleToZero: false },
      expectedDesiredReplicas: 0,
      expectedConditions: disabled,
    },
    {
      name: 'no ScaledToZero condition when HPAScaleToZero disabled',
      fixture: { ...cpuUp, hpaScaleToZero: false },
      expectedDesiredReplicas: 5,
      expectedConditions: statusOkWithOverrides(),
    },
  ])('$name', check);
});

describe('TestTolerance', () => {
  const three = {
    minReplicas: 1,
    maxReplicas: 5,
    specReplicas: 3,
    statusReplicas: 3,
    reportedCPURequests: ['0.9', '1.0', '1.1'],
  };
  const four = { minReplicas: 2, maxReplicas: 6, specReplicas: 4, statusReplicas: 4 };
  it.each<HorizontalCase>(
    [
      {
        name: 'CPU resource metric within tolerance',
        fixture: { ...three, CPUTarget: 100, reportedLevels: [1010, 1030, 1020] },
      },
      {
        name: 'pods metric within tolerance',
        fixture: { ...three, metricsTarget: [podsQps('20.0')], reportedLevels: [20000, 20001, 21000] },
      },
      {
        name: 'object metric with value target within tolerance',
        fixture: {
          ...three,
          metricsTarget: [objectQps({ type: 'Value', value: '20.0' })],
          reportedLevels: [20050],
        },
      },
      {
        name: 'external metric with value target within tolerance',
        fixture: {
          ...four,
          metricsTarget: [externalQps({ type: 'Value', value: '8666m' })],
          reportedLevels: [8600],
        },
      },
      {
        name: 'per-pod object metric with average value target within tolerance',
        fixture: {
          ...four,
          metricsTarget: [
            {
              type: 'Object',
              object: {
                describedObject: DEPLOYMENT,
                metric: { name: 'qps', selector: {} },
                target: { type: 'AverageValue', averageValue: '2200m' },
              },
            },
          ],
          reportedLevels: [8600],
        },
      },
      {
        name: 'per-pod external metric with average value target within tolerance',
        fixture: {
          ...four,
          metricsTarget: [externalQps({ type: 'AverageValue', averageValue: '2200m' })],
          reportedLevels: [8600],
        },
      },
    ].map((c) => ({
      ...c,
      expectedDesiredReplicas: c.fixture.specReplicas,
      expectedConditions: statusOkWithOverrides(['AbleToScale', 'True', 'ReadyForNewScale']),
    })),
  )('$name', check);
});

describe('TestConfigurableTolerance', () => {
  const base = { minReplicas: 1, maxReplicas: 5, specReplicas: 3, statusReplicas: 3, CPUTarget: 100 };
  const mixed = { reportedLevels: [1010, 1030, 1020], reportedCPURequests: ['0.9', '1.0', '1.1'] };
  const ready = statusOkWithOverrides(['AbleToScale', 'True', 'ReadyForNewScale']);
  it.each<HorizontalCase>([
    {
      name: 'scaling up because of a 1% configurable tolerance',
      fixture: { ...base, ...mixed, scaleUpRules: { tolerance: '0.01' } },
      expectedDesiredReplicas: 4,
      expectedConditions: statusOkWithOverrides(
        ['AbleToScale', 'True', 'SucceededRescale'],
        SCALED_TO_ZERO_FALSE,
      ),
    },
    {
      name: 'no scale-down because of a 90% configurable tolerance',
      fixture: {
        ...base,
        scaleDownRules: { tolerance: '0.9' },
        reportedLevels: [300, 300, 300],
        reportedCPURequests: ones(3),
      },
      expectedDesiredReplicas: 3,
      expectedConditions: ready,
    },
    {
      name: 'no scaling because of the large default tolerance',
      fixture: { ...base, ...mixed },
      expectedDesiredReplicas: 3,
      expectedConditions: ready,
    },
    {
      name: 'no scaling because the configurable tolerance is ignored when feature gate is disabled',
      fixture: { ...base, ...mixed, scaleUpRules: { tolerance: '0.01' }, configurableTolerance: false },
      expectedDesiredReplicas: 3,
      expectedConditions: ready,
    },
  ])('$name', check);
});

describe('TestReplicaLimits', () => {
  const mixed = ['0.9', '1.0', '1.1'];
  const rescaleOnly: Condition[] = [
    ['AbleToScale', 'True', 'SucceededRescale'],
    ['ScaledToZero', 'False', 'NotScaledToZero'],
  ];
  it.each<HorizontalCase>([
    {
      name: 'scale down clamped to min replicas',
      fixture: {
        minReplicas: 2,
        maxReplicas: 5,
        specReplicas: 3,
        statusReplicas: 3,
        CPUTarget: 90,
        reportedLevels: [10, 95, 10],
        reportedCPURequests: mixed,
      },
      recommendations: [],
      expectedDesiredReplicas: 2,
      expectedConditions: statusOkWithOverrides(
        ['ScalingLimited', 'True', 'TooFewReplicas'],
        SCALED_TO_ZERO_FALSE,
      ),
    },
    {
      name: 'scale down to zero when min replicas is zero',
      fixture: {
        minReplicas: 0,
        maxReplicas: 5,
        specReplicas: 3,
        statusReplicas: 3,
        CPUTarget: 90,
        reportedLevels: [0, 0, 0],
        reportedCPURequests: mixed,
      },
      recommendations: [],
      expectedDesiredReplicas: 0,
      expectedConditions: statusOkWithOverrides(
        ['ScalingLimited', 'False', 'DesiredWithinRange'],
        SCALED_TO_ZERO_FALSE,
      ),
    },
    {
      name: 'scale down clamped to min when desired is zero',
      fixture: {
        minReplicas: 2,
        maxReplicas: 5,
        specReplicas: 3,
        statusReplicas: 3,
        CPUTarget: 90,
        reportedLevels: [0, 0, 0],
        reportedCPURequests: mixed,
      },
      recommendations: [],
      expectedDesiredReplicas: 2,
      expectedConditions: statusOkWithOverrides(
        ['ScalingLimited', 'True', 'TooFewReplicas'],
        SCALED_TO_ZERO_FALSE,
      ),
    },
    {
      name: 'no scaling when spec replicas is zero',
      fixture: {
        minReplicas: 3,
        maxReplicas: 5,
        specReplicas: 0,
        statusReplicas: 0,
        CPUTarget: 90,
        reportedLevels: [],
        reportedCPURequests: [],
      },
      expectedDesiredReplicas: 0,
      expectedConditions: [
        ['AbleToScale', 'True', 'SucceededGetScale'],
        ['ScalingActive', 'False', 'ScalingDisabled'],
      ],
    },
    {
      name: 'scale up to min when below min replicas',
      fixture: {
        minReplicas: 3,
        maxReplicas: 5,
        specReplicas: 2,
        statusReplicas: 2,
        CPUTarget: 90,
        reportedLevels: [],
        reportedCPURequests: [],
      },
      expectedDesiredReplicas: 3,
      expectedConditions: rescaleOnly,
    },
    {
      name: 'scale down to max when above max replicas',
      fixture: {
        minReplicas: 3,
        maxReplicas: 5,
        specReplicas: 10,
        statusReplicas: 10,
        CPUTarget: 90,
        reportedLevels: [],
        reportedCPURequests: [],
      },
      expectedDesiredReplicas: 5,
      expectedConditions: rescaleOnly,
    },
    {
      name: 'scale up clamped to max replicas',
      fixture: {
        minReplicas: 2,
        maxReplicas: 5,
        specReplicas: 3,
        statusReplicas: 3,
        CPUTarget: 90,
        reportedLevels: [8000, 9500, 1000],
        reportedCPURequests: mixed,
      },
      expectedDesiredReplicas: 5,
      expectedConditions: statusOkWithOverrides(
        ['ScalingLimited', 'True', 'TooManyReplicas'],
        SCALED_TO_ZERO_FALSE,
      ),
    },
    {
      name: 'scale up to min immediately even with recent scale time',
      fixture: {
        minReplicas: 2,
        maxReplicas: 6,
        specReplicas: 1,
        statusReplicas: 1,
        reportedLevels: [0, 0, 0, 0],
        reportedCPURequests: ones(4),
        lastScaleTime: iso(NOW),
      },
      expectedDesiredReplicas: 2,
      expectedConditions: rescaleOnly,
    },
    {
      name: 'scale down to max immediately even with recent scale time',
      fixture: {
        minReplicas: 2,
        maxReplicas: 5,
        specReplicas: 6,
        statusReplicas: 6,
        CPUTarget: 50,
        reportedLevels: [8000, 9500, 1000],
        reportedCPURequests: mixed,
        lastScaleTime: iso(NOW),
      },
      expectedDesiredReplicas: 5,
      expectedConditions: rescaleOnly,
    },
  ])('$name', check);
});

describe('TestMetricsEdgeCases', () => {
  it.each<HorizontalCase>([
    {
      name: 'superfluous metrics reported',
      fixture: {
        minReplicas: 2,
        maxReplicas: 6,
        specReplicas: 4,
        statusReplicas: 4,
        CPUTarget: 100,
        reportedLevels: [4000, 9500, 3000, 7000, 3200, 2000],
        reportedCPURequests: ones(4),
      },
      expectedDesiredReplicas: 6,
      expectedConditions: statusOkWithOverrides(
        ['ScalingLimited', 'True', 'TooManyReplicas'],
        SCALED_TO_ZERO_FALSE,
      ),
    },
    {
      name: 'missing metrics from some pods',
      fixture: {
        minReplicas: 2,
        maxReplicas: 6,
        specReplicas: 4,
        statusReplicas: 4,
        CPUTarget: 100,
        reportedLevels: [400, 95],
        reportedCPURequests: ones(4),
      },
      recommendations: [],
      expectedDesiredReplicas: 3,
    },
    {
      name: 'empty metrics from all pods',
      fixture: {
        minReplicas: 2,
        maxReplicas: 6,
        specReplicas: 4,
        statusReplicas: 4,
        CPUTarget: 100,
        reportedLevels: [],
        reportedCPURequests: ones(4),
      },
      expectedDesiredReplicas: 4,
      expectedConditions: [
        ['AbleToScale', 'True', 'SucceededGetScale'],
        ['ScalingActive', 'False', 'FailedGetResourceMetric'],
      ],
    },
    {
      name: 'empty CPU requests',
      fixture: {
        minReplicas: 1,
        maxReplicas: 5,
        specReplicas: 1,
        statusReplicas: 1,
        CPUTarget: 100,
        reportedLevels: [200],
        reportedCPURequests: [],
      },
      expectedDesiredReplicas: 1,
      expectedConditions: [
        ['AbleToScale', 'True', 'SucceededGetScale'],
        ['ScalingActive', 'False', 'FailedGetResourceMetric'],
      ],
    },
    {
      name: 'missing reports from some pods scales down',
      fixture: {
        minReplicas: 1,
        maxReplicas: 5,
        specReplicas: 4,
        statusReplicas: 4,
        CPUTarget: 50,
        reportedLevels: [200],
        reportedCPURequests: ['0.2'],
      },
      recommendations: [],
      expectedDesiredReplicas: 2,
    },
    {
      name: 'more replicas than spec no scale',
      fixture: {
        minReplicas: 1,
        maxReplicas: 8,
        specReplicas: 4,
        statusReplicas: 5,
        CPUTarget: 50,
        reportedLevels: [500, 500, 500, 500, 500],
        reportedCPURequests: ['1', '1', '1', '1', '1'],
      },
      expectedDesiredReplicas: 4,
      expectedConditions: statusOkWithOverrides(['AbleToScale', 'True', 'ReadyForNewScale']),
    },
  ])('$name', check);
});

describe('TestComputedToleranceAlgImplementation', () => {
  const startPods = 10;
  const totalUsedCPUOfAllPods = startPods * 150;
  const totalRequestedCPUOfAllPods = 2 * totalUsedCPUOfAllPods;
  const requestedToUsed = Math.trunc(totalRequestedCPUOfAllPods / totalUsedCPUOfAllPods);
  const perPodRequested = totalRequestedCPUOfAllPods / startPods;
  const fixture = (CPUTarget: number): HorizontalFixture => ({
    minReplicas: 0,
    maxReplicas: 1000,
    specReplicas: startPods,
    statusReplicas: startPods,
    CPUTarget,
    reportedLevels: Array<number>(10).fill(totalUsedCPUOfAllPods / 10),
    reportedCPURequests: [100, -100, 10, -10, 2, -2, 1, -1, 0, 0].map((d) => `${perPodRequested + d}m`),
  });

  it('tc1: a minimal scale-down just outside the tolerance', () => {
    const target = Math.abs(1 / (requestedToUsed * (1 - 0.1))) + 0.01;
    const resourcesUsedRatio = totalUsedCPUOfAllPods / (totalRequestedCPUOfAllPods * target);
    const finalPods = Math.ceil(resourcesUsedRatio * startPods);
    runTest({
      name: 'tc1',
      fixture: fixture(Math.trunc(target * 100)),
      recommendations: [],
      expectedDesiredReplicas: finalPods,
    });
    expect(finalPods).toBe(9);
  });

  it('tc2: no scaling just inside the tolerance', () => {
    const target = Math.abs(1 / (requestedToUsed * (1 - 0.1))) + 0.004;
    runTest({
      name: 'tc2',
      fixture: fixture(Math.trunc(target * 100)),
      recommendations: [],
      expectedDesiredReplicas: startPods,
      expectedConditions: statusOkWithOverrides(['AbleToScale', 'True', 'ReadyForNewScale']),
    });
  });
});

describe('TestConvertDesiredReplicasWithRules', () => {
  it.each<[string, number, number, number, number, number, string]>([
    ['prenormalized desired replicas within range', 5, 7, 3, 8, 7, 'DesiredWithinRange'],
    ['prenormalized desired replicas < minReplicas', 3, 1, 2, 8, 2, 'TooFewReplicas'],
    ['prenormalized desired zeroed replicas within range', 1, 0, 0, 10, 0, 'DesiredWithinRange'],
    ['maxReplicas is the limit because maxReplicas < scaleUpLimit', 20, 1000, 1, 10, 10, 'TooManyReplicas'],
    [
      'scaleUpLimit is the limit because scaleUpLimit < maxReplicas',
      3,
      1000,
      1,
      2000,
      scaleUpLimit(3, TEST_CONSTANTS),
      'ScaleUpLimit',
    ],
  ])('%s', (_name, current, desired, min, max, expected, reason) => {
    const out = clampWithRules(current, desired, min, max, TEST_CONSTANTS);
    expect(out.replicas).toBe(expected);
    expect(out.reason).toBe(reason);
  });
});

/** GenerateHPAScaleUpRules / GenerateHPAScaleDownRules: the API defaults completing partial rules. */
function behaviorOf(scaleUp?: Record<string, unknown>, scaleDown?: Record<string, unknown>) {
  const hpa = readHpa(
    {
      metadata: { name: 'h', namespace: 'ns' },
      spec: {
        maxReplicas: 10,
        behavior: { ...(scaleUp ? { scaleUp } : {}), ...(scaleDown ? { scaleDown } : {}) },
      },
    },
    300,
  );
  if (!hpa.behavior) throw new Error('behavior expected');
  return hpa.behavior;
}

const noEvents = (current: number) => () => current;

describe('TestCalculateScaleUp/DownLimit', () => {
  const rules = {
    stabilizationWindowSeconds: 300,
    selectPolicy: 'Min',
    policies: [
      { type: 'Pods', value: 2, periodSeconds: 60 },
      { type: 'Percent', value: 50, periodSeconds: 60 },
    ],
  };
  it('TestCalculateScaleUpLimitWithScalingRules', () => {
    expect(scaleUpLimitWithRules(1, behaviorOf(rules).scaleUp, noEvents(1))).toBe(2);
  });
  it('TestCalculateScaleDownLimitWithBehaviors', () => {
    expect(scaleDownLimitWithRules(5, behaviorOf(undefined, rules).scaleDown, noEvents(5))).toBe(3);
  });
});

describe('TestNormalizeDesiredReplicas', () => {
  it.each<[string, Recommendation[], number, number]>([
    ['empty log', [], 5, 5],
    [
      'stabilize',
      [
        { replicas: 4, at: NOW - 2 * MIN },
        { replicas: 5, at: NOW - 1 * MIN },
      ],
      3,
      5,
    ],
    [
      'no stabilize',
      [
        { replicas: 1, at: NOW - 2 * MIN },
        { replicas: 2, at: NOW - 1 * MIN },
      ],
      3,
      3,
    ],
    [
      'no stabilize - old recommendations',
      [
        { replicas: 10, at: NOW - 10 * MIN },
        { replicas: 9, at: NOW - 9 * MIN },
      ],
      3,
      3,
    ],
    [
      'stabilize - old recommendations',
      [
        { replicas: 10, at: NOW - 10 * MIN },
        { replicas: 4, at: NOW - 1 * MIN },
        { replicas: 5, at: NOW - 2 * MIN },
        { replicas: 9, at: NOW - 9 * MIN },
      ],
      3,
      5,
    ],
  ])('%s', (_name, recommendations, desired, expected) => {
    expect(stabilizeWithoutBehavior(desired, recommendations, NOW, 5 * MIN).replicas).toBe(expected);
  });
});

describe('TestScalingWithRules', () => {
  it.each(SCALING_WITH_RULES)('$name', (tc) => {
    const start = periodStartFromEvents(
      tc.currentReplicas,
      NOW,
      tc.scaleUpEvents ?? [],
      tc.scaleDownEvents ?? [],
    );
    const out = rateLimitWithBehavior(
      tc.currentReplicas,
      tc.prenormalizedDesiredReplicas,
      tc.specMinReplicas,
      tc.specMaxReplicas,
      behaviorOf(tc.scaleUpRules, tc.scaleDownRules),
      start,
    );
    expect(out.replicas).toBe(tc.expectedReplicas);
    expect(out.reason).toBe(tc.expectedCondition);
  });
});

describe('TestStoreScaleEvents: replica change within the last 60 s (getReplicasChangePerPeriod)', () => {
  it.each<[string, ScaleChange[], number]>([
    ['empty entries with default behavior', [], 0],
    ['empty entries with two-policy-behavior', [], 0],
    ['one outdated entry to be kept untouched without behavior', [{ change: 7, at: NOW - 61_000 }], 0],
    ['one outdated entry to be replaced with behavior', [{ change: 7, at: NOW - 61_000 }], 0],
    ['one actual entry to be not touched with behavior', [{ change: 7, at: NOW - 58_000 }], 7],
    [
      'two entries, one of them to be replaced',
      [
        { change: 7, at: NOW - 61_000 },
        { change: 6, at: NOW - 59_000 },
      ],
      6,
    ],
    [
      'replace one entry, use policies with different periods',
      [
        { change: 8, at: NOW - 29_000 },
        { change: 6, at: NOW - 59_000 },
        { change: 7, at: NOW - 61_000 },
        { change: 9, at: NOW - 61_000 },
      ],
      14,
    ],
    [
      'two entries, both actual',
      [
        { change: 7, at: NOW - 58_000 },
        { change: 6, at: NOW - 59_000 },
      ],
      13,
    ],
  ])('%s', (_name, events, expectedChange) => {
    // Up: the period starts lower by the change; down: higher by it.
    expect(10 - periodStartFromEvents(10, NOW, events, [])(60)).toBe(expectedChange);
    expect(periodStartFromEvents(10, NOW, [], events)(60) - 10).toBe(expectedChange);
  });
});

describe('TestNormalizeDesiredReplicasWithBehavior', () => {
  it.each<[string, Recommendation[], number, number, number, number, number]>([
    ['empty recommendations for scaling down', [], 100, 5, 5, 0, 0],
    [
      'simple scale down stabilization',
      [
        { replicas: 4, at: NOW - 2 * MIN },
        { replicas: 5, at: NOW - 1 * MIN },
      ],
      100,
      3,
      5,
      0,
      180,
    ],
    [
      'simple scale up stabilization',
      [
        { replicas: 4, at: NOW - 2 * MIN },
        { replicas: 5, at: NOW - 1 * MIN },
      ],
      1,
      7,
      4,
      300,
      0,
    ],
    [
      'no scale down stabilization',
      [
        { replicas: 1, at: NOW - 2 * MIN },
        { replicas: 2, at: NOW - 1 * MIN },
      ],
      100,
      3,
      3,
      300,
      0,
    ],
    [
      'no scale up stabilization',
      [
        { replicas: 4, at: NOW - 2 * MIN },
        { replicas: 5, at: NOW - 1 * MIN },
      ],
      1,
      3,
      3,
      0,
      300,
    ],
    [
      'no scale down stabilization, reuse recommendation element',
      [
        { replicas: 10, at: NOW - 10 * MIN },
        { replicas: 9, at: NOW - 9 * MIN },
      ],
      100,
      3,
      3,
      0,
      0,
    ],
    [
      'no scale up stabilization, reuse recommendation element',
      [
        { replicas: 10, at: NOW - 10 * MIN },
        { replicas: 9, at: NOW - 9 * MIN },
      ],
      1,
      100,
      100,
      0,
      0,
    ],
    [
      'scale down stabilization, reuse one of obsolete recommendation element',
      [
        { replicas: 10, at: NOW - 10 * MIN },
        { replicas: 4, at: NOW - 1 * MIN },
        { replicas: 5, at: NOW - 2 * MIN },
        { replicas: 9, at: NOW - 9 * MIN },
      ],
      100,
      3,
      5,
      0,
      180,
    ],
    [
      'scale up stabilization, reuse one of obsolete recommendation element',
      [
        { replicas: 10, at: NOW - 100 * MIN },
        { replicas: 6, at: NOW - 1 * MIN },
        { replicas: 5, at: NOW - 2 * MIN },
        { replicas: 9, at: NOW - 3 * MIN },
      ],
      1,
      100,
      5,
      300,
      0,
    ],
    [
      'scale up and down stabilization, do not scale up when prenormalized rec goes down',
      [
        { replicas: 2, at: NOW - 100 * MIN },
        { replicas: 3, at: NOW - 3 * MIN },
      ],
      2,
      1,
      2,
      300,
      300,
    ],
    [
      'scale up and down stabilization, do not scale down when prenormalized rec goes up',
      [
        { replicas: 2, at: NOW - 100 * MIN },
        { replicas: 1, at: NOW - 3 * MIN },
      ],
      2,
      3,
      2,
      300,
      300,
    ],
  ])('%s', (_name, recommendations, current, desired, expected, upWindow, downWindow) => {
    const behavior = behaviorOf(
      { stabilizationWindowSeconds: upWindow },
      { stabilizationWindowSeconds: downWindow },
    );
    expect(stabilizeWithBehavior(current, desired, recommendations, NOW, behavior).replicas).toBe(expected);
  });
});

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
