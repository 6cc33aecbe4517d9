import { describe, expect, it } from 'vitest';
import { RequestFailed } from '../../../plugin/cluster/api.ts';
import { fetchHistory, replayHistory } from '../../../plugin/cluster/history.ts';
import { replay } from '../../../plugin/hpa/replay.ts';
import { DEFAULT_CONTROLLER_SETTINGS, type HPASnapshot } from '../../../plugin/hpa/snapshot.ts';
import { ALL_GROUPS, fakeSession, type Routes, status } from './fake.ts';

const H = '/apis/history.cmetrics.io/v1alpha1';

const START = Date.parse('2026-12-07T03:00:00Z');
const s = (ms: number) => ms / 1000;
const RANGE = { start: START, end: START + 45_000, stepMs: 15_000 };
type FetchedHistory = Parameters<typeof replayHistory>[0];

function hpaBody(metrics: unknown[], status: Record<string, unknown> = { currentReplicas: 2 }) {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'shop', uid: 'uid-web' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 10,
      metrics,
    },
    status,
  };
}
const PODS_QPS = {
  type: 'Pods',
  pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1' } },
};
const CPU = {
  type: 'Resource',
  resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
};
const QUEUE = {
  type: 'External',
  external: { metric: { name: 'queue' }, target: { type: 'Value', value: '10' } },
};

function snapshotOf(hpa: unknown, events: unknown[] = []): HPASnapshot {
  return {
    apiVersion: 'cmetrics.io/v1alpha1',
    kind: 'HPASnapshot',
    takenAt: new Date(RANGE.end).toISOString(),
    serverVersion: 'v1.37.0',
    controller: DEFAULT_CONTROLLER_SETTINGS,
    hpa: { path: 'hpa', body: hpa },
    scale: {
      path: 'scale',
      body: {
        kind: 'Scale',
        apiVersion: 'autoscaling/v1',
        spec: { replicas: 2 },
        status: { replicas: 2, selector: 'app=web' },
      },
    },
    pods: {
      path: 'pods',
      body: {
        kind: 'PodList',
        items: [
          {
            metadata: { name: 'web-1' },
            spec: { containers: [{ name: 'app', resources: { requests: { cpu: '100m' } } }] },
          },
        ],
      },
    },
    metrics: [],
    events: { path: 'events', body: { kind: 'EventList', items: events } },
  };
}

const pod = (name: string) => ({ kind: 'Pod', namespace: 'shop', name, apiVersion: '/v1' });

