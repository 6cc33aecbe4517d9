import { describe, expect, it } from 'vitest';
import { getHistory, type LiveAuthorizer, livePath, parseHistoryPath } from '../../../proxy/apis/history.ts';
import type { HistoryRequest } from '../../../proxy/apis/history-series.ts';
import { createRouter } from '../../../proxy/apis/router.ts';
import { ApiError } from '../../../proxy/apis/status.ts';
import type { PrometheusSeries } from '../../../proxy/prometheus/client.ts';
import { parseAdapterConfig } from '../../../proxy/rules/config.ts';
import { compileResourceRules } from '../../../proxy/rules/resource-rules.ts';
import { adapterDefaultConfig } from '../rules/fixtures.ts';
import {
  allowLive,
  apiErrorOf,
  mapper,
  type StubBackend,
  type StubOptions,
  stubBackend,
} from './fixtures.ts';

const METRIC = 'http_requests_per_second';
const END_S = 1_796_612_400;
const RANGE = `start=${END_S - 60}&end=${END_S}&step=15s`;

const RESOURCE_RULES = (() => {
  const config = parseAdapterConfig(adapterDefaultConfig(''), 'test.yaml');
  if (!config.resourceRules) throw new Error('fixture has no resourceRules');
  return compileResourceRules(config.resourceRules, mapper);
})();

function parse(path: string, query = ''): HistoryRequest {
  const parsed = parseHistoryPath(path.split('/'), new URLSearchParams(query));
  if (!parsed) throw new Error(`not a history path: ${path}`);
  return parsed;
}

/** A series of a range answer with points at END_S - 60 + 15·i for each value (undefined: no sample). */
function series(labels: Record<string, string>, ...values: (number | undefined)[]): PrometheusSeries {
  const points: [number, number][] = [];
  values.forEach((v, i) => {
    if (v !== undefined) points.push([(END_S - 60 + 15 * i) * 1000, v]);
  });
  return { labels, points };
}

interface Asked {
  backend: StubBackend;
  authorized: string[];
  answer: Awaited<ReturnType<typeof getHistory>>;
}

async function history(
  path: string,
  query = RANGE,
  opts: StubOptions = {},
  withRules = true,
): Promise<Asked> {
  const backend = stubBackend(opts);
  if (withRules) backend.resourceRules = RESOURCE_RULES;
  const authorized: string[] = [];
  const authorize: LiveAuthorizer = async (p) => {
    authorized.push(p);
  };
  const q = new URLSearchParams(query);
  const answer = await getHistory(parse(path, query), q, backend, authorize);
  return { backend, authorized, answer };
}

