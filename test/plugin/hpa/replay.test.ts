import { describe, expect, it } from 'vitest';
import {
  type MetricValues,
  type PodState,
  type ReplayInput,
  replay,
  type StepInput,
} from '../../../plugin/hpa/replay.ts';
import { DEFAULT_CONTROLLER_SETTINGS } from '../../../plugin/hpa/snapshot.ts';
import {
  COOL,
  HOT,
  type HorizontalFixture,
  horizontalSnapshot,
  hpaBody,
  NOW,
  SELECTOR,
  ZERO_TIME,
} from './builder.ts';

const START = Date.parse('2026-12-07T03:00:00Z');
const STEP = 15_000;

/** A step whose total qps (in milli) comes from two pods that ran; the replay spreads it over its own count. */
const load = (totalMilli: number): StepInput => ({
  metrics: [
    {
      kind: 'pods',
      values: [
        { pod: 'web-a', value: `${Math.ceil(totalMilli / 2)}m` },
        { pod: 'web-b', value: `${Math.floor(totalMilli / 2)}m` },
      ],
    },
  ],
});
const missing: StepInput = { metrics: [undefined] };

function input(steps: StepInput[], spec: Record<string, unknown> = {}, initialReplicas = 2): ReplayInput {
  return {
    hpa: hpaBody(spec),
    controller: DEFAULT_CONTROLLER_SETTINGS,
    selector: 'app=web',
    start: START,
    stepMs: STEP,
    steps,
    initialReplicas,
  };
}

const repeat = (n: number, step: StepInput) => Array.from({ length: n }, () => step);
const replicasOf = (steps: StepInput[], spec?: Record<string, unknown>, initial?: number) =>
  replay(input(steps, spec, initial)).steps.map((s) => s.replicas);
/** The replicas at each step, run-length encoded: [[count, steps], …]. */
function runs(values: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const v of values) {
    const last = out[out.length - 1];
    if (last && last[0] === v) last[1]++;
    else out.push([v, 1]);
  }
  return out;
}

const FAST_DOWN = { behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } };

