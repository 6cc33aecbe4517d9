import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTROLLER_SETTINGS } from '../../../plugin/hpa/snapshot.ts';
import type { Decision, MetricDecision } from '../../../plugin/hpa/types.ts';
import {
  type Explanation,
  explanationDocument,
  explanationText,
} from '../../../plugin/printers/explain-hpa.ts';

const QPS: MetricDecision = {
  index: 0,
  type: 'Pods',
  label: 'pods metric qps',
  name: 'qps',
  targetType: 'AverageValue',
  target: 500n,
  current: { averageValue: 812n },
  timestamp: '2026-07-01T09:59:59Z',
  ratio: 1.624,
  tolerance: { down: 0.1, up: 0.1 },
  pods: { ready: ['web-1', 'web-2', 'web-3'], unready: [], missing: [], ignored: [] },
  podCount: 3,
  path: 'Ratio',
  proposal: 5,
  scaleUpAt: { at: 1001n, replicas: 7 },
  scaleDownAt: { at: 750n, replicas: 4 },
};

const CPU: MetricDecision = {
  index: 1,
  type: 'Resource',
  label: 'cpu resource utilization (percentage of request)',
  name: 'cpu',
  targetType: 'Utilization',
  target: 50,
  current: { averageUtilization: 40, averageValue: 40n },
  ratio: 0.8,
  filledRatio: 0.6,
  tolerance: { down: 0.1, up: 0.1 },
  pods: {
    ready: ['web-1', 'web-2'],
    unready: [{ pod: 'web-3', reason: 'InitializingMetricBeforeReady' }],
    missing: ['web-4'],
    ignored: [{ pod: 'web-0', reason: 'Deleted' }],
  },
  path: 'FilledRatio',
  proposal: 3,
};

