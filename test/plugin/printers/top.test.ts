import { describe, expect, it } from 'vitest';
import {
  type NodeUsage,
  nodesDocument,
  nodesTable,
  type PodUsage,
  parseResources,
  podsDocument,
  podsTable,
  type TopNodesOptions,
  type TopPodsOptions,
} from '../../../plugin/printers/top.ts';
import type { NodeMetrics, PodMetrics } from '../../../shared/api-types.ts';

const lines = (...rows: string[]) => rows.map((r) => `${r}\n`).join('');

const pod = (namespace: string, name: string, containers: [string, string, string][]): PodMetrics => ({
  metadata: { name, namespace, creationTimestamp: '2026-07-01T10:00:05Z' },
  timestamp: '2026-07-01T10:00:00Z',
  window: '30s',
  containers: containers.map(([n, cpu, memory]) => ({ name: n, usage: { cpu, memory } })),
});

/** API order on purpose: the printer sorts. Fractions of milli and Mi show the rounding. */
const POD_METRICS = [
  pod('prod', 'web-7d9f-abcde', [
    ['sidecar', '4581412n', '12345678'],
    ['app', '20500u', '48Mi'],
  ]),
  pod('prod', 'api-0', [['app', '1500m', '1Gi']]),
  pod('data', 'db-0', [
    ['postgres', '250m', '536870913'],
    ['exporter', '1m', '20Mi'],
  ]),
  pod('data', 'cache', [['redis', '999999n', '1048575']]),
  pod('kube-system', 'a-pod-with-a-rather-long-name-0', [['c', '0', '0']]),
  // Equal usage: kubectl's sort (insertion sort below 13 rows) keeps API order, and so must we.
  pod('prod', 'tie-b', [['app', '7m', '64Mi']]),
  pod('prod', 'tie-a', [['app', '7m', '64Mi']]),
];

const node = (name: string, cpu: string, memory: string): NodeMetrics => ({
  metadata: { name, creationTimestamp: '2026-07-01T10:00:05Z' },
  timestamp: '2026-07-01T10:00:00Z',
  window: '30s',
  usage: { cpu, memory },
});

const NODE_METRICS = [
  node('node-b', '1500m', '3Gi'),
  node('node-a', '250m', '1Gi'),
  // Not in the nodes list: no percentage cells at all.
  node('node-d', '2', '2Gi'),
  // Zero allocatable CPU is 0%; no allocatable memory means no MEMORY(%) cell.
  node('node-e', '100m', '512Mi'),
];
const ALLOCATABLE: Record<string, Record<string, string>> = {
  'node-a': { cpu: '1930m', memory: '7623040Ki' },
  'node-b': { cpu: '4', memory: '8Gi' },
  'node-c': { cpu: '2', memory: '4Gi' },
  'node-e': { cpu: '0' },
};

const podUsage = (m: PodMetrics, extra: Partial<PodUsage> = {}): PodUsage => ({
  namespace: m.metadata.namespace ?? '',
  name: m.metadata.name,
  timestamp: m.timestamp,
  window: m.window,
  containers: m.containers.map((c) => ({
    name: c.name,
    usage: parseResources(c.usage),
    requests: {},
    limits: {},
  })),
  metrics: {},
  ...extra,
});

const NODES: NodeUsage[] = [
  ...NODE_METRICS.map((m) => {
    const available = ALLOCATABLE[m.metadata.name];
    return {
      name: m.metadata.name,
      usage: { resources: parseResources(m.usage), timestamp: m.timestamp, window: m.window },
      available: available && parseResources(available),
      metrics: {},
    };
  }),
  // Listed by the nodes API, absent from the metrics API.
  { name: 'node-c', available: parseResources(ALLOCATABLE['node-c']), metrics: {} },
];

const podOptions = (o: Partial<TopPodsOptions> = {}): TopPodsOptions => ({
  allNamespaces: false,
  containers: false,
  noHeaders: false,
  sum: false,
  requests: false,
  limits: false,
  metrics: [],
  wide: false,
  ...o,
});

const nodeOptions = (o: Partial<TopNodesOptions> = {}): TopNodesOptions => ({
  noHeaders: false,
  showCapacity: false,
  metrics: [],
  wide: false,
  ...o,
});

