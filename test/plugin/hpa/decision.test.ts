// decision.ts. First, decide() beyond the Go ports: what a client outside the controller can and cannot
// know (history read back from events, bounds), the failure causes a printer turns into fixes, the
// controller's wording of metric labels, and the values at which a proposal would change.
//
// Then Kubernetes' HPA controller tests, replayed through decideWithMemory() (the second half).
//
// Source: kubernetes/kubernetes v1.37.2 pkg/controller/podautoscaler/horizontal_test.go. Each Go
// testCase / horizontalScenario becomes an HPASnapshot (horizontalSnapshot in builder.ts mirrors the
// fake clients: pods with requests split over two containers, metrics timestamped "now" with a one
// minute window). The controller's in-memory state the Go test sets up (tc.recommendations; nil means
// "seeded with the current count", as recordInitialRecommendation does) is passed to
// decideWithMemory, with the package's test constant scaleUpLimitFactor = 8 (horizontal_test.go
// init()). Asserted: the desired replicas, and where the Go test checks them the conditions (type,
// status, reason), the CPU utilization and the rescale event's reason. Functions the Go file tests
// directly (rate limits, stabilization) are ported in normalize.test.ts, TestBuildQuantity in
// test/plugin/printers/narrative.test.ts.
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
import { decide, decideWithMemory, SnapshotUnusable } from '../../../plugin/hpa/decision.ts';
import { periodStartFromEvents, type Recommendation } from '../../../plugin/hpa/normalize.ts';
import { goLabelSelector } from '../../../plugin/hpa/objects.ts';
import type { HPASnapshot } from '../../../plugin/hpa/snapshot.ts';
import type { Decision, MetricDecision } from '../../../plugin/hpa/types.ts';
import {
  COOL,
  EXTERNAL_PATH,
  eventList,
  externalMetricList,
  HOT,
  type HorizontalFixture,
  horizontalSnapshot,
  iso,
  milli,
  NOW,
  OBJECT_PATH,
  objectMetricList,
  ok,
  PODS_PATH,
  type PodFixture,
  podMetricsList,
  podsMetricList,
  RESOURCE_PATH,
  rescaleEvent,
  scalingRules,
  snapshot,
} from './builder.ts';
import { type RulesCase, SCALING_WITH_RULES } from './scaling-rules.ts';

const MIN = 60_000;
const DEPLOYMENT = { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' };

const pods = (n: number, cpu = '500m'): PodFixture[] =>
  Array.from({ length: n }, (_, i) => ({
    name: `test-pod-${i}`,
    containers: [{ name: 'app', requests: { cpu } }],
  }));

const podsTarget = (averageValue: string) => ({
  type: 'Pods',
  pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue } },
});

/** An HPA on a Pods metric whose pods report the given milli values. */
function podsHpa(
  values: number[],
  opts: {
    current?: number;
    min?: number;
    max?: number;
    behavior?: unknown;
    status?: Record<string, unknown>;
  } = {},
  extra: Partial<Parameters<typeof snapshot>[0]> = {},
): HPASnapshot {
  const current = opts.current ?? values.length;
  return snapshot({
    hpa: {
      spec: {
        scaleTargetRef: DEPLOYMENT,
        minReplicas: opts.min ?? 1,
        maxReplicas: opts.max ?? 20,
        metrics: [podsTarget('500m')],
        ...(opts.behavior ? { behavior: opts.behavior } : {}),
      },
      status: { currentReplicas: current, desiredReplicas: current, ...opts.status },
    },
    spec: current,
    pods: pods(values.length),
    metrics: [ok(PODS_PATH, podsMetricList(values, iso(NOW)))],
    ...extra,
  });
}

