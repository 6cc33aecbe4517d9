import { describe, expect, it } from 'vitest';
import { type ValueRow, valuesTable } from '../../../plugin/printers/values.ts';

const lines = (...rows: string[]) => rows.map((r) => `${r}\n`).join('');
const AT = '2026-07-01T10:00:00Z';

describe('valuesTable', () => {
  it.each<[string, ValueRow[], 'OBJECT' | 'LABELS', string]>([
    [
      'custom metrics of pods: namespace, object, the quantity and its plain number',
      [
        {
          namespace: 'prod',
          subject: 'pod/web-1',
          metric: 'qps',
          value: '1500m',
          timestamp: AT,
          window: '30s',
        },
        {
          namespace: 'prod',
          subject: 'pod/web-2',
          metric: 'qps',
          value: '0',
          timestamp: AT,
          window: undefined,
        },
      ],
      'OBJECT',
      lines(
        'NAMESPACE   OBJECT      METRIC   VALUE   NUMBER   TIMESTAMP              WINDOW   ',
        'prod        pod/web-1   qps      1500m   1.5      2026-07-01T10:00:00Z   30s      ',
        'prod        pod/web-2   qps      0       0        2026-07-01T10:00:00Z   <none>   ',
      ),
    ],
    [
      'a cluster-scoped object has no namespace column',
      [{ subject: 'node/n1', metric: 'load', value: '20500u', timestamp: AT, window: '1m0s' }],
      'OBJECT',
      lines(
        'OBJECT    METRIC   VALUE   NUMBER   TIMESTAMP              WINDOW   ',
        'node/n1   load     21m     0.021    2026-07-01T10:00:00Z   1m0s     ',
      ),
    ],
    [
      'values finer than a milli-unit read as kubectl get hpa shows them',
      [{ subject: 'pod/web-1', metric: 'qps', value: '607142857n', timestamp: AT, window: '30s' }],
      'OBJECT',
      lines(
        'OBJECT      METRIC   VALUE   NUMBER   TIMESTAMP              WINDOW   ',
        'pod/web-1   qps      608m    0.608    2026-07-01T10:00:00Z   30s      ',
      ),
    ],
    [
      'external metrics are told apart by their labels',
      [
        { subject: 'queue=jobs', metric: 'queue_depth', value: '42', timestamp: AT, window: '1m0s' },
        { subject: '<none>', metric: 'queue_depth', value: '2k', timestamp: AT, window: '1m0s' },
      ],
      'LABELS',
      lines(
        'LABELS       METRIC        VALUE   NUMBER   TIMESTAMP              WINDOW   ',
        'queue=jobs   queue_depth   42      42       2026-07-01T10:00:00Z   1m0s     ',
        '<none>       queue_depth   2k      2000     2026-07-01T10:00:00Z   1m0s     ',
      ),
    ],
    [
      'resource metrics of pods, container by container',
      [
        {
          namespace: 'default',
          subject: 'pod/web-1',
          container: 'app',
          metric: 'cpu',
          value: '4581412n',
          timestamp: AT,
          window: '30s',
        },
        {
          namespace: 'default',
          subject: 'pod/web-1',
          container: 'app',
          metric: 'memory',
          value: '48Mi',
          timestamp: AT,
          window: '30s',
        },
      ],
      'OBJECT',
      lines(
        'NAMESPACE   OBJECT      CONTAINER   METRIC   VALUE   NUMBER     TIMESTAMP              WINDOW   ',
        'default     pod/web-1   app         cpu      5m      0.005      2026-07-01T10:00:00Z   30s      ',
        'default     pod/web-1   app         memory   48Mi    50331648   2026-07-01T10:00:00Z   30s      ',
      ),
    ],
  ])('%s', (_name, rows, header, expected) => {
    expect(valuesTable(rows, header)).toBe(expected);
  });
});
