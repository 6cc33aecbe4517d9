// `kubectl cmetrics top` against the real `kubectl top` (v1.37.2) on the same cluster: the output must be
// the same bytes. Three kwok pods in a namespace of their own give several containers, namespaces, sort
// orders and totals; their usage comes from kwok's annotations (per container), through Prometheus and
// the proxy's metrics.k8s.io. CPU values sit on quarter millicores so scrape jitter never moves kubectl's
// rounding up, and the sums of all pods stay off whole millicores too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { readableQuantity } from '../../plugin/printers/readable.ts';
import { eventually, kubectl } from './helpers.ts';
import {
  cmetrics,
  type Installed,
  installPlugin,
  kubectlOnPath,
  sameAsKubectlTop,
  watchFrames,
} from './plugin.ts';

const NS = 'cmetrics-plugin-e2e';

interface PodPlan {
  name: string;
  tier: string;
  containers: string[];
  cpu: string;
  memory: string;
  /** On the first container. */
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

const PLANS: PodPlan[] = [
  {
    name: 'alpha',
    tier: 'front',
    containers: ['app', 'sidecar'],
    cpu: '30250u',
    memory: '96Mi',
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '200m' } },
  },
  {
    name: 'beta',
    tier: 'back',
    containers: ['app'],
    cpu: '150500u',
    memory: '200Mi',
    resources: { requests: { cpu: '100m', memory: '256Mi' } },
  },
  { name: 'gamma', tier: 'back', containers: ['c1', 'c2', 'c3'], cpu: '5250u', memory: '10Mi' },
];

function manifest(): string {
  const items = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    ...PLANS.map((p) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: p.name,
        namespace: NS,
        labels: { tier: p.tier },
        annotations: { 'kwok.x-k8s.io/usage-cpu': p.cpu, 'kwok.x-k8s.io/usage-memory': p.memory },
      },
      spec: {
        containers: p.containers.map((name, i) => ({
          name,
          image: 'none',
          ...(i === 0 && p.resources ? { resources: p.resources } : {}),
        })),
      },
    })),
  ];
  return stringify({ apiVersion: 'v1', kind: 'List', items });
}

/** `kubectl top pods -n NS --containers` once the usage is what the annotations say. */
const SETTLED = [
  'POD     NAME      CPU(cores)   MEMORY(bytes)   ',
  'alpha   app       31m          96Mi            ',
  'alpha   sidecar   31m          96Mi            ',
  'beta    app       151m         200Mi           ',
  'gamma   c1        6m           10Mi            ',
  'gamma   c2        6m           10Mi            ',
  'gamma   c3        6m           10Mi            ',
  '',
].join('\n');

let plugin: Installed;

beforeAll(async () => {
  plugin = await installPlugin();
  kubectl(['apply', '-f', '-'], manifest());
  // CPU is a rate over 30 s: until the pods are that old it is below their annotations.
  await eventually(
    "the test pods' usage is their annotations'",
    () => {
      const r = kubectlOnPath(plugin, ['top', 'pods', '-n', NS, '--containers']);
      return r.stdout === SETTLED ? true : undefined;
    },
    180_000,
    1000,
  );
});

afterAll(async () => {
  kubectl(['delete', 'namespace', NS, '--wait=true', '--ignore-not-found']);
});

describe('kubectl cmetrics top pods prints what kubectl top pods prints', () => {
  it.each([
    [['pods']],
    [['pods', '-n', NS]],
    [['pods', '-n', NS, '--containers']],
    [['pods', '-A']],
    [['pods', '-A', '--containers']],
    [['pods', '-n', NS, '--sort-by', 'cpu']],
    [['pods', '-A', '--sort-by', 'memory']],
    [['pods', '-n', NS, '--sum']],
    [['pods', '-A', '--containers', '--sum']],
    [['pods', '-A', '--sum', '--no-headers']],
    [['pods', '-n', NS, '--no-headers']],
    [['pods', '-n', NS, '-l', 'tier=back']],
    [['pods', '-n', NS, '-l', 'tier in (front,back)', '--containers']],
    [['pods', '-A', '--field-selector', 'metadata.namespace!=default']],
    [['pods', 'beta', '-n', NS, '--containers']],
  ])('top %j', async (args) => {
    const out = await sameAsKubectlTop(plugin, args);
    expect(out).not.toBe('');
  });

  it('the table for the test pods is the one their usage annotations give', async () => {
    expect(await sameAsKubectlTop(plugin, ['pods', '-n', NS, '--containers'])).toBe(SETTLED);
  });
});

