import { describe, expect, it } from 'vitest';
import { formatGoDuration, isoTime, parseDuration, shortDuration } from '../../shared/duration.ts';

describe('parseDuration', () => {
  it.each<[string, number]>([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1s500ms', 1500],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1y', 31_536_000_000],
    ['1.5h', 5_400_000],
    ['250us', 0.25],
    ['250µs', 0.25],
    ['1000000ns', 1],
    ['0', 0],
    ['0s', 0],
    [' 15s ', 15_000],
  ])('%j → %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['5', 'abc', '5x', '', 's', '5 m', '1h 30m', '-5m', '5m3', 'm5'])('%j is rejected', (text) => {
    expect(() => parseDuration(text)).toThrow(
      `invalid duration "${text}": use a number and a unit, such as 30s, 5m or 1h30m`,
    );
  });
});

describe('formatGoDuration', () => {
  it.each<[number, string]>([
    [0, '0s'],
    [60_000, '1m0s'],
    [15_012, '15.012s'],
    [500, '500ms'],
    [1, '1ms'],
    [1.5, '1.5ms'],
    [0.25, '250µs'],
    [0.0005, '500ns'],
    [1000, '1s'],
    [90_000, '1m30s'],
    [3_600_000, '1h0m0s'],
    [5_400_000, '1h30m0s'],
    [90_061_000, '25h1m1s'],
    [-1500, '-1.5s'],
    [-500, '-500ms'],
  ])('%s ms → %s', (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });

  it.each([30_000, 300_000, 5_400_000, 15_012, 500, 86_400_000])(
    'parseDuration(formatGoDuration(%i)) round-trips',
    (ms) => {
      expect(parseDuration(formatGoDuration(ms))).toBe(ms);
    },
  );
});

describe('shortDuration', () => {
  it.each<[number, string]>([
    [15_000, '15s'],
    [60_000, '1m'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [5_400_000, '1h30m'],
    [3_601_000, '1h0m1s'],
    [500, '500ms'],
  ])('%d ms is %s', (ms, text) => {
    expect(shortDuration(ms)).toBe(text);
  });
});

describe('isoTime', () => {
  it.each<[number, string]>([
    [Date.UTC(2026, 11, 7, 3), '2026-12-07T03:00:00Z'],
    [Date.UTC(2026, 11, 7, 3) + 250, '2026-12-07T03:00:00.250Z'],
  ])('%d is %s', (ms, text) => {
    expect(isoTime(ms)).toBe(text);
  });
});