describe('history the controller keeps in memory', () => {
  it('without behavior a scale-down is held by the 5 min stabilization: a range from the proposal to the current count', () => {
    const d = decide(podsHpa([250, 250, 250, 250])); // 0.5× → 2 of 4
    expect(d.proposal).toBe(2);
    expect(d.desiredReplicas).toBe(4);
    expect(d.precision).toMatchObject({ kind: 'bounded', min: 2, max: 4 });
    expect(d.normalization[0]).toMatchObject({ step: 'Stabilize', input: 2, bounded: { min: 2, max: 4 } });
    expect(d.rescale).toBe(false);
    expect(d.agreesWithStatus).toBe(true);
  });

  it('without behavior a scale-up is exact unless the status shows a limited scale-up', () => {
    expect(decide(podsHpa([750, 750, 750, 750])).precision).toMatchObject({ kind: 'exact' });
    const limited = decide(
      podsHpa([750, 750, 750, 750], {
        status: { conditions: [{ type: 'ScalingLimited', status: 'True', reason: 'ScaleUpLimit' }] },
      }),
    );
    // 6 now, or up to the scale-up limit max(2×4, 4) = 8 if a larger recommendation held back last time is remembered.
    expect(limited.proposal).toBe(6);
    expect(limited.precision).toMatchObject({ kind: 'bounded', min: 6, max: 8 });
    expect(limited.desiredReplicas).toBe(6);
  });

  it('a downscale stabilization flag of 0 makes a scale-down exact', () => {
    const d = decide(podsHpa([250, 250, 250, 250], {}, { controller: { downscaleStabilizationSeconds: 0 } }));
    expect(d.desiredReplicas).toBe(2);
    expect(d.precision.kind).toBe('exact');
    expect(d.rescaleReason).toBe('All metrics below target');
  });

  it('with behavior, a recent metric scale-up to the current size proves the scale-down window holds it', () => {
    const behavior = { scaleDown: { stabilizationWindowSeconds: 300 } };
    const lastScaleTime = iso(NOW - 2 * MIN);
    const events = eventList([
      rescaleEvent(2, 'All metrics below target', NOW - 30 * MIN),
      rescaleEvent(4, 'pods metric qps above target', NOW - 2 * MIN),
    ]);
    const held = decide(podsHpa([250, 250, 250, 250], { behavior, status: { lastScaleTime } }, { events }));
    expect(held.desiredReplicas).toBe(4);
    expect(held.precision.kind).toBe('exact');
    expect(held.conditions).toContainEqual(
      expect.objectContaining({ type: 'AbleToScale', reason: 'ScaleDownStabilized' }),
    );
    // Without that event the same pass can scale down to 2 or stay at 4.
    const unknown = decide(
      podsHpa([250, 250, 250, 250], { behavior, status: { lastScaleTime } }, { events: eventList([]) }),
    );
    expect(unknown.precision).toMatchObject({ kind: 'bounded', min: 2, max: 4 });
  });

  it('with behavior, a rescale within a policy period that the events do not show bounds the rate limit', () => {
    const behavior = {
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max',
        policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }],
      },
    };
    // 4 pods at 4× the target: the metrics want 16; 2 pods per minute.
    const recent = decide(
      podsHpa([2000, 2000, 2000, 2000], { behavior, status: { lastScaleTime: iso(NOW - 20_000) } }),
    );
    expect(recent.proposal).toBe(16);
    expect(recent.precision.kind).toBe('bounded');
    expect(recent.normalization[1]?.bounded).toBeDefined();
    const old = decide(
      podsHpa([2000, 2000, 2000, 2000], { behavior, status: { lastScaleTime: iso(NOW - 5 * MIN) } }),
    );
    expect(old.desiredReplicas).toBe(6);
    expect(old.precision.kind).toBe('exact');
    expect(old.normalization[1]).toMatchObject({ step: 'RateLimit', reason: 'ScaleUpLimit', output: 6 });
  });

  it('aggregated events (count > 2) leave the size at a cutoff open', () => {
    const behavior = {
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max',
        policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }],
      },
    };
    const events = eventList([
      rescaleEvent(3, 'All metrics below target', NOW - 10_000, 3, NOW - 10 * MIN),
      rescaleEvent(4, 'pods metric qps above target', NOW - 5_000, 3, NOW - 9 * MIN),
    ]);
    const d = decide(
      podsHpa(
        [2000, 2000, 2000, 2000],
        { behavior, status: { lastScaleTime: iso(NOW - 5_000) } },
        { events },
      ),
    );
    expect(d.precision.kind).toBe('bounded');
  });
});

/**
 * TestScalingWithRules through SuccessfulRescale events: the controller's remembered scale events are
 * written as the events its recorder would have sent (one per rescale, second resolution, the size
 * before the first one anchored by an older event), and decide() must reach the Go result from them.
 * Stabilization windows are set to 0 so that the rate limit alone decides, as in the Go test; an
 * event falling in the same second as a policy cutoff may count either way, so there the Go result
 * must lie within the reported range.
 */
