import { describe, expect, it } from 'vitest';
import { classify, compareAnswers, flatten } from './conformance.ts';
import { percentiles } from './load.ts';
import { parseCpuMs, parseMemory } from './procstat.ts';

const pod = (name: string, value: string, extra: Record<string, unknown> = {}) => ({
  describedObject: { kind: 'Pod', namespace: 'bench', name, apiVersion: 'v1' },
  metric: { name: 'qps', selector: null },
  timestamp: '2026-11-23T10:00:00Z',
  value,
  ...extra,
});
const list = (...items: unknown[]) => ({ kind: 'MetricValueList', items });

describe('flatten', () => {
  it('keys lists of named objects by name', () => {
    expect([
      ...flatten({ containers: [{ name: 'app', usage: { cpu: '1m' } }], labels: { a: 'b' }, tags: ['x'] }),
    ]).toEqual([
      ['containers[app].name', 'app'],
      ['containers[app].usage.cpu', '1m'],
      ['labels.a', 'b'],
      ['tags[0]', 'x'],
    ]);
  });
});

describe('compareAnswers', () => {
  it('finds nothing in identical answers', () => {
    expect(compareAnswers('custom', list(pod('a', '1')), list(pod('a', '1')))).toEqual([]);
  });

  it('groups one kind of difference over items, with an example', () => {
    const ours = list(pod('a', '1', { windowSeconds: 30 }), pod('b', '2', { windowSeconds: 30 }));
    const theirs = list(pod('a', '1'), pod('b', '2'));
    expect(compareAnswers('custom', ours, theirs)).toEqual([
      {
        field: 'windowSeconds',
        class: 'adapter bug',
        why: expect.stringContaining('no window'),
        count: 2,
        example: { item: 'Pod bench/a', cmetrics: '30', adapter: undefined },
      },
    ]);
  });

  it('reports an item only one server has as unclassified', () => {
    const [d] = compareAnswers('custom', list(pod('a', '1')), list(pod('a', '1'), pod('b', '2')));
    expect(d).toMatchObject({ field: 'item', class: 'unclassified', example: { item: 'Pod bench/b' } });
  });

  it('matches external items by their labels and pod metrics by container name', () => {
    const ext = (value: string) => ({
      items: [{ metricName: 'm', metricLabels: { b: '2', a: '1' }, value }],
    });
    expect(compareAnswers('external', ext('1500m'), ext('1500m'))).toEqual([]);
    const pods = (cpu: string) => ({
      items: [
        {
          metadata: { name: 'p', namespace: 'n' },
          containers: [{ name: 'c', usage: { cpu, memory: '1Mi' } }],
        },
      ],
    });
    expect(compareAnswers('pods', pods('1500000n'), pods('1m'))).toMatchObject([
      { field: 'containers[].usage.cpu', class: 'adapter precision', example: { item: 'n/p' } },
    ]);
  });
});

describe('classify', () => {
  it.each([
    ['custom', 'value', '1250m', '1249m', 'adapter precision'],
    ['custom', 'value', '1234567u', '1234m', 'adapter precision'],
    ['custom', 'value', '1250m', '1200m', 'unclassified'],
    ['custom', 'value', '1250m', '1.25', 'unclassified'],
    ['pods', 'containers[app].usage.cpu', '11250000n', '11m', 'adapter precision'],
    ['pods', 'containers[app].usage.cpu', '11260000n', '11300m', 'unclassified'],
    ['pods', 'containers[app].usage.cpu', '11250000n', '10m', 'evaluation time'],
    ['pods', 'containers[app].usage.cpu', '11250000n', '9m', 'unclassified'],
    ['pods', 'containers[app].usage.memory', '16Mi', '17Mi', 'unclassified'],
    ['custom', 'timestamp', '2026-11-23T10:00:00Z', '2026-11-23T10:00:02Z', 'adapter bug'],
    ['custom', 'timestamp', '2026-11-23T10:00:00Z', '2026-11-23T10:01:00Z', 'unclassified'],
    ['pods', 'timestamp', '2026-11-23T10:00:00Z', '2026-11-23T10:00:02Z', 'evaluation time'],
    // cmetrics' store: its last evaluation, up to two 15 s periods behind the adapter's request.
    ['pods', 'timestamp', '2026-11-23T10:00:00Z', '2026-11-23T10:00:31Z', 'evaluation time'],
    ['nodes', 'timestamp', '2026-11-23T10:00:00Z', '2026-11-23T10:00:11Z', 'evaluation time'],
    ['pods', 'timestamp', '2026-11-23T10:00:00Z', '2026-11-23T10:00:40Z', 'unclassified'],
    ['pods', 'timestamp', '2026-11-23T10:00:11Z', '2026-11-23T10:00:00Z', 'unclassified'],
    ['pods', 'metadata.creationTimestamp', '2026-11-23T10:00:00Z', '2026-11-23T10:00:01Z', 'evaluation time'],
    ['custom', 'describedObject.apiVersion', 'v1', '/v1', 'adapter bug'],
    ['custom', 'describedObject.apiVersion', 'apps/v1', '/v1', 'unclassified'],
    ['custom', 'windowSeconds', undefined, '30', 'unclassified'],
  ] as const)('%s %s: %s vs %s is %s', (kind, field, c, a, cls) => {
    expect(classify(kind, field, c, a).class).toBe(cls);
  });
});

describe('load and /proc helpers', () => {
  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentiles(values)).toEqual({ p50: 50, p99: 99, max: 100 });
    expect(percentiles([])).toEqual({ p50: 0, p99: 0, max: 0 });
  });

  it('reads CPU time past a command name with spaces and parentheses', () => {
    const stat = '123 (node (x) y) S 1 123 123 0 -1 4194560 100 0 0 0 250 30 0 0 20 0 11 0 5 1 1';
    expect(parseCpuMs(stat)).toBe(2800);
  });

  it('reads resident and peak memory', () => {
    expect(parseMemory('Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n')).toEqual({
      rssMiB: 100,
      peakRssMiB: 200,
    });
  });
});
