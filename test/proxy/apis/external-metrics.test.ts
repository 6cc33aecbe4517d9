import { describe, expect, it } from 'vitest';
import {
  type ExternalMetricRequest,
  getExternalMetric,
  parseExternalMetricPath,
} from '../../../proxy/apis/external-metrics.ts';
import type { PrometheusSample } from '../../../proxy/prometheus/client.ts';
import type { ExternalMetricValueList } from '../../../shared/api-types.ts';
import { apiErrorOf, NOW, sample, stubBackend } from './fixtures.ts';

const RATE = 'jobs_processed_per_second';
const DEPTH = 'cluster_queue_depth';
/** NOW as metav1.Time: whole seconds, UTC. */
const NOW_TEXT = '2024-01-02T03:04:05Z';

function request(path: string, query = ''): ExternalMetricRequest {
  const parsed = parseExternalMetricPath(path.split('/'), new URLSearchParams(query));
  if (!parsed) throw new Error(`not an external metric path: ${path}`);
  return parsed;
}

describe('parseExternalMetricPath', () => {
  it.each<[string, string, ExternalMetricRequest]>([
    [`namespaces/prod/${RATE}`, '', { namespace: 'prod', metric: RATE, labelSelector: [] }],
    [
      `namespaces/prod/${RATE}`,
      'labelSelector=queue%3Dmail',
      { namespace: 'prod', metric: RATE, labelSelector: [{ key: 'queue', operator: '=', values: ['mail'] }] },
    ],
    // The HPA's metric selector arrives as labelSelector; metricLabelSelector means nothing here.
    [
      `namespaces/prod/${RATE}`,
      'metricLabelSelector=queue%3Dmail',
      { namespace: 'prod', metric: RATE, labelSelector: [] },
    ],
  ])('%s?%s', (path, query, want) => {
    expect(parseExternalMetricPath(path.split('/'), new URLSearchParams(query))).toEqual(want);
  });

  it.each<[string, string[]]>([
    ['nothing', []],
    ['a namespace without metric', ['namespaces', 'prod']],
    ['a metric without namespace', [RATE]],
    ['another resource', ['pods', 'web-1', RATE]],
    ['a trailing segment', ['namespaces', 'prod', RATE, 'extra']],
    ['an empty namespace', ['namespaces', '', RATE]],
  ])('is not a metric path: %s', (_what, segments) => {
    expect(parseExternalMetricPath(segments, new URLSearchParams())).toBeUndefined();
  });

  it('rejects a malformed labelSelector with 400', async () => {
    const err = await apiErrorOf(() => request(`namespaces/prod/${RATE}`, 'labelSelector=queue%20in%20(x'));
    expect(err.code).toBe(400);
    expect(err.message).toMatch(/^labelSelector: invalid label selector/);
  });
});

describe('getExternalMetric: the PromQL sent', () => {
  it.each<[string, string, string, string]>([
    [
      'the namespace asked',
      `namespaces/prod/${RATE}`,
      '',
      'sum(rate(jobs_processed_total{namespace="prod"}[2m])) by (queue)',
    ],
    [
      'labelSelector = as a matcher',
      `namespaces/prod/${RATE}`,
      'labelSelector=queue%3Dmail',
      'sum(rate(jobs_processed_total{namespace="prod",queue="mail"}[2m])) by (queue)',
    ],
    [
      'in: an escaped alternation',
      `namespaces/prod/${RATE}`,
      'labelSelector=queue%20in%20(a.b,c-d)',
      String.raw`sum(rate(jobs_processed_total{namespace="prod",queue=~"a\\.b|c-d"}[2m])) by (queue)`,
    ],
    [
      'notin, exists and !exists, sorted by key',
      `namespaces/prod/${RATE}`,
      'labelSelector=zone,queue%20notin%20(x.y,z),!shard',
      String.raw`sum(rate(jobs_processed_total{namespace="prod",queue!~"x\\.y|z",shard="",zone!=""}[2m])) by (queue)`,
    ],
    [
      '!= as a matcher',
      `namespaces/prod/${RATE}`,
      'labelSelector=queue!%3Dmail',
      'sum(rate(jobs_processed_total{namespace="prod",queue!="mail"}[2m])) by (queue)',
    ],
    [
      'namespaced: false, no namespace matcher',
      `namespaces/prod/${DEPTH}`,
      '',
      'max(queue_depth{}) by (namespace, queue)',
    ],
    [
      'namespaced: false, the namespace only from the selector',
      `namespaces/prod/${DEPTH}`,
      'labelSelector=namespace%3Dother',
      'max(queue_depth{namespace="other"}) by (namespace, queue)',
    ],
  ])('%s', async (_what, path, query, want) => {
    const backend = stubBackend({ samples: [sample({ queue: 'mail' }, 1)] });
    await getExternalMetric(request(path, query), backend);
    expect(backend.queries).toEqual([{ expr: want, timeMs: NOW }]);
  });
});