describe('parseHistoryPath', () => {
  it.each<[string, string, Record<string, unknown>]>([
    [
      'a namespaced custom metric of every pod',
      `namespaces/prod/custommetrics/pods/*/${METRIC}`,
      {
        kind: 'custommetrics',
        custom: { resourceText: 'pods', namespace: 'prod', name: '*', metric: METRIC },
      },
    ],
    [
      'a custom metric of a deployment',
      `namespaces/prod/custommetrics/deployments.apps/web/${METRIC}`,
      {
        kind: 'custommetrics',
        custom: { resourceText: 'deployments.apps', namespace: 'prod', name: 'web', metric: METRIC },
      },
    ],
    [
      'a cluster-scoped custom metric',
      'custommetrics/nodes/node-1/node_interrupts_per_second',
      {
        kind: 'custommetrics',
        custom: {
          resourceText: 'nodes',
          namespace: undefined,
          name: 'node-1',
          metric: 'node_interrupts_per_second',
        },
      },
    ],
    [
      "a namespace's own metric",
      `custommetrics/namespaces/prod/${METRIC}`,
      {
        kind: 'custommetrics',
        custom: { resourceText: 'namespaces', namespace: undefined, name: 'prod', metric: METRIC },
      },
    ],
    [
      'an external metric',
      'namespaces/apps/externalmetrics/queue_depth',
      { kind: 'externalmetrics', namespace: 'apps', metric: 'queue_depth' },
    ],
    [
      "a namespace's pod metrics",
      'namespaces/prod/podmetrics',
      { kind: 'podmetrics', namespace: 'prod', name: undefined },
    ],
    [
      "a pod's metrics",
      'namespaces/prod/podmetrics/web-1',
      { kind: 'podmetrics', namespace: 'prod', name: 'web-1' },
    ],
    ['node metrics', 'nodemetrics', { kind: 'nodemetrics', name: undefined }],
    ["a node's metrics", 'nodemetrics/node-1', { kind: 'nodemetrics', name: 'node-1' }],
    [
      'an HPA',
      'namespaces/prod/horizontalpodautoscalers/web',
      { kind: 'horizontalpodautoscalers', namespace: 'prod', name: 'web' },
    ],
    ["a namespace's pods", 'namespaces/prod/pods', { kind: 'pods', namespace: 'prod' }],
  ])('%s', (_what, path, want) => {
    expect(parse(path)).toMatchObject(want);
  });

  it.each<[string, string]>([
    ['a custom resource without metric', 'namespaces/prod/custommetrics/pods/web-1'],
    ['a custom path with a segment too many', `namespaces/prod/custommetrics/pods/web-1/${METRIC}/x`],
    ["the live API's namespace form", `custommetrics/namespaces/prod/metrics/${METRIC}`],
    ['a cluster custom path too short', 'custommetrics/nodes/node-1'],
    ['an external metric without a namespace', 'externalmetrics/queue_depth'],
    ['an external path with a segment too many', 'namespaces/apps/externalmetrics/q/x'],
    ['pod metrics with a segment too many', 'namespaces/prod/podmetrics/web-1/x'],
    ['node metrics with a segment too many', 'nodemetrics/node-1/x'],
    ['an HPA without a name', 'namespaces/prod/horizontalpodautoscalers'],
    ['a pod by name', 'namespaces/prod/pods/web-1'],
    ['pods across namespaces', 'pods'],
    ['an unknown resource', 'namespaces/prod/deployments'],
    ['a namespace alone', 'namespaces/prod'],
  ])('%s is no history path', (_what, path) => {
    expect(parseHistoryPath(path.split('/'), new URLSearchParams())).toBeUndefined();
  });

  it('reads labelSelector and metricLabelSelector as the live API does', () => {
    const req = parse(
      `namespaces/prod/custommetrics/pods/*/${METRIC}`,
      'labelSelector=app=web&metricLabelSelector=verb=GET',
    );
    expect(req).toMatchObject({
      custom: {
        labelSelector: [{ key: 'app', operator: '=', values: ['web'] }],
        metricSelector: [{ key: 'verb', operator: '=', values: ['GET'] }],
      },
    });
  });
});

describe('livePath: the request each history request is authorized as', () => {
  it.each<[string, string]>([
    [
      `namespaces/prod/custommetrics/pods/*/${METRIC}`,
      `/apis/custom.metrics.k8s.io/v1beta2/namespaces/prod/pods/*/${METRIC}`,
    ],
    [
      `namespaces/prod/custommetrics/deployments.apps/web/${METRIC}`,
      `/apis/custom.metrics.k8s.io/v1beta2/namespaces/prod/deployments.apps/web/${METRIC}`,
    ],
    ['custommetrics/nodes/node-1/m', '/apis/custom.metrics.k8s.io/v1beta2/nodes/node-1/m'],
    [
      `custommetrics/namespaces/prod/${METRIC}`,
      `/apis/custom.metrics.k8s.io/v1beta2/namespaces/prod/metrics/${METRIC}`,
    ],
    [
      'namespaces/apps/externalmetrics/queue_depth',
      '/apis/external.metrics.k8s.io/v1beta1/namespaces/apps/queue_depth',
    ],
    ['namespaces/prod/podmetrics', '/apis/metrics.k8s.io/v1beta1/namespaces/prod/pods'],
    ['namespaces/prod/podmetrics/web-1', '/apis/metrics.k8s.io/v1beta1/namespaces/prod/pods/web-1'],
    ['nodemetrics', '/apis/metrics.k8s.io/v1beta1/nodes'],
    ['nodemetrics/node-1', '/apis/metrics.k8s.io/v1beta1/nodes/node-1'],
    [
      'namespaces/prod/horizontalpodautoscalers/web',
      '/apis/autoscaling/v2/namespaces/prod/horizontalpodautoscalers/web',
    ],
    ['namespaces/prod/pods', '/api/v1/namespaces/prod/pods'],
  ])('%s → %s', (path, live) => {
    // `*` is kept as the live clients send it once decoded (request-info decodes each segment).
    expect(decodeURIComponent(livePath(parse(path)))).toBe(live);
  });

  it('escapes what a segment cannot hold', () => {
    expect(livePath(parse('custommetrics/nodes/a b/m'))).toBe(
      '/apis/custom.metrics.k8s.io/v1beta2/nodes/a%20b/m',
    );
  });
});