describe('replayHistory: history answers → steps', () => {
  it('maps pods, resource and external points to their steps, and the replica and pod series', () => {
    const fetched: FetchedHistory = {
      snapshot: snapshotOf(hpaBody([PODS_QPS, CPU, QUEUE])),
      range: RANGE,
      metrics: [
        {
          kind: 'MetricHistory',
          series: [
            {
              describedObject: pod('web-1'),
              points: [
                [s(START), '1500m'],
                [s(START + 15_000), '1'],
                [s(START + 99_000), '9'],
              ],
            },
            { describedObject: pod('web-2'), points: [[s(START), '500m']] },
          ],
        },
        {
          kind: 'MetricHistory',
          series: [
            { describedObject: pod('web-1'), container: 'app', resource: 'cpu', points: [[s(START), '50m']] },
            {
              describedObject: pod('web-1'),
              container: 'app',
              resource: 'memory',
              points: [[s(START), '1Gi']],
            },
            { describedObject: pod('web-1'), resource: 'cpu', points: [[s(START), '50m']] },
          ],
        },
        { kind: 'MetricHistory', series: [{ points: [[s(START + 30_000), '12']] }] },
      ],
      replicas: {
        kind: 'HorizontalPodAutoscalerHistory',
        source: 'kube-state-metrics',
        series: [
          {
            name: 'currentReplicas',
            points: [
              [s(START), '2'],
              [s(START + 15_000), '3'],
            ],
          },
          { name: 'desiredReplicas', points: [[s(START), '3']] },
        ],
      },
      pods: {
        kind: 'PodHistory',
        source: 'kube-state-metrics',
        series: [
          {
            name: 'ready',
            describedObject: pod('web-1'),
            points: [
              [s(START), '0'],
              [s(START + 15_000), '1'],
            ],
          },
          {
            name: 'startTime',
            describedObject: pod('web-1'),
            points: [[s(START), String(s(START - 60_000))]],
          },
        ],
      },
    };
    const { input, notes } = replayHistory(fetched);
    expect(input).toMatchObject({
      selector: 'app=web',
      start: START,
      stepMs: 15_000,
      initialReplicas: 2,
      serverVersion: 'v1.37.0',
    });
    expect(input.containers).toEqual([{ name: 'app', requests: { cpu: '100m' } }]);
    expect(input.steps).toHaveLength(4);
    expect(input.steps[0]?.metrics).toEqual([
      {
        kind: 'pods',
        values: [
          { pod: 'web-1', value: '1500m' },
          { pod: 'web-2', value: '500m' },
        ],
      },
      { kind: 'resource', values: [{ pod: 'web-1', container: 'app', value: '50m' }] },
      undefined,
    ]);
    expect(input.steps[2]?.metrics).toEqual([undefined, undefined, { kind: 'external', values: ['12'] }]);
    expect(input.steps.map((st) => st.actualReplicas)).toEqual([2, 3, undefined, undefined]);
    expect(input.steps[0]?.pods).toEqual([{ name: 'web-1', ready: false, startTime: START - 60_000 }]);
    expect(input.steps[1]?.pods).toEqual([
      { name: 'web-1', ready: true, startTime: START - 60_000, readySince: START + 15_000 },
    ]);
    expect(input.steps[2]?.pods).toEqual([]);
    expect(notes).toEqual(["utilization is against today's container requests: the history has no requests"]);
  });

  it('without replica history, the actual count comes from SuccessfulRescale events and lastScaleTime (approximate)', () => {
    const event = (size: number, at: number) => ({
      reason: 'SuccessfulRescale',
      message: `New size: ${size}; reason: pods metric qps above target`,
      lastTimestamp: new Date(at).toISOString(),
    });
    const fetched: FetchedHistory = {
      snapshot: snapshotOf(
        hpaBody([PODS_QPS], { currentReplicas: 5, lastScaleTime: new Date(START + 30_000).toISOString() }),
        [event(3, START + 10_000), event(5, START + 30_000)],
      ),
      range: RANGE,
      metrics: [{ kind: 'MetricHistory', series: [] }],
      replicas: { kind: 'HorizontalPodAutoscalerHistory', source: 'none', series: [] },
      pods: { kind: 'PodHistory', source: 'none', series: [] },
    };
    const { input, notes } = replayHistory(fetched);
    expect(input.steps.map((st) => st.actualReplicas)).toEqual([undefined, 3, 5, 5]);
    expect(input.steps[0]?.pods).toBeUndefined();
    expect(notes.join('\n')).toMatch(/SuccessfulRescale events .*approximate/);
    expect(notes.join('\n')).toMatch(/no pod history/);
    // Replayable as it is.
    expect(replay(input).steps).toHaveLength(4);
  });

  it('replayHistory: the fetched history replayed, and with --set the changed spec beside it', () => {
    // The total qps over two pods: 1, then 3.
    const perPod = [500, 1500, 1500, 1500];
    const series = (name: string) => ({
      describedObject: pod(name),
      points: perPod.map((m, k): [number, string] => [s(START + 15_000 * k), `${m}m`]),
    });
    const fetched: FetchedHistory = {
      snapshot: snapshotOf(hpaBody([PODS_QPS])),
      range: RANGE,
      metrics: [
        {
          kind: 'MetricHistory',
          series: [series('web-0'), series('web-1')],
        },
      ],
      replicas: { kind: 'HorizontalPodAutoscalerHistory', source: 'kube-state-metrics', series: [] },
      pods: { kind: 'PodHistory', source: 'none', series: [] },
    };
    const plain = replayHistory(fetched);
    expect(plain.whatIf).toBeUndefined();
    expect(plain.replay.steps.map((st) => st.replicas)).toEqual([2, 2, 3, 3]);
    const changed = replayHistory(fetched, ['target=500m']);
    // 6 wanted, at most max(2×2, 4) = 4 at once without behavior.
    expect(changed.whatIf?.changed.steps.map((st) => st.replicas)).toEqual([2, 2, 4, 6]);
    expect(changed.replay).toEqual(plain.replay);
  });
});