describe('kubectl cmetrics top nodes prints what kubectl top nodes prints', () => {
  it.each([
    [['nodes']],
    [['nodes', '--sort-by', 'cpu']],
    [['nodes', '--sort-by', 'memory', '--no-headers']],
    [['nodes', '--show-capacity']],
    [['nodes', 'kwok-node-0']],
  ])('top %j', async (args) => {
    expect(await sameAsKubectlTop(plugin, args)).toMatch(
      /^(NAME +CPU\(cores\) +CPU\(%\) +MEMORY\(bytes\) +MEMORY\(%\) +\n)?kwok-node-/,
    );
  });
});

describe('top beyond kubectl', () => {
  it('--requests and --limits: usage against the specs, <none> where there is none', () => {
    const r = cmetrics(plugin, ['top', 'pods', '-n', NS, '--requests', '--limits']);
    expect(r.status, r.stderr).toBe(0);
    // alpha: 60.5m of 100m and 192Mi of 128Mi requested, 60.5m of 200m limit; gamma sets nothing.
    expect(r.stdout).toBe(
      [
        'NAME    CPU(cores)   MEMORY(bytes)   CPU(%REQ)   MEMORY(%REQ)   CPU(%LIM)   MEMORY(%LIM)   ',
        'alpha   61m          192Mi           61%         150%           30%         <none>         ',
        'beta    151m         200Mi           151%        78%            <none>      <none>         ',
        'gamma   16m          30Mi            <none>      <none>         <none>      <none>         ',
        '',
      ].join('\n'),
    );
  });

  it('--metric adds the custom metric the API serves for the same pods', async () => {
    const r = cmetrics(plugin, [
      'top',
      'pods',
      '-l',
      'app=custom-metrics-app',
      '--metric',
      'cpuTemperature',
      '-o',
      'wide',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const [header, ...rows] = r.stdout.trim().split('\n');
    expect(header?.split(/ +/).filter(Boolean)).toEqual([
      'NAME',
      'CPU(cores)',
      'MEMORY(bytes)',
      'cpuTemperature',
      'NODE',
      'WINDOW',
    ]);
    const raw = JSON.parse(
      kubectl([
        'get',
        '--raw',
        '/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/cpuTemperature?labelSelector=app%3Dcustom-metrics-app',
      ]),
    ) as { items: { describedObject: { name: string }; value: string }[] };
    const nodes = JSON.parse(kubectl(['get', 'pods', '-l', 'app=custom-metrics-app', '-o', 'json'])) as {
      items: { metadata: { name: string }; spec: { nodeName: string } }[];
    };
    for (const row of rows) {
      const [name, , , temperature, node, window] = row.split(/ +/);
      const served = raw.items.find((i) => i.describedObject.name === name)?.value;
      expect(temperature).toBe(served === undefined ? '<unknown>' : readableQuantity(served));
      expect(node).toBe(nodes.items.find((p) => p.metadata.name === name)?.spec.nodeName);
      expect(window).toBe('30s');
    }
  });

  it('-o json: the same pods, with exact quantities and rounded numbers', () => {
    const r = cmetrics(plugin, ['top', 'pods', '-n', NS, '-o', 'json']);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      items: {
        name: string;
        cpu: { millicores: number };
        memory: { usage: string };
        containers: unknown[];
      }[];
    };
    expect(doc.items.map((i) => [i.name, i.cpu.millicores, i.memory.usage, i.containers.length])).toEqual([
      ['alpha', 61, '192Mi', 2],
      ['beta', 151, '200Mi', 1],
      ['gamma', 16, '30Mi', 3],
    ]);
  });

  it('--watch redraws every --interval until Ctrl-C, then exits 0', async () => {
    const { out, status } = await watchFrames(
      plugin,
      ['top', 'nodes', '--watch', '--interval', '1s'],
      'NAME ',
      3,
    );
    expect(status).toBe(0);
    // Not a terminal: frames one after another, a blank line between.
    expect(out).toMatch(/^NAME .*\n(kwok-node-.*\n)+\nNAME /);
  });
});