describe('getExternalMetric: the answer', () => {
  it('is an ExternalMetricValueList with one item per sample, sorted by labels', async () => {
    const samples = [
      sample({ queue: 'mail' }, 0.5, NOW - 7_000),
      // A scalar or a bare selector can keep __name__; it is no metric label.
      sample({ __name__: 'jobs_processed_total', queue: 'bulk' }, 1500, NOW - 7_000),
    ];
    const { body, warnings } = await getExternalMetric(
      request(`namespaces/prod/${RATE}`),
      stubBackend({ samples }),
    );
    expect(body).toEqual({
      kind: 'ExternalMetricValueList',
      apiVersion: 'external.metrics.k8s.io/v1beta1',
      metadata: {},
      items: [
        {
          metricName: RATE,
          metricLabels: { queue: 'bulk' },
          // The sample's own evaluation time, not the time of the request.
          timestamp: '2024-01-02T03:03:58Z',
          window: 120,
          value: '1500',
        },
        {
          metricName: RATE,
          metricLabels: { queue: 'mail' },
          timestamp: '2024-01-02T03:03:58Z',
          window: 120,
          value: '500m',
        },
      ],
    } satisfies ExternalMetricValueList);
    expect(warnings).toEqual([]);
  });

  it.each<[number, string]>([
    [0, '0'],
    [2.5e-7, '250n'],
    [4.2, '4200m'],
    [-3, '-3'],
    [1e21, '1000E'],
  ])('writes %d as the canonical quantity %s', async (value, want) => {
    const { body } = await getExternalMetric(
      request(`namespaces/prod/${RATE}`),
      stubBackend({ samples: [sample({ queue: 'mail' }, value)] }),
    );
    expect(body.items.map((i) => i.value)).toEqual([want]);
  });

  it('leaves window out when the query has no range selector, and keeps every label', async () => {
    const { body } = await getExternalMetric(
      request(`namespaces/prod/${DEPTH}`),
      stubBackend({ samples: [sample({ namespace: 'other', queue: 'mail' }, 3)] }),
    );
    expect(body.items).toEqual([
      {
        metricName: DEPTH,
        metricLabels: { namespace: 'other', queue: 'mail' },
        timestamp: NOW_TEXT,
        value: '3',
      },
    ]);
  });

  it('answers a scalar as one item without labels', async () => {
    const { body } = await getExternalMetric(
      request(`namespaces/prod/${RATE}`),
      stubBackend({ samples: [sample({}, 7)] }),
    );
    expect(body.items).toEqual([
      { metricName: RATE, metricLabels: {}, timestamp: NOW_TEXT, window: 120, value: '7' },
    ]);
  });
});

describe('getExternalMetric: values that are not finite', () => {
  it('leaves NaN and ±Inf out, never as 0, and says so in warnings', async () => {
    const samples: PrometheusSample[] = [
      sample({ queue: 'a' }, Number.NaN),
      sample({ queue: 'b' }, Number.POSITIVE_INFINITY),
      sample({ queue: 'c' }, 2),
      sample({ queue: 'd' }, Number.NEGATIVE_INFINITY),
    ];
    const { body, warnings } = await getExternalMetric(
      request(`namespaces/prod/${RATE}`),
      stubBackend({ samples }),
    );
    expect(body.items.map((i) => [i.metricLabels.queue, i.value])).toEqual([['c', '2']]);
    expect(warnings).toEqual([
      `${RATE}{queue="a"} is NaN, left out`,
      `${RATE}{queue="b"} is Infinity, left out`,
      `${RATE}{queue="d"} is -Infinity, left out`,
    ]);
  });

  it('answers 404 when no value is finite, naming the values and the query', async () => {
    const err = await apiErrorOf(() =>
      getExternalMetric(
        request(`namespaces/prod/${RATE}`),
        stubBackend({ samples: [sample({ queue: 'a' }, Number.NaN)] }),
      ),
    );
    expect(err.code).toBe(404);
    expect(err.message).toBe(
      `Prometheus has no ${RATE} (values were not finite: ${RATE}{queue="a"} is NaN, left out); ` +
        'query: sum(rate(jobs_processed_total{namespace="prod"}[2m])) by (queue)',
    );
  });
});

describe('getExternalMetric: errors', () => {
  it.each<[string, string, string, number, string]>([
    [
      'an unknown metric, with the closest names',
      `namespaces/prod/jobs_processed_per_secnd`,
      '',
      404,
      'no series in Prometheus gives an external metric named jobs_processed_per_secnd (did you mean jobs_processed_per_second?); ' +
        "check the externalRules' seriesQuery and name, and that the series exist",
    ],
    [
      'a custom metric name',
      `namespaces/prod/http_requests_per_second`,
      '',
      404,
      'no series in Prometheus gives an external metric named http_requests_per_second',
    ],
    [
      'a selector key that is no Prometheus label',
      `namespaces/prod/${RATE}`,
      'labelSelector=app.kubernetes.io%2Fname%3Dweb',
      400,
      'metric label selector key "app.kubernetes.io/name" is not a Prometheus label name',
    ],
    [
      'a comparison PromQL cannot express',
      `namespaces/prod/${RATE}`,
      'labelSelector=shard%3E3',
      400,
      'operator "gt" in metric label selector cannot be expressed in PromQL',
    ],
  ])('%s', async (_what, path, query, code, message) => {
    const backend = stubBackend({ samples: [sample({ queue: 'mail' }, 1)] });
    const err = await apiErrorOf(() => getExternalMetric(request(path, query), backend));
    expect(err.code).toBe(code);
    expect(err.message).toContain(message);
    expect(backend.queries).toEqual([]);
  });

  it('answers 404 when Prometheus returns nothing, with the selector and the query', async () => {
    const err = await apiErrorOf(() =>
      getExternalMetric(request(`namespaces/prod/${RATE}`, 'labelSelector=queue%3Dnone'), stubBackend()),
    );
    expect(err.code).toBe(404);
    expect(err.message).toBe(
      `Prometheus has no ${RATE} matching labelSelector queue=none; ` +
        'query: sum(rate(jobs_processed_total{namespace="prod",queue="none"}[2m])) by (queue)',
    );
  });
});
