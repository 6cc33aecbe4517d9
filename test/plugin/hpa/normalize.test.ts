// normalize.ts: the controller's stabilization, clamp and rate limits, against Kubernetes' tests of the
// same functions (kubernetes/kubernetes v1.37.2 pkg/controller/podautoscaler/horizontal_test.go:
// TestConvertDesiredReplicasWithRules, TestCalculateScaleUpLimitWithScalingRules,
// TestCalculateScaleDownLimitWithBehaviors, TestNormalizeDesiredReplicas, TestScalingWithRules,
// TestStoreScaleEvents, TestNormalizeDesiredReplicasWithBehavior), then the package's own tables.

import { describe, expect, it } from 'vitest';
import {
  clampWithRules,
  periodStartFromEvents,
  type Recommendation,
  rateLimitWithBehavior,
  type ScaleChange,
  scaleDownLimitWithRules,
  scaleUpLimit,
  scaleUpLimitWithRules,
  stabilizedOutcome,
  stabilizeWithBehavior,
  stabilizeWithoutBehavior,
} from '../../../plugin/hpa/normalize.ts';
import { readHpa } from '../../../plugin/hpa/objects.ts';
import { NOW } from './builder.ts';
import { SCALING_WITH_RULES } from './scaling-rules.ts';

const MIN = 60_000;
/** horizontal_test.go init(): scaleUpLimitFactor = 8, "so we don't accidentally run into it". */
const TEST_CONSTANTS = { scaleUpLimitFactor: 8, scaleUpLimitMinimum: 4 };

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
    'hpa.body',
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

// ---- beyond the Go tables: window edges, Disabled policies, reasons -------------------------------

const rules = (selectPolicy: 'Max' | 'Min' | 'Disabled', windowSeconds = 0) => ({
  stabilizationWindowSeconds: windowSeconds,
  selectPolicy,
  policies: [{ type: 'Pods' as const, value: 4, periodSeconds: 60 }],
});

describe('stabilizedOutcome: the reason for landing on a count', () => {
  it.each<[number, number, number, string]>([
    [5, 5, 3, 'ReadyForNewScale'],
    [4, 5, 3, 'ScaleUpStabilized'],
    [4, 3, 3, 'ScaleUpStabilized'],
    [4, 2, 5, 'ScaleDownStabilized'],
  ])('replicas %s for desired %s from current %s: %s', (replicas, desired, current, reason) => {
    const out = stabilizedOutcome(replicas, desired, current);
    expect(out).toMatchObject({ replicas, reason });
    expect(out.message).not.toBe('');
  });
});

describe('window and period edges', () => {
  it.each<[string, number, number]>([
    ['a recommendation exactly at the cutoff still counts', NOW - 5 * MIN, 7],
    ['one just before it does not', NOW - 5 * MIN - 1, 3],
  ])('without behavior: %s', (_name, at, expected) => {
    expect(stabilizeWithoutBehavior(3, [{ replicas: 7, at }], NOW, 5 * MIN).replicas).toBe(expected);
  });

  it.each<[string, number, number]>([
    ['a recommendation exactly at the cutoff does not count', NOW - 5 * MIN, 3],
    ['one just after it does', NOW - 5 * MIN + 1, 7],
  ])('with behavior: %s', (_name, at, expected) => {
    const behavior = { scaleUp: rules('Max'), scaleDown: rules('Max', 300) };
    expect(stabilizeWithBehavior(7, 3, [{ replicas: 7, at }], NOW, behavior).replicas).toBe(expected);
  });

  it.each<[string, number, number]>([
    ['an event exactly at the period cutoff is outside it', NOW - MIN, 5],
    ['one just after it counts', NOW - MIN + 1, 3],
  ])('periodStartFromEvents: %s', (_name, at, expected) => {
    expect(periodStartFromEvents(5, NOW, [{ change: 2, at }], [])(60)).toBe(expected);
  });
});

describe('rateLimitWithBehavior', () => {
  const start = (current: number) => () => current;
  it.each<[string, number, number, 'Max' | 'Disabled', number, string, number | undefined]>([
    ['a Disabled scale-up holds the count', 3, 6, 'Disabled', 3, 'ScaleUpLimit', 3],
    ['a Disabled scale-down holds the count', 5, 2, 'Disabled', 5, 'ScaleDownLimit', 5],
    ['4 pods per period bound a scale-up', 3, 9, 'Max', 7, 'ScaleUpLimit', 7],
    ['within the policy', 3, 6, 'Max', 6, 'DesiredWithinRange', 7],
    ['maxReplicas below the policy limit', 8, 12, 'Max', 10, 'TooManyReplicas', 12],
    ['no change: no limit', 4, 4, 'Max', 4, 'DesiredWithinRange', undefined],
  ])('%s', (_name, current, desired, policy, replicas, reason, limit) => {
    const behavior = { scaleUp: rules(policy), scaleDown: rules(policy) };
    const out = rateLimitWithBehavior(current, desired, 1, 10, behavior, start(current));
    expect(out.replicas).toBe(replicas);
    expect(out.reason).toBe(reason);
    expect(out.limit).toBe(limit);
  });
});
