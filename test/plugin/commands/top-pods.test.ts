import { describe, expect, it } from 'vitest';
import type { PodObject } from '../../../plugin/cluster/api.ts';
import { fetchPodUsage, renderTopPods, type TopPodsArgs } from '../../../plugin/commands/top-pods.ts';
import { CliError } from '../../../plugin/errors.ts';
import type { PodMetrics, PodMetricsList } from '../../../shared/api-types.ts';
import {
  ALL_GROUPS,
  AT,
  apis,
  fakeSession,
  qpsOfPod,
  type Routes,
  resourceList,
  status,
} from '../cluster/fake.ts';

const lines = (...rows: string[]) => rows.map((r) => `${r}\n`).join('');

const podMetrics = (namespace: string, name: string, cpu: string, memory: string): PodMetrics => ({
  metadata: { name, namespace, creationTimestamp: AT },
  timestamp: AT,
  window: '30s',
  containers: [{ name: 'app', usage: { cpu, memory } }],
});

const list = (...items: PodMetrics[]): PodMetricsList => ({
  kind: 'PodMetricsList',
  apiVersion: 'metrics.k8s.io/v1',
  metadata: {},
  items,
});

const pod = (namespace: string, name: string, node: string, created = AT): PodObject => ({
  metadata: { name, namespace, creationTimestamp: created },
  spec: {
    nodeName: node,
    containers: [
      { name: 'app', resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1' } } },
    ],
  },
});

const WEB_1 = podMetrics('default', 'web-1', '20500u', '48Mi');
const WEB_2 = podMetrics('default', 'web-2', '150m', '64Mi');
const PODS = '/apis/metrics.k8s.io/v1/namespaces/default/pods';

const args = (a: Partial<TopPodsArgs> = {}): TopPodsArgs => ({
  allNamespaces: false,
  containers: false,
  noHeaders: false,
  sum: false,
  metric: [],
  requests: false,
  limits: false,
  ...a,
});

describe('top pods requests what kubectl top pod requests', () => {
  it.each<[string, Routes, Partial<TopPodsArgs>, string[]]>([
    ['the namespace, through v1', { ...ALL_GROUPS, [PODS]: list(WEB_1) }, {}, ['/apis', PODS]],
    [
      'v1beta1 when the server lists no v1',
      {
        ...apis({ 'metrics.k8s.io': ['v1beta1'] }),
        '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods': list(WEB_1),
      },
      {},
      ['/apis', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods'],
    ],
    [
      'all namespaces',
      { ...ALL_GROUPS, '/apis/metrics.k8s.io/v1/pods': list(WEB_1) },
      { allNamespaces: true },
      ['/apis', '/apis/metrics.k8s.io/v1/pods'],
    ],
    [
      'a label selector, sent to the metrics API',
      { ...ALL_GROUPS, [`${PODS}?labelSelector=app%3Dweb`]: list(WEB_1) },
      { selector: 'app=web' },
      ['/apis', `${PODS}?labelSelector=app%3Dweb`],
    ],
    ['one pod', { ...ALL_GROUPS, [`${PODS}/web-1`]: WEB_1 }, { name: 'web-1' }, ['/apis', `${PODS}/web-1`]],
    [
      'a field selector, applied through the Pods API',
      {
        ...ALL_GROUPS,
        [PODS]: list(WEB_1, WEB_2),
        '/api/v1/namespaces/default/pods?fieldSelector=spec.nodeName%3Dn1': {
          items: [pod('default', 'web-1', 'n1')],
        },
      },
      { fieldSelector: 'spec.nodeName=n1' },
      ['/apis', PODS, '/api/v1/namespaces/default/pods?fieldSelector=spec.nodeName%3Dn1'],
    ],
    [
      '--node twice: the pods of each node, one list each, beside the field selector',
      {
        ...ALL_GROUPS,
        [PODS]: list(WEB_1, WEB_2),
        '/api/v1/namespaces/default/pods?fieldSelector=status.phase%3DRunning%2Cspec.nodeName%3Dn1': {
          items: [pod('default', 'web-1', 'n1')],
        },
        '/api/v1/namespaces/default/pods?fieldSelector=status.phase%3DRunning%2Cspec.nodeName%3Dn3': {
          items: [],
        },
      },
      { fieldSelector: 'status.phase=Running', node: ['n1', 'n3'] },
      [
        '/apis',
        PODS,
        '/api/v1/namespaces/default/pods?fieldSelector=status.phase%3DRunning%2Cspec.nodeName%3Dn1',
        '/api/v1/namespaces/default/pods?fieldSelector=status.phase%3DRunning%2Cspec.nodeName%3Dn3',
      ],
    ],
  ])('%s', async (_name, routes, a, requests) => {
    const { session, rest } = fakeSession(routes);
    const { out } = await renderTopPods(session, args(a));
    expect(rest.requests).toEqual(requests);
    expect(out).toMatch(
      /^(NAMESPACE +)?NAME +CPU\(cores\) +MEMORY\(bytes\) +\n(default +)?web-1 +21m +48Mi +\n$/,
    );
  });
});

describe('top pods beyond kubectl', () => {
  it('--requests and --limits read the pods and compare usage with their specs', async () => {
    const { session } = fakeSession({
      ...ALL_GROUPS,
      [PODS]: list(WEB_1, WEB_2),
      '/api/v1/namespaces/default/pods': {
        items: [pod('default', 'web-1', 'n1'), pod('default', 'web-2', 'n2')],
      },
    });
    const { out } = await renderTopPods(session, args({ requests: true, limits: true }));
    expect(out).toBe(
      lines(
        'NAME    CPU(cores)   MEMORY(bytes)   CPU(%REQ)   MEMORY(%REQ)   CPU(%LIM)   MEMORY(%LIM)   ',
        'web-1   21m          48Mi            21%         18%            2%          <none>         ',
        'web-2   150m         64Mi            150%        25%            15%         <none>         ',
      ),
    );
  });

  it('--metric adds the custom metric of the same pods, <unknown> where it has no value', async () => {
    const custom = '/apis/custom.metrics.k8s.io/v1beta2';
    const { session, rest } = fakeSession({
      ...ALL_GROUPS,
      ...resourceList('custom.metrics.k8s.io/v1beta2', ['pods/qps', 'pods/temperature', 'services/qps']),
      [`${PODS}?labelSelector=app%3Dweb`]: list(WEB_1, WEB_2),
      [`${custom}/namespaces/default/pods/*/qps?labelSelector=app%3Dweb`]: {
        kind: 'MetricValueList',
        apiVersion: 'custom.metrics.k8s.io/v1beta2',
        metadata: {},
        items: [
          {
            describedObject: { kind: 'Pod', namespace: 'default', name: 'web-2', apiVersion: 'v1' },
            metric: { name: 'qps', selector: null },
            timestamp: AT,
            windowSeconds: 30,
            value: '1500m',
          },
        ],
      },
      // temperature: served, but no value for these pods right now.
      [`${custom}/namespaces/default/pods/*/temperature?labelSelector=app%3Dweb`]: status(404, 'no samples'),
    });
    const { out } = await renderTopPods(
      session,
      args({ selector: 'app=web', metric: ['qps', 'temperature'] }),
    );
    expect(out).toBe(
      lines(
        'NAME    CPU(cores)   MEMORY(bytes)   qps         temperature   ',
        'web-1   21m          48Mi            <unknown>   <unknown>     ',
        'web-2   150m         64Mi            1500m       <unknown>     ',
      ),
    );
    expect(rest.requests).toContain(`${custom}/namespaces/default/pods/*/qps?labelSelector=app%3Dweb`);
  });

  it('--sort-by a --metric column: largest first, pods without a value last', async () => {
    const custom = '/apis/custom.metrics.k8s.io/v1beta2';
    const value = (name: string, v: string) => qpsOfPod('default', name, v);
    const { session } = fakeSession({
      ...ALL_GROUPS,
      ...resourceList('custom.metrics.k8s.io/v1beta2', ['pods/qps']),
      [PODS]: list(WEB_1, WEB_2, podMetrics('default', 'web-3', '1m', '1Mi')),
      [`${custom}/namespaces/default/pods/*/qps`]: { items: [value('web-1', '2k'), value('web-3', '1500')] },
    });
    const { out } = await renderTopPods(session, args({ metric: ['qps'], sortBy: 'qps' }));
    expect(out).toBe(
      lines(
        'NAME    CPU(cores)   MEMORY(bytes)   qps         ',
        'web-1   21m          48Mi            2k          ',
        'web-3   1m           1Mi             1500        ',
        'web-2   150m         64Mi            <unknown>   ',
      ),
    );
  });

  it.each<[string, Partial<TopPodsArgs>, string]>([
    [
      '--sort-by a column it does not have',
      { sortBy: 'disk' },
      `invalid --sort-by "disk": sort by 'cpu', 'memory', or add the metric to sort by with --metric NAME`,
    ],
    [
      '--sort-by a metric it does not show',
      { sortBy: 'lag', metric: ['qps'] },
      `invalid --sort-by "lag": sort by 'cpu', 'memory', 'qps'`,
    ],
    [
      'NAME with --node',
      { name: 'web-1', node: ['n1'] },
      'only one of NAME or selector can be provided: drop NAME or -l/--field-selector/--node',
    ],
  ])('refuses %s', async (_what, a, message) => {
    const { session } = fakeSession(ALL_GROUPS);
    await expect(renderTopPods(session, args(a))).rejects.toThrow(new CliError(message));
  });

  it('--metric with all namespaces asks each namespace that has pods', async () => {
    const { session, rest } = fakeSession({
      ...ALL_GROUPS,
      ...resourceList('custom.metrics.k8s.io/v1beta2', ['pods/qps']),
      '/apis/metrics.k8s.io/v1/pods': list(WEB_1, podMetrics('prod', 'api-0', '1m', '1Mi')),
    });
    await renderTopPods(session, args({ allNamespaces: true, metric: ['qps'] }));
    expect(rest.requests.filter((r) => r.includes('/pods/*/'))).toEqual([
      '/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/qps',
      '/apis/custom.metrics.k8s.io/v1beta2/namespaces/prod/pods/*/qps',
    ]);
  });

  it('--metric names the closest metrics when discovery does not list it', async () => {
    const { session } = fakeSession({
      ...ALL_GROUPS,
      ...resourceList('custom.metrics.k8s.io/v1beta2', ['pods/qps', 'pods/cpuTemperature']),
    });
    await expect(renderTopPods(session, args({ metric: ['qpz'] }))).rejects.toThrow(
      new CliError(
        'no metric "qpz" is served for pods by custom.metrics.k8s.io (closest: qps); see what is served: kubectl cmetrics list',
      ),
    );
  });

  it('-o json gives the same pods as numbers', async () => {
    const { session } = fakeSession({ ...ALL_GROUPS, [PODS]: list(WEB_2, WEB_1) });
    const { out } = await renderTopPods(session, args({ output: 'json' }));
    const doc = JSON.parse(out) as { items: { name: string; cpu: { millicores: number } }[] };
    expect(doc.items.map((i) => [i.name, i.cpu.millicores])).toEqual([
      ['web-1', 21],
      ['web-2', 150],
    ]);
  });
});

describe('top pods when the metrics API returns nothing (kubectl verifyEmptyMetrics)', () => {
  const now = Date.parse(AT);
  const routes = (pods: PodObject[]) => ({
    ...ALL_GROUPS,
    [PODS]: list(),
    '/api/v1/namespaces/default/pods': { items: pods },
  });

  it('no pods: a notice on stderr, no table', async () => {
    const { session } = fakeSession(routes([]));
    expect(await fetchPodUsage(session, args(), now)).toEqual({
      pods: [],
      notice: 'No resources found in default namespace.\n',
    });
  });

  it('pods older than two minutes: their metrics are missing', async () => {
    const { session } = fakeSession(routes([pod('default', 'web-1', 'n1', '2026-07-01T09:00:00Z')]));
    await expect(fetchPodUsage(session, args(), now)).rejects.toThrow(
      'Metrics not available for pod default/web-1, age: 1h0m0s; check that the metrics server scrapes its node',
    );
  });

  it('younger pods: not yet', async () => {
    const { session } = fakeSession(routes([pod('default', 'web-1', 'n1', '2026-07-01T09:59:30Z')]));
    await expect(fetchPodUsage(session, args(), now)).rejects.toThrow('metrics not available yet');
  });
});

describe('top pods refuses what kubectl refuses, and says why the API is missing', () => {
  it('NAME with a selector', async () => {
    const { session } = fakeSession(ALL_GROUPS);
    await expect(renderTopPods(session, args({ name: 'web-1', selector: 'app=web' }))).rejects.toThrow(
      'only one of NAME or selector can be provided',
    );
  });

  it('an APIService that is not available: its condition', async () => {
    const { session } = fakeSession({
      ...apis({ 'custom.metrics.k8s.io': ['v1beta2'] }),
      '/apis/apiregistration.k8s.io/v1/apiservices': {
        items: [
          {
            metadata: { name: 'v1beta1.metrics.k8s.io' },
            spec: {
              group: 'metrics.k8s.io',
              version: 'v1beta1',
              service: { namespace: 'kube-system', name: 'metrics-server' },
            },
            status: {
              conditions: [
                {
                  type: 'Available',
                  status: 'False',
                  reason: 'MissingEndpoints',
                  message: 'endpoints for service/metrics-server in "kube-system" have no addresses',
                },
              ],
            },
          },
        ],
      },
    });
    await expect(renderTopPods(session, args())).rejects.toThrow(
      new CliError(
        'APIService v1beta1.metrics.k8s.io is not available (MissingEndpoints: endpoints for service/metrics-server in "kube-system" have no addresses); fix service kube-system/metrics-server, then check: kubectl get apiservice v1beta1.metrics.k8s.io',
      ),
    );
  });

  it('no APIService at all: not served', async () => {
    const { session } = fakeSession({
      ...apis({}),
      '/apis/apiregistration.k8s.io/v1/apiservices': { items: [] },
    });
    await expect(renderTopPods(session, args())).rejects.toThrow(
      new CliError(
        'metrics.k8s.io is not served by this cluster: no APIService registers it; install cmetrics-proxy or metrics-server, then check: kubectl get apiservices | grep metrics.k8s.io',
      ),
    );
  });
});