// The expected tables were printed by kubectl v0.37.2's metricsutil.TopCmdPrinter (PrintPodMetrics,
// PrintNodeMetrics) for the same metrics, through a small Go program.
describe('podsTable is kubectl top pod', () => {
  it.each<[string, Partial<TopPodsOptions>, string]>([
    [
      'default',
      {},
      lines(
        'NAME                              CPU(cores)   MEMORY(bytes)   ',
        'a-pod-with-a-rather-long-name-0   0m           0Mi             ',
        'api-0                             1500m        1024Mi          ',
        'cache                             1m           0Mi             ',
        'db-0                              251m         532Mi           ',
        'tie-a                             7m           64Mi            ',
        'tie-b                             7m           64Mi            ',
        'web-7d9f-abcde                    26m          59Mi            ',
      ),
    ],
    [
      'all namespaces',
      { allNamespaces: true },
      lines(
        'NAMESPACE     NAME                              CPU(cores)   MEMORY(bytes)   ',
        'data          cache                             1m           0Mi             ',
        'data          db-0                              251m         532Mi           ',
        'kube-system   a-pod-with-a-rather-long-name-0   0m           0Mi             ',
        'prod          api-0                             1500m        1024Mi          ',
        'prod          tie-a                             7m           64Mi            ',
        'prod          tie-b                             7m           64Mi            ',
        'prod          web-7d9f-abcde                    26m          59Mi            ',
      ),
    ],
    [
      'containers',
      { containers: true },
      lines(
        'POD                               NAME       CPU(cores)   MEMORY(bytes)   ',
        'a-pod-with-a-rather-long-name-0   c          0m           0Mi             ',
        'api-0                             app        1500m        1024Mi          ',
        'cache                             redis      1m           0Mi             ',
        'db-0                              exporter   1m           20Mi            ',
        'db-0                              postgres   250m         512Mi           ',
        'tie-a                             app        7m           64Mi            ',
        'tie-b                             app        7m           64Mi            ',
        'web-7d9f-abcde                    app        21m          48Mi            ',
        'web-7d9f-abcde                    sidecar    5m           11Mi            ',
      ),
    ],
    [
      'containers, all namespaces',
      { containers: true, allNamespaces: true },
      lines(
        'NAMESPACE     POD                               NAME       CPU(cores)   MEMORY(bytes)   ',
        'data          cache                             redis      1m           0Mi             ',
        'data          db-0                              exporter   1m           20Mi            ',
        'data          db-0                              postgres   250m         512Mi           ',
        'kube-system   a-pod-with-a-rather-long-name-0   c          0m           0Mi             ',
        'prod          api-0                             app        1500m        1024Mi          ',
        'prod          tie-a                             app        7m           64Mi            ',
        'prod          tie-b                             app        7m           64Mi            ',
        'prod          web-7d9f-abcde                    app        21m          48Mi            ',
        'prod          web-7d9f-abcde                    sidecar    5m           11Mi            ',
      ),
    ],
    [
      'sorted by cpu',
      { sortBy: 'cpu' },
      lines(
        'NAME                              CPU(cores)   MEMORY(bytes)   ',
        'api-0                             1500m        1024Mi          ',
        'db-0                              251m         532Mi           ',
        'web-7d9f-abcde                    26m          59Mi            ',
        'tie-b                             7m           64Mi            ',
        'tie-a                             7m           64Mi            ',
        'cache                             1m           0Mi             ',
        'a-pod-with-a-rather-long-name-0   0m           0Mi             ',
      ),
    ],
    [
      'sorted by memory, containers',
      { sortBy: 'memory', containers: true, allNamespaces: true },
      lines(
        'NAMESPACE     POD                               NAME       CPU(cores)   MEMORY(bytes)   ',
        'prod          api-0                             app        1500m        1024Mi          ',
        'data          db-0                              postgres   250m         512Mi           ',
        'data          db-0                              exporter   1m           20Mi            ',
        'prod          tie-b                             app        7m           64Mi            ',
        'prod          tie-a                             app        7m           64Mi            ',
        'prod          web-7d9f-abcde                    app        21m          48Mi            ',
        'prod          web-7d9f-abcde                    sidecar    5m           11Mi            ',
        'data          cache                             redis      1m           0Mi             ',
        'kube-system   a-pod-with-a-rather-long-name-0   c          0m           0Mi             ',
      ),
    ],
    [
      'no headers',
      { noHeaders: true },
      lines(
        'a-pod-with-a-rather-long-name-0   0m      0Mi      ',
        'api-0                             1500m   1024Mi   ',
        'cache                             1m      0Mi      ',
        'db-0                              251m    532Mi    ',
        'tie-a                             7m      64Mi     ',
        'tie-b                             7m      64Mi     ',
        'web-7d9f-abcde                    26m     59Mi     ',
      ),
    ],
    [
      'sum',
      { sum: true },
      lines(
        'NAME                              CPU(cores)   MEMORY(bytes)   ',
        'a-pod-with-a-rather-long-name-0   0m           0Mi             ',
        'api-0                             1500m        1024Mi          ',
        'cache                             1m           0Mi             ',
        'db-0                              251m         532Mi           ',
        'tie-a                             7m           64Mi            ',
        'tie-b                             7m           64Mi            ',
        'web-7d9f-abcde                    26m          59Mi            ',
        '                                  ________     ________        ',
        '                                  1792m        1744Mi          ',
      ),
    ],
    [
      'sum, all namespaces',
      { sum: true, allNamespaces: true },
      lines(
        'NAMESPACE     NAME                              CPU(cores)   MEMORY(bytes)   ',
        'data          cache                             1m           0Mi             ',
        'data          db-0                              251m         532Mi           ',
        'kube-system   a-pod-with-a-rather-long-name-0   0m           0Mi             ',
        'prod          api-0                             1500m        1024Mi          ',
        'prod          tie-a                             7m           64Mi            ',
        'prod          tie-b                             7m           64Mi            ',
        'prod          web-7d9f-abcde                    26m          59Mi            ',
        '                                                ________     ________        ',
        '                                                1792m        1744Mi          ',
      ),
    ],
    [
      'sum, containers, all namespaces',
      { sum: true, containers: true, allNamespaces: true },
      lines(
        'NAMESPACE     POD                               NAME       CPU(cores)   MEMORY(bytes)   ',
        'data          cache                             redis      1m           0Mi             ',
        'data          db-0                              exporter   1m           20Mi            ',
        'data          db-0                              postgres   250m         512Mi           ',
        'kube-system   a-pod-with-a-rather-long-name-0   c          0m           0Mi             ',
        'prod          api-0                             app        1500m        1024Mi          ',
        'prod          tie-a                             app        7m           64Mi            ',
        'prod          tie-b                             app        7m           64Mi            ',
        'prod          web-7d9f-abcde                    app        21m          48Mi            ',
        'prod          web-7d9f-abcde                    sidecar    5m           11Mi            ',
        '                                                           ________     ________        ',
        '                                                           1792m        1744Mi          ',
      ),
    ],
    [
      'sum, no headers, all namespaces',
      { sum: true, noHeaders: true, allNamespaces: true },
      lines(
        'data          cache                             1m         0Mi      ',
        'data          db-0                              251m       532Mi    ',
        'kube-system   a-pod-with-a-rather-long-name-0   0m         0Mi      ',
        'prod          api-0                             1500m      1024Mi   ',
        'prod          tie-a                             7m         64Mi     ',
        'prod          tie-b                             7m         64Mi     ',
        'prod          web-7d9f-abcde                    26m        59Mi     ',
        '              ________                          ________   ',
        '              1792m                             1744Mi     ',
      ),
    ],
  ])('%s', (_name, options, expected) => {
    expect(
      podsTable(
        POD_METRICS.map((m) => podUsage(m)),
        podOptions(options),
      ),
    ).toBe(expected);
  });

  it('prints nothing for no pods, as kubectl does', () => {
    expect(podsTable([], podOptions())).toBe('');
  });
});

