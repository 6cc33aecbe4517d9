import { describe, expect, it } from 'vitest';
import {
  type CustomMetricRequest,
  getCustomMetric,
  parseCustomMetricPath,
  toLabelSelector,
} from '../../../proxy/apis/custom-metrics.ts';
import type { CustomVersion, MetricValueV1beta1, MetricValueV1beta2 } from '../../../shared/api-types.ts';
import { parseSelector } from '../../../shared/labels.ts';
import { apiErrorOf, NOW, sample, stubBackend } from './fixtures.ts';

const METRIC = 'http_requests_per_second';
const NODE_METRIC = 'node_interrupts_per_second';

/** Parses a path as the router would hand it over (segments after the version). */
function request(path: string, query = '', version: CustomVersion = 'v1beta2'): CustomMetricRequest {
  const parsed = parseCustomMetricPath(version, path.split('/'), new URLSearchParams(query));
  if (!parsed) throw new Error(`not a metric path: ${path}`);
  return parsed;
}

describe('parseCustomMetricPath', () => {
  it.each<[string, Partial<CustomMetricRequest>]>([
    [
      `namespaces/prod/pods/*/${METRIC}`,
      { resourceText: 'pods', namespace: 'prod', name: '*', metric: METRIC },
    ],
    [
      `namespaces/prod/pods/web-1/${METRIC}`,
      { resourceText: 'pods', namespace: 'prod', name: 'web-1', metric: METRIC },
    ],
    [
      `namespaces/prod/services/frontend/${METRIC}`,
      { resourceText: 'services', namespace: 'prod', name: 'frontend', metric: METRIC },
    ],
    [
      `namespaces/prod/deployments.apps/web/${METRIC}`,
      { resourceText: 'deployments.apps', namespace: 'prod', name: 'web', metric: METRIC },
    ],
    // The namespace itself: resource namespaces, named like the namespace, not namespaced.
    [
      `namespaces/prod/metrics/${METRIC}`,
      { resourceText: 'namespaces', namespace: undefined, name: 'prod', metric: METRIC },
    ],
    // The root-scoped form names the namespace object too.
    [
      `namespaces/prod/${METRIC}`,
      { resourceText: 'namespaces', namespace: undefined, name: 'prod', metric: METRIC },
    ],
    [
      `nodes/node-1/${NODE_METRIC}`,
      { resourceText: 'nodes', namespace: undefined, name: 'node-1', metric: NODE_METRIC },
    ],
    [
      `nodes/*/${NODE_METRIC}`,
      { resourceText: 'nodes', namespace: undefined, name: '*', metric: NODE_METRIC },
    ],
  ])('%s', (path, want) => {
    const got = parseCustomMetricPath('v1beta2', path.split('/'), new URLSearchParams());
    expect(got).toEqual({ version: 'v1beta2', labelSelector: [], metricSelector: [], ...want });
  });

  it.each<[string, string[]]>([
    ['nothing', []],
    ['a resource alone', ['pods']],
    ['a resource and a name', ['pods', 'web-1']],
    ['a namespace alone', ['namespaces', 'prod']],
    ['a namespaced object without metric', ['namespaces', 'prod', 'pods', 'web-1']],
    ['a root-scoped path with one segment too many', ['nodes', 'node-1', 'metric', 'extra']],
    ['a namespaced path with one segment too many', ['namespaces', 'prod', 'pods', 'web-1', METRIC, 'extra']],
  ])('%s is no metric path', (_what, segments) => {
    expect(parseCustomMetricPath('v1beta1', segments, new URLSearchParams())).toBeUndefined();
  });

  it.each<CustomVersion>(['v1beta1', 'v1beta2'])('keeps the version %s', (version) => {
    expect(request(`nodes/node-1/${NODE_METRIC}`, '', version).version).toBe(version);
  });

  it('parses labelSelector and metricLabelSelector', () => {
    const req = request(
      `namespaces/prod/pods/*/${METRIC}`,
      'labelSelector=app=web,tier!=db&metricLabelSelector=verb in (GET,PUT)',
    );
    expect(req.labelSelector).toEqual([
      { key: 'app', operator: '=', values: ['web'] },
      { key: 'tier', operator: '!=', values: ['db'] },
    ]);
    expect(req.metricSelector).toEqual([{ key: 'verb', operator: 'in', values: ['GET', 'PUT'] }]);
  });

  it.each<[string, string]>([
    ['labelSelector=app in (web', 'labelSelector: invalid label selector'],
    ['labelSelector=a b', 'labelSelector: invalid label selector'],
    ['metricLabelSelector=verb in (GET', 'metricLabelSelector: invalid label selector'],
    ['metricLabelSelector=-bad=x', 'metricLabelSelector: invalid label selector'],
  ])('%s → 400', async (query, message) => {
    const err = await apiErrorOf(() =>
      parseCustomMetricPath(
        'v1beta2',
        ['namespaces', 'prod', 'pods', '*', METRIC],
        new URLSearchParams(query),
      ),
    );
    expect(err.code).toBe(400);
    expect(err.message).toContain(message);
  });
});

