import { describe, expect, it } from 'vitest';
import { type ListedMetric, metricsTable } from '../../../plugin/printers/list.ts';

const lines = (...rows: string[]) => rows.map((r) => `${r}\n`).join('');

describe('metricsTable', () => {
  it('one row per metric and API, resources joined', () => {
    const metrics: ListedMetric[] = [
      { metric: 'http_requests', api: 'custom', resources: ['namespaces', 'pods', 'services'] },
      { metric: 'queue_depth', api: 'external', resources: [] },
    ];
    expect(metricsTable(metrics)).toBe(
      lines(
        'METRIC          API        RESOURCES                  ',
        'http_requests   custom     namespaces,pods,services   ',
        'queue_depth     external   <none>                     ',
      ),
    );
  });
});