describe('fetchHistory', () => {
  const q = (path: string, query: Record<string, string>) => `${path}?${new URLSearchParams(query)}`;
  const window = { start: String(s(RANGE.start)), end: String(s(RANGE.end)), step: '15s' };
  const routes: Routes = {
    ...ALL_GROUPS,
    '/version': { gitVersion: 'v1.37.0' },
    '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web': hpaBody([PODS_QPS]),
    '/apis/apps/v1': {
      kind: 'APIResourceList',
      groupVersion: 'apps/v1',
      resources: [{ name: 'deployments', kind: 'Deployment', namespaced: true, verbs: ['get'] }],
    },
    '/apis/apps/v1/namespaces/shop/deployments/web/scale': {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      spec: { replicas: 2 },
      status: { replicas: 2, selector: 'app=web' },
    },
    [q(`${H}/namespaces/shop/custommetrics/pods/*/qps`, { labelSelector: 'app=web', ...window })]: {
      kind: 'MetricHistory',
      series: [{ describedObject: pod('web-1'), points: [[s(START), '2']] }],
    },
    [q(`${H}/namespaces/shop/horizontalpodautoscalers/web`, window)]: {
      kind: 'HorizontalPodAutoscalerHistory',
      source: 'kube-state-metrics',
      series: [{ name: 'currentReplicas', points: [[s(START), '2']] }],
    },
    [q(`${H}/namespaces/shop/pods`, { labelSelector: 'app=web', ...window })]: {
      kind: 'PodHistory',
      source: 'none',
      series: [],
    },
  };

  it('asks the history of each metric (the live call mirrored), of the HPA and of its pods', async () => {
    const { session, rest } = fakeSession(routes, 'shop');
    const fetched = await fetchHistory(session, 'web', DEFAULT_CONTROLLER_SETTINGS, RANGE);
    expect(rest.requests.filter((r) => r.startsWith(H))).toHaveLength(3);
    expect(fetched.metrics[0]?.series).toHaveLength(1);
    expect(fetched.replicas.source).toBe('kube-state-metrics');
    const { input } = replayHistory(fetched);
    expect(input.steps[0]?.metrics[0]).toEqual({ kind: 'pods', values: [{ pod: 'web-1', value: '2' }] });
  });

  it('mirrors the live call of every metric type to its history path', async () => {
    const metrics = [
      CPU,
      {
        type: 'Pods',
        pods: {
          metric: { name: 'qps', selector: { matchLabels: { api: 'root' } } },
          target: { type: 'AverageValue', averageValue: '1' },
        },
      },
      {
        type: 'Object',
        object: {
          describedObject: { apiVersion: 'v1', kind: 'Service', name: 'web' },
          metric: { name: 'rps' },
          target: { type: 'Value', value: '10' },
        },
      },
      {
        type: 'Object',
        object: {
          describedObject: { apiVersion: 'v1', kind: 'Namespace', name: 'ignored' },
          metric: { name: 'temp' },
          target: { type: 'Value', value: '80' },
        },
      },
      {
        type: 'External',
        external: {
          metric: { name: 'queue', selector: { matchLabels: { queue: 'jobs' } } },
          target: { type: 'Value', value: '10' },
        },
      },
      // Not resolvable by discovery: no call, so no history either.
      {
        type: 'Object',
        object: {
          describedObject: { apiVersion: 'example.com/v1', kind: 'Queue', name: 'jobs' },
          metric: { name: 'depth' },
          target: { type: 'Value', value: '1' },
        },
      },
    ];
    const all: Routes = {
      ...routes,
      '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web': hpaBody(metrics),
      '/api/v1': {
        kind: 'APIResourceList',
        groupVersion: 'v1',
        resources: [{ name: 'services', kind: 'Service', namespaced: true, verbs: ['get'] }],
      },
    };
    const { session, rest } = fakeSession(all, 'shop');
    // The live metric calls and most history calls have no route here: only what is asked counts.
    await fetchHistory(session, 'web', DEFAULT_CONTROLLER_SETTINGS, RANGE).catch(() => {});
    const asked = rest.requests
      .filter((r) => r.startsWith(H))
      .map((r) => r.replace(/[?&]start=.*$/, '').slice(H.length));
    expect(asked.sort()).toEqual(
      [
        '/namespaces/shop/podmetrics?labelSelector=app%3Dweb',
        '/namespaces/shop/custommetrics/pods/*/qps?labelSelector=app%3Dweb&metricLabelSelector=api%3Droot',
        '/namespaces/shop/custommetrics/services/web/rps',
        '/custommetrics/namespaces/shop/temp',
        '/namespaces/shop/externalmetrics/queue?labelSelector=queue%3Djobs',
        '/namespaces/shop/horizontalpodautoscalers/web',
        '/namespaces/shop/pods?labelSelector=app%3Dweb',
      ].sort(),
    );
  });

  it('a history API that is not served says where it comes from', async () => {
    const live = Object.fromEntries(Object.entries(routes).filter(([key]) => !key.startsWith(H)));
    const { session } = fakeSession(live, 'shop');
    await expect(fetchHistory(session, 'web', DEFAULT_CONTROLLER_SETTINGS, RANGE)).rejects.toThrow(
      /^history\.cmetrics\.io is not served by this cluster \(.*\); cmetrics-proxy serves it through the APIService v1alpha1\.history\.cmetrics\.io: check kubectl get apiservice v1alpha1\.history\.cmetrics\.io$/,
    );
  });

  it('a refused history call is thrown as the request that failed', async () => {
    const refused = {
      ...routes,
      [q(`${H}/namespaces/shop/horizontalpodautoscalers/web`, window)]: status(
        403,
        'forbidden: get horizontalpodautoscalers in autoscaling',
      ),
    };
    const { session } = fakeSession(refused, 'shop');
    await expect(fetchHistory(session, 'web', DEFAULT_CONTROLLER_SETTINGS, RANGE)).rejects.toBeInstanceOf(
      RequestFailed,
    );
  });
});
