import { describe, expect, it } from 'vitest';
import { type HpaState, hpaState, isBroken } from '../../../plugin/hpa/state.ts';
import type { Decision, MetricDecision, NormalizationStep } from '../../../plugin/hpa/types.ts';

const metric = (over: Partial<MetricDecision> = {}): MetricDecision => ({
  index: 0,
  type: 'Pods',
  label: 'pods metric qps',
  name: 'qps',
  targetType: 'AverageValue',
  target: 500n,
  proposal: 2,
  ...over,
});

const step = (s: NormalizationStep['step'], input: number, output: number, over = {}): NormalizationStep => ({
  step: s,
  input,
  output,
  reason: 'ReadyForNewScale',
  detail: '',
  ...over,
});

const decision = (over: Partial<Decision> = {}): Decision => ({
  namespace: 'shop',
  name: 'web',
  target: 'Deployment/web',
  now: '2026-07-01T10:00:00Z',
  branch: 'Metrics',
  currentReplicas: 2,
  minReplicas: 1,
  maxReplicas: 5,
  status: {},
  metrics: [metric()],
  proposal: 2,
  heldByFailures: false,
  normalization: [step('Stabilize', 2, 2), step('Clamp', 2, 2, { reason: 'DesiredWithinRange' })],
  withBehavior: false,
  desiredReplicas: 2,
  precision: { kind: 'exact', because: '' },
  rescale: false,
  scaleEvents: [],
  conditions: [],
  notes: [],
  ...over,
});

const notServed = {
  reason: 'FailedGetPodsMetric' as const,
  message: 'unable to get metric qps',
  cause: {
    kind: 'FetchFailed' as const,
    path: '/apis/custom.metrics.k8s.io/v1beta2/x',
    code: 404,
    message: 'nf',
  },
};

describe('hpaState', () => {
  it.each<[string, Partial<Decision>, HpaState, boolean]>([
    ['the same count', {}, { kind: 'Steady' }, false],
    [
      'a higher count',
      { proposal: 4, desiredReplicas: 4, normalization: [step('Stabilize', 4, 4), step('Clamp', 4, 4)] },
      { kind: 'ScalingUp' },
      false,
    ],
    [
      'a lower count',
      { proposal: 1, desiredReplicas: 1, normalization: [step('Stabilize', 1, 1), step('Clamp', 1, 1)] },
      { kind: 'ScalingDown' },
      false,
    ],
    [
      'a lower proposal held by the window',
      {
        proposal: 1,
        normalization: [
          step('Stabilize', 1, 2, { reason: 'ScaleDownStabilized', windowSeconds: 180 }),
          step('Clamp', 2, 2),
        ],
      },
      { kind: 'Stabilized', windowSeconds: 180 },
      false,
    ],
    [
      'a proposal above max at max',
      {
        currentReplicas: 5,
        proposal: 9,
        desiredReplicas: 5,
        normalization: [step('Stabilize', 9, 9), step('Clamp', 9, 5, { reason: 'TooManyReplicas' })],
      },
      { kind: 'AtMax' },
      false,
    ],
    [
      'a proposal above max below it',
      {
        proposal: 9,
        desiredReplicas: 5,
        normalization: [step('Stabilize', 9, 9), step('Clamp', 9, 5, { reason: 'TooManyReplicas' })],
      },
      { kind: 'ScalingUp', capped: true },
      false,
    ],
    [
      'a count above max',
      { branch: 'AboveMaxReplicas', currentReplicas: 7, desiredReplicas: 5, metrics: [], normalization: [] },
      { kind: 'AtMax' },
      false,
    ],
    [
      'a proposal below min at min',
      {
        currentReplicas: 1,
        proposal: 0,
        desiredReplicas: 1,
        normalization: [step('Stabilize', 0, 0), step('Clamp', 0, 1, { reason: 'TooFewReplicas' })],
      },
      { kind: 'AtMin' },
      false,
    ],
    [
      'a rate limit',
      {
        proposal: 9,
        desiredReplicas: 4,
        normalization: [step('Stabilize', 9, 9), step('RateLimit', 9, 4, { reason: 'ScaleUpLimit' })],
      },
      { kind: 'RateLimited' },
      false,
    ],
    [
      'no replicas',
      { branch: 'ScalingDisabled', currentReplicas: 0, metrics: [], normalization: [] },
      { kind: 'ScalingDisabled' },
      false,
    ],
    [
      'a metric that failed',
      {
        metrics: [metric({ failure: notServed, proposal: undefined }), metric({ index: 1 })],
        heldByFailures: true,
      },
      { kind: 'MetricFailed', metric: 0, cause: notServed.cause, failed: 1 },
      true,
    ],
    [
      'two metrics that failed, the second first',
      {
        metrics: [
          metric(),
          metric({ index: 1, failure: notServed }),
          metric({ index: 2, failure: notServed }),
        ],
      },
      { kind: 'MetricFailed', metric: 1, cause: notServed.cause, failed: 2 },
      true,
    ],
    [
      'an ambiguous selector',
      { selectorProblem: { reason: 'AmbiguousSelector', message: 'm' }, metrics: [] },
      { kind: 'SelectorProblem', reason: 'AmbiguousSelector' },
      true,
    ],
    [
      'an unreadable scale',
      { branch: 'FailedGetScale', currentReplicas: 0, metrics: [], normalization: [] },
      { kind: 'ScaleUnreadable' },
      true,
    ],
  ])('%s', (_what, over, state, broken) => {
    expect(hpaState(decision(over))).toEqual(state);
    expect(isBroken(state)).toBe(broken);
  });
});