describe('custom metrics history', () => {
  it('evaluates the live rule for every pod of the namespace as a range query', async () => {
    const { backend, authorized } = await history(`namespaces/prod/custommetrics/pods/*/${METRIC}`);
    expect(backend.rangeQueries).toEqual([
      {
        expr: 'sum(rate(http_requests_total{namespace="prod",pod=~".+"}[30s])) by (pod)',
        range: { startMs: (END_S - 60) * 1000, endMs: END_S * 1000, stepMs: 15_000 },
        backend: '',
      },
    ]);
    expect(authorized).toEqual([
      `/apis/custom.metrics.k8s.io/v1beta2/namespaces/prod/pods/${encodeURIComponent('*')}/${METRIC}`,
    ]);
    // No pod is looked up: pods gone since have their history too.
    expect(backend.namesCalls).toEqual([]);
    expect(backend.existsCalls).toEqual([]);
    expect(backend.queries).toEqual([]);
  });

  it('maps each series to its pod, values formatted as the live answer, gaps kept', async () => {
    const matrix = [
      series({ pod: 'web-2' }, 2, 2.5),
      series({ pod: 'web-1' }, 0.1 + 0.2, undefined, 1500, Number.NaN),
      series({ other: 'x' }, 1),
    ];
    const { answer } = await history(`namespaces/prod/custommetrics/pods/*/${METRIC}`, RANGE, { matrix });
    expect(answer.body).toEqual({
      kind: 'MetricHistory',
      apiVersion: 'history.cmetrics.io/v1alpha1',
      metadata: {},
      start: '2026-12-07T02:59:00Z',
      end: '2026-12-07T03:00:00Z',
      step: '15s',
      series: [
        {
          describedObject: { kind: 'Pod', namespace: 'prod', name: 'web-1', apiVersion: 'v1' },
          metric: { name: METRIC, selector: null },
          points: [
            [END_S - 60, '300m'],
            [END_S - 30, '1500'],
          ],
        },
        {
          describedObject: { kind: 'Pod', namespace: 'prod', name: 'web-2', apiVersion: 'v1' },
          metric: { name: METRIC, selector: null },
          points: [
            [END_S - 60, '2'],
            [END_S - 45, '2500m'],
          ],
        },
      ],
      source: 'prometheus',
    });
    expect(answer.warnings).toEqual([`pods/web-1: ${METRIC}: 1 points were not finite, left out`]);
  });

  it('asks for the named object only, whether or not it exists now', async () => {
    const matrix = [series({ pod: 'web-1' }, 1), series({ pod: 'web-9' }, 9)];
    const { backend, answer } = await history(`namespaces/prod/custommetrics/pods/web-1/${METRIC}`, RANGE, {
      matrix,
    });
    expect(backend.rangeQueries[0]?.expr).toBe(
      'sum(rate(http_requests_total{namespace="prod",pod="web-1"}[30s])) by (pod)',
    );
    expect(backend.existsCalls).toEqual([]);
    expect(answer.body.series.map((s) => s.describedObject?.name)).toEqual(['web-1']);
  });

  it('narrows a wildcard by labelSelector to the pods that match now and those that matched during the range, and echoes metricLabelSelector', async () => {
    const { backend, answer } = await history(
      `namespaces/prod/custommetrics/pods/*/${METRIC}`,
      `${RANGE}&labelSelector=app=web&metricLabelSelector=verb=GET`,
      {
        names: ['web-1', 'web-2'],
        // web-0 was scaled away since: only kube-state-metrics still knows it matched.
        matrix: (expr) =>
          expr.includes('kube_pod_labels')
            ? [series({ pod: 'web-0' }, 1), series({ pod: 'web-1' }, 1)]
            : [series({ pod: 'web-0' }, 2), series({ pod: 'web-1' }, 1), series({ pod: 'db-1' }, 1)],
      },
    );
    expect(backend.namesCalls).toEqual([
      { resource: 'pods', namespace: 'prod', selector: [{ key: 'app', operator: '=', values: ['web'] }] },
    ]);
    expect(backend.rangeQueries.map((q) => q.expr)).toEqual([
      'group by (pod) (kube_pod_labels{namespace="prod"}) and on (pod) max by (pod) (kube_pod_labels{namespace="prod",label_app="web"})',
      'sum(rate(http_requests_total{namespace="prod",pod=~"web-1|web-2|web-0",verb="GET"}[30s])) by (pod)',
    ]);
    expect(answer.body.series).toEqual([
      {
        describedObject: { kind: 'Pod', namespace: 'prod', name: 'web-0', apiVersion: 'v1' },
        metric: { name: METRIC, selector: { matchLabels: { verb: 'GET' } } },
        points: [[END_S - 60, '2']],
      },
      {
        describedObject: { kind: 'Pod', namespace: 'prod', name: 'web-1', apiVersion: 'v1' },
        metric: { name: METRIC, selector: { matchLabels: { verb: 'GET' } } },
        points: [[END_S - 60, '1']],
      },
    ]);
  });

  it('answers no series, and asks no metric, when no pod matches labelSelector now or during the range', async () => {
    const { backend, answer } = await history(
      `namespaces/prod/custommetrics/pods/*/${METRIC}`,
      `${RANGE}&labelSelector=app=none`,
      { names: [] },
    );
    expect(backend.rangeQueries.map((q) => q.expr)).toEqual([
      'group by (pod) (kube_pod_labels{namespace="prod"}) and on (pod) max by (pod) (kube_pod_labels{namespace="prod",label_app="none"})',
    ]);
    expect(answer.body.series).toEqual([]);
  });

  it("reads a namespace's own metric without a namespace matcher", async () => {
    const { backend, answer } = await history(`custommetrics/namespaces/prod/${METRIC}`, RANGE, {
      matrix: [series({ namespace: 'prod' }, 4)],
    });
    expect(backend.rangeQueries[0]?.expr).toBe(
      'sum(rate(http_requests_total{namespace="prod"}[30s])) by (namespace)',
    );
    expect(answer.body.series[0]?.describedObject).toEqual({
      kind: 'Namespace',
      name: 'prod',
      apiVersion: 'v1',
    });
  });

  it.each<[string, number, string | RegExp]>([
    ['an unknown resource', 404, /^the cluster serves no resource "widgets"/],
    ['an unknown metric', 404, /^no series in Prometheus gives a metric named nope for pods/],
  ])('%s: the live answer’s error', async (what, code, message) => {
    const path =
      what === 'an unknown resource'
        ? `namespaces/prod/custommetrics/widgets/*/${METRIC}`
        : 'namespaces/prod/custommetrics/pods/*/nope';
    const e = await apiErrorOf(() => history(path));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
  });

  it('passes on what the metrics store warned of', async () => {
    const { answer } = await history(`namespaces/prod/custommetrics/pods/*/${METRIC}`, RANGE, {
      matrix: [],
      storeWarnings: ['store b did not answer'],
    });
    expect(answer.warnings).toEqual([
      'the metrics store warned that this answer may be partial: store b did not answer',
    ]);
  });
});