describe('replay: the controller over a series', () => {
  const cases: {
    name: string;
    steps: StepInput[];
    spec?: Record<string, unknown>;
    initial?: number;
    runs: [number, number][];
  }[] = [
    {
      name: 'steady load within tolerance keeps the count',
      steps: repeat(10, load(2100)), // 2.1 qps over 2 pods: ratio 1.05
      runs: [[2, 10]],
    },
    {
      name: 'a ramp scales up at once (no scale-up stabilization), the scale-up limit max(2×, 4) applies without behavior',
      steps: [load(2000), load(12000), load(12000), load(12000)],
      // 12 qps wants 12; from 2 at most max(2×2, 4) = 4, then 8, then 12 > max 10.
      runs: [
        [2, 2],
        [4, 1],
        [8, 1],
      ],
    },
    {
      name: 'a spike then a fall: without behavior the 300s downscale window holds the count (20 steps + drift)',
      steps: [...repeat(2, load(4000)), ...repeat(30, load(1000))],
      // 4 qps → 4 replicas at step 1; the fall from step 2 is held while the 4 of steps 1 is in the window.
      runs: [
        [2, 1],
        [4, 21],
        [1, 10],
      ],
    },
    {
      name: 'with behavior and a scale-down window of 0, the fall scales down at once (100% per 15s)',
      steps: [...repeat(2, load(4000)), ...repeat(3, load(1000))],
      spec: FAST_DOWN,
      runs: [
        [2, 1],
        [4, 2],
        [1, 2],
      ],
    },
    {
      name: 'scale-up policies: 1 pod per 60s rate limits a ramp',
      steps: repeat(12, load(6000)),
      spec: {
        behavior: {
          scaleUp: {
            stabilizationWindowSeconds: 0,
            policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
          },
        },
      },
      runs: [
        [2, 1],
        [3, 4],
        [4, 4],
        [5, 3],
      ],
    },
    {
      name: 'minReplicas clamps the fall',
      steps: repeat(3, load(100)),
      spec: { minReplicas: 2, ...FAST_DOWN },
      initial: 3,
      runs: [
        [3, 1],
        [2, 2],
      ],
    },
    {
      name: 'maxReplicas clamps the spike',
      steps: repeat(4, load(50000)),
      spec: { maxReplicas: 5 },
      runs: [
        [2, 1],
        [4, 1],
        [5, 2],
      ],
    },
    {
      name: 'a missing metric keeps the count',
      steps: [load(2000), missing, missing, load(8000)],
      runs: [[2, 4]],
    },
  ];
  it.each(cases)('$name', (c) => {
    expect(runs(replicasOf(c.steps, c.spec, c.initial))).toEqual(c.runs);
  });

  it('tolerance: 1.09× stays, 1.11× scales', () => {
    expect(replicasOf(repeat(3, load(2180)))).toEqual([2, 2, 2]);
    expect(replicasOf(repeat(3, load(2220)))).toEqual([2, 3, 3]);
  });

  it('states and held periods: stabilization, then the scale down', () => {
    const r = replay(input([...repeat(2, load(4000)), ...repeat(30, load(1000))]));
    expect(r.steps.slice(0, 3).map((s) => s.state)).toEqual(['ScaleUp', 'Steady', 'Stabilized']);
    expect(r.steps[21]?.state).toBe('ScaleDown');
    expect(r.held).toEqual([
      expect.objectContaining({ state: 'Stabilized', replicas: 4, steps: 19, proposal: { min: 1, max: 1 } }),
    ]);
    expect(r.changes.map((c) => [c.from, c.to])).toEqual([
      [2, 4],
      [4, 1],
    ]);
    expect(r.summary).toMatchObject({ steps: 32, scaleEvents: 2, largestStep: 3 });
    expect(r.summary.replicaSeconds).toBe((2 + 4 * 21 + 10) * 15);
  });

  it('rate limited, at max and metric-missing states', () => {
    const limited = replay(
      input(repeat(3, load(6000)), {
        behavior: { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
      }),
    );
    expect(limited.steps.map((s) => s.state)).toEqual(['ScaleUp', 'RateLimited', 'RateLimited']);
    const atMax = replay(input(repeat(2, load(9000)), { maxReplicas: 2 }));
    expect(atMax.steps.map((s) => s.state)).toEqual(['AtMax', 'AtMax']);
    const gap = replay(input([load(2000), missing]));
    expect(gap.steps[1]?.state).toBe('MetricMissing');
    expect(gap.steps[1]?.precision).toMatchObject({
      kind: 'approximate',
      because: expect.arrayContaining(['qps has no value at this step']),
    });
    expect(gap.steps[1]?.metrics[0]).toMatchObject({ missing: true, target: 1 });
  });

  it('scale to zero with an external metric and minReplicas 0 (HPAScaleToZero)', () => {
    const external = (value: string): StepInput => ({ metrics: [{ kind: 'external', values: [value] }] });
    const spec = {
      minReplicas: 0,
      metrics: [
        { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'Value', value: '10' } } },
      ],
      ...FAST_DOWN,
    };
    const r = replay({
      ...input([external('20'), external('0'), external('0'), external('30')], spec),
      serverVersion: 'v1.37.0',
    });
    expect(r.steps.map((s) => s.replicas)).toEqual([2, 4, 0, 0]);
    expect(r.steps[3]?.desired).toBe(3);
    // Object and external values tell nothing of the pods: only the actual count is unknown.
    expect(r.steps[1]?.precision).toEqual({ kind: 'approximate', because: ['actual replicas unknown'] });
  });

  it('precision: exact once the pods, the actual count and the memory are known', () => {
    const known: StepInput = {
      ...load(2000),
      actualReplicas: 2,
      pods: [
        { name: 'web-a', ready: true, startTime: START - 3_600_000 },
        { name: 'web-b', ready: true, startTime: START - 3_600_000 },
      ],
    };
    const r = replay(input(repeat(25, known)));
    expect(r.steps[0]?.precision.kind).toBe('approximate'); // memory from before the range
    expect(r.steps[24]?.precision).toEqual({ kind: 'exact' });
    expect(r.summary.agreement).toEqual({ steps: 25, equal: 25, actualChanges: 0, matched: 0 });
    const unknown = replay(input(repeat(25, load(2000))));
    expect(unknown.steps[24]?.precision).toMatchObject({
      kind: 'approximate',
      because: ['actual replicas unknown', 'no pod set known: pods assumed to be those with values'],
    });
  });

  it('agreement: an actual change one step after the replayed one is matched', () => {
    const steps = [load(2000), load(4000), load(4000), load(4000)].map((s, i) => ({
      ...s,
      actualReplicas: i < 2 ? 2 : 4,
    }));
    const r = replay(input(steps));
    expect(r.steps.map((s) => s.replicas)).toEqual([2, 2, 4, 4]);
    expect(r.summary.agreement).toEqual({ steps: 4, equal: 4, actualChanges: 1, matched: 1 });
  });

  it('the scale-down window with behavior holds the count for exactly its length', () => {
    const spec = { behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } };
    const values = replicasOf([load(4000), ...repeat(8, load(1000))], spec, 4);
    // The 4 recommended at step 0 stays in the 60s window for steps 1–4 (60s after, drifted, it has left).
    expect(values).toEqual([4, 4, 4, 4, 4, 1, 1, 1, 1]);
  });
});

