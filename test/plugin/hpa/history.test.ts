// history.ts: the controller's recent rescales read back from SuccessfulRescale events, as the ranges
// the rate limits (horizontal.go getReplicasChangePerPeriod) and stabilization windows can start from.

import { describe, expect, it } from 'vitest';
import {
  periodStartRange,
  type Range,
  rescaleToCurrentWithin,
  stabilizationRange,
} from '../../../plugin/hpa/history.ts';
import { type RescaleEvent, readHpa } from '../../../plugin/hpa/objects.ts';
import { NOW } from './builder.ts';

const S = 1000;
const UP = 'cpu resource utilization (percentage of request) above target';
const DOWN = 'All metrics below target';

const event = (newSize: number, reason: string, last: number, first = last, count = 1): RescaleEvent => ({
  newSize,
  reason,
  first,
  last,
  count,
});

describe('periodStartRange (60 s period, widest range 1..10)', () => {
  const widest: Range = { min: 1, max: 10 };
  it.each<[string, number, number | undefined, RescaleEvent[] | undefined, Range]>([
    ['no rescale recorded: the current count', 5, undefined, [], { min: 5, max: 5 }],
    ['the last rescale before the period: the current count', 5, NOW - 61 * S, [], { min: 5, max: 5 }],
    ['a rescale within the period but no events: the widest range', 5, NOW - 30 * S, undefined, widest],
    [
      'the size after the last rescale before the cutoff',
      5,
      NOW - 30 * S,
      [event(3, UP, NOW - 120 * S), event(5, UP, NOW - 30 * S)],
      { min: 3, max: 3 },
    ],
    [
      'shifted by a change someone else made since the last rescale',
      6,
      NOW - 30 * S,
      [event(3, UP, NOW - 120 * S), event(5, UP, NOW - 30 * S)],
      { min: 4, max: 4 },
    ],
    [
      'a rescale within the second of the cutoff counts on either side',
      5,
      NOW - 30 * S,
      [event(3, UP, NOW - 120 * S), event(4, UP, NOW - 60 * S), event(5, UP, NOW - 30 * S)],
      { min: 3, max: 4 },
    ],
    [
      'nothing before the period, first a scale-up: from the lowest to one below it',
      5,
      NOW - 30 * S,
      [event(5, UP, NOW - 30 * S)],
      { min: 1, max: 4 },
    ],
    [
      'nothing before the period, first a scale-down: from one above it to the highest',
      5,
      NOW - 30 * S,
      [event(5, DOWN, NOW - 30 * S)],
      { min: 6, max: 10 },
    ],
    [
      'an aggregated event may have rescaled between the last known size and the cutoff',
      4,
      NOW - 30 * S,
      [event(4, UP, NOW - 30 * S, NOW - 200 * S, 3), event(6, UP, NOW - 150 * S)],
      { min: 4, max: 6 },
    ],
  ])('%s', (_name, current, lastScaleTime, events, expected) => {
    expect(periodStartRange(60, NOW, current, lastScaleTime, events, widest)).toEqual(expected);
  });
});

describe('rescaleToCurrentWithin (current 4, 300 s window)', () => {
  it.each<[string, RescaleEvent[] | undefined, 'up' | 'down', boolean]>([
    ['a metric scale-up to the current count', [event(4, UP, NOW - 100 * S)], 'up', true],
    ['a metric scale-down to the current count', [event(4, DOWN, NOW - 100 * S)], 'down', true],
    ['a scale-down is not a scale-up', [event(4, DOWN, NOW - 100 * S)], 'up', false],
    [
      'a scale-up to minReplicas is not metric-driven',
      [event(4, 'Current number of replicas below Spec.MinReplicas', NOW - 100 * S)],
      'up',
      false,
    ],
    ['to another count', [event(5, UP, NOW - 100 * S)], 'up', false],
    ['exactly at the window edge: outside', [event(4, UP, NOW - 300 * S)], 'up', false],
    ['no events', undefined, 'up', false],
  ])('%s', (_name, events, direction, found) => {
    const e = rescaleToCurrentWithin(events, 4, NOW, 300, direction);
    expect(e).toBe(found ? events?.[0] : undefined);
  });
});

describe('stabilizationRange (current 5, downscale flag 300 s)', () => {
  const hpa = (behavior?: object, conditions: object[] = []) =>
    readHpa(
      {
        metadata: { name: 'web' },
        spec: { maxReplicas: 10, ...(behavior ? { behavior } : {}) },
        status: { conditions },
      },
      'hpa.body',
      300,
    );
  const limitedUp = [{ type: 'ScalingLimited', status: 'True', reason: 'ScaleUpLimit' }];
  it.each<[string, ReturnType<typeof hpa>, number, number, RescaleEvent[] | undefined, Range, RegExp]>([
    ['no behavior, window 0: exact', hpa(), 3, 0, undefined, { min: 3, max: 3 }, /window is 0/],
    [
      'no behavior, scaling down: up to the current count',
      hpa(),
      3,
      300,
      undefined,
      { min: 3, max: 5 },
      /memory only/,
    ],
    [
      'no behavior, scaling up: exact',
      hpa(),
      6,
      300,
      undefined,
      { min: 6, max: 6 },
      /at most the current count/,
    ],
    [
      'no behavior, the last pass limited a scale-up: up to maxReplicas',
      hpa(undefined, limitedUp),
      6,
      300,
      undefined,
      { min: 6, max: 10 },
      /held by the scale-up limit/,
    ],
    [
      'behavior, no change: exact',
      hpa({}),
      5,
      300,
      undefined,
      { min: 5, max: 5 },
      /equals the current count/,
    ],
    [
      'behavior, scale-up window 0 by default: exact',
      hpa({}),
      7,
      300,
      undefined,
      { min: 7, max: 7 },
      /scaleUp.stabilizationWindowSeconds is 0/,
    ],
    [
      'behavior, scaling down in the window: between desired and current',
      hpa({}),
      3,
      300,
      [],
      { min: 3, max: 5 },
      /highest recommendation of the last 300s/,
    ],
    [
      'behavior, a scale-up to the current count within the window holds it',
      hpa({}),
      3,
      300,
      [event(5, UP, NOW - 100 * S)],
      { min: 5, max: 5 },
      /scale-up to 5 at .* stored a recommendation/,
    ],
  ])('%s', (_name, h, desired, windowWithout, events, range, because) => {
    const out = stabilizationRange(h, 5, desired, NOW, windowWithout, events);
    expect(out.range).toEqual(range);
    expect(out.because).toMatch(because);
  });
});