describe('external metrics history', () => {
  it('evaluates the external rule and keeps each series with its labels, sorted as live', async () => {
    const matrix = [series({ __name__: 'x', queue: 'b' }, 3), series({ queue: 'a' }, 0.5, 0.25)];
    const { backend, answer, authorized } = await history(
      'namespaces/apps/externalmetrics/jobs_processed_per_second',
      `${RANGE}&labelSelector=queue in (a,b)`,
      { matrix },
    );
    expect(backend.rangeQueries[0]?.expr).toBe(
      'sum(rate(jobs_processed_total{namespace="apps",queue=~"a|b"}[2m])) by (queue)',
    );
    expect(authorized).toEqual([
      '/apis/external.metrics.k8s.io/v1beta1/namespaces/apps/jobs_processed_per_second',
    ]);
    const selector = { matchExpressions: [{ key: 'queue', operator: 'In', values: ['a', 'b'] }] };
    expect(answer.body.series).toEqual([
      {
        metric: { name: 'jobs_processed_per_second', selector },
        metricLabels: { queue: 'a' },
        points: [
          [END_S - 60, '500m'],
          [END_S - 45, '250m'],
        ],
      },
      {
        metric: { name: 'jobs_processed_per_second', selector },
        metricLabels: { queue: 'b' },
        points: [[END_S - 60, '3']],
      },
    ]);
  });

  it('refuses a metric no external rule serves, as live', async () => {
    const e = await apiErrorOf(() => history('namespaces/apps/externalmetrics/nope'));
    expect(e.code).toBe(404);
    expect(e.message).toMatch(/^no series in Prometheus gives an external metric named nope/);
  });
});

