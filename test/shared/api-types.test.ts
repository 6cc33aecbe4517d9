import { describe, expect, it } from 'vitest';
import { formatTime } from '../../shared/api-types.ts';

describe('formatTime', () => {
  it.each([
    [Date.UTC(2026, 10, 23, 13, 0, 1, 0), '2026-11-23T13:00:01Z'],
    [Date.UTC(2026, 10, 23, 13, 0, 1, 999), '2026-11-23T13:00:01Z'],
    [Date.UTC(2026, 10, 23, 13, 0, 2, 0), '2026-11-23T13:00:02Z'],
    [Date.UTC(2026, 10, 23, 13, 0, 1, 500), '2026-11-23T13:00:01Z'],
    [0, '1970-01-01T00:00:00Z'],
    [-1, '1969-12-31T23:59:59Z'],
  ])('%i → %s, whatever was formatted before', (ms, text) => {
    expect(formatTime(ms)).toBe(text);
    expect(formatTime(ms)).toBe(text);
  });
});