describe('nodesTable is kubectl top node', () => {
  it.each<[string, Partial<TopNodesOptions>, string]>([
    [
      'default',
      {},
      lines(
        'NAME     CPU(cores)   CPU(%)      MEMORY(bytes)   MEMORY(%)   ',
        'node-a   250m         12%         1024Mi          13%         ',
        'node-b   1500m        37%         3072Mi          37%         ',
        'node-d   2000m        2048Mi      ',
        'node-e   100m         0%          512Mi           ',
        'node-c   <unknown>    <unknown>   <unknown>       <unknown>   ',
      ),
    ],
    [
      'sorted by cpu',
      { sortBy: 'cpu' },
      lines(
        'NAME     CPU(cores)   CPU(%)      MEMORY(bytes)   MEMORY(%)   ',
        'node-d   2000m        2048Mi      ',
        'node-b   1500m        37%         3072Mi          37%         ',
        'node-a   250m         12%         1024Mi          13%         ',
        'node-e   100m         0%          512Mi           ',
        'node-c   <unknown>    <unknown>   <unknown>       <unknown>   ',
      ),
    ],
    [
      'sorted by memory',
      { sortBy: 'memory' },
      lines(
        'NAME     CPU(cores)   CPU(%)      MEMORY(bytes)   MEMORY(%)   ',
        'node-b   1500m        37%         3072Mi          37%         ',
        'node-d   2000m        2048Mi      ',
        'node-a   250m         12%         1024Mi          13%         ',
        'node-e   100m         0%          512Mi           ',
        'node-c   <unknown>    <unknown>   <unknown>       <unknown>   ',
      ),
    ],
    [
      'no headers',
      { noHeaders: true },
      lines(
        'node-a   250m        12%         1024Mi   13%   ',
        'node-b   1500m       37%         3072Mi   37%   ',
        'node-d   2000m       2048Mi      ',
        'node-e   100m        0%          512Mi       ',
        'node-c   <unknown>   <unknown>   <unknown>   <unknown>   ',
      ),
    ],
  ])('%s', (_name, options, expected) => {
    expect(nodesTable(NODES, nodeOptions(options))).toBe(expected);
  });

  it('prints nothing when no node has metrics', () => {
    expect(nodesTable([{ name: 'n', metrics: {} }], nodeOptions())).toBe('');
  });
});

