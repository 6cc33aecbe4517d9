import { describe, expect, it } from 'vitest';
import { historyRange } from '../../../proxy/apis/history-range.ts';
import { ApiError } from '../../../proxy/apis/status.ts';

const LIMITS = { maxPoints: 11_000, maxRangeMs: 7 * 86_400_000 };
const NOW = Date.UTC(2026, 11, 7, 6, 0, 0);
const S = 1000;

function range(query: string, limits = LIMITS) {
  return historyRange(new URLSearchParams(query), limits, NOW);
}

function errorOf(query: string, limits = LIMITS): ApiError {
  try {
    range(query, limits);
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error(`expected an ApiError for ${query}`);
}

describe('historyRange', () => {
  it.each<[string, string, { startMs: number; endMs: number; stepMs: number }]>([
    ['nothing: the last hour at 15s', '', { startMs: NOW - 3600 * S, endMs: NOW, stepMs: 15 * S }],
    [
      'RFC 3339',
      'start=2026-12-07T03:00:00Z&end=2026-12-07T06:00:00Z&step=1m',
      { startMs: NOW - 3 * 3600 * S, endMs: NOW, stepMs: 60 * S },
    ],
    [
      'RFC 3339 with an offset and fractions',
      'start=2026-12-07T04:00:00.5%2B01:00&end=2026-12-07T06:00:00Z',
      { startMs: NOW - 3 * 3600 * S + 500, endMs: NOW, stepMs: 15 * S },
    ],
    [
      'Unix seconds, decimals allowed',
      `start=${NOW / S - 60}.25&end=${NOW / S}&step=2s`,
      { startMs: NOW - 60 * S + 250, endMs: NOW, stepMs: 2 * S },
    ],
    [
      'start alone: up to now',
      `start=${NOW / S - 120}`,
      { startMs: NOW - 120 * S, endMs: NOW, stepMs: 15 * S },
    ],
    [
      'end alone: the hour before it',
      `end=${NOW / S - 3600}`,
      { startMs: NOW - 7200 * S, endMs: NOW - 3600 * S, stepMs: 15 * S },
    ],
    [
      'step as seconds, as Prometheus takes it',
      'step=30',
      { startMs: NOW - 3600 * S, endMs: NOW, stepMs: 30 * S },
    ],
    ['step 1m30s', 'step=1m30s', { startMs: NOW - 3600 * S, endMs: NOW, stepMs: 90 * S }],
    [
      'start equal to end: one point',
      `start=${NOW / S}&end=${NOW / S}`,
      { startMs: NOW, endMs: NOW, stepMs: 15 * S },
    ],
  ])('%s', (_what, query, want) => {
    expect(range(query)).toEqual(want);
  });

  it.each<[string, string, string | RegExp]>([
    [
      'start after end',
      `start=${NOW / S}&end=${NOW / S - 1}`,
      /^start 2026-12-07T06:00:00Z is after end 2026-12-07T05:59:59Z/,
    ],
    ['an unparsable start', 'start=yesterday', /^start "yesterday" is not a time: give RFC 3339/],
    ['an unparsable end', 'end=2026-12-07', /^end "2026-12-07" is not a time/],
    ['an unparsable step', 'step=fast', /^step "fast" is not a duration/],
    ['a zero step', 'step=0s', 'step must be longer than 0s, not "0s"'],
    ['a zero step in seconds', 'step=0', 'step must be longer than 0s, not "0"'],
    ['a negative step', 'step=-5s', /^step "-5s" is not a duration/],
    [
      'a range longer than the flag',
      `start=${NOW / S - 8 * 86400}&end=${NOW / S}&step=1h`,
      'start to end spans 192h, more than the 168h allowed (--history-max-range): ask for a shorter range',
    ],
    [
      'too many points',
      `start=${NOW / S - 86400}&end=${NOW / S}&step=1s`,
      'step 1s over 24h gives 86401 points, more than the 11000 allowed (--history-max-points): use step ≥ 8s',
    ],
  ])('%s → 400', (_what, query, message) => {
    const e = errorOf(query);
    expect(e.code).toBe(400);
    if (typeof message === 'string') expect(e.message).toBe(message);
    else expect(e.message).toMatch(message);
  });

  it('takes exactly the most points allowed, and refuses one more', () => {
    const limits = { maxPoints: 61, maxRangeMs: LIMITS.maxRangeMs };
    expect(range(`start=${NOW / S - 60}&end=${NOW / S}&step=1s`, limits).stepMs).toBe(S);
    expect(errorOf(`start=${NOW / S - 61}&end=${NOW / S}&step=1s`, limits).message).toBe(
      'step 1s over 1m1s gives 62 points, more than the 61 allowed (--history-max-points): use step ≥ 2s',
    );
  });

  it('counts points as Prometheus evaluates them: start, start + step, … up to end', () => {
    const limits = { maxPoints: 4, maxRangeMs: LIMITS.maxRangeMs };
    // 0, 15, 30, 45 (59 is no step): four points.
    expect(() => range(`start=${NOW / S - 59}&end=${NOW / S}&step=15s`, limits)).not.toThrow();
    expect(errorOf(`start=${NOW / S - 60}&end=${NOW / S}&step=15s`, limits).message).toContain(
      'gives 5 points',
    );
  });
});
