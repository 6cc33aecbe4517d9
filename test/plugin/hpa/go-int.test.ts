// go-int.ts: Go's float-to-integer conversions on amd64 (truncation; out of range and NaN give the minimum).

import { describe, expect, it } from 'vitest';
import {
  goInt32,
  goInt64,
  INT32_MAX,
  INT32_MIN,
  INT64_MAX,
  wrapInt32,
  wrapInt64,
} from '../../../plugin/hpa/go-int.ts';

describe('goInt32', () => {
  it.each<[number, number]>([
    [2.9, 2],
    [-2.9, -2],
    [INT32_MAX, INT32_MAX],
    [INT32_MAX + 1, INT32_MIN],
    [INT32_MIN, INT32_MIN],
    [Number.NaN, INT32_MIN],
    [Number.POSITIVE_INFINITY, INT32_MIN],
  ])('wrapInt32(%s) = %s', (f, expected) => {
    expect(goInt32(f)).toBe(expected);
  });
});

describe('goInt64', () => {
  it.each<[number, bigint]>([
    [1.5, 1n],
    [2 ** 53, 9007199254740992n],
    [-(2 ** 63), -(2n ** 63n)],
    [2 ** 63, -(2n ** 63n)],
    [Number.NaN, -(2n ** 63n)],
  ])('wrapInt64(%s) = %s', (f, expected) => {
    expect(goInt64(f)).toBe(expected);
  });

  it('INT64_MAX is 2^63 - 1', () => {
    expect(INT64_MAX).toBe(9223372036854775807n);
  });
});

describe('wrapInt64 and wrapInt32 wrap as Go integers do', () => {
  it.each<[bigint, bigint]>([
    [INT64_MAX, INT64_MAX],
    [INT64_MAX + 1n, -(2n ** 63n)],
    [-(2n ** 63n) - 1n, INT64_MAX],
  ])('wrapInt64(%s) = %s', (v, expected) => {
    expect(wrapInt64(v)).toBe(expected);
  });

  it.each<[bigint, number]>([
    [100n, 100],
    [2n ** 31n, INT32_MIN],
    [2n ** 32n + 5n, 5],
  ])('wrapInt32(%s) = %s', (v, expected) => {
    expect(wrapInt32(v)).toBe(expected);
  });
});