describe('TestScalingWithRules read back from events', () => {
  // Mixed up and down events at the same instant have no order to write them in; a current count
  // outside min/max takes the controller's shortcut, not the rate limit.
  const single = SCALING_WITH_RULES.filter(
    (tc) =>
      !(tc.scaleUpEvents?.length && tc.scaleDownEvents?.length) &&
      tc.currentReplicas >= tc.specMinReplicas &&
      tc.currentReplicas <= tc.specMaxReplicas,
  );

  const exactCount = { total: 0, exact: 0 };

  function eventsFor(tc: RulesCase) {
    const changes = [
      ...(tc.scaleUpEvents ?? []).map((e) => ({ ...e, delta: e.change })),
      ...(tc.scaleDownEvents ?? []).map((e) => ({ ...e, delta: -e.change })),
    ].sort((a, b) => a.at - b.at);
    let size = tc.currentReplicas - changes.reduce((s, e) => s + e.delta, 0);
    const items = [rescaleEvent(size, 'All metrics below target', NOW - 60 * MIN)];
    for (const e of changes) {
      size += e.delta;
      items.push(
        rescaleEvent(size, e.delta > 0 ? 'pods metric qps above target' : 'All metrics below target', e.at),
      );
    }
    return {
      items,
      lastScaleTime: changes.length > 0 ? iso((changes[changes.length - 1] as { at: number }).at) : undefined,
    };
  }

  it.each(single)('$name', (tc) => {
    exactCount.total++;
    const { items, lastScaleTime } = eventsFor(tc);
    const noWindow = (rules?: Record<string, unknown>) => ({ ...rules, stabilizationWindowSeconds: 0 });
    // An Object AverageValue of `desired` against a target of 1 proposes exactly `desired` (ceil(v / target)).
    const s = snapshot({
      hpa: {
        spec: {
          scaleTargetRef: DEPLOYMENT,
          minReplicas: tc.specMinReplicas,
          maxReplicas: tc.specMaxReplicas,
          metrics: [
            {
              type: 'Object',
              object: {
                describedObject: DEPLOYMENT,
                metric: { name: 'qps' },
                target: { type: 'AverageValue', averageValue: '1' },
              },
            },
          ],
          behavior: { scaleUp: noWindow(tc.scaleUpRules), scaleDown: noWindow(tc.scaleDownRules) },
        },
        status: { currentReplicas: tc.currentReplicas, ...(lastScaleTime ? { lastScaleTime } : {}) },
      },
      spec: tc.currentReplicas,
      metrics: [
        ok(OBJECT_PATH, objectMetricList(tc.prenormalizedDesiredReplicas * 1000, DEPLOYMENT, iso(NOW))),
      ],
      events: eventList(items),
    });
    const d = decide(s);
    expect(d.proposal).toBe(tc.prenormalizedDesiredReplicas);
    const rules = tc.prenormalizedDesiredReplicas > tc.currentReplicas ? tc.scaleUpRules : tc.scaleDownRules;
    const periods = (
      (rules?.policies as { periodSeconds: number }[] | undefined) ?? [{ periodSeconds: 15 }]
    ).map((p) => p.periodSeconds);
    const onCutoff = [...(tc.scaleUpEvents ?? []), ...(tc.scaleDownEvents ?? [])].some((e) =>
      periods.some((p) => e.at === NOW - p * 1000),
    );
    if (onCutoff) {
      const range =
        d.precision.kind === 'bounded' ? d.precision : { min: d.desiredReplicas, max: d.desiredReplicas };
      expect(tc.expectedReplicas).toBeGreaterThanOrEqual(range.min);
      expect(tc.expectedReplicas).toBeLessThanOrEqual(range.max);
    } else {
      exactCount.exact++;
      expect(d.precision.kind).toBe('exact');
      expect(d.desiredReplicas).toBe(tc.expectedReplicas);
      expect(d.normalization[1]?.reason).toBe(tc.expectedCondition);
    }
  });

  it('most of them are exact from the events alone', () => {
    expect(exactCount.exact).toBeGreaterThanOrEqual(exactCount.total - 4);
  });

  it('events read back give the same period start as the memory they were written from', () => {
    const tc = SCALING_WITH_RULES.find(
      (c) => c.name === 'scaleUp with pod policy and previous scale up events',
    ) as RulesCase;
    expect(periodStartFromEvents(tc.currentReplicas, NOW, tc.scaleUpEvents ?? [], [])(120)).toBe(85);
  });
});

