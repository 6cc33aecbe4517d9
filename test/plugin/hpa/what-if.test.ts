import { describe, expect, it } from 'vitest';
import type { StepInput } from '../../../plugin/hpa/replay.ts';
import { DEFAULT_CONTROLLER_SETTINGS } from '../../../plugin/hpa/snapshot.ts';
import { InvalidChange, whatIf } from '../../../plugin/hpa/what-if.ts';
import { hpaBody, qps } from './builder.ts';

const hpa = hpaBody({
  metrics: [
    qps('1'),
    { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
  ],
});
const input = (steps: StepInput[] = []) => ({
  hpa,
  controller: DEFAULT_CONTROLLER_SETTINGS,
  selector: 'app=web',
  start: Date.parse('2026-12-07T03:00:00Z'),
  stepMs: 15_000,
  steps,
  initialReplicas: 3,
});
/** The spec as changed by `sets`. */
const specOf = (sets: string[]) => (whatIf(input(), sets).hpa as { spec: Record<string, unknown> }).spec;

describe('--set on the HPA spec', () => {
  it.each([
    ['target=800m', ['metrics', 0, 'pods', 'target', 'averageValue'], '800m'],
    ['minReplicas=3', ['minReplicas'], 3],
    ['spec.maxReplicas=20', ['maxReplicas'], 20],
    [
      'metrics[1].resource.target.averageUtilization=60',
      ['metrics', 1, 'resource', 'target', 'averageUtilization'],
      60,
    ],
    ['metrics[0].pods.target.averageValue=2', ['metrics', 0, 'pods', 'target', 'averageValue'], '2'],
    [
      'behavior.scaleDown.stabilizationWindowSeconds=60',
      ['behavior', 'scaleDown', 'stabilizationWindowSeconds'],
      60,
    ],
    ['behavior.scaleUp.selectPolicy=Min', ['behavior', 'scaleUp', 'selectPolicy'], 'Min'],
  ] as const)('%s', (set, path, value) => {
    let node: unknown = specOf([set]);
    for (const key of path) node = (node as Record<string | number, unknown>)[key];
    expect(node).toEqual(value);
  });

  it('adds a policy at the end of the list, complete once its fields are set', () => {
    const spec = specOf([
      'behavior.scaleUp.policies[0].type=Pods',
      'behavior.scaleUp.policies[0].value=2',
      'behavior.scaleUp.policies[0].periodSeconds=60',
    ]);
    expect(spec.behavior).toEqual({ scaleUp: { policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] } });
  });

  it('does not change the HPA it was given', () => {
    specOf(['minReplicas=3']);
    expect(hpa.spec.minReplicas).toBe(1);
  });

  it.each([
    ['minReplica=3', /spec has no field "minReplica".*did you mean minReplicas/],
    ['metrics[0].pods.metric.name=rps', /pods has no field "metric"/],
    ['metrics[2].pods.target.averageValue=1', /metrics has 2 items/],
    [
      'metrics[1].pods.target.averageValue=1',
      /metrics\[1\] is a Resource metric: its target is under resource/,
    ],
    ['minReplicas=three', /minReplicas takes a whole number/],
    ['target=fast', /averageValue takes a quantity/],
    ['behavior.scaleUp.selectPolicy=Fastest', /takes one of Max, Min, Disabled/],
    ['minReplicas=30', /minReplicas 30 and maxReplicas 10/],
    ['behavior.scaleUp.policies[1].value=2', /policies has 0 items; add one at index 0/],
    ['behavior.scaleUp.policies[0].value=2', /type/],
    ['minReplicas', /use PATH=VALUE/],
    ['behavior=1', /behavior is not a value/],
  ])('%s is refused in one line', (set, message) => {
    let error: unknown;
    try {
      whatIf(input(), [set]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidChange);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });
});

describe('whatIf: the replay with the spec as it is and as changed', () => {
  const step = (qps: number): StepInput => ({
    metrics: [{ kind: 'pods', values: [{ pod: 'web-a', value: `${qps}m` }] }, undefined],
  });
  it('a lower target scales to more replicas', () => {
    const w = whatIf(input(Array.from({ length: 4 }, () => step(3000))), ['target=500m']);
    expect(w.actual.steps.map((s) => s.replicas)).toEqual([3, 3, 3, 3]);
    expect(w.changed.steps.map((s) => s.replicas)).toEqual([3, 6, 6, 6]);
    expect(w.changed.summary.replicaSeconds).toBeGreaterThan(w.actual.summary.replicaSeconds);
  });
});
