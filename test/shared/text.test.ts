import { describe, expect, it } from 'vitest';
import { closest } from '../../shared/text.ts';

const METRICS = [
  'http_requests_per_second',
  'http_request_duration_seconds',
  'queue_depth',
  'queue_length',
  'cpu_usage',
  'memory_usage',
];

describe('closest', () => {
  it.each<[string, string[], string[]]>([
    // One edit away.
    ['http_request_per_second', METRICS, ['http_requests_per_second']],
    ['queue_dept', METRICS, ['queue_depth']],
    ['cpu_usag', METRICS, ['cpu_usage']],
    // Substrings either way count as close.
    ['queue', METRICS, ['queue_depth', 'queue_length']],
    ['usage', METRICS, ['cpu_usage', 'memory_usage']],
    ['node_cpu_usage_total', METRICS, ['cpu_usage']],
    // Best first, ties by name.
    ['queue_lenth', METRICS, ['queue_length', 'queue_depth']],
    // Nothing close.
    ['disk_io', METRICS, []],
    ['x', ['abcdef'], []],
    ['anything', [], []],
    // Short words still allow two edits.
    ['cpu', ['cpx', 'gpx', 'gxx'], ['cpx', 'gpx']],
    // Duplicates are suggested once.
    ['queue_dept', ['queue_depth', 'queue_depth'], ['queue_depth']],
  ])('%j → %j', (word, candidates, want) => {
    expect(closest(word, candidates)).toEqual(want);
  });

  it.each<[number, number]>([
    [1, 1],
    [2, 2],
    [3, 3],
    [5, 4],
  ])('max %i → %i suggestions of 4 close ones', (max, count) => {
    const candidates = ['abc_1', 'abc_2', 'abc_3', 'abc_4'];
    expect(closest('abc', candidates, max)).toHaveLength(count);
  });

  it('accepts any iterable', () => {
    expect(closest('queue_dept', new Set(METRICS))).toEqual(['queue_depth']);
  });
});