describe('failures a printer can turn into a fix', () => {
  const cpuHpa = (metrics: unknown[], podFixtures: PodFixture[]) =>
    snapshot({
      hpa: {
        spec: {
          scaleTargetRef: DEPLOYMENT,
          minReplicas: 1,
          maxReplicas: 10,
          metrics: [
            {
              type: 'Resource',
              resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
            },
          ],
        },
      },
      spec: podFixtures.length,
      pods: podFixtures,
      metrics: metrics as HPASnapshot['metrics'],
    });
  const answer = (...names: string[]) =>
    ok(
      RESOURCE_PATH,
      podMetricsList(names.map((name) => ({ name, containers: [100], timestamp: iso(NOW - 3 * MIN) }))),
    );

  it('a metrics API that does not serve the metric: the call, its code and message', () => {
    const d = decide(
      cpuHpa(
        [
          {
            path: RESOURCE_PATH,
            error: { code: 404, message: 'the server could not find the requested resource' },
          },
        ],
        pods(2),
      ),
    );
    const m = d.metrics[0] as MetricDecision;
    expect(m.failure).toEqual({
      reason: 'FailedGetResourceMetric',
      message:
        'the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server could not find the requested resource',
      cause: {
        kind: 'FetchFailed',
        path: RESOURCE_PATH,
        code: 404,
        message: 'the server could not find the requested resource',
      },
    });
    expect(d.heldByFailures).toBe(true);
    expect(d.desiredReplicas).toBe(2);
    expect(d.conditions).toContainEqual(
      expect.objectContaining({ type: 'ScalingActive', status: 'False', reason: 'FailedGetResourceMetric' }),
    );
  });

  it('pods without CPU requests, listed with their containers, sidecars included', () => {
    const fixtures: PodFixture[] = [
      { name: 'web-0', containers: [{ name: 'app', requests: { cpu: '100m' } }] },
      {
        name: 'web-1',
        containers: [{ name: 'app', requests: { cpu: '100m' } }, { name: 'proxy' }],
        initContainers: [{ name: 'log-shipper', restartPolicy: 'Always' }, { name: 'migrate' }],
      },
    ];
    const m = decide(cpuHpa([answer('web-0', 'web-1')], fixtures)).metrics[0] as MetricDecision;
    expect(m.failure?.cause).toEqual({
      kind: 'MissingRequests',
      resource: 'cpu',
      pods: [{ pod: 'web-1', containers: ['proxy', 'log-shipper'] }],
    });
    expect(m.failure?.message).toContain('missing request for cpu in container proxy of Pod web-1');
  });

  it('only unready pods have values; a selector that matches nothing; an answer not in the snapshot', () => {
    const unready = decide(
      cpuHpa(
        [answer('test-pod-0')],
        [
          {
            ...pods(1)[0],
            ready: 'False',
            startTime: iso(NOW - MIN),
            readyTransition: iso(NOW - MIN),
          } as PodFixture,
        ],
      ),
    );
    expect(unready.metrics[0]?.failure?.cause).toEqual({
      kind: 'NoReadyPodMetrics',
      unready: ['test-pod-0'],
      ignored: [],
    });
    expect(unready.metrics[0]?.pods?.unready).toEqual([
      { pod: 'test-pod-0', reason: 'InitializingNotReady' },
    ]);
    const none = decide({
      ...cpuHpa([answer('x')], []),
      scale: ok('/scale', { spec: { replicas: 2 }, status: { replicas: 2, selector: 'app=web' } }),
    });
    expect(none.metrics[0]?.failure?.cause).toEqual({ kind: 'NoPods' });
    const missing = decide(cpuHpa([null], pods(1)));
    expect(missing.metrics[0]?.failure?.cause).toEqual({ kind: 'NotFetched' });
  });

  it('a ContainerResource container missing from a pod', () => {
    const s = cpuHpa([answer('test-pod-0')], pods(1));
    const spec = s.hpa.body as { spec: { metrics: unknown[] } };
    spec.spec.metrics = [
      {
        type: 'ContainerResource',
        containerResource: {
          name: 'cpu',
          container: 'sidecar',
          target: { type: 'Utilization', averageUtilization: 50 },
        },
      },
    ];
    s.metrics = [ok(RESOURCE_PATH, podMetricsList([{ name: 'test-pod-0', containers: [100] }]))];
    const m = decide(s).metrics[0] as MetricDecision;
    expect(m.failure?.reason).toBe('FailedGetContainerResourceMetric');
    expect(m.label).toBe('cpu container resource utilization (percentage of request)');
  });

  it('an answer with a value that is not a quantity fails that metric only', () => {
    const s = podsHpa([500, 500]);
    s.metrics = [
      ok(PODS_PATH, {
        ...podsMetricList([500, 500]),
        items: [{ describedObject: { name: 'test-pod-0' }, value: 'lots' }],
      }),
    ];
    const m = decide(s).metrics[0] as MetricDecision;
    expect(m.failure?.cause.kind).toBe('Invalid');
    expect(m.failure?.message).toContain('metrics[0].body.items[0].value: expected a quantity');
    expect(m.failure?.message).toContain('got "lots"');
  });

  it("an invalid metric selector is the metric's failure", () => {
    const s = podsHpa([500]);
    const spec = (s.hpa.body as { spec: { metrics: { pods: { metric: Record<string, unknown> } }[] } }).spec;
    (spec.metrics[0] as { pods: { metric: Record<string, unknown> } }).pods.metric.selector = {
      matchExpressions: [{ key: 'tier', operator: 'Bogus' }],
    };
    const m = decide(s).metrics[0] as MetricDecision;
    expect(m.failure?.reason).toBe('FailedGetPodsMetric');
    expect(m.failure?.cause.kind).toBe('Invalid');
  });
});

