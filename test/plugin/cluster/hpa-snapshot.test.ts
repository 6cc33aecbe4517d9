import { describe, expect, it } from 'vitest';
import { KubeApi, type Query, type RestClient } from '../../../plugin/cluster/api.ts';
import { Discovery } from '../../../plugin/cluster/discovery.ts';
import { fetchSnapshot, fetchSnapshots } from '../../../plugin/cluster/hpa-snapshot.ts';
import { CliError } from '../../../plugin/errors.ts';
import { DEFAULT_CONTROLLER_SETTINGS } from '../../../plugin/hpa/snapshot.ts';
import { ALL_GROUPS, FakeRest, fakeSession, type Routes, resourceList, status } from './fake.ts';

const NOW = new Date('2026-07-01T10:00:00.000Z');
const HPA_PATH = '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers';
const q = (path: string, query: Record<string, string>) => `${path}?${new URLSearchParams(query)}`;

function hpa(name: string, target: string, metrics: unknown[] = []) {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace: 'shop', uid: `uid-${name}`, managedFields: [{ manager: 'kubectl' }] },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target },
      minReplicas: 1,
      maxReplicas: 10,
      metrics,
    },
    status: { currentReplicas: 2, desiredReplicas: 2 },
  };
}

const METRICS = [
  { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
  {
    type: 'Pods',
    pods: {
      metric: { name: 'qps', selector: { matchLabels: { api: 'root' } } },
      target: { type: 'AverageValue', averageValue: '500m' },
    },
  },
  {
    type: 'Object',
    object: {
      describedObject: { apiVersion: 'v1', kind: 'Service', name: 'web' },
      metric: { name: 'http_requests' },
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
      metric: { name: 'queue_depth', selector: { matchLabels: { queue: 'jobs' } } },
      target: { type: 'AverageValue', averageValue: '30' },
    },
  },
  {
    type: 'Object',
    object: {
      describedObject: { apiVersion: 'example.com/v1', kind: 'Queue', name: 'jobs' },
      metric: { name: 'depth' },
      target: { type: 'Value', value: '1' },
    },
  },
];

const pod = (name: string, app: string) => ({
  metadata: { name, namespace: 'shop', labels: { app }, managedFields: [{ manager: 'kwok' }] },
  spec: { containers: [{ name: 'app', resources: { requests: { cpu: '100m' } } }] },
  status: { phase: 'Running' },
});
const scale = (selector: string, replicas = 2) => ({
  kind: 'Scale',
  apiVersion: 'autoscaling/v1',
  spec: { replicas },
  status: { replicas, selector },
});
const list = (kind: string, items: unknown[]) => ({ kind, apiVersion: 'v1', metadata: {}, items });
const SELECTOR = { labelSelector: 'app=web' };

/** A group version's discovery document: resource name → kind. */
function kinds(groupVersion: string, resources: Record<string, string>): Routes {
  const path = groupVersion.includes('/') ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
  return {
    [path]: {
      kind: 'APIResourceList',
      groupVersion,
      resources: Object.entries(resources).map(([name, kind]) => ({
        name,
        kind,
        namespaced: true,
        verbs: ['get'],
      })),
    },
  };
}
const EXTERNAL_PATH = q('/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/queue_depth', {
  labelSelector: 'queue=jobs',
});

const ROUTES: Routes = {
  ...ALL_GROUPS,
  '/version': { gitVersion: 'v1.37.2' },
  [`${HPA_PATH}/web`]: hpa('web', 'web', METRICS),
  [HPA_PATH]: {
    items: [hpa('web', 'web', METRICS), hpa('shadow', 'shadow'), hpa('api', 'api'), hpa('broken', 'gone')],
  },
  ...kinds('apps/v1', { deployments: 'Deployment', 'deployments/scale': 'Scale' }),
  ...kinds('v1', { pods: 'Pod', services: 'Service', namespaces: 'Namespace' }),
  ...kinds('example.com/v1', { widgets: 'Widget' }),
  '/apis/apps/v1/namespaces/shop/deployments/web/scale': scale('app=web'),
  '/apis/apps/v1/namespaces/shop/deployments/shadow/scale': scale('app in (web,other)'),
  '/apis/apps/v1/namespaces/shop/deployments/api/scale': scale('app=api'),
  [q('/api/v1/namespaces/shop/events', {
    fieldSelector:
      'involvedObject.kind=HorizontalPodAutoscaler,involvedObject.name=web,involvedObject.uid=uid-web',
  })]: list('EventList', [{ reason: 'SuccessfulRescale', message: 'New size: 2; reason: cpu above target' }]),
  [q('/api/v1/namespaces/shop/pods', SELECTOR)]: list('PodList', [pod('web-1', 'web'), pod('web-2', 'web')]),
  [q('/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods', SELECTOR)]: list('PodMetricsList', []),
  [q('/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/pods/*/qps', {
    ...SELECTOR,
    metricLabelSelector: 'api=root',
  })]: list('MetricValueList', [{ value: '1' }]),
  '/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/services/web/http_requests': list('MetricValueList', [
    { value: '12' },
  ]),
  '/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/metrics/temp': list('MetricValueList', [
    { value: '70' },
  ]),
  [EXTERNAL_PATH]: status(404, 'Prometheus has no queue_depth matching labelSelector queue=jobs'),
  '/apis/apiregistration.k8s.io/v1/apiservices': {
    items: [
      {
        metadata: { name: 'v1beta1.external.metrics.k8s.io' },
        spec: { group: 'external.metrics.k8s.io', version: 'v1beta1' },
      },
      { metadata: { name: 'v1.apps' }, spec: { group: 'apps', version: 'v1' } },
    ],
  },
  ...resourceList('external.metrics.k8s.io/v1beta1', ['queue_lenght']),
};

/** A REST client whose answers wait to be released: what is asked before each release is one wave. */
class Waves implements RestClient {
  readonly waves: string[][] = [];
  private readonly inner: FakeRest;
  private held: (() => void)[] = [];

  constructor(routes: Routes) {
    this.inner = new FakeRest(routes);
  }

  private hold<T>(key: string, answer: () => Promise<T>): Promise<T> {
    (this.waves[this.waves.length - 1] as string[]).push(key);
    return new Promise<void>((resolve) => this.held.push(resolve)).then(answer);
  }

  get<T>(path: string, query?: Query): Promise<T> {
    const params = new URLSearchParams(query as Record<string, string>).toString();
    return this.hold(params ? `${path}?${params}` : path, () => this.inner.get<T>(path, query));
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.hold(`POST ${path}`, () => this.inner.post<T>(path, body));
  }

  /** Runs `call`, answering each wave once the next one is asked, until nothing more is asked. */
  async run<T>(
    call: (s: { api: KubeApi; discovery: Discovery; namespace: string }) => Promise<T>,
  ): Promise<T> {
    const api = new KubeApi(this);
    const settled = () => new Promise((resolve) => setTimeout(resolve, 0));
    this.waves.push([]);
    const result = call({ api, discovery: new Discovery(api), namespace: 'shop' });
    await settled();
    while (this.held.length) {
      const held = this.held;
      this.held = [];
      this.waves.push([]);
      for (const release of held) release();
      await settled();
    }
    this.waves.pop();
    for (const wave of this.waves) wave.sort();
    return result;
  }
}

describe('fetchSnapshot', () => {
  it('records every call the controller makes for the HPA, failures included', async () => {
    const { session } = fakeSession(ROUTES, 'shop');
    const s = await fetchSnapshot(session, 'web', DEFAULT_CONTROLLER_SETTINGS, () => NOW);
    expect(s).toMatchObject({
      apiVersion: 'cmetrics.io/v1alpha1',
      kind: 'HPASnapshot',
      takenAt: '2026-07-01T10:00:00.000Z',
      serverVersion: 'v1.37.2',
      controller: DEFAULT_CONTROLLER_SETTINGS,
      hpa: { path: `${HPA_PATH}/web` },
      scale: { path: '/apis/apps/v1/namespaces/shop/deployments/web/scale', body: scale('app=web') },
      pods: { path: q('/api/v1/namespaces/shop/pods', SELECTOR) },
      events: { body: { items: [{ reason: 'SuccessfulRescale' }] } },
      // shadow's selector also selects web's pods; api's does not; broken's target does not exist.
      conflictingHPAs: ['shadow'],
    });
    expect(s.metrics.map((m) => [m?.path, m?.body ? 'body' : m?.error])).toEqual([
      [q('/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods', SELECTOR), 'body'],
      [
        q('/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/pods/*/qps', {
          ...SELECTOR,
          metricLabelSelector: 'api=root',
        }),
        'body',
      ],
      ['/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/services/web/http_requests', 'body'],
      // The controller asks about its own namespace, whatever name the reference gives.
      ['/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/metrics/temp', 'body'],
      [
        EXTERNAL_PATH,
        { code: 404, message: 'Prometheus has no queue_depth matching labelSelector queue=jobs' },
      ],
      [
        '/apis/example.com/v1',
        { code: 404, message: 'the server has no resource of kind Queue in example.com/v1' },
      ],
    ]);
  });

  it('leaves out managedFields, and keeps the rest as the API sent it', async () => {
    const { session } = fakeSession(ROUTES, 'shop');
    const s = await fetchSnapshot(session, 'web', DEFAULT_CONTROLLER_SETTINGS, () => NOW);
    const text = JSON.stringify(s);
    expect(text).not.toContain('managedFields');
    expect((s.hpa.body as { metadata: { uid: string } }).metadata.uid).toBe('uid-web');
    expect((s.pods?.body as { items: unknown[] } | undefined)?.items).toHaveLength(2);
  });

  it('reads what the diagnosis needs only when a metric call failed, for the groups of those calls', async () => {
    const { session } = fakeSession(ROUTES, 'shop');
    const s = await fetchSnapshot(session, 'web', DEFAULT_CONTROLLER_SETTINGS, () => NOW);
    expect(Object.keys(s.diagnosis?.discovery ?? {})).toEqual(['external.metrics.k8s.io/v1beta1']);
    const services =
      (s.diagnosis?.apiServices?.body as { items: { metadata: { name: string } }[] } | undefined)?.items ??
      [];
    expect(services.map((i) => i.metadata.name)).toEqual(['v1beta1.external.metrics.k8s.io']);

    const healthy = fakeSession(
      {
        ...ROUTES,
        [EXTERNAL_PATH]: list('ExternalMetricValueList', []),
        [`${HPA_PATH}/web`]: hpa('web', 'web', METRICS.slice(0, 5)),
      },
      'shop',
    );
    const ok = await fetchSnapshot(healthy.session, 'web', DEFAULT_CONTROLLER_SETTINGS, () => NOW);
    expect(ok.diagnosis).toBeUndefined();
    expect(healthy.rest.requests).not.toContain('/apis/apiregistration.k8s.io/v1/apiservices');
  });

  it("asks for CPU usage when the HPA has no metrics: the API's default", async () => {
    const { session } = fakeSession({ ...ROUTES, [`${HPA_PATH}/web`]: hpa('web', 'web', []) }, 'shop');
    const s = await fetchSnapshot(session, 'web', DEFAULT_CONTROLLER_SETTINGS, () => NOW);
    expect(s.metrics.map((m) => m?.path)).toEqual([
      q('/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods', SELECTOR),
    ]);
  });

  it('asks nothing for a metric whose selector is invalid, as the controller', async () => {
    const bad = { ...METRICS[1], pods: { metric: { name: 'qps', selector: { matchLabels: { api: '/' } } } } };
    const { session } = fakeSession({ ...ROUTES, [`${HPA_PATH}/web`]: hpa('web', 'web', [bad]) }, 'shop');
    const s = await fetchSnapshot(session, 'web', DEFAULT_CONTROLLER_SETTINGS, () => NOW);
    expect(s.metrics).toEqual([null]);
  });

  it('without a selector on the scale, requests neither pods nor metrics', async () => {
    const { session } = fakeSession(
      { ...ROUTES, '/apis/apps/v1/namespaces/shop/deployments/web/scale': scale('') },
      'shop',
    );
    const s = await fetchSnapshot(session, 'web', DEFAULT_CONTROLLER_SETTINGS, () => NOW);
    expect(s.pods).toBeUndefined();
    expect(s.metrics).toEqual(METRICS.map(() => null));
    expect(s.conflictingHPAs).toBeUndefined();
  });

  it('records a scale it may not read', async () => {
    const forbidden = status(
      403,
      'deployments.apps "web" is forbidden: User "jane" cannot get resource "deployments/scale" in API group "apps" in the namespace "shop"',
    );
    const { session } = fakeSession(
      { ...ROUTES, '/apis/apps/v1/namespaces/shop/deployments/web/scale': forbidden },
      'shop',
    );
    const s = await fetchSnapshot(session, 'web', DEFAULT_CONTROLLER_SETTINGS, () => NOW);
    expect(s.scale).toEqual({
      path: '/apis/apps/v1/namespaces/shop/deployments/web/scale',
      error: { code: 403, message: forbidden.message },
    });
  });

  it.each<[string, Routes, string]>([
    [
      'a name that does not exist, with the closest ones',
      {},
      'no HorizontalPodAutoscaler "wbe" in namespace shop (did you mean web?); list them with: kubectl get hpa -n shop',
    ],
  ])('%s', async (_what, override, message) => {
    const { session } = fakeSession({ ...ROUTES, ...override }, 'shop');
    await expect(fetchSnapshot(session, 'wbe', DEFAULT_CONTROLLER_SETTINGS)).rejects.toThrow(
      new CliError(message),
    );
  });

  it('asks each request as soon as what it needs is known: 3 waves for a pods metric', async () => {
    const QPS = METRICS[1];
    const rest = new Waves({ ...ROUTES, [`${HPA_PATH}/web`]: hpa('web', 'web', [QPS]) });
    const s = await rest.run((session) =>
      fetchSnapshot({ ...session, close: async () => {} }, 'web', DEFAULT_CONTROLLER_SETTINGS, () => NOW),
    );
    const qps = q('/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/pods/*/qps', {
      ...SELECTOR,
      metricLabelSelector: 'api=root',
    });
    expect(rest.waves).toEqual([
      // What needs only the namespace, beside the HPA.
      [HPA_PATH, `${HPA_PATH}/web`, '/version'],
      // What needs the HPA: the target's scale at the guessed resource beside its discovery, the
      // metric's discovery, the events, and the other HPAs' scales.
      [
        q('/api/v1/namespaces/shop/events', {
          fieldSelector:
            'involvedObject.kind=HorizontalPodAutoscaler,involvedObject.name=web,involvedObject.uid=uid-web',
        }),
        '/apis',
        '/apis/apps/v1',
        '/apis/apps/v1/namespaces/shop/deployments/api/scale',
        '/apis/apps/v1/namespaces/shop/deployments/gone/scale',
        '/apis/apps/v1/namespaces/shop/deployments/shadow/scale',
        '/apis/apps/v1/namespaces/shop/deployments/web/scale',
      ],
      // What needs the scale's selector.
      [q('/api/v1/namespaces/shop/pods', SELECTOR), qps],
    ]);
    expect(s).toMatchObject({ conflictingHPAs: ['shadow'], metrics: [{ path: qps, body: { items: [{}] } }] });
  });

  it('asks the scale again when discovery maps the kind to another resource than the guessed one', async () => {
    const gizmo = {
      ...hpa('web', 'web'),
      spec: {
        ...hpa('web', 'web').spec,
        scaleTargetRef: { apiVersion: 'example.com/v1', kind: 'Gizmo', name: 'g' },
      },
    };
    const { session, rest } = fakeSession(
      {
        ...ROUTES,
        [`${HPA_PATH}/web`]: gizmo,
        ...kinds('example.com/v1', { widgets: 'Gizmo' }),
        '/apis/example.com/v1/namespaces/shop/gizmos/g/scale': scale('app=other'),
        '/apis/example.com/v1/namespaces/shop/widgets/g/scale': scale('app=web'),
      },
      'shop',
    );
    const s = await fetchSnapshot(session, 'web', DEFAULT_CONTROLLER_SETTINGS, () => NOW);
    expect(rest.requests).toContain('/apis/example.com/v1/namespaces/shop/gizmos/g/scale');
    expect(s.scale).toEqual({
      path: '/apis/example.com/v1/namespaces/shop/widgets/g/scale',
      body: scale('app=web'),
    });
  });

  it('records the discovery that knows no such kind as the scale, whatever the guessed resource answered', async () => {
    const unknown = {
      ...hpa('web', 'web'),
      spec: {
        ...hpa('web', 'web').spec,
        scaleTargetRef: { apiVersion: 'example.com/v1', kind: 'Queue', name: 'q' },
      },
    };
    const { session } = fakeSession(
      {
        ...ROUTES,
        [`${HPA_PATH}/web`]: unknown,
        '/apis/example.com/v1/namespaces/shop/queues/q/scale': scale('app=web'),
      },
      'shop',
    );
    const s = await fetchSnapshot(session, 'web', DEFAULT_CONTROLLER_SETTINGS, () => NOW);
    expect(s.scale).toEqual({
      path: '/apis/example.com/v1',
      error: { code: 404, message: 'the server has no resource of kind Queue in example.com/v1' },
    });
    expect(s.pods).toBeUndefined();
  });

  describe('when the controller could not read a metric last time', () => {
    const QPS_PATH = q('/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/pods/*/qps', {
      ...SELECTOR,
      metricLabelSelector: 'api=root',
    });
    const failing = {
      ...hpa('web', 'web', [METRICS[1]]),
      status: {
        currentReplicas: 2,
        conditions: [
          { type: 'ScalingActive', status: 'False', reason: 'FailedGetPodsMetric', message: 'no qps' },
        ],
      },
    };

    it('asks what the diagnosis reads beside the metric calls', async () => {
      const rest = new Waves({
        ...ROUTES,
        [`${HPA_PATH}/web`]: failing,
        [QPS_PATH]: status(404, 'no series'),
        ...resourceList('custom.metrics.k8s.io/v1beta2', ['pods/cpuTemperature']),
      });
      const s = await rest.run((session) =>
        fetchSnapshot({ ...session, close: async () => {} }, 'web', DEFAULT_CONTROLLER_SETTINGS, () => NOW),
      );
      expect(rest.waves).toHaveLength(3);
      expect(rest.waves[1]).toContain('/apis/apiregistration.k8s.io/v1/apiservices');
      expect(rest.waves[2]).toEqual(
        [q('/api/v1/namespaces/shop/pods', SELECTOR), QPS_PATH, '/apis/custom.metrics.k8s.io/v1beta2'].sort(),
      );
      expect(Object.keys(s.diagnosis?.discovery ?? {})).toEqual(['custom.metrics.k8s.io/v1beta2']);
      expect(s.diagnosis?.apiServices?.path).toBe('/apis/apiregistration.k8s.io/v1/apiservices');
    });

    it('keeps no diagnosis when the calls succeed this time', async () => {
      const { session, rest } = fakeSession({ ...ROUTES, [`${HPA_PATH}/web`]: failing }, 'shop');
      const s = await fetchSnapshot(session, 'web', DEFAULT_CONTROLLER_SETTINGS, () => NOW);
      expect(s.metrics).toEqual([{ path: QPS_PATH, body: list('MetricValueList', [{ value: '1' }]) }]);
      expect(s.diagnosis).toBeUndefined();
      expect(rest.requests).toContain('/apis/apiregistration.k8s.io/v1/apiservices');
    });
  });
});

describe('fetchSnapshots', () => {
  const scale = (app: string) => ({ spec: { replicas: 1 }, status: { replicas: 1, selector: `app=${app}` } });
  const event = (hpaName: string, uid: string, message: string) => ({
    involvedObject: { kind: 'HorizontalPodAutoscaler', name: hpaName, uid },
    reason: 'SuccessfulRescale',
    message,
  });
  const cpu = [METRICS[0]];
  const routes: Routes = {
    ...ALL_GROUPS,
    '/version': { gitVersion: 'v1.37.2' },
    [HPA_PATH]: { items: [hpa('b', 'b', cpu), hpa('a', 'a', cpu)] },
    '/apis/apps/v1': { resources: [{ name: 'deployments', kind: 'Deployment' }] },
    '/apis/apps/v1/namespaces/shop/deployments/a/scale': scale('a'),
    '/apis/apps/v1/namespaces/shop/deployments/b/scale': scale('b'),
    [q('/api/v1/namespaces/shop/events', { fieldSelector: 'involvedObject.kind=HorizontalPodAutoscaler' })]: {
      items: [
        event('a', 'uid-a', 'New size: 2; reason: cpu above target'),
        event('b', 'uid-b', 'New size: 3; reason: cpu above target'),
        // An earlier HPA of the same name: another uid.
        event('a', 'uid-old', 'New size: 9; reason: cpu above target'),
      ],
    },
    '/api/v1/namespaces/shop/pods': {
      items: ['a-1', 'b-1', 'b-2'].map((name) => ({
        metadata: { name, namespace: 'shop', labels: { app: name[0] } },
        spec: { containers: [{ name: 'app' }] },
      })),
    },
    '/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods': {
      items: ['a-1', 'b-1', 'c-1'].map((name) => ({
        metadata: { name, namespace: 'shop', labels: { app: name[0] } },
        timestamp: '2026-07-01T09:59:50Z',
        window: '30s',
        containers: [{ name: 'app', usage: { cpu: '10m', memory: '1Mi' } }],
      })),
    },
  };

  it('reads the HPAs from one list, sorted, each with its own events out of the namespace list', async () => {
    const { session, rest } = fakeSession(routes, 'shop');
    const snapshots = await fetchSnapshots(
      session,
      { namespace: 'shop' },
      DEFAULT_CONTROLLER_SETTINGS,
      () => NOW,
    );
    expect(snapshots.map((s) => (s.hpa.body as { metadata: { name: string } }).metadata.name)).toEqual([
      'a',
      'b',
    ]);
    const messages = snapshots.map((s) =>
      ((s.events?.body ?? { items: [] }) as { items: { message: string }[] }).items.map((e) => e.message),
    );
    expect(messages).toEqual([
      ['New size: 2; reason: cpu above target'],
      ['New size: 3; reason: cpu above target'],
    ]);
    expect(snapshots[0]?.hpa.path).toBe(HPA_PATH);
    expect(snapshots[0]?.hpa.body).not.toHaveProperty('metadata.managedFields');
    expect(rest.requests.filter((r, i) => rest.requests.indexOf(r) !== i)).toEqual([]);
  });

  it("cuts each namespace's one list of pods and of pod metrics down to each HPA's selector", async () => {
    const { session } = fakeSession(routes, 'shop');
    const snapshots = await fetchSnapshots(
      session,
      { namespace: 'shop' },
      DEFAULT_CONTROLLER_SETTINGS,
      () => NOW,
    );
    const names = (body: unknown) =>
      (body as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name);
    expect(snapshots.map((s) => names(s.pods?.body))).toEqual([['a-1'], ['b-1', 'b-2']]);
    expect(snapshots.map((s) => names(s.metrics[0]?.body))).toEqual([['a-1'], ['b-1']]);
    expect(snapshots[1]?.pods?.path).toBe('/api/v1/namespaces/shop/pods');
  });

  const deployments = (...apps: string[]) => ({
    items: apps.map((app) => ({
      metadata: { name: app, namespace: 'shop', uid: `uid-deploy-${app}` },
      spec: { replicas: 1, selector: { matchLabels: { app } } },
      status: { replicas: 1 },
    })),
  });

  it("builds apps/v1 targets' scales from one list of their kind, as the API server builds them", async () => {
    const listed = { ...routes, '/apis/apps/v1/namespaces/shop/deployments': deployments('a', 'b') };
    const { session, rest } = fakeSession(listed, 'shop');
    const snapshots = await fetchSnapshots(session, { namespace: 'shop' }, DEFAULT_CONTROLLER_SETTINGS);
    expect(rest.requests.filter((r) => r.endsWith('/scale'))).toEqual([]);
    expect(snapshots[1]?.scale).toEqual({
      path: '/apis/apps/v1/namespaces/shop/deployments',
      body: {
        kind: 'Scale',
        apiVersion: 'autoscaling/v1',
        metadata: { name: 'b', namespace: 'shop', uid: 'uid-deploy-b' },
        spec: { replicas: 1 },
        status: { replicas: 1, selector: 'app=b' },
      },
    });
    expect(snapshots.map((s) => (s.pods?.body as { items: unknown[] } | undefined)?.items.length)).toEqual([
      1, 2,
    ]);
  });

  it('lists the targets of all namespaces at once without a namespace', async () => {
    const all = {
      ...routes,
      '/apis/autoscaling/v2/horizontalpodautoscalers': routes[HPA_PATH],
      '/apis/apps/v1/deployments': deployments('a', 'b'),
    };
    const { session, rest } = fakeSession(all, 'shop');
    const snapshots = await fetchSnapshots(session, { namespace: undefined }, DEFAULT_CONTROLLER_SETTINGS);
    expect(rest.requests.filter((r) => r.includes('deployments'))).toEqual(['/apis/apps/v1/deployments']);
    expect(snapshots.map((s) => s.scale?.path)).toEqual([
      '/apis/apps/v1/deployments',
      '/apis/apps/v1/deployments',
    ]);
  });

  it('asks for the scale of a target it may not list, or that the list lacks', async () => {
    const forbidden = status(
      403,
      'deployments.apps is forbidden: User "jane" cannot list resource "deployments"',
    );
    for (const list of [forbidden, deployments('b')]) {
      const { session, rest } = fakeSession(
        { ...routes, '/apis/apps/v1/namespaces/shop/deployments': list },
        'shop',
      );
      const snapshots = await fetchSnapshots(session, { namespace: 'shop' }, DEFAULT_CONTROLLER_SETTINGS);
      expect(rest.requests).toContain('/apis/apps/v1/namespaces/shop/deployments/a/scale');
      expect(snapshots[0]?.scale).toEqual({
        path: '/apis/apps/v1/namespaces/shop/deployments/a/scale',
        body: scale('a'),
      });
    }
  });

  it('a list that fails is the request that failed', async () => {
    const { session } = fakeSession({ [HPA_PATH]: status(403, 'forbidden: cannot list') }, 'shop');
    await expect(fetchSnapshots(session, { namespace: 'shop' }, DEFAULT_CONTROLLER_SETTINGS)).rejects.toThrow(
      'forbidden: cannot list',
    );
  });
});
