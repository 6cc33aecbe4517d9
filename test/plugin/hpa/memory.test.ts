// ControllerMemory against horizontal.go's own tests: TestStoreScaleEvents (horizontal_test.go) for
// storeScaleEvent, and stabilizeRecommendation[WithBehaviors]'s bookkeeping of recommendations.
import { describe, expect, it } from 'vitest';
import { ControllerMemory } from '../../../plugin/hpa/memory.ts';
import { periodStartFromEvents } from '../../../plugin/hpa/normalize.ts';
import { readHpa } from '../../../plugin/hpa/objects.ts';
import { NOW, scalingRules } from './builder.ts';

const ago = (seconds: number) => NOW - seconds * 1000;
/** A stored scale event (timestampedScaleEvent). */
type StoredScaleEvent = ControllerMemory['scaleUpEvents'][number];
const event = (change: number, at: number, outdated = false): StoredScaleEvent => ({ change, at, outdated });

/** The behavior of an HPA with these rules both ways, as readHpa defaults it. */
function behaviorOf(rules: Record<string, unknown> | undefined) {
  const hpa = readHpa(
    {
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h' },
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'd' },
        maxReplicas: 100,
        ...(rules ? { behavior: { scaleUp: rules, scaleDown: rules } } : {}),
      },
      status: {},
    },
    'hpa',
    300,
  );
  return hpa.behavior;
}

describe('storeScaleEvent (TestStoreScaleEvents)', () => {
  const cases: {
    name: string;
    prev: StoredScaleEvent[];
    next: [change: number, outdated: boolean][];
    rules?: Record<string, unknown>;
    expectedReplicasChange: number;
  }[] = [
    { name: 'empty entries with default behavior', prev: [], next: [], expectedReplicasChange: 0 },
    {
      name: 'empty entries with two-policy-behavior',
      prev: [],
      next: [[5, false]],
      rules: scalingRules(10, 60, 100, 60, 0),
      expectedReplicasChange: 0,
    },
    {
      name: 'one outdated entry to be kept untouched without behavior',
      prev: [event(7, ago(61))],
      next: [[7, false]],
      expectedReplicasChange: 0,
    },
    {
      name: 'one outdated entry to be replaced with behavior',
      prev: [event(7, ago(61))],
      next: [[5, false]],
      rules: scalingRules(10, 60, 100, 60, 0),
      expectedReplicasChange: 0,
    },
    {
      name: 'one actual entry to be not touched with behavior',
      prev: [event(7, ago(58))],
      next: [
        [7, false],
        [5, false],
      ],
      rules: scalingRules(10, 60, 100, 60, 0),
      expectedReplicasChange: 7,
    },
    {
      name: 'two entries, one of them to be replaced',
      prev: [event(7, ago(61)), event(6, ago(59))],
      next: [
        [5, false],
        [6, false],
      ],
      rules: scalingRules(10, 60, 0, 0, 0),
      expectedReplicasChange: 6,
    },
    {
      name: 'replace one entry, use policies with different periods',
      prev: [event(8, ago(29)), event(6, ago(59)), event(7, ago(61)), event(9, ago(61))],
      next: [
        [8, false],
        [6, false],
        [7, true],
        [5, false],
      ],
      rules: scalingRules(10, 60, 100, 30, 0),
      expectedReplicasChange: 14,
    },
    {
      name: 'two entries, both actual',
      prev: [event(7, ago(58)), event(6, ago(59))],
      next: [
        [7, false],
        [6, false],
        [5, false],
      ],
      rules: scalingRules(10, 120, 100, 30, 0),
      expectedReplicasChange: 13,
    },
  ];
  it.each(cases)('$name', (tc) => {
    const memory = new ControllerMemory(tc.prev.map((e) => ({ ...e })));
    // getReplicasChangePerPeriod(60, prevScaleEvents): the period start of 10 replicas is 10 minus it.
    expect(10 - periodStartFromEvents(10, NOW, tc.prev, [])(60)).toBe(tc.expectedReplicasChange);
    memory.storeScaleEvent(behaviorOf(tc.rules), 10, 15, NOW);
    // Go's test compares replica changes and outdated flags, not times.
    expect(memory.scaleUpEvents.map((e) => [e.change, e.outdated])).toEqual(
      tc.rules === undefined ? tc.prev.map((e) => [e.change, e.outdated]) : tc.next,
    );
  });

  it('a scale-down is stored among the scale-downs, by its size', () => {
    const memory = new ControllerMemory();
    memory.storeScaleEvent(behaviorOf(scalingRules(1, 60, 0, 0, 0)), 10, 7, NOW);
    expect(memory.scaleDownEvents).toEqual([event(3, NOW)]);
    expect(memory.scaleUpEvents).toEqual([]);
  });
});

describe('recommendations (recordInitialRecommendation, stabilizeRecommendation[WithBehaviors])', () => {
  it('a new controller remembers the current count once', () => {
    const memory = new ControllerMemory();
    memory.recordInitial(3, ago(30));
    memory.recordInitial(5, NOW);
    expect(memory.recommendations).toEqual([{ replicas: 3, at: ago(30) }]);
  });

  it.each([
    // Without behavior: older than the flag's window (strictly) is obsolete; the last one found is replaced.
    ['no behavior, none obsolete', undefined, [ago(300), ago(10)], [ago(300), ago(10), NOW]],
    [
      'no behavior, the last obsolete replaced',
      undefined,
      [ago(400), ago(301), ago(10)],
      [ago(400), NOW, ago(10)],
    ],
    // With behavior: obsolete only when older than both windows (up 0s, down 60s here).
    [
      'behavior, older than both windows',
      { stabilizationWindowSeconds: 60 },
      [ago(61), ago(60), ago(1)],
      [NOW, ago(60), ago(1)],
    ],
  ])('%s', (_name, rules, before, after) => {
    const behavior =
      rules === undefined
        ? undefined
        : { ...(behaviorOf(scalingRules(4, 15, 100, 15, 0)) as NonNullable<ReturnType<typeof behaviorOf>>) };
    if (behavior) behavior.scaleDown = { ...behavior.scaleDown, ...rules };
    const memory = new ControllerMemory();
    memory.recommendations = before.map((at) => ({ replicas: 2, at }));
    memory.storeRecommendation(behavior, 300, 7, NOW);
    expect(memory.recommendations?.map((r) => r.at)).toEqual(after);
    expect(memory.recommendations?.find((r) => r.at === NOW)?.replicas).toBe(7);
  });
});
