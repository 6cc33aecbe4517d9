import { describe, expect, it } from 'vitest';
import { evaluationTime } from '../../../proxy/prometheus/evaluation-time.ts';

describe('evaluationTime', () => {
  it.each([
    [10_000, 9_000],
    [10_001, 9_000],
    [10_999, 9_000],
    [11_000, 10_000],
  ])('at %d ms: %d', (now, want) => {
    expect(evaluationTime(now)).toBe(want);
  });
});
