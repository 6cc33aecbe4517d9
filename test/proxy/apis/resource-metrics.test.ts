import { describe, expect, it } from 'vitest';
import {
  getResourceMetrics,
  parseResourceMetricsPath,
  type ResourceMetricsBackend,
  type ResourceMetricsRequest,
} from '../../../proxy/apis/resource-metrics.ts';
import { createRouter } from '../../../proxy/apis/router.ts';
import { type ApiError, toStatus } from '../../../proxy/apis/status.ts';
import type { CachedObject } from '../../../proxy/kube/caches.ts';
import { createLogger } from '../../../proxy/log.ts';
import type { PrometheusSample } from '../../../proxy/prometheus/client.ts';
import { ResourceStore } from '../../../proxy/prometheus/resource-store.ts';
import { parseAdapterConfig } from '../../../proxy/rules/config.ts';
import {
  buildContainersQuery,
  buildNodesQuery,
  compileResourceRules,
} from '../../../proxy/rules/resource-rules.ts';
import type {
  NodeMetricsList,
  PodMetrics,
  PodMetricsList,
  ResourceVersion,
} from '../../../shared/api-types.ts';
import { matches } from '../../../shared/labels.ts';
import { adapterDefaultConfig } from '../rules/fixtures.ts';
import { allowLive, apiErrorOf, mapper, NOW, stubBackend } from './fixtures.ts';

const RULES = (() => {
  const config = parseAdapterConfig(adapterDefaultConfig(''), 'test.yaml');
  if (!config.resourceRules) throw new Error('fixture has no resourceRules');
  return compileResourceRules(config.resourceRules, mapper);
})();

/** When the request arrived; items carry it as creationTimestamp. */
const REQUEST_MS = NOW + 1500;
const REQUEST_TIME = '2024-01-02T03:04:07Z';

function pod(
  namespace: string,
  name: string,
  containers = ['cont1', 'cont2'],
  more: Partial<CachedObject> = {},
) {
  return {
    metadata: { name, namespace, labels: { app: name.replace(/\d+$/, '') } },
    spec: { containers: containers.map((c) => ({ name: c })) },
    status: { phase: 'Running' },
    ...more,
  } satisfies CachedObject;
}

function node(name: string): CachedObject {
  return { metadata: { name, labels: { 'kubernetes.io/hostname': name } } };
}

const podSample = (
  namespace: string,
  pod: string,
  container: string,
  value: number,
  timestampMs = NOW,
): PrometheusSample => ({
  labels: { namespace, pod, container },
  value,
  timestampMs,
});
const nodeSample = (instance: string, value: number, timestampMs = NOW): PrometheusSample => ({
  labels: { instance, id: '/' },
  value,
  timestampMs,
});