describe('metric labels and values as the controller words them', () => {
  it('External metrics name their selector as Go prints a *metav1.LabelSelector', () => {
    expect(goLabelSelector(undefined)).toBe('nil');
    expect(goLabelSelector({ matchLabels: { b: '2', a: '1' } })).toBe(
      '&LabelSelector{MatchLabels:map[string]string{a: 1,b: 2,},MatchExpressions:[]LabelSelectorRequirement{},}',
    );
    expect(goLabelSelector({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] })).toBe(
      '&LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:tier,Operator:In,Values:[a b],},},}',
    );
  });

  it('labels of every metric kind, and the event reason of the deciding one', () => {
    const s = snapshot({
      hpa: {
        spec: {
          scaleTargetRef: DEPLOYMENT,
          minReplicas: 1,
          maxReplicas: 20,
          metrics: [
            {
              type: 'Resource',
              resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } },
            },
            {
              type: 'Object',
              object: {
                describedObject: { kind: 'Service', name: 'web', apiVersion: 'v1' },
                metric: { name: 'rps' },
                target: { type: 'Value', value: '10' },
              },
            },
            {
              type: 'Object',
              object: {
                describedObject: { kind: 'Service', name: 'web', apiVersion: 'v1' },
                metric: { name: 'rps' },
                target: { type: 'AverageValue', averageValue: '10' },
              },
            },
            {
              type: 'External',
              external: {
                metric: { name: 'queue', selector: { matchLabels: { q: 'jobs' } } },
                target: { type: 'AverageValue', averageValue: '30' },
              },
            },
          ],
        },
      },
      spec: 2,
      pods: pods(2),
      metrics: [
        ok(
          RESOURCE_PATH,
          podMetricsList(
            [
              { name: 'test-pod-0', containers: [50 * 1024 * 1024 * 1000] },
              { name: 'test-pod-1', containers: [50 * 1024 * 1024 * 1000] },
            ],
            'memory',
          ),
        ),
        ok(OBJECT_PATH, objectMetricList(20_000, { kind: 'Service', name: 'web', apiVersion: 'v1' })),
        ok(OBJECT_PATH, objectMetricList(20_000, { kind: 'Service', name: 'web', apiVersion: 'v1' })),
        ok(EXTERNAL_PATH, externalMetricList([100_000, 80_000])),
      ],
    });
    const d = decide(s);
    expect(d.metrics.map((m) => m.label)).toEqual([
      'memory resource',
      'Service metric rps',
      'external metric rps(nil)',
      'external metric queue(&LabelSelector{MatchLabels:map[string]string{q: jobs,},MatchExpressions:[]LabelSelectorRequirement{},})',
    ]);
    // memory 0.5×, rps 20/10 → 4, rps 20 over 2 pods / 10 → 2 of 2 within? (1.0) → 2, queue 180/30 → 6.
    expect(d.metrics.map((m) => m.proposal)).toEqual([1, 4, 2, 6]);
    expect(d.metrics[3]?.current).toEqual({ averageValue: 90_000n });
    expect(d.decidingMetric).toBe(3);
    expect(d.desiredReplicas).toBe(4); // the scale-up limit without behavior: max(2×2, 4)
    expect(d.rescaleReason).toBe(`${d.metrics[3]?.label} above target`);
  });
});

