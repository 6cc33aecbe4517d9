import { describe, expect, it } from 'vitest';
import { SeriesScanner } from '../../../proxy/prometheus/series-stream.ts';

const series = [
  { __name__: 'http_requests_total', namespace: 'default', pod: 'web-0' },
  { __name__: 'weird', label: 'has "quotes", {braces} [brackets] and \\ backslash' },
  { __name__: 'unicode', label: 'größe ✓ 日本' },
];
const success = JSON.stringify({ status: 'success', data: series });

function scan(chunks: string[]) {
  const seen: Record<string, string>[] = [];
  const scanner = new SeriesScanner((s) => seen.push(s));
  for (const c of chunks) scanner.push(c);
  return { seen, answer: scanner.end() };
}

describe('SeriesScanner', () => {
  it('reads every series of a whole answer', () => {
    const { seen, answer } = scan([success]);
    expect(seen).toEqual(series);
    expect(answer).toEqual({ status: 'success', count: 3, complete: true });
  });

  it.each(Array.from({ length: success.length - 1 }, (_, i) => i + 1))(
    'reads the same when split at offset %i',
    (at) => {
      const { seen, answer } = scan([success.slice(0, at), success.slice(at)]);
      expect(seen).toEqual(series);
      expect(answer.count).toBe(3);
    },
  );

  it('reads one character at a time', () => {
    expect(scan([...success]).seen).toEqual(series);
  });

  it.each([
    [
      'an empty answer',
      JSON.stringify({ status: 'success', data: [] }),
      { status: 'success', count: 0, complete: true },
    ],
    [
      'warnings beside the data',
      JSON.stringify({ status: 'success', data: [], warnings: ['a { b'] }),
      { status: 'success', count: 0, complete: true },
    ],
    [
      'an error',
      JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error: unexpected "}"' }),
      {
        status: 'error',
        errorType: 'bad_data',
        error: 'parse error: unexpected "}"',
        count: 0,
        complete: true,
      },
    ],
    ['no JSON at all', 'Service Unavailable', { status: 'unknown', count: 0, complete: true }],
    ['an answer cut off', success.slice(0, -20), { status: 'success', count: 2, complete: false }],
    ['nothing', '', { status: 'unknown', count: 0, complete: false }],
  ])('reports the status of %s', (_what, body, want) => {
    expect(scan([body]).answer).toEqual(want);
  });
});