describe('resource metrics history', () => {
  const cpuOrMemory = (expr: string) => (expr.includes('cpu') ? 'cpu' : 'memory');

  it("evaluates the resourceRules' container queries for the namespace, per pod and container", async () => {
    const matrix = (expr: string) =>
      cpuOrMemory(expr) === 'cpu'
        ? [
            series({ namespace: 'prod', pod: 'web-1', container: 'app' }, 0.15, 0.150000001),
            series({ namespace: 'prod', pod: 'web-1', container: 'sidecar' }, -1),
            series({ namespace: 'prod', pod: 'web-1' }, 1),
          ]
        : [series({ namespace: 'prod', pod: 'web-1', container: 'app' }, 1024 * 1024 * 20)];
    const { backend, answer, authorized } = await history('namespaces/prod/podmetrics', RANGE, { matrix });
    expect(backend.rangeQueries.map((q) => q.expr)).toEqual([
      'sum(rate(container_cpu_usage_seconds_total{namespace="prod",pod=~".+"}[1m])) by (pod,namespace,container)',
      'sum(container_memory_working_set_bytes{namespace="prod",pod=~".+"}) by (pod,namespace,container)',
    ]);
    expect(authorized).toEqual(['/apis/metrics.k8s.io/v1beta1/namespaces/prod/pods']);
    const pod = { kind: 'Pod', namespace: 'prod', name: 'web-1', apiVersion: 'v1' };
    expect(answer.body.series).toEqual([
      {
        describedObject: pod,
        container: 'app',
        resource: 'cpu',
        points: [
          [END_S - 60, '150m'],
          [END_S - 45, '150000001n'],
        ],
      },
      { describedObject: pod, container: 'app', resource: 'memory', points: [[END_S - 60, '20Mi']] },
    ]);
    expect(answer.warnings).toEqual([
      'pod prod/web-1 container sidecar cpu: 1 points were not usable (NaN, ±Inf or negative), left out',
    ]);
  });

  it('asks for one pod by name', async () => {
    const { backend } = await history('namespaces/prod/podmetrics/web-1');
    expect(backend.rangeQueries[0]?.expr).toBe(
      'sum(rate(container_cpu_usage_seconds_total{namespace="prod",pod="web-1"}[1m])) by (pod,namespace,container)',
    );
  });

  it('evaluates the node queries, per node and resource', async () => {
    const matrix = (expr: string) =>
      cpuOrMemory(expr) === 'cpu'
        ? [series({ instance: 'node-2' }, 2), series({ instance: 'node-1' }, 1.5)]
        : [];
    const { backend, answer } = await history('nodemetrics', RANGE, { matrix });
    expect(backend.rangeQueries.map((q) => q.expr)).toEqual([
      `sum(rate(container_cpu_usage_seconds_total{instance=~".+", id='/'}[1m])) by (instance)`,
      `sum(container_memory_working_set_bytes{instance=~".+",id='/'}) by (instance)`,
    ]);
    expect(answer.body.series).toEqual([
      {
        describedObject: { kind: 'Node', name: 'node-1', apiVersion: 'v1' },
        resource: 'cpu',
        points: [[END_S - 60, '1500m']],
      },
      {
        describedObject: { kind: 'Node', name: 'node-2', apiVersion: 'v1' },
        resource: 'cpu',
        points: [[END_S - 60, '2']],
      },
    ]);
  });

  it('is not served without resourceRules', async () => {
    const e = await apiErrorOf(() => history('nodemetrics', RANGE, {}, false));
    expect(e.code).toBe(404);
    expect(e.message).toBe('metrics.k8s.io is not served: the configuration has no resourceRules');
  });
});