describe('what would change the decision', () => {
  /** The threshold values must be where decide() itself changes its proposal. */
  function proposalAt(build: (value: number) => HPASnapshot, value: number): number | undefined {
    return decide(build(value)).metrics[0]?.proposal;
  }

  it('not searched when the caller asks for none (the replay), the decision otherwise the same', () => {
    const snapshot = podsHpa([600, 600, 600, 600]);
    const memory = { scaleUpEvents: [], scaleDownEvents: [] };
    const without = decideWithMemory(snapshot, memory, undefined, { thresholds: false });
    const m = without.metrics[0] as MetricDecision;
    expect(m.scaleUpAt).toBeUndefined();
    expect(m.scaleDownAt).toBeUndefined();
    const withThresholds = decideWithMemory(snapshot, memory);
    expect(withThresholds.metrics[0]?.scaleUpAt).toBeDefined();
    expect({ ...without, metrics: [] }).toEqual({ ...withThresholds, metrics: [] });
    expect(m.proposal).toBe(withThresholds.metrics[0]?.proposal);
  });

  it('Pods AverageValue: the averages where the proposal moves up and down', () => {
    const build = (avg: number) => podsHpa([avg, avg, avg, avg]);
    const d = decide(build(600)); // 1.2× → ceil(4.8) = 5
    const m = d.metrics[0] as MetricDecision;
    expect(m.proposal).toBe(5);
    expect(m.scaleUpAt).toEqual({ at: 626n, replicas: 6 }); // 1.252× → ceil(5.008)
    expect(m.scaleDownAt).toEqual({ at: 550n, replicas: 4 }); // 1.1× is inside the (inclusive) band → current 4
    expect(proposalAt(build, 626)).toBe(6);
    expect(proposalAt(build, 625)).toBe(5);
    expect(proposalAt(build, 550)).toBe(4);
    expect(proposalAt(build, 551)).toBe(5);
  });

  it('Resource Utilization: utilization percent thresholds', () => {
    const build = (usage: number) =>
      snapshot({
        hpa: {
          spec: {
            scaleTargetRef: DEPLOYMENT,
            maxReplicas: 10,
            metrics: [
              {
                type: 'Resource',
                resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
              },
            ],
          },
        },
        spec: 3,
        pods: pods(3, '1'),
        metrics: [
          ok(
            RESOURCE_PATH,
            podMetricsList([0, 1, 2].map((i) => ({ name: `test-pod-${i}`, containers: [usage] }))),
          ),
        ],
      });
    const m = decide(build(300)).metrics[0] as MetricDecision; // 30% of 50% → 0.6 → ceil(1.8) = 2
    expect(m.current?.averageUtilization).toBe(30);
    expect(m.proposal).toBe(2);
    expect(m.scaleUpAt).toEqual({ at: 34, replicas: 3 }); // 0.68 → ceil(2.04) = 3
    expect(m.scaleDownAt).toEqual({ at: 16, replicas: 1 }); // 0.32 → ceil(0.96) = 1
    expect(proposalAt(build, 340)).toBe(3);
    expect(proposalAt(build, 339)).toBe(2);
    expect(proposalAt(build, 160)).toBe(1);
    expect(proposalAt(build, 170)).toBe(2);
  });

  it('External AverageValue: per-pod averages against the target', () => {
    const build = (total: number) =>
      snapshot({
        hpa: {
          spec: {
            scaleTargetRef: DEPLOYMENT,
            maxReplicas: 50,
            metrics: [
              {
                type: 'External',
                external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '30' } },
              },
            ],
          },
        },
        spec: 2,
        metrics: [ok(EXTERNAL_PATH, externalMetricList([total]))],
      });
    const m = decide(build(180_000)).metrics[0] as MetricDecision;
    expect(m.proposal).toBe(6);
    expect(m.scaleUpAt?.replicas).toBe(7);
    expect(m.scaleDownAt?.replicas).toBe(5);
    expect(proposalAt(build, Number(m.scaleUpAt?.at) * 2)).toBe(7);
    expect(proposalAt(build, Number(m.scaleDownAt?.at) * 2)).toBe(5);
  });
});