describe('getCustomMetric', () => {
  it('answers v1beta2 with metric.name, metric.selector and windowSeconds', async () => {
    const backend = stubBackend({
      names: ['web-1', 'web-2'],
      samples: [
        sample({ namespace: 'prod', pod: 'web-2' }, 2),
        sample({ namespace: 'prod', pod: 'web-1' }, 0.5),
      ],
    });
    const answer = await getCustomMetric(
      request(`namespaces/prod/pods/*/${METRIC}`, 'metricLabelSelector=verb=GET', 'v1beta2'),
      backend,
    );
    const item = (name: string, value: string): MetricValueV1beta2 => ({
      describedObject: { kind: 'Pod', namespace: 'prod', name, apiVersion: 'v1' },
      metric: { name: METRIC, selector: { matchLabels: { verb: 'GET' } } },
      timestamp: '2024-01-02T03:04:05Z',
      windowSeconds: 30,
      value,
    });
    expect(answer).toEqual({
      body: {
        kind: 'MetricValueList',
        apiVersion: 'custom.metrics.k8s.io/v1beta2',
        metadata: {},
        items: [item('web-1', '500m'), item('web-2', '2')],
      },
      warnings: [],
    });
  });

  it('answers v1beta1 with metricName, selector and window', async () => {
    const backend = stubBackend({
      names: ['web-1'],
      samples: [sample({ namespace: 'prod', pod: 'web-1' }, 0.5)],
    });
    const answer = await getCustomMetric(
      request(`namespaces/prod/pods/*/${METRIC}`, 'metricLabelSelector=verb=GET', 'v1beta1'),
      backend,
    );
    const want: MetricValueV1beta1 = {
      describedObject: { kind: 'Pod', namespace: 'prod', name: 'web-1', apiVersion: 'v1' },
      metricName: METRIC,
      selector: { matchLabels: { verb: 'GET' } },
      timestamp: '2024-01-02T03:04:05Z',
      window: 30,
      value: '500m',
    };
    expect(answer.body).toEqual({
      kind: 'MetricValueList',
      apiVersion: 'custom.metrics.k8s.io/v1beta1',
      metadata: {},
      items: [want],
    });
  });

  it.each<CustomVersion>(['v1beta1', 'v1beta2'])(
    '%s: selector is null without metricLabelSelector',
    async (version) => {
      const backend = stubBackend({ existing: ['prod/web-1'], samples: [sample({ pod: 'web-1' }, 1)] });
      const [item] = (
        await getCustomMetric(request(`namespaces/prod/pods/web-1/${METRIC}`, '', version), backend)
      ).body.items;
      const selector =
        version === 'v1beta2'
          ? (item as MetricValueV1beta2).metric.selector
          : (item as MetricValueV1beta1).selector;
      expect(selector).toBeNull();
    },
  );

  it.each<[string, string, Record<string, string>, object, string]>([
    [
      `namespaces/prod/pods/web-1/${METRIC}`,
      'prod/web-1',
      { namespace: 'prod', pod: 'web-1' },
      { kind: 'Pod', namespace: 'prod', name: 'web-1', apiVersion: 'v1' },
      'sum(rate(http_requests_total{namespace="prod",pod="web-1"}[30s])) by (pod)',
    ],
    [
      `namespaces/prod/services/frontend/${METRIC}`,
      'prod/frontend',
      { namespace: 'prod', service: 'frontend' },
      { kind: 'Service', namespace: 'prod', name: 'frontend', apiVersion: 'v1' },
      'sum(rate(http_requests_total{namespace="prod",service="frontend"}[30s])) by (service)',
    ],
    [
      `namespaces/prod/deployments.apps/web/${METRIC}`,
      'prod/web',
      { namespace: 'prod', deployment: 'web' },
      { kind: 'Deployment', namespace: 'prod', name: 'web', apiVersion: 'apps/v1' },
      'sum(rate(http_requests_total{namespace="prod",deployment="web"}[30s])) by (deployment)',
    ],
    [
      `namespaces/prod/deployment.apps/web/${METRIC}`,
      'prod/web',
      { namespace: 'prod', deployment: 'web' },
      { kind: 'Deployment', namespace: 'prod', name: 'web', apiVersion: 'apps/v1' },
      'sum(rate(http_requests_total{namespace="prod",deployment="web"}[30s])) by (deployment)',
    ],
    [
      `namespaces/prod/metrics/${METRIC}`,
      'prod',
      { namespace: 'prod' },
      { kind: 'Namespace', name: 'prod', apiVersion: 'v1' },
      'sum(rate(http_requests_total{namespace="prod"}[30s])) by (namespace)',
    ],
    [
      `nodes/node-1/${NODE_METRIC}`,
      'node-1',
      { node: 'node-1' },
      { kind: 'Node', name: 'node-1', apiVersion: 'v1' },
      'sum(rate(node_interrupts_total{node="node-1"}[30s])) by (node)',
    ],
  ])('%s describes %s and queries it', async (path, object, labels, describedObject, query) => {
    const backend = stubBackend({ existing: [object], samples: [sample(labels, 1)] });
    const answer = await getCustomMetric(request(path), backend);
    expect(answer.body.items.map((i) => i.describedObject)).toEqual([describedObject]);
    expect(backend.queries).toEqual([{ expr: query, timeMs: NOW }]);
  });

  it.each<[number, string]>([
    [0.5, '500m'],
    [1500, '1500'],
    [2.5e-7, '250n'],
    [2000, '2k'],
    [0, '0'],
    [-1.5, '-1500m'],
    [1e-10, '0'],
    [1.2500000000000002, '1250m'],
  ])('value %s → %s', async (value, want) => {
    const backend = stubBackend({ existing: ['prod/web-1'], samples: [sample({ pod: 'web-1' }, value)] });
    const answer = await getCustomMetric(request(`namespaces/prod/pods/web-1/${METRIC}`), backend);
    expect(answer.body.items.map((i) => i.value)).toEqual([want]);
  });

  it.each<[number, string]>([
    [Date.UTC(2023, 10, 14, 22, 13, 20, 999), '2023-11-14T22:13:20Z'],
    [Date.UTC(2024, 1, 29, 0, 0, 0, 0), '2024-02-29T00:00:00Z'],
  ])('timestamp comes from the sample (%s → %s), not from the clock', async (timestampMs, want) => {
    const backend = stubBackend({
      existing: ['prod/web-1'],
      samples: [sample({ pod: 'web-1' }, 1, timestampMs)],
    });
    const answer = await getCustomMetric(request(`namespaces/prod/pods/web-1/${METRIC}`), backend);
    expect(answer.body.items.map((i) => i.timestamp)).toEqual([want]);
    expect(backend.queries.map((q) => q.timeMs)).toEqual([NOW]);
  });

  it('passes namespace and labelSelector to the object source', async () => {
    const backend = stubBackend({ names: ['web-1'], samples: [sample({ pod: 'web-1' }, 1)] });
    await getCustomMetric(request(`namespaces/prod/pods/*/${METRIC}`, 'labelSelector=app=web'), backend);
    expect(backend.namesCalls).toEqual([
      { resource: 'pods', namespace: 'prod', selector: [{ key: 'app', operator: '=', values: ['web'] }] },
    ]);
  });

  it('drops results for objects that were not selected and keeps the first sample per object', async () => {
    const backend = stubBackend({
      names: ['web-1', 'web-2'],
      samples: [
        sample({ pod: 'stranger' }, 9),
        sample({ pod: 'web-2' }, 2),
        sample({ service: 'web-1' }, 7),
        sample({ pod: 'web-1' }, 1),
        sample({ pod: 'web-1' }, 3),
      ],
    });
    const answer = await getCustomMetric(request(`namespaces/prod/pods/*/${METRIC}`), backend);
    expect(answer.body.items.map((i) => [i.describedObject.name, i.value])).toEqual([
      ['web-1', '1'],
      ['web-2', '2'],
    ]);
  });

  it('leaves out NaN and infinite values with a warning', async () => {
    const backend = stubBackend({
      names: ['web-1', 'web-2', 'web-3', 'web-4'],
      samples: [
        sample({ pod: 'web-1' }, Number.NaN),
        sample({ pod: 'web-2' }, Number.POSITIVE_INFINITY),
        sample({ pod: 'web-3' }, Number.NEGATIVE_INFINITY),
        sample({ pod: 'web-4' }, 4),
      ],
    });
    const answer = await getCustomMetric(request(`namespaces/prod/pods/*/${METRIC}`), backend);
    expect(answer.body.items.map((i) => i.describedObject.name)).toEqual(['web-4']);
    expect(answer.warnings).toEqual([
      `pods/web-1: ${METRIC} is NaN, left out`,
      `pods/web-2: ${METRIC} is Infinity, left out`,
      `pods/web-3: ${METRIC} is -Infinity, left out`,
    ]);
  });

  it('passes on what the store warned of beside the samples (a partial response)', async () => {
    const backend = stubBackend({
      existing: ['prod/web-1'],
      samples: [sample({ pod: 'web-1' }, 2)],
      storeWarnings: ['No StoreAPIs matched for this query'],
    });
    const answer = await getCustomMetric(request(`namespaces/prod/pods/web-1/${METRIC}`), backend);
    expect(answer.body.items).toHaveLength(1);
    expect(answer.warnings).toEqual([
      'the metrics store warned that this answer may be partial: No StoreAPIs matched for this query',
    ]);
  });

  it('is 404 when no finite value remains, and says why', async () => {
    const backend = stubBackend({
      existing: ['prod/web-1'],
      samples: [sample({ pod: 'web-1' }, Number.NaN)],
    });
    const err = await apiErrorOf(() =>
      getCustomMetric(request(`namespaces/prod/pods/web-1/${METRIC}`), backend),
    );
    expect(err.code).toBe(404);
    expect(err.message).toContain(`(values were not finite: pods/web-1: ${METRIC} is NaN, left out)`);
  });

  describe('404s', () => {
    it.each<[string, string, string, Parameters<typeof stubBackend>[0]]>([
      [
        'unknown resource',
        `namespaces/prod/widgets/w/${METRIC}`,
        'the cluster serves no resource "widgets"; use the plural name, with its group if any',
        {},
      ],
      [
        'a cluster-scoped resource under a namespace',
        `namespaces/prod/nodes/node-1/${NODE_METRIC}`,
        `nodes are cluster-scoped; ask for /nodes/node-1/${NODE_METRIC} without a namespace`,
        {},
      ],
      [
        'unknown metric',
        `namespaces/prod/pods/web-1/http_request_per_second`,
        `no series in Prometheus gives a metric named http_request_per_second for pods (did you mean ${METRIC}?)`,
        { existing: ['prod/web-1'] },
      ],
      [
        'a metric served for another resource',
        `namespaces/prod/pods/web-1/${NODE_METRIC}`,
        `metric ${NODE_METRIC} is served for nodes, not for pods`,
        { existing: ['prod/web-1'] },
      ],
      [
        'a namespaced metric asked without a namespace',
        `pods/web-1/${METRIC}`,
        `${METRIC} for pods is served per namespace; ask for /namespaces/NAMESPACE/pods/web-1/${METRIC}`,
        { existing: ['web-1'] },
      ],
      [
        'a cluster-wide metric asked in a namespace',
        'namespaces/prod/pods/web-1/standalone_per_second',
        'standalone_per_second for pods is served without a namespace; ask for /pods/web-1/standalone_per_second',
        { existing: ['prod/web-1'] },
      ],
      [
        'no objects matching the selector',
        `namespaces/prod/pods/*/${METRIC}?labelSelector=app=web`,
        `no pods matching labelSelector app = web in namespace prod, so there is no ${METRIC} to report`,
        { names: [] },
      ],
      [
        'no objects at all',
        `namespaces/prod/pods/*/${METRIC}`,
        `no pods in namespace prod, so there is no ${METRIC} to report`,
        { names: [] },
      ],
      [
        'object not found',
        `namespaces/prod/pods/web-9/${METRIC}`,
        'pods "web-9" not found in namespace prod',
        {},
      ],
      ['cluster-scoped object not found', `nodes/node-9/${NODE_METRIC}`, 'nodes "node-9" not found', {}],
    ])('%s', async (_what, target, message, opts) => {
      const [path = '', query = ''] = target.split('?');
      const backend = stubBackend(opts);
      const err = await apiErrorOf(() => getCustomMetric(request(path, query), backend));
      expect(err.code).toBe(404);
      expect(err.message).toContain(message);
      expect(backend.queries).toEqual([]);
    });

    it.each<[string, Parameters<typeof stubBackend>[0], string]>([
      [`namespaces/prod/pods/web-1/${METRIC}`, { existing: ['prod/web-1'] }, `pods "web-1"`],
      [`namespaces/prod/pods/*/${METRIC}`, { names: ['web-1', 'web-2'] }, 'any of the 2 selected pods'],
      [
        `namespaces/prod/pods/*/${METRIC}`,
        { names: ['web-1'], samples: [sample({ pod: 'web-2' }, 1)] },
        'any of the 1 selected pods',
      ],
    ])('no samples for %s', async (path, opts, what) => {
      const backend = stubBackend(opts);
      const err = await apiErrorOf(() => getCustomMetric(request(path), backend));
      expect(err.code).toBe(404);
      expect(err.message).toBe(`Prometheus has no ${METRIC} for ${what}; query: ${backend.queries[0]?.expr}`);
      expect(backend.queries).toHaveLength(1);
    });
  });

  it.each<[string, string]>([
    [
      'app.kubernetes.io/name=web',
      'metric label selector key "app.kubernetes.io/name" is not a Prometheus label name',
    ],
    ['example.com/tier', 'metric label selector key "example.com/tier" is not a Prometheus label name'],
    ['code>400', 'operator "gt" in metric label selector cannot be expressed in PromQL'],
  ])('metricLabelSelector %s → 400', async (selector, message) => {
    const backend = stubBackend({ existing: ['prod/web-1'] });
    const err = await apiErrorOf(() =>
      getCustomMetric(
        request(
          `namespaces/prod/pods/web-1/${METRIC}`,
          new URLSearchParams({ metricLabelSelector: selector }).toString(),
        ),
        backend,
      ),
    );
    expect(err.code).toBe(400);
    expect(err.message).toContain(message);
    expect(backend.queries).toEqual([]);
  });

  it.each<[string, string]>([
    ['verb=GET', 'verb="GET"'],
    ['verb!=GET', 'verb!="GET"'],
    ['verb in (GET,PUT)', 'verb=~"GET|PUT"'],
    ['verb notin (GET,PUT)', 'verb!~"GET|PUT"'],
    ['verb', 'verb!=""'],
    ['!verb', 'verb=""'],
  ])('metricLabelSelector %s adds %s to the query', async (selector, want) => {
    const backend = stubBackend({ existing: ['prod/web-1'], samples: [sample({ pod: 'web-1' }, 1)] });
    await getCustomMetric(
      request(
        `namespaces/prod/pods/web-1/${METRIC}`,
        new URLSearchParams({ metricLabelSelector: selector }).toString(),
      ),
      backend,
    );
    expect(backend.queries[0]?.expr).toBe(
      `sum(rate(http_requests_total{namespace="prod",pod="web-1",${want}}[30s])) by (pod)`,
    );
  });

  it.each<[number, boolean]>([
    [1, false],
    [2, false],
    [100, false],
    [101, true],
    [250, true],
  ])('%i selected pods: whole namespace queried = %s', async (count, wholeNamespace) => {
    const names = Array.from({ length: count }, (_, i) => `pod-${i}`);
    const backend = stubBackend({
      names,
      samples: [sample({ pod: 'outsider' }, 5), ...names.map((pod) => sample({ pod }, 1))],
    });
    const answer = await getCustomMetric(request(`namespaces/prod/pods/*/${METRIC}`), backend);
    const expr = backend.queries[0]?.expr ?? '';
    const podMatcher = wholeNamespace
      ? 'pod=~".+"'
      : count === 1
        ? 'pod="pod-0"'
        : `pod=~"${names.join('|')}"`;
    expect(expr).toBe(`sum(rate(http_requests_total{namespace="prod",${podMatcher}}[30s])) by (pod)`);
    // Whatever the query selected, only the selected pods are answered.
    expect(answer.body.items).toHaveLength(count);
    expect(answer.body.items.some((i) => i.describedObject.name === 'outsider')).toBe(false);
  });

  it('escapes object names in the alternation', async () => {
    const backend = stubBackend({ names: ['web.1', 'web+2', 'a"b'], samples: [sample({ pod: 'web.1' }, 1)] });
    await getCustomMetric(request(`namespaces/prod/pods/*/${METRIC}`), backend);
    expect(backend.queries[0]?.expr).toBe(
      'sum(rate(http_requests_total{namespace="prod",pod=~"web\\\\.1|web\\\\+2|a\\"b"}[30s])) by (pod)',
    );
  });
});