const DECISION: Decision = {
  namespace: 'shop',
  name: 'web',
  target: 'Deployment/web',
  now: '2026-07-01T10:00:00Z',
  branch: 'Metrics',
  currentReplicas: 3,
  minReplicas: 1,
  maxReplicas: 10,
  status: { currentReplicas: 3, desiredReplicas: 5 },
  metrics: [QPS, CPU],
  proposal: 5,
  decidingMetric: 0,
  heldByFailures: false,
  rescaleReason: 'pods metric qps above target',
  normalization: [
    { step: 'Stabilize', input: 5, output: 5, reason: 'ReadyForNewScale', detail: 'scaleUp window 0s' },
    {
      step: 'RateLimit',
      input: 5,
      output: 5,
      reason: 'DesiredWithinRange',
      detail: 'scaleUp policies: Pods 4 per 15s',
    },
  ],
  withBehavior: true,
  desiredReplicas: 5,
  precision: { kind: 'exact', because: 'no scale event in the policy periods' },
  rescale: true,
  scaleEvents: [],
  conditions: [
    { type: 'AbleToScale', status: 'True', reason: 'SucceededRescale', message: '' },
    { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound', message: '' },
    { type: 'ScalingLimited', status: 'False', reason: 'DesiredWithinRange', message: '' },
  ],
  agreesWithStatus: true,
  notes: [],
};

const explanation = (d: Partial<Decision>, more: Partial<Explanation> = {}): Explanation => ({
  decision: { ...DECISION, ...d },
  statusConditions: [
    { type: 'AbleToScale', status: 'True', reason: 'SucceededRescale' },
    { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound' },
  ],
  narrative: 'scales to 5 because average qps 812m is 1.62× the 500m target',
  fixes: {},
  controller: DEFAULT_CONTROLLER_SETTINGS,
  ...more,
});

const SETTINGS =
  'controller settings assumed: tolerance 0.1, cpu-initialization-period 5m0s, initial-readiness-delay 30s, downscale-stabilization 5m0s (kube-controller-manager flags a client cannot read; override with --tolerance, --cpu-initialization-period, --initial-readiness-delay, --downscale-stabilization)';

describe('explanationText', () => {
  it('shows each metric, the deciding one, the steps, the status and conditions, thresholds and precision', () => {
    expect(explanationText(explanation({}))).toBe(
      [
        'HorizontalPodAutoscaler shop/web → Deployment/web, at 2026-07-01T10:00:00Z',
        'web scales to 5 because average qps 812m is 1.62× the 500m target.',
        '',
        'METRIC                                             CURRENT   TARGET     RATIO   PODS   MISSING   UNREADY   PROPOSAL',
        'pods metric qps                                    812m      500m/pod   1.62×   3      0         0         5',
        'cpu resource utilization (percentage of request)   40%       50%        0.8×    2      1         1         3',
        '',
        'pods metric qps: ceil(ratio × pods); tolerance band 0.9–1.1; sampled 2026-07-01T09:59:59Z',
        'cpu resource utilization (percentage of request): ceil(ratio × pods) with missing/unready pods filled in; filled ratio 0.6×; tolerance band 0.9–1.1',
        '  unready: web-3 (InitializingMetricBeforeReady)',
        '  missing (no value): web-4',
        '  ignored: web-0 (Deleted)',
        '',
        'Deciding metric: pods metric qps, proposing 5 (the highest proposal).',
        'Replicas: current 3 → desired 5 (min 1, max 10).',
        '  Stabilize   5 → 5   ReadyForNewScale     scaleUp window 0s',
        '  RateLimit   5 → 5   DesiredWithinRange   scaleUp policies: Pods 4 per 15s',
        "The HPA's status says desiredReplicas 5: it agrees.",
        '',
        'CONDITION        THIS PASS                  HPA STATUS',
        'AbleToScale      True SucceededRescale      True SucceededRescale',
        'ScalingActive    True ValidMetricFound      True ValidMetricFound',
        'ScalingLimited   False DesiredWithinRange   -',
        '',
        'What would change the decision:',
        '  pods metric qps: proposes 7 at 1001m or more; proposes 4 at 750m or less',
        '',
        "Exact: each metric's value, ratio and proposal and their maximum: the same API answers and integer arithmetic as the controller.",
        'Exact too: the final count (no scale event in the policy periods).',
        SETTINGS,
        '',
      ].join('\n'),
    );
  });

  it.each<[string, Explanation, string[]]>([
    [
      'a failed metric: the controller message and the fix',
      explanation(
        {
          metrics: [
            {
              ...QPS,
              current: undefined,
              ratio: undefined,
              pods: undefined,
              podCount: undefined,
              path: undefined,
              proposal: undefined,
              timestamp: undefined,
              tolerance: undefined,
              scaleUpAt: undefined,
              scaleDownAt: undefined,
              failure: {
                reason: 'FailedGetPodsMetric',
                message: 'the HPA was unable to compute the replica count: no metric',
                cause: { kind: 'FetchFailed', path: '/x', code: 404, message: 'no metric' },
              },
            },
          ],
          proposal: undefined,
          decidingMetric: undefined,
          heldByFailures: true,
          normalization: [],
          desiredReplicas: 3,
          status: { desiredReplicas: 3 },
        },
        { fixes: { 0: 'no metric "qps" is served (closest: qpz)' } },
      ),
      [
        'pods metric qps   <none>    500m/pod   -       -      -         -         failed',
        'pods metric qps: FailedGetPodsMetric: the HPA was unable to compute the replica count: no metric',
        '  fix: no metric "qps" is served (closest: qpz)',
        'No metric produced a proposal.',
        'Held at 3: metrics failed (all of them, or some while the rest ask for fewer replicas), so the controller keeps the count.',
        'Replicas: current 3 → desired 3 (min 1, max 10).',
      ],
    ],
    [
      'a bounded count that disagrees with the status',
      explanation({
        metrics: [QPS],
        normalization: [
          {
            step: 'Stabilize',
            input: 2,
            output: 3,
            reason: 'ScaleDownStabilized',
            detail: 'scaleDown window 300s',
            bounded: { min: 2, max: 3, because: 'older recommendations are in the controller only' },
          },
        ],
        desiredReplicas: 3,
        precision: {
          kind: 'bounded',
          min: 2,
          max: 3,
          because: 'older recommendations are in the controller only',
        },
        agreesWithStatus: false,
        notes: ['the controller may run with other flags'],
      }),
      [
        '  Stabilize   2 → 3   ScaleDownStabilized   scaleDown window 300s (between 2 and 3: older recommendations are in the controller only)',
        "The HPA's status says desiredReplicas 5: it differs from this recomputation (see the notes below).",
        'Bounded: the final count lies between 2 and 3 (older recommendations are in the controller only).',
        'Notes:',
        '  - the controller may run with other flags',
      ],
    ],
    [
      'a branch without metrics',
      explanation({
        branch: 'AboveMaxReplicas',
        metrics: [],
        proposal: undefined,
        decidingMetric: undefined,
      }),
      ['Branch: the current count is above maxReplicas: desired is maxReplicas, metrics are not consulted.'],
    ],
    [
      'a selector problem',
      explanation({
        selectorProblem: {
          reason: 'AmbiguousSelector',
          message: 'pods by selector app=web are controlled by multiple HPAs: [shop/web shop/api]',
        },
      }),
      ['AmbiguousSelector: pods by selector app=web are controlled by multiple HPAs: [shop/web shop/api]'],
    ],
    [
      'no status yet',
      explanation({ status: {}, agreesWithStatus: undefined }),
      ["The HPA's status has no desiredReplicas yet."],
    ],
  ])('%s', (_what, e, lines) => {
    const text = explanationText(e).split('\n');
    for (const line of lines) expect(text).toContain(line);
    // No line keeps the table padding after its last cell.
    expect(text.filter((l) => l !== l.trimEnd())).toEqual([]);
  });
});

describe('explanationDocument', () => {
  it('writes milli values as quantities, keeps percentages as numbers, and lists the fixes', () => {
    const doc = explanationDocument(explanation({}, { fixes: { 1: 'set a cpu request' } })) as {
      decision: { metrics: Record<string, unknown>[] };
    } & Record<string, unknown>;
    expect(doc).toMatchObject({
      apiVersion: 'cmetrics.io/v1alpha1',
      kind: 'HPAExplanation',
      narrative: 'scales to 5 because average qps 812m is 1.62× the 500m target',
      controller: DEFAULT_CONTROLLER_SETTINGS,
      fixes: [{ metric: 1, fix: 'set a cpu request' }],
    });
    expect(doc.decision.metrics[0]).toMatchObject({
      target: '500m',
      current: { averageValue: '812m' },
      scaleUpAt: { at: '1001m', replicas: 7 },
    });
    expect(doc.decision.metrics[1]).toMatchObject({
      target: 50,
      current: { averageUtilization: 40, averageValue: '40m' },
    });
    expect(() => JSON.stringify(doc)).not.toThrow();
  });
});