describe("cmetrics' columns come after kubectl's", () => {
  const q = parseResources;
  const WEB_1: PodUsage = {
    namespace: 'default',
    name: 'web-1',
    timestamp: '2026-07-01T10:00:00Z',
    window: '30s',
    node: 'kwok-node-0',
    metrics: { qps: '499999999n' },
    containers: [
      {
        name: 'app',
        usage: q({ cpu: '20500u', memory: '48Mi' }),
        requests: q({ cpu: '100m', memory: '300Mi' }),
        limits: q({ cpu: '200m' }),
      },
      { name: 'sidecar', usage: q({ cpu: '5m', memory: '16Mi' }), requests: {}, limits: {} },
    ],
  };
  const WEB_2: PodUsage = {
    namespace: 'default',
    name: 'web-2',
    timestamp: '2026-07-01T10:00:00Z',
    window: '30s',
    metrics: {},
    containers: [
      {
        name: 'app',
        usage: q({ cpu: '150m', memory: '64Mi' }),
        requests: q({ cpu: '100m', memory: '300Mi' }),
        limits: {},
      },
    ],
  };
  const EXTRAS = { requests: true, limits: true, metrics: ['qps'], wide: true };

  it.each<[string, Partial<TopPodsOptions>, string]>([
    [
      'requests and limits of the pod (containers that set one), a metric, node and window',
      EXTRAS,
      lines(
        'NAME    CPU(cores)   MEMORY(bytes)   CPU(%REQ)   MEMORY(%REQ)   CPU(%LIM)   MEMORY(%LIM)   qps         NODE          WINDOW   ',
        'web-1   26m          64Mi            26%         21%            13%         <none>         500m        kwok-node-0   30s      ',
        'web-2   150m         64Mi            150%        21%            <none>      <none>         <unknown>   <none>        30s      ',
      ),
    ],
    [
      'per container, with the sum under kubectl columns only',
      { ...EXTRAS, containers: true, sum: true },
      lines(
        'POD     NAME      CPU(cores)   MEMORY(bytes)   CPU(%REQ)   MEMORY(%REQ)   CPU(%LIM)   MEMORY(%LIM)   qps         NODE          WINDOW   ',
        'web-1   app       21m          48Mi            21%         16%            10%         <none>         500m        kwok-node-0   30s      ',
        'web-1   sidecar   5m           16Mi            <none>      <none>         <none>      <none>         500m        kwok-node-0   30s      ',
        'web-2   app       150m         64Mi            150%        21%            <none>      <none>         <unknown>   <none>        30s      ',
        '                  ________     ________        ',
        '                  176m         128Mi           ',
      ),
    ],
  ])('pods: %s', (_name, options, expected) => {
    expect(podsTable([WEB_1, WEB_2], podOptions(options))).toBe(expected);
  });

  it('pods as a document: exact quantities, rounded numbers, percentages and the total', () => {
    const doc = podsDocument([WEB_2, WEB_1], podOptions({ ...EXTRAS, sum: true }));
    expect(doc.items.map((i) => i.name)).toEqual(['web-1', 'web-2']);
    expect(doc.items[0]).toMatchObject({
      namespace: 'default',
      node: 'kwok-node-0',
      window: '30s',
      cpu: {
        usage: '25500u',
        millicores: 26,
        requests: '100m',
        percentOfRequests: 26,
        limits: '200m',
        percentOfLimits: 13,
      },
      memory: { usage: '64Mi', bytes: 67108864, requests: '300Mi', percentOfRequests: 21 },
      metrics: { qps: '499999999n' },
    });
    expect(doc.items[0]?.containers[1]).toEqual({
      name: 'sidecar',
      cpu: { usage: '5m', millicores: 5 },
      memory: { usage: '16Mi', bytes: 16777216 },
    });
    expect(doc.total).toEqual({
      cpu: { usage: '175500u', millicores: 176 },
      memory: { usage: '128Mi', bytes: 134217728 },
    });
  });

  const MEASURED: NodeUsage = {
    name: 'n1',
    usage: { resources: q({ cpu: '250m', memory: '1Gi' }), timestamp: '2026-07-01T10:00:00Z', window: '30s' },
    available: q({ cpu: '4', memory: '8Gi' }),
    metrics: { load: '2' },
  };
  const UNMEASURED: NodeUsage = { name: 'n2', available: q({ cpu: '4', memory: '8Gi' }), metrics: {} };

  it.each<[string, Record<string, string>[], string[]]>([
    ['largest first', [{ load: '2' }, { load: '500m' }, { load: '3' }], ['n3', 'n1', 'n2']],
    ['by value, not by text', [{ load: '900m' }, { load: '1k' }, { load: '1Ki' }], ['n3', 'n2', 'n1']],
    ['nodes without a value last, by name', [{}, { load: '1' }, {}], ['n2', 'n1', 'n3']],
  ])('nodes: --sort-by a metric, %s', (_what, values, order) => {
    const nodes = values.map((metrics, i) => ({ ...MEASURED, name: `n${i + 1}`, metrics }));
    const table = nodesTable(nodes, nodeOptions({ metrics: ['load'], sortBy: 'load', noHeaders: true }));
    expect(
      table
        .split('\n')
        .slice(0, -1)
        .map((l) => l.split(' ')[0]),
    ).toEqual(order);
  });

  it('nodes: a metric, then with -o wide what the percentages are of, and the window', () => {
    expect(
      nodesTable([UNMEASURED, MEASURED], nodeOptions({ metrics: ['load'], wide: true, showCapacity: true })),
    ).toBe(
      lines(
        'NAME   CPU(cores)   CPU(%)      MEMORY(bytes)   MEMORY(%)   load        CPU(capacity)   MEMORY(capacity)   WINDOW      ',
        'n1     250m         6%          1024Mi          12%         2           4000m           8192Mi             30s         ',
        'n2     <unknown>    <unknown>   <unknown>       <unknown>   <unknown>   4000m           8192Mi             <unknown>   ',
      ),
    );
  });

  it('nodes as a document: usage against allocatable, and nodes without metrics last', () => {
    expect(nodesDocument([UNMEASURED, MEASURED], nodeOptions())).toEqual({
      items: [
        {
          name: 'n1',
          timestamp: '2026-07-01T10:00:00Z',
          window: '30s',
          cpu: { usage: '250m', millicores: 250, allocatable: '4', percentOfAllocatable: 6 },
          memory: { usage: '1Gi', bytes: 1073741824, allocatable: '8Gi', percentOfAllocatable: 12 },
        },
        { name: 'n2', cpu: { allocatable: '4' }, memory: { allocatable: '8Gi' } },
      ],
    });
  });
});