describe('HPA history from kube-state-metrics', () => {
  it('reads the four replica series of the HPA, one per kube-state-metrics object', async () => {
    const matrix = (expr: string) =>
      expr.includes('current')
        ? [series({ horizontalpodautoscaler: 'web' }, 1, 2, 3)]
        : expr.includes('max_')
          ? [series({ horizontalpodautoscaler: 'web' }, 10)]
          : [];
    const { backend, answer, authorized } = await history(
      'namespaces/prod/horizontalpodautoscalers/web',
      RANGE,
      { matrix },
    );
    expect(backend.rangeQueries.map((q) => q.expr)).toEqual([
      'max by (horizontalpodautoscaler) (kube_horizontalpodautoscaler_status_current_replicas{namespace="prod",horizontalpodautoscaler="web"})',
      'max by (horizontalpodautoscaler) (kube_horizontalpodautoscaler_status_desired_replicas{namespace="prod",horizontalpodautoscaler="web"})',
      'max by (horizontalpodautoscaler) (kube_horizontalpodautoscaler_spec_min_replicas{namespace="prod",horizontalpodautoscaler="web"})',
      'max by (horizontalpodautoscaler) (kube_horizontalpodautoscaler_spec_max_replicas{namespace="prod",horizontalpodautoscaler="web"})',
    ]);
    expect(authorized).toEqual(['/apis/autoscaling/v2/namespaces/prod/horizontalpodautoscalers/web']);
    const hpa = {
      kind: 'HorizontalPodAutoscaler',
      namespace: 'prod',
      name: 'web',
      apiVersion: 'autoscaling/v2',
    };
    expect(answer.body).toMatchObject({
      kind: 'HorizontalPodAutoscalerHistory',
      source: 'kube-state-metrics',
      series: [
        {
          describedObject: hpa,
          name: 'currentReplicas',
          points: [
            [END_S - 60, '1'],
            [END_S - 45, '2'],
            [END_S - 30, '3'],
          ],
        },
        { describedObject: hpa, name: 'maxReplicas', points: [[END_S - 60, '10']] },
      ],
    });
  });

  it('answers source none and no series without kube-state-metrics', async () => {
    const { answer } = await history('namespaces/prod/horizontalpodautoscalers/web', RANGE, { matrix: [] });
    expect(answer.body).toMatchObject({ kind: 'HorizontalPodAutoscalerHistory', series: [], source: 'none' });
  });
});

describe('pod lifecycle from kube-state-metrics', () => {
  it('reads ready, startTime and deleted per pod', async () => {
    const matrix = (expr: string) =>
      expr.includes('ready')
        ? [series({ pod: 'web-2' }, 0, 1), series({ pod: 'web-1' }, 1)]
        : expr.includes('start_time')
          ? [series({ pod: 'web-1' }, 1_796_612_000)]
          : [series({ pod: 'web-1' }, undefined, 1)];
    const { backend, answer, authorized } = await history('namespaces/prod/pods', RANGE, { matrix });
    expect(backend.rangeQueries.map((q) => q.expr)).toEqual([
      'max by (pod) (kube_pod_status_ready{namespace="prod",condition="true"})',
      'max by (pod) (kube_pod_start_time{namespace="prod"})',
      'max by (pod) (kube_pod_deletion_timestamp{namespace="prod"}) > bool 0',
    ]);
    expect(authorized).toEqual(['/api/v1/namespaces/prod/pods']);
    const pod = (name: string) => ({ kind: 'Pod', namespace: 'prod', name, apiVersion: 'v1' });
    expect(answer.body).toMatchObject({
      kind: 'PodHistory',
      source: 'kube-state-metrics',
      series: [
        { describedObject: pod('web-1'), name: 'ready', points: [[END_S - 60, '1']] },
        { describedObject: pod('web-1'), name: 'startTime', points: [[END_S - 60, '1796612000']] },
        { describedObject: pod('web-1'), name: 'deleted', points: [[END_S - 45, '1']] },
        {
          describedObject: pod('web-2'),
          name: 'ready',
          points: [
            [END_S - 60, '0'],
            [END_S - 45, '1'],
          ],
        },
      ],
    });
  });

  it('keeps the pods whose kube_pod_labels match labelSelector, at each step', async () => {
    const { backend } = await history(
      'namespaces/prod/pods',
      `${RANGE}&labelSelector=app.kubernetes.io/name=web,tier!=db`,
    );
    expect(backend.rangeQueries[0]?.expr).toBe(
      'max by (pod) (kube_pod_status_ready{namespace="prod",condition="true"}) and on (pod) max by (pod) (kube_pod_labels{namespace="prod",label_app_kubernetes_io_name="web",label_tier!="db"})',
    );
  });
});