/**
 * A replay's first pass, from values and pod states, reaches what horizontal_test.go expects of the
 * same fixture (as decision.test.ts replays them from snapshots). Scale-ups only: a new controller
 * first remembers the current count, which holds a scale-down for the downscale window.
 */
describe('one pass agrees with horizontal_test.go (scale-ups)', () => {
  const T = 'True' as const;
  const F = 'False' as const;
  const ones = (n: number) => Array<string>(n).fill('1.0');
  const podsQps = (averageValue: string) => ({
    type: 'Pods',
    pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue } },
  });
  const externalQps = (target: Record<string, unknown>) => ({
    type: 'External',
    external: { metric: { name: 'qps', selector: {} }, target },
  });
  const cpu = { minReplicas: 2, maxReplicas: 6, CPUTarget: 30, specReplicas: 3, statusReplicas: 3 };
  const up = { ...cpu, reportedLevels: [300, 500, 700], reportedCPURequests: ones(3) };
  const cm = { minReplicas: 2, maxReplicas: 6, specReplicas: 3, statusReplicas: 3 };
  const cases: [string, HorizontalFixture, number][] = [
    ['TestScaleCPU scale up', up, 5],
    [
      'TestScaleCPU scale up with unready pods results in less scale',
      { ...up, reportedPodReadiness: [F, T, T] },
      4,
    ],
    [
      'TestScaleCPU scale up with hot cpu pods results in less scale',
      { ...up, reportedPodStartTime: [HOT, COOL, COOL] },
      4,
    ],
    [
      'TestScaleCPU scale up ignores deletion pods',
      {
        ...up,
        specReplicas: 2,
        statusReplicas: 2,
        reportedLevels: [500, 700],
        reportedCPURequests: ones(4),
        reportedPodReadiness: [T, T, F, F],
        reportedPodDeletionTimestamp: [false, false, true, true],
      },
      4,
    ],
    [
      'TestScaleUpCM scale up custom metric',
      {
        ...cm,
        metricsTarget: [podsQps('15.0')],
        reportedLevels: [20000, 10000, 30000],
        reportedCPURequests: ones(3),
      },
      4,
    ],
    [
      'TestScaleUpCM unready and hot cpu pods do not reduce scale for custom metric',
      {
        ...cm,
        metricsTarget: [podsQps('15.0')],
        reportedLevels: [50000, 10000, 30000],
        reportedPodReadiness: [T, T, F],
        reportedPodStartTime: [COOL, COOL, HOT],
        reportedCPURequests: ones(3),
      },
      6,
    ],
    [
      'TestScaleUpCM scale up external metric with value target',
      { ...cm, metricsTarget: [externalQps({ type: 'Value', value: '6666m' })], reportedLevels: [8600] },
      4,
    ],
    [
      'TestScaleUpCM scale up external metric with per-pod average value target',
      {
        ...cm,
        metricsTarget: [externalQps({ type: 'AverageValue', averageValue: '2222m' })],
        reportedLevels: [8600],
      },
      4,
    ],
  ];
  it.each(cases)('%s', (_name, f, expected) => {
    const snapshot = horizontalSnapshot(f);
    const levels = f.reportedLevels ?? [];
    const metrics = (snapshot.hpa.body as { spec: { metrics: { type: string }[] } }).spec.metrics.map(
      (m): MetricValues => {
        if (m.type === 'Resource') {
          const values = levels.flatMap((level, i) =>
            ['container1', 'container2'].map((container) => ({
              pod: `test-pod-${i}`,
              container,
              value: `${Math.trunc(level / 2)}m`,
            })),
          );
          return { kind: 'resource', values };
        }
        if (m.type === 'Pods')
          return { kind: 'pods', values: levels.map((v, i) => ({ pod: `test-pod-${i}`, value: `${v}m` })) };
        return { kind: 'external', values: levels.map((v) => `${v}m`) };
      },
    );
    const count = f.reportedCPURequests?.length ?? f.statusReplicas;
    const pods: PodState[] = Array.from({ length: count }, (_, i) => {
      const start = Date.parse(f.reportedPodStartTime?.[i] ?? ZERO_TIME);
      return {
        name: `test-pod-${i}`,
        ready: (f.reportedPodReadiness?.[i] ?? T) === T,
        startTime: start,
        ...(f.reportedPodDeletionTimestamp?.[i] ? { deleted: true } : {}),
      };
    });
    const r = replay({
      hpa: snapshot.hpa.body,
      controller: snapshot.controller,
      selector: SELECTOR,
      containers: ['container1', 'container2'].map((name) => ({ name, requests: { cpu: '500m' } })),
      start: NOW,
      stepMs: STEP,
      steps: [{ metrics, pods, actualReplicas: f.specReplicas }],
      initialReplicas: f.specReplicas,
    });
    expect(r.steps[0]?.desired).toBe(expected);
  });
});