describe('branches and gates', () => {
  it('a snapshot without an HPA cannot be explained', () => {
    const s = podsHpa([500]);
    expect(() =>
      decide({ ...s, hpa: { path: s.hpa.path, error: { code: 404, message: 'not found' } } }),
    ).toThrow(SnapshotUnusable);
    expect(() => decide({ ...s, takenAt: 'yesterday' })).toThrow(/takenAt/);
  });

  it('before 1.37 a target at zero with minReplicas 0 is computed from zero (no ScaledToZero condition needed)', () => {
    const zero = (serverVersion: string) =>
      snapshot({
        hpa: {
          spec: {
            scaleTargetRef: DEPLOYMENT,
            minReplicas: 0,
            maxReplicas: 5,
            metrics: [
              {
                type: 'External',
                external: { metric: { name: 'queue' }, target: { type: 'Value', value: '10' } },
              },
            ],
          },
        },
        spec: 0,
        metrics: [ok(EXTERNAL_PATH, externalMetricList([25_000]))],
        serverVersion,
      });
    expect(decide(zero('v1.30.4')).desiredReplicas).toBe(3);
    expect(decide(zero('v1.37.2')).branch).toBe('ScalingDisabled');
  });

  it('pod-level requests count from 1.34 (PodLevelResources), container requests before', () => {
    const s = (serverVersion: string) =>
      snapshot({
        hpa: {
          spec: {
            scaleTargetRef: DEPLOYMENT,
            maxReplicas: 10,
            metrics: [
              {
                type: 'Resource',
                resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 100 } },
              },
            ],
          },
        },
        spec: 1,
        pods: [
          {
            name: 'test-pod-0',
            podRequests: { cpu: '1' },
            containers: [{ name: 'app', requests: { cpu: '500m' } }],
          },
        ],
        metrics: [ok(RESOURCE_PATH, podMetricsList([{ name: 'test-pod-0', containers: [500] }]))],
        serverVersion,
      });
    expect(decide(s('v1.34.0')).metrics[0]?.current?.averageUtilization).toBe(50);
    expect(decide(s('v1.33.5')).metrics[0]?.current?.averageUtilization).toBe(100);
  });

  it('an empty metrics list is the CPU 80% default', () => {
    const s = horizontalSnapshot({
      minReplicas: 1,
      maxReplicas: 10,
      specReplicas: 2,
      statusReplicas: 2,
      reportedLevels: [1600, 1600],
      reportedCPURequests: ['1', '1'],
    });
    (s.hpa.body as { spec: { metrics: unknown[] } }).spec.metrics = [];
    const d: Decision = decide(s);
    expect(d.metrics[0]).toMatchObject({
      type: 'Resource',
      targetType: 'Utilization',
      target: 80,
      proposal: 4,
    });
    expect(d.notes).toContain('spec.metrics is empty: the default CPU utilization target of 80% applies');
  });

  it('values are read as the metrics client reads them: milli values rounded up, v1beta1 custom answers', () => {
    const s = podsHpa([0, 0]);
    s.metrics = [
      ok(PODS_PATH, {
        kind: 'MetricValueList',
        apiVersion: 'custom.metrics.k8s.io/v1beta1',
        items: [0, 1].map((i) => ({
          describedObject: { kind: 'Pod', name: `test-pod-${i}`, namespace: 'test-namespace' },
          metricName: 'qps',
          timestamp: iso(NOW),
          value: '1.0001', // MilliValue rounds up: 1001m
        })),
      }),
    ];
    expect(decide(s).metrics[0]?.current?.averageValue).toBe(1001n);
    expect(milli(1001)).toBe('1001m');
  });
});

// ---- horizontal_test.go, replayed through decideWithMemory ----------------------------------------

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
const GO_DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'some-deployment' };
const objectQps = (target: Record<string, unknown>) => ({
  type: 'Object',
  object: { describedObject: GO_DEPLOYMENT, metric: { name: 'qps' }, target },
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
                describedObject: GO_DEPLOYMENT,
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
