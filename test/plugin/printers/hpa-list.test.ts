import { describe, expect, it } from 'vitest';
import type { HpaState } from '../../../plugin/hpa/state.ts';
import { brokenFirst, type HpaLine, hpaListTable, stateWords } from '../../../plugin/printers/hpa-list.ts';

const fetchFailed = (code: number) => ({
  kind: 'FetchFailed' as const,
  path: '/apis/x/v1/y',
  code,
  message: 'm',
});

describe('stateWords', () => {
  it.each<[HpaState, string]>([
    [{ kind: 'MetricFailed', metric: 0, cause: fetchFailed(404), failed: 1 }, 'metric not served'],
    [{ kind: 'MetricFailed', metric: 0, cause: fetchFailed(403), failed: 2 }, 'forbidden (+1 more failed)'],
    [{ kind: 'MetricFailed', metric: 0, cause: fetchFailed(503), failed: 1 }, 'metrics API unavailable'],
    [
      { kind: 'MetricFailed', metric: 0, cause: fetchFailed(500), failed: 1 },
      'metric read failed (HTTP 500)',
    ],
    [
      {
        kind: 'MetricFailed',
        metric: 0,
        cause: { kind: 'MissingRequests', resource: 'cpu', pods: [] },
        failed: 1,
      },
      'no cpu requests',
    ],
    [{ kind: 'Stabilized', windowSeconds: 300 }, 'held by stabilization for 5m'],
    [{ kind: 'Stabilized', windowSeconds: 90 }, 'held by stabilization for 1m30s'],
    [{ kind: 'Stabilized', windowSeconds: 45 }, 'held by stabilization for 45s'],
    [{ kind: 'AtMax' }, 'at max'],
    [{ kind: 'ScalingUp', capped: true }, 'scaling up to max'],
    [{ kind: 'ScalingDown' }, 'scaling down'],
    [{ kind: 'SelectorProblem', reason: 'AmbiguousSelector' }, 'ambiguous selector'],
    [{ kind: 'ScalingDisabled' }, 'scaling disabled (0 replicas)'],
  ])('%j reads "%s"', (state, words) => {
    expect(stateWords(state)).toBe(words);
  });
});

describe('brokenFirst', () => {
  const line = (name: string, state: HpaState | undefined): HpaLine => ({
    namespace: 'shop',
    name,
    state,
    ...(state ? {} : { problem: 'cannot be read' }),
  });
  it('puts failures and unreadable HPAs first, keeping the order within each group', () => {
    const lines = [
      line('a', { kind: 'Steady' }),
      line('b', { kind: 'ScaleUnreadable' }),
      line('c', { kind: 'ScalingUp' }),
      line('d', undefined),
    ];
    expect(brokenFirst(lines).map((l) => l.name)).toEqual(['b', 'd', 'a', 'c']);
  });

  it('prints the namespace column with -A only, and nothing for no HPA', () => {
    const lines = [line('a', { kind: 'Steady' })];
    expect(hpaListTable(lines, true).split('\n')[0]).toMatch(/^NAMESPACE\s+NAME/);
    expect(hpaListTable(lines, false).split('\n')[1]).toMatch(/^a\s+-\s+<none>\s+steady$/);
    expect(hpaListTable([], true)).toBe('');
  });
});