const sortKey = (o: CachedObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

interface Stub extends ResourceMetricsBackend {
  /** Every query Prometheus was sent: the store's evaluation, and nothing a request added. */
  queries: string[];
}

/** The store's four queries: containers' cpu and memory, then nodes'. */
const CPU = buildContainersQuery(RULES.cpu);
const MEMORY = buildContainersQuery(RULES.memory);
const NODE_CPU = buildNodesQuery(RULES.cpu);
const NODE_MEMORY = buildNodesQuery(RULES.memory);
const STORE_QUERIES = [CPU, MEMORY, NODE_CPU, NODE_MEMORY];

/**
 * Cached objects, and a resource-metrics store evaluated once on Prometheus answers by exact query
 * (as the adapter's fake client keys them).
 */
async function backend(
  objects: CachedObject[],
  answers: Record<string, PrometheusSample[]> = {},
): Promise<Stub> {
  const queries: string[] = [];
  const kindOf = (o: CachedObject) => (o.metadata.namespace === undefined ? 'nodes' : 'pods');
  const store = new ResourceStore(
    () => ({
      resourceRules: RULES,
      backend: () => ({
        query: async (expr, timeMs) => {
          expect(timeMs).toBe(NOW);
          queries.push(expr);
          return answers[expr] ?? [];
        },
      }),
    }),
    { periodMs: undefined, log: createLogger('error'), evaluationTime: () => NOW },
  );
  await store.evaluate();
  return {
    queries,
    mapper: () => mapper,
    resourceRules: RULES,
    resourceSnapshot: () => store.read(NOW),
    objects: {
      names: async () => [],
      exists: async () => false,
      list: async (r, namespace, selector) =>
        objects
          .filter(
            (o) =>
              kindOf(o) === r.resource &&
              (namespace === undefined || o.metadata.namespace === namespace) &&
              matches(selector, o.metadata.labels ?? {}),
          )
          .sort((a, b) => sortKey(a).localeCompare(sortKey(b))),
      get: async (r, namespace, name) =>
        objects.find(
          (o) => kindOf(o) === r.resource && o.metadata.namespace === namespace && o.metadata.name === name,
        ),
    },
  };
}

function request(path: string, query = '', version: ResourceVersion = 'v1beta1'): ResourceMetricsRequest {
  const parsed = parseResourceMetricsPath(version, path.split('/'), new URLSearchParams(query));
  if (!parsed) throw new Error(`not a metrics path: ${path}`);
  return parsed;
}

describe('parseResourceMetricsPath', () => {
  it.each<[string, Partial<ResourceMetricsRequest>]>([
    ['nodes', { resource: 'nodes', namespace: undefined, name: undefined }],
    ['nodes/node-1', { resource: 'nodes', namespace: undefined, name: 'node-1' }],
    ['pods', { resource: 'pods', namespace: undefined, name: undefined }],
    ['namespaces/prod/pods', { resource: 'pods', namespace: 'prod', name: undefined }],
    ['namespaces/prod/pods/web-1', { resource: 'pods', namespace: 'prod', name: 'web-1' }],
  ])('%s', (path, want) => {
    expect(request(path, '', 'v1')).toEqual({ version: 'v1', labelSelector: [], fieldSelector: [], ...want });
  });

  it.each<[string, string[]]>([
    ['a pod by name without its namespace', ['pods', 'web-1']],
    ['a namespace alone', ['namespaces', 'prod']],
    ['another resource', ['namespaces', 'prod', 'services']],
    ['a node subpath', ['nodes', 'node-1', 'status']],
    ['a pod subpath', ['namespaces', 'prod', 'pods', 'web-1', 'status']],
    ['namespaced nodes', ['namespaces', 'prod', 'nodes']],
  ])('%s is no metrics path', (_what, segments) => {
    expect(parseResourceMetricsPath('v1beta1', segments, new URLSearchParams())).toBeUndefined();
  });

  it('parses labelSelector, and refuses a bad one with 400', async () => {
    expect(request('namespaces/prod/pods', 'labelSelector=app%3Dweb,tier!%3Ddb').labelSelector).toEqual([
      { key: 'app', operator: '=', values: ['web'] },
      { key: 'tier', operator: '!=', values: ['db'] },
    ]);
    const err = await apiErrorOf(async () => request('nodes', 'labelSelector=a in (b'));
    expect(err.code).toBe(400);
    expect(err.message).toContain('labelSelector: invalid label selector');
  });

  it.each<[string, { field: string; value: string; equal: boolean }[]]>([
    ['metadata.name=web-1', [{ field: 'metadata.name', value: 'web-1', equal: true }]],
    [
      'metadata.name==web-1,metadata.namespace!=prod',
      [
        { field: 'metadata.name', value: 'web-1', equal: true },
        { field: 'metadata.namespace', value: 'prod', equal: false },
      ],
    ],
    ['metadata.name=a\\,b\\=c\\\\,', [{ field: 'metadata.name', value: 'a,b=c\\', equal: true }]],
    ['metadata.namespace=', [{ field: 'metadata.namespace', value: '', equal: true }]],
    ['', []],
  ])('parses fieldSelector %s as apimachinery (fields.ParseSelector)', (selector, want) => {
    const query = new URLSearchParams({ fieldSelector: selector });
    expect(request('pods', query.toString()).fieldSelector).toEqual(want);
  });

  it('reads no fieldSelector on a get (metav1.GetOptions has none)', () => {
    expect(request('nodes/node-1', 'fieldSelector=spec.x%3Dy').fieldSelector).toEqual([]);
  });

  it.each<[string, string]>([
    ['metadata.name', "fieldSelector: invalid selector: 'metadata.name'; can't understand 'metadata.name'"],
    [
      'spec.nodeName=node-1',
      'fieldSelector: "spec.nodeName" is not a known field selector: only "metadata.name", "metadata.namespace"',
    ],
    ['metadata.name=a\\x', 'fieldSelector: invalid escape sequence: a\\x'],
    ['metadata.name=a=b', 'fieldSelector: unescaped character in value: ='],
  ])(
    'refuses fieldSelector %s with 400, as the apiserver refuses it for metrics-server',
    async (selector, message) => {
      const query = new URLSearchParams({ fieldSelector: selector });
      const err = await apiErrorOf(async () => request('namespaces/prod/pods', query.toString()));
      expect([err.code, err.message]).toEqual([400, message]);
    },
  );
});

describe('getResourceMetrics: pods (adapter provider_test.go, metrics-server pod.go)', () => {
  it('lists pods across namespaces from the store, with no query of its own', async () => {
    const b = await backend(
      [pod('some-ns', 'pod1'), pod('some-ns', 'pod3'), pod('other-ns', 'pod27', ['cont1'])],
      {
        [CPU]: [
          podSample('other-ns', 'pod27', 'cont1', 0.25, NOW - 3000),
          podSample('some-ns', 'pod1', 'cont1', 1.1),
          podSample('some-ns', 'pod1', 'cont2', 0.004581412),
          podSample('some-ns', 'pod3', 'cont1', 1.3),
          podSample('some-ns', 'pod3', 'cont2', 1.31),
        ],
        [MEMORY]: [
          podSample('other-ns', 'pod27', 'cont1', 4200, NOW - 2000),
          podSample('some-ns', 'pod1', 'cont1', 19140608),
          podSample('some-ns', 'pod1', 'cont2', 1.5 * 2 ** 30),
          podSample('some-ns', 'pod3', 'cont1', 3300),
          podSample('some-ns', 'pod3', 'cont2', 3310),
        ],
      },
    );
    const { body, warnings } = await getResourceMetrics(request('pods', '', 'v1'), b, REQUEST_MS);
    expect(warnings).toEqual([]);
    expect(b.queries).toEqual(STORE_QUERIES);
    const meta = (namespace: string, name: string) => ({
      name,
      namespace,
      creationTimestamp: REQUEST_TIME,
      labels: { app: 'pod' },
    });
    expect(body).toEqual({
      kind: 'PodMetricsList',
      apiVersion: 'metrics.k8s.io/v1',
      metadata: {},
      items: [
        {
          metadata: meta('other-ns', 'pod27'),
          // The earliest sample of the pod.
          timestamp: '2024-01-02T03:04:02Z',
          window: '1m0s',
          containers: [{ name: 'cont1', usage: { cpu: '250m', memory: '4200' } }],
        },
        {
          metadata: meta('some-ns', 'pod1'),
          timestamp: '2024-01-02T03:04:05Z',
          window: '1m0s',
          containers: [
            { name: 'cont1', usage: { cpu: '1100m', memory: '18692Ki' } },
            { name: 'cont2', usage: { cpu: '4581412n', memory: '1536Mi' } },
          ],
        },
        {
          metadata: meta('some-ns', 'pod3'),
          timestamp: '2024-01-02T03:04:05Z',
          window: '1m0s',
          containers: [
            { name: 'cont1', usage: { cpu: '1300m', memory: '3300' } },
            { name: 'cont2', usage: { cpu: '1310m', memory: '3310' } },
          ],
        },
      ],
    } satisfies PodMetricsList);
  });

  it('answers one pod as PodMetrics in the version asked', async () => {
    const b = await backend([pod('prod', 'web1', ['app'])], {
      [CPU]: [podSample('prod', 'web1', 'app', 0.5)],
      [MEMORY]: [podSample('prod', 'web1', 'app', 2 ** 20)],
    });
    for (const version of ['v1', 'v1beta1'] as const) {
      const { body } = await getResourceMetrics(
        request('namespaces/prod/pods/web1', '', version),
        b,
        REQUEST_MS,
      );
      expect(body).toEqual({
        kind: 'PodMetrics',
        apiVersion: `metrics.k8s.io/${version}`,
        metadata: {
          name: 'web1',
          namespace: 'prod',
          creationTimestamp: REQUEST_TIME,
          labels: { app: 'web' },
        },
        timestamp: '2024-01-02T03:04:05Z',
        window: '1m0s',
        containers: [{ name: 'app', usage: { cpu: '500m', memory: '1Mi' } }],
      } satisfies PodMetrics);
    }
  });

  type Case = [string, CachedObject, PrometheusSample[], PrometheusSample[], string[]];
  it.each<Case>([
    [
      'a container without memory',
      pod('ns', 'p'),
      [podSample('ns', 'p', 'cont1', 1), podSample('ns', 'p', 'cont2', 1)],
      [podSample('ns', 'p', 'cont1', 1)],
      [],
    ],
    [
      'a container without cpu',
      pod('ns', 'p'),
      [podSample('ns', 'p', 'cont1', 1)],
      [podSample('ns', 'p', 'cont1', 1), podSample('ns', 'p', 'cont2', 1)],
      [],
    ],
    [
      'a container of the spec missing from both',
      pod('ns', 'p', ['cont1', 'cont2', 'cont3']),
      [podSample('ns', 'p', 'cont1', 1), podSample('ns', 'p', 'cont2', 1)],
      [podSample('ns', 'p', 'cont1', 1), podSample('ns', 'p', 'cont2', 1)],
      [],
    ],
    [
      'a NaN cpu',
      pod('ns', 'p', ['cont1']),
      [podSample('ns', 'p', 'cont1', Number.NaN)],
      [podSample('ns', 'p', 'cont1', 1)],
      ['pod ns/p container cont1: cpu usage is NaN, left out'],
    ],
    [
      'an infinite memory',
      pod('ns', 'p', ['cont1']),
      [podSample('ns', 'p', 'cont1', 1)],
      [podSample('ns', 'p', 'cont1', Number.POSITIVE_INFINITY)],
      ['pod ns/p container cont1: memory usage is Infinity, left out'],
    ],
    [
      'a negative cpu',
      pod('ns', 'p', ['cont1']),
      [podSample('ns', 'p', 'cont1', -0.1)],
      [podSample('ns', 'p', 'cont1', 1)],
      ['pod ns/p container cont1: cpu usage is -0.1, left out'],
    ],
    [
      'a sample without the container label',
      pod('ns', 'p', ['cont1']),
      [{ labels: { namespace: 'ns', pod: 'p' }, value: 1, timestampMs: NOW }],
      [podSample('ns', 'p', 'cont1', 1)],
      [],
    ],
  ])('leaves out a pod with %s, and never reports it as 0', async (_name, object, cpu, memory, warnings) => {
    const b = await backend([object], { [CPU]: cpu, [MEMORY]: memory });
    const list = await getResourceMetrics(request('namespaces/ns/pods'), b, REQUEST_MS);
    expect((list.body as PodMetricsList).items).toEqual([]);
    expect(list.warnings).toEqual(
      warnings.length
        ? warnings
        : [
            `Prometheus has no cpu and memory usage for any of the 1 selected pods; queries: ${CPU} ; ${MEMORY}`,
          ],
    );
    const err = await apiErrorOf(() => getResourceMetrics(request('namespaces/ns/pods/p'), b, REQUEST_MS));
    expect(err.code).toBe(404);
    expect(err.message).toBe('podmetrics.metrics.k8s.io "ns/p" not found');
  });

  it('counts sidecars (restartable init containers) as containers, other init containers not', async () => {
    const object = pod('ns', 'p', ['app'], {
      spec: {
        containers: [{ name: 'app' }],
        initContainers: [{ name: 'setup' }, { name: 'proxy', restartPolicy: 'Always' }],
      },
    });
    const both = [podSample('ns', 'p', 'app', 0.1), podSample('ns', 'p', 'proxy', 0.2)];
    const b = await backend([object], { [CPU]: both, [MEMORY]: both });
    const { body } = await getResourceMetrics(request('namespaces/ns/pods/p'), b, REQUEST_MS);
    expect((body as PodMetrics).containers.map((c) => c.name)).toEqual(['app', 'proxy']);
  });

  it('builds an item once per snapshot and second, with its warnings, and again for a changed pod', async () => {
    const web = pod('ns', 'web1', ['c']);
    const bad = pod('ns', 'bad1', ['c']);
    const objects = [bad, web];
    const b = await backend(objects, {
      [CPU]: [podSample('ns', 'web1', 'c', 0.1), podSample('ns', 'bad1', 'c', Number.NaN)],
      [MEMORY]: [podSample('ns', 'web1', 'c', 1), podSample('ns', 'bad1', 'c', 1)],
    });
    const list = async (requestMs: number) => {
      const { body, warnings } = await getResourceMetrics(request('namespaces/ns/pods'), b, requestMs);
      return { items: (body as PodMetricsList).items, warnings };
    };
    const warned = ['pod ns/bad1 container c: cpu usage is NaN, left out'];
    const first = await list(REQUEST_MS);
    const again = await list(REQUEST_MS + 400);
    expect(again.items[0]).toBe(first.items[0]);
    expect([first.warnings, again.warnings]).toEqual([warned, warned]);
    // The next second's creationTimestamp is another item.
    const next = await list(REQUEST_MS + 1000);
    expect(next.items[0]).not.toBe(first.items[0]);
    expect(next.items[0]?.metadata.creationTimestamp).toBe('2024-01-02T03:04:08Z');
    expect(next.warnings).toEqual(warned);
    // A watch event replaces the object: its item is built again, in the same second too.
    objects[1] = { ...web, metadata: { ...web.metadata, labels: { app: 'web', tier: 'front' } } };
    const changed = await list(REQUEST_MS + 1000);
    expect(changed.items[0]?.metadata.labels).toEqual({ app: 'web', tier: 'front' });
    expect(first.items[0]?.metadata.labels).toEqual({ app: 'web' });
  });

  it('reports Running pods only, and asks nothing beyond the store when none is', async () => {
    const b = await backend([
      pod('ns', 'pending', ['c'], { status: { phase: 'Pending' } }),
      pod('ns', 'done', ['c'], { status: { phase: 'Succeeded' } }),
    ]);
    const { body, warnings } = await getResourceMetrics(request('namespaces/ns/pods'), b, REQUEST_MS);
    expect(body).toEqual({
      kind: 'PodMetricsList',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: {},
      items: [],
    });
    expect(warnings).toEqual([]);
    expect(b.queries).toEqual(STORE_QUERIES);
  });

  it('answers only the pods labelSelector matches', async () => {
    const samples = ['web1', 'db1'].map((n) => podSample('ns', n, 'c', 0.001));
    const b = await backend([pod('ns', 'web1', ['c']), pod('ns', 'db1', ['c'])], {
      [CPU]: samples,
      [MEMORY]: samples,
    });
    const { body } = await getResourceMetrics(
      request('namespaces/ns/pods', 'labelSelector=app%3Dweb'),
      b,
      REQUEST_MS,
    );
    expect((body as PodMetricsList).items.map((i) => i.metadata.name)).toEqual(['web1']);
    expect(b.queries).toEqual(STORE_QUERIES);
  });

  it('answers only the pods fieldSelector matches, by name and by namespace', async () => {
    const names = [
      ['a', 'web1'],
      ['a', 'db1'],
      ['b', 'web1'],
    ] as const;
    const objects = names.map(([namespace, name]) => pod(namespace, name, ['c']));
    const samples = names.map(([namespace, name]) => podSample(namespace, name, 'c', 0.001));
    const b = await backend(objects, { [CPU]: samples, [MEMORY]: samples });
    const listed = async (path: string, query: string) =>
      ((await getResourceMetrics(request(path, query), b, REQUEST_MS)).body as PodMetricsList).items.map(
        (i) => `${i.metadata.namespace}/${i.metadata.name}`,
      );
    expect(await listed('pods', 'fieldSelector=metadata.name%3Dweb1')).toEqual(['a/web1', 'b/web1']);
    expect(await listed('pods', 'fieldSelector=metadata.namespace!%3Da')).toEqual(['b/web1']);
    expect(await listed('namespaces/a/pods', 'fieldSelector=metadata.name!%3Dweb1')).toEqual(['a/db1']);
    expect(await listed('pods', 'fieldSelector=metadata.name%3Dweb1&labelSelector=app%3Ddb')).toEqual([]);
    expect(b.queries).toEqual(STORE_QUERIES);
  });

  it('answers a namespace from the cluster-wide samples, keeping apart pods of one name', async () => {
    const pods = Array.from({ length: 101 }, (_, i) => pod('big', `web${i}`, ['c']));
    const names = pods.map((p) => p.metadata.name);
    const samples = [
      ...names.map((n) => podSample('big', n, 'c', 0.001)),
      podSample('small', 'web0', 'c', 0.5),
    ];
    const b = await backend([...pods, pod('small', 'web0', ['c'])], { [CPU]: samples, [MEMORY]: samples });
    expect(CPU).toContain('pod=~".+"');
    expect(CPU).toContain('by (pod,namespace,container)');
    const { body } = await getResourceMetrics(request('namespaces/big/pods'), b, REQUEST_MS);
    const items = (body as PodMetricsList).items;
    expect(items.map((i) => i.metadata.name)).toEqual([...names].sort());
    expect(items.find((i) => i.metadata.name === 'web0')?.containers[0]?.usage.cpu).toBe('1m');
    const small = await getResourceMetrics(request('namespaces/small/pods/web0'), b, REQUEST_MS);
    expect((small.body as PodMetrics).containers[0]?.usage.cpu).toBe('500m');
    expect(b.queries).toEqual(STORE_QUERIES);
  });

  it.each<[string, number, string]>([
    ['float noise never adds a nanocore', 0.2000000000001, '200m'],
    ['less than half a nanocore is 0', 1.5e-10, '0'],
    ['whole nanocores', 0.004581412, '4581412n'],
    ['whole cores', 2, '2'],
  ])('cpu: %s', async (_name, cores, want) => {
    const b = await backend([pod('ns', 'p', ['c'])], {
      [CPU]: [podSample('ns', 'p', 'c', cores)],
      [MEMORY]: [podSample('ns', 'p', 'c', 1024)],
    });
    const { body } = await getResourceMetrics(request('namespaces/ns/pods/p'), b, REQUEST_MS);
    expect((body as PodMetrics).containers[0]?.usage).toEqual({ cpu: want, memory: '1Ki' });
  });

  it.each<[string, number, string]>([
    ['whole mebibytes', 48 * 2 ** 20, '48Mi'],
    ['whole kibibytes', 18692 * 1024, '18692Ki'],
    ['bytes', 1000, '1k'],
    ['a fraction rounds to whole bytes', 2 ** 20 + 0.4, '1Mi'],
  ])('memory: %s', async (_name, bytes, want) => {
    const b = await backend([pod('ns', 'p', ['c'])], {
      [CPU]: [podSample('ns', 'p', 'c', 0.001)],
      [MEMORY]: [podSample('ns', 'p', 'c', bytes)],
    });
    const { body } = await getResourceMetrics(request('namespaces/ns/pods/p'), b, REQUEST_MS);
    expect((body as PodMetrics).containers[0]?.usage.memory).toBe(want);
  });

  it('answers NotFound as metrics-server does for a pod that does not exist', async () => {
    const b = await backend([]);
    const err = await apiErrorOf(() => getResourceMetrics(request('namespaces/ns/pods/nope'), b, REQUEST_MS));
    expect({ code: err.code, message: err.message, details: err.details }).toEqual({
      code: 404,
      message: 'podmetrics.metrics.k8s.io "ns/nope" not found',
      details: { name: 'ns/nope', group: 'metrics.k8s.io', kind: 'podmetrics' },
    });
  });
});

describe('getResourceMetrics: nodes (adapter provider_test.go)', () => {
  it('lists nodes, leaving out one without usage', async () => {
    const b = await backend([node('node1'), node('node2'), node('node3')], {
      [NODE_CPU]: [nodeSample('node1', 1.1, NOW - 5000), nodeSample('node2', 1.2, NOW - 1000)],
      [NODE_MEMORY]: [
        nodeSample('node1', 2100, NOW - 4000),
        nodeSample('node2', 2200, NOW - 2000),
        nodeSample('node3', 1, NOW),
      ],
    });
    const { body, warnings } = await getResourceMetrics(request('nodes', '', 'v1'), b, REQUEST_MS);
    expect(b.queries).toEqual(STORE_QUERIES);
    expect(warnings).toEqual([]);
    const meta = (name: string) => ({
      name,
      creationTimestamp: REQUEST_TIME,
      labels: { 'kubernetes.io/hostname': name },
    });
    expect(body).toEqual({
      kind: 'NodeMetricsList',
      apiVersion: 'metrics.k8s.io/v1',
      metadata: {},
      items: [
        {
          metadata: meta('node1'),
          timestamp: '2024-01-02T03:04:00Z',
          window: '1m0s',
          usage: { cpu: '1100m', memory: '2100' },
        },
        {
          metadata: meta('node2'),
          timestamp: '2024-01-02T03:04:03Z',
          window: '1m0s',
          usage: { cpu: '1200m', memory: '2200' },
        },
      ],
    } satisfies NodeMetricsList);
  });

  it('answers one node as NodeMetrics, and NotFound as metrics-server does', async () => {
    const b = await backend([node('node1'), node('node2')], {
      [NODE_CPU]: [nodeSample('node1', 0.5)],
      [NODE_MEMORY]: [nodeSample('node1', 2 ** 30)],
    });
    const { body } = await getResourceMetrics(request('nodes/node1'), b, REQUEST_MS);
    expect(body).toMatchObject({
      kind: 'NodeMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      usage: { cpu: '500m', memory: '1Gi' },
    });
    for (const name of ['node2', 'node9']) {
      const err = await apiErrorOf(() => getResourceMetrics(request(`nodes/${name}`), b, REQUEST_MS));
      expect([err.code, err.message]).toEqual([404, `nodemetrics.metrics.k8s.io "${name}" not found`]);
    }
  });

  it('lists nodes by labelSelector, and asks nothing beyond the store when none matches', async () => {
    const b = await backend([node('node1'), node('node2')]);
    const { body } = await getResourceMetrics(
      request('nodes', 'labelSelector=kubernetes.io%2Fhostname%3Dnode9'),
      b,
      REQUEST_MS,
    );
    expect((body as NodeMetricsList).items).toEqual([]);
    expect(b.queries).toEqual(STORE_QUERIES);
  });
});

describe('getResourceMetrics: nodes by fieldSelector', () => {
  it('matches metadata.name; a node has no namespace, so metadata.namespace reads empty', async () => {
    const b = await backend([node('node1'), node('node2')], {
      [NODE_CPU]: [nodeSample('node1', 0.5), nodeSample('node2', 0.5)],
      [NODE_MEMORY]: [nodeSample('node1', 1), nodeSample('node2', 1)],
    });
    const listed = async (selector: string) => {
      const query = new URLSearchParams({ fieldSelector: selector }).toString();
      const { body } = await getResourceMetrics(request('nodes', query), b, REQUEST_MS);
      return (body as NodeMetricsList).items.map((i) => i.metadata.name);
    };
    expect(await listed('metadata.name=node2')).toEqual(['node2']);
    expect(await listed('metadata.name!=node2')).toEqual(['node1']);
    expect(await listed('metadata.namespace=default')).toEqual([]);
    expect(await listed('metadata.namespace=')).toEqual(['node1', 'node2']);
  });
});

describe('metrics.k8s.io through the router', () => {
  const get = async (path: string, given?: ResourceMetricsBackend) => {
    const b = given ?? (await backend([]));
    const [pathname = '', query = ''] = path.split('?');
    return createRouter({ ...stubBackend(), ...b })({
      method: 'GET',
      path: pathname,
      query: new URLSearchParams(query),
      authorizeLive: allowLive,
    });
  };

  it.each([
    ['/apis/metrics.k8s.io/v1beta1/pods?watch=true', 'pods'],
    ['/apis/metrics.k8s.io/v1/namespaces/default/pods?watch=1', 'pods'],
    ['/apis/metrics.k8s.io/v1beta1/nodes?watch=TRUE&labelSelector=a%3Db', 'nodes'],
  ])('%s is 405 MethodNotAllowed, as metrics-server (no watch)', async (path, kind) => {
    const b = await backend([]);
    const e = (await get(path, b).catch((err: unknown) => err)) as ApiError;
    expect(toStatus(e)).toEqual({
      status: 405,
      message: `watch is not supported on resources of kind "${kind}.metrics.k8s.io"`,
      details: { group: 'metrics.k8s.io', kind },
      headers: { allow: 'GET' },
    });
    expect(b.queries).toEqual(STORE_QUERIES);
  });

  it.each(['watch=false', 'watch=0', ''])('a list with %s is a list', async (query) => {
    expect((await get(`/apis/metrics.k8s.io/v1beta1/pods?${query}`)).code).toBe(200);
  });

  it('lists the group with v1 preferred, next to custom metrics', async () => {
    const versions = [
      { groupVersion: 'metrics.k8s.io/v1', version: 'v1' },
      { groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' },
    ];
    const { body } = await get('/apis');
    expect(body).toMatchObject({ kind: 'APIGroupList' });
    expect((body as { groups: unknown[] }).groups).toContainEqual({
      name: 'metrics.k8s.io',
      versions,
      preferredVersion: versions[0],
    });
    expect((await get('/apis/metrics.k8s.io')).body).toEqual({
      kind: 'APIGroup',
      apiVersion: 'v1',
      name: 'metrics.k8s.io',
      versions,
      preferredVersion: versions[0],
    });
  });

  it.each(['v1', 'v1beta1'])(
    '/apis/metrics.k8s.io/%s lists nodes and pods as metrics-server does',
    async (version) => {
      expect((await get(`/apis/metrics.k8s.io/${version}`)).body).toEqual({
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: `metrics.k8s.io/${version}`,
        resources: [
          {
            name: 'nodes',
            singularName: 'node',
            namespaced: false,
            kind: 'NodeMetrics',
            verbs: ['get', 'list'],
          },
          { name: 'pods', singularName: 'pod', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
        ],
      });
    },
  );

  it('answers a bad fieldSelector with a 400 Status', async () => {
    const e = await apiErrorOf(() =>
      get('/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=spec.nodeName%3Dn1'),
    );
    expect(toStatus(e)).toMatchObject({
      status: 400,
      message:
        'fieldSelector: "spec.nodeName" is not a known field selector: only "metadata.name", "metadata.namespace"',
    });
  });

  it('answers a pod list with the warnings', async () => {
    const b = await backend([pod('ns', 'p', ['c'])], {
      [CPU]: [podSample('ns', 'p', 'c', Number.NaN)],
      [MEMORY]: [podSample('ns', 'p', 'c', 1)],
    });
    const answer = await get('/apis/metrics.k8s.io/v1beta1/namespaces/ns/pods', b);
    expect(answer).toMatchObject({ code: 200, body: { kind: 'PodMetricsList', items: [] } });
    expect(answer.warnings).toEqual(['pod ns/p container c: cpu usage is NaN, left out']);
  });

  it.each<[string, string]>([
    ['/apis/metrics.k8s.io/v2/nodes', 'metrics.k8s.io has no version v2; served versions: v1, v1beta1'],
    [
      '/apis/metrics.k8s.io/v1/pods/web-1',
      'the server could not find the requested resource /apis/metrics.k8s.io/v1/pods/web-1',
    ],
    ['/apis/metrics.k8s.io/v1/namespaces/ns/services', 'the server could not find the requested resource'],
  ])('GET %s → 404', async (path, message) => {
    const err = await apiErrorOf(() => get(path));
    expect(err.code).toBe(404);
    expect(err.message).toContain(message);
  });

  it('serves nothing of metrics.k8s.io without resourceRules', async () => {
    const b = { ...(await backend([])), resourceRules: undefined };
    const groups = ((await get('/apis', b)).body as { groups: { name: string }[] }).groups.map((g) => g.name);
    expect(groups).not.toContain('metrics.k8s.io');
    for (const path of ['/apis/metrics.k8s.io', '/apis/metrics.k8s.io/v1beta1/nodes']) {
      const err = await apiErrorOf(() => get(path, b));
      expect([err.code, err.message]).toEqual([
        404,
        'metrics.k8s.io is not served: the configuration has no resourceRules',
      ]);
    }
  });

  it('follows a reloaded configuration that drops or adds resourceRules', async () => {
    const b = { ...stubBackend(), ...(await backend([])) };
    const router = createRouter(b);
    const served = async () => {
      const answer = await router({
        method: 'GET',
        path: '/apis',
        query: new URLSearchParams(),
        authorizeLive: allowLive,
      });
      return (answer.body as { groups: { name: string }[] }).groups.some((g) => g.name === 'metrics.k8s.io');
    };
    expect(await served()).toBe(true);
    b.resourceRules = undefined;
    expect(await served()).toBe(false);
    b.resourceRules = RULES;
    expect(await served()).toBe(true);
  });
});
