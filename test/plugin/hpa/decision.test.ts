// decide() beyond the Go ports: what a client outside the controller can and cannot know (history read
// back from events, bounds), the failure causes a printer turns into fixes, the controller's wording
// of metric labels, and the values at which a proposal would change.

import { describe, expect, it } from 'vitest';
import {
  type Decision,
  decide,
  type MetricDecision,
  SnapshotUnusable,
} from '../../../plugin/hpa/decision.ts';
import { periodStartFromEvents } from '../../../plugin/hpa/normalize.ts';
import { goLabelSelector } from '../../../plugin/hpa/objects.ts';
import type { HPASnapshot } from '../../../plugin/hpa/snapshot.ts';
import {
  EXTERNAL_PATH,
  eventList,
  externalMetricList,
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
    expect(m.failure?.message).toContain('value of test-pod-0: invalid quantity "lots"');
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