describe('toLabelSelector', () => {
  it.each<[string, ReturnType<typeof toLabelSelector>]>([
    ['', null],
    ['verb=GET', { matchLabels: { verb: 'GET' } }],
    ['verb==GET', { matchLabels: { verb: 'GET' } }],
    ['code=200,verb=GET', { matchLabels: { code: '200', verb: 'GET' } }],
    ['verb in (PUT,GET)', { matchExpressions: [{ key: 'verb', operator: 'In', values: ['GET', 'PUT'] }] }],
    ['verb!=GET', { matchExpressions: [{ key: 'verb', operator: 'NotIn', values: ['GET'] }] }],
    ['verb notin (GET)', { matchExpressions: [{ key: 'verb', operator: 'NotIn', values: ['GET'] }] }],
    ['verb', { matchExpressions: [{ key: 'verb', operator: 'Exists', values: [] }] }],
    ['!verb', { matchExpressions: [{ key: 'verb', operator: 'DoesNotExist', values: [] }] }],
    [
      'code=200,verb in (GET),!canary',
      {
        matchLabels: { code: '200' },
        matchExpressions: [
          { key: 'canary', operator: 'DoesNotExist', values: [] },
          { key: 'verb', operator: 'In', values: ['GET'] },
        ],
      },
    ],
  ])('%j', (selector, want) => {
    expect(toLabelSelector(parseSelector(selector))).toEqual(want);
  });
});