describe('getHistory', () => {
  it('checks the live access before asking anything, and answers its 403', async () => {
    const backend = stubBackend();
    const denied = new ApiError(403, 'pods.custom.metrics.k8s.io is forbidden');
    const e = await apiErrorOf(() =>
      getHistory(
        parse(`namespaces/prod/custommetrics/pods/*/${METRIC}`),
        new URLSearchParams(),
        backend,
        async () => {
          throw denied;
        },
      ),
    );
    expect(e).toBe(denied);
    expect(backend.rangeQueries).toEqual([]);
  });

  it('checks the range before the live access', async () => {
    let asked = false;
    const e = await apiErrorOf(() =>
      getHistory(parse('nodemetrics'), new URLSearchParams('step=0s'), stubBackend(), async () => {
        asked = true;
      }),
    );
    expect(e.code).toBe(400);
    expect(asked).toBe(false);
  });

  it('refuses a watch', async () => {
    const e = await apiErrorOf(() => history('nodemetrics', `${RANGE}&watch=true`));
    expect(e.code).toBe(405);
  });

  it('ends at the evaluation time by default, an hour long', async () => {
    const backend = stubBackend({ now: END_S * 1000 });
    const answer = await getHistory(parse('namespaces/prod/pods'), new URLSearchParams(), backend, allowLive);
    expect(answer.body).toMatchObject({
      start: '2026-12-07T02:00:00Z',
      end: '2026-12-07T03:00:00Z',
      step: '15s',
    });
  });
});

describe('history through the router', () => {
  const get = (path: string) =>
    createRouter(stubBackend())({
      method: 'GET',
      path,
      query: new URLSearchParams(),
      authorizeLive: allowLive,
    });

  it('lists the history resources', async () => {
    const answer = await get('/apis/history.cmetrics.io/v1alpha1');
    expect(answer.body).toMatchObject({
      kind: 'APIResourceList',
      groupVersion: 'history.cmetrics.io/v1alpha1',
    });
    const resources = (
      answer.body as { resources: { name: string; namespaced: boolean; kind: string; verbs: string[] }[] }
    ).resources;
    expect(resources.map((r) => [r.name, r.namespaced, r.kind, r.verbs.join(',')])).toEqual([
      ['custommetrics', true, 'MetricHistory', 'get,list'],
      ['externalmetrics', true, 'MetricHistory', 'get,list'],
      ['podmetrics', true, 'MetricHistory', 'get,list'],
      ['nodemetrics', false, 'MetricHistory', 'get,list'],
      ['horizontalpodautoscalers', true, 'HorizontalPodAutoscalerHistory', 'get,list'],
      ['pods', true, 'PodHistory', 'get,list'],
    ]);
  });

  it('answers the group with its one version', async () => {
    expect((await get('/apis/history.cmetrics.io')).body).toMatchObject({
      kind: 'APIGroup',
      preferredVersion: { version: 'v1alpha1' },
    });
  });

  it.each([
    '/apis/history.cmetrics.io/v1alpha1/namespaces/Bad_NS/podmetrics',
    '/apis/history.cmetrics.io/v1alpha1/custommetrics/namespaces/Bad_NS/http_requests_per_second',
  ])('refuses a namespace that is no DNS label: %s', async (path) => {
    const e = await apiErrorOf(() => get(path));
    expect(e.code).toBe(400);
    expect(e.message).toMatch(/^namespace "Bad_NS" is not a valid namespace name/);
  });

  it('answers 404 for a path that is no history', async () => {
    const e = await apiErrorOf(() => get('/apis/history.cmetrics.io/v1alpha1/namespaces/prod/deployments'));
    expect(e.code).toBe(404);
  });

  it('serves a history answer', async () => {
    const answer = await get(
      '/apis/history.cmetrics.io/v1alpha1/namespaces/prod/horizontalpodautoscalers/web',
    );
    expect(answer).toMatchObject({
      code: 200,
      body: { kind: 'HorizontalPodAutoscalerHistory', source: 'none' },
    });
  });
});
