// metrics.k8s.io through the real aggregator, read by the real kubectl top and the real HPA. Usage is
// kwok's simulated kubelet metrics (test/fixtures/kwok-metrics.yaml), scraped by Prometheus and served
// through the harness's resourceRules: 20.5m CPU and 48Mi per container unless a test changes it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import type {
  APIGroupList,
  APIResourceList,
  NodeMetricsList,
  PodMetrics,
  PodMetricsList,
} from '../../shared/api-types.ts';
import { milliValue, parseQuantity, toNumber, value } from '../../shared/quantity.ts';
import { FIXTURES } from '../harness/stack.ts';
import {
  apiServiceAvailable,
  deploymentReplicas,
  eventually,
  getRaw,
  hpaEvents,
  kubectl,
  kubectlRun,
  prometheus,
  proxyAgent,
  send,
  table,
} from './helpers.ts';
import { AS_ADMIN, frontProxyClient } from './proxy-instance.ts';

const BASE = '/apis/metrics.k8s.io';
const APP = 'custom-metrics-app';
const CONTAINER = 'custom-server';
const USAGE_ANNOTATION = 'kwok.x-k8s.io/usage-cpu';
/** The sample app's simulated usage per container, and what kubectl prints for it (ceil milli, floor Mi). */
const IDLE_CPU = '20500u';
const IDLE_MILLI = 21;
const MEMORY_MI = 48;
/** The harness's resourceRules.window (test/fixtures/harness-adapter.yaml). */
const WINDOW_S = 30;

interface Pod {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: { phase?: string };
}

/** The sample app's live pods. */
function appPods(): Pod[] {
  const list = JSON.parse(kubectl(['get', 'pods', '-l', `app=${APP}`, '-o', 'json'])) as { items: Pod[] };
  return list.items.filter((p) => !p.metadata.deletionTimestamp && p.status.phase === 'Running');
}

/** What kubectl prints for a quantity: CPU as MilliValue (rounded up), memory as Value / Mi (rounded down). */
const cpuCell = (q = '') => `${milliValue(parseQuantity(q))}m`;
const memoryCell = (q = '') => `${value(parseQuantity(q)) / 1048576n}Mi`;

/** Each container's usage equals what Prometheus computes for the harness's rules at the item's timestamp. */
async function expectPodUsageFromPrometheus(item: PodMetrics) {
  const at = Date.parse(item.timestamp) / 1000;
  const selector = `namespace="default",pod="${item.metadata.name}",container="${CONTAINER}"`;
  const [cpu] = await prometheus(`sum(rate(container_cpu_usage_seconds_total{${selector}}[30s]))`, at);
  const [memory] = await prometheus(`sum(container_memory_working_set_bytes{${selector}})`, at);
  const usage = item.containers.find((c) => c.name === CONTAINER)?.usage ?? {};
  expect(Math.abs(toNumber(parseQuantity(usage.cpu ?? '')) - Number(cpu?.value[1]))).toBeLessThan(1e-9);
  expect(toNumber(parseQuantity(usage.memory ?? ''))).toBe(Number(memory?.value[1]));
}

describe('metrics.k8s.io through kube-apiserver', () => {
  let pods: Pod[] = [];

  beforeAll(async () => {
    // The custom-metrics HPA test scales the app back to one pod; wait until the others are gone
    // and Prometheus has the remaining pod's usage.
    pods = await eventually(
      'one sample app pod',
      () => {
        const live = appPods();
        const all = kubectl(['get', 'pods', '-l', `app=${APP}`, '-o', 'name'])
          .trim()
          .split('\n');
        return live.length === 1 && all.length === 1 ? live : undefined;
      },
      120_000,
      1000,
    );
    // rate() over a counter younger than its range extrapolates at most half a scrape interval before
    // its first sample (prometheus/prometheus promql/functions.go extrapolatedRate): until the pod's
    // series reaches back a whole window, its cpu reads low (2m for 21m a few seconds in), whether the
    // store or a request evaluated it. Ready once a sample is a window old and the served usage was
    // evaluated after that.
    const name = pods[0]?.metadata.name;
    const fullFrom = await eventually(
      'Prometheus holds a whole rate window of the pod cpu',
      async () => {
        const now = Date.now();
        const r = await prometheus(
          `count_over_time(container_cpu_usage_seconds_total{pod="${name}"}[${WINDOW_S}s] offset ${WINDOW_S}s)`,
          now / 1000,
        );
        return r.length ? now : undefined;
      },
      90_000,
      1000,
    );
    await eventually(
      'the served pod usage evaluated over a whole window',
      () => {
        const r = getRaw<PodMetrics>(`${BASE}/v1beta1/namespaces/default/pods/${name}`);
        return r.ok && Date.parse(r.body.timestamp) >= fullFrom ? true : undefined;
      },
      30_000,
      1000,
    );
  });

  it('has both APIServices Available, v1 listed first', async () => {
    for (const version of ['v1', 'v1beta1']) {
      expect((await apiServiceAvailable(`${version}.metrics.k8s.io`)).reason).toBe('Passed');
    }
    const apis = getRaw<APIGroupList>('/apis');
    const group = apis.ok ? apis.body.groups.find((g) => g.name === 'metrics.k8s.io') : undefined;
    expect(group?.versions.map((v) => v.version)).toEqual(['v1', 'v1beta1']);
    for (const version of ['v1', 'v1beta1']) {
      const list = getRaw<APIResourceList>(`${BASE}/${version}`);
      expect(list.ok && list.body.resources.map((r) => [r.name, r.kind, r.namespaced])).toEqual([
        ['nodes', 'NodeMetrics', false],
        ['pods', 'PodMetrics', true],
      ]);
    }
  });

  it('serves PodMetrics equal to Prometheus at their timestamp, in both versions', async () => {
    for (const version of ['v1', 'v1beta1']) {
      const list = await eventually(`${version} pods listed`, () => {
        const r = getRaw<PodMetricsList>(
          `${BASE}/${version}/namespaces/default/pods?labelSelector=app%3D${APP}`,
        );
        return r.ok && r.body.items.length ? r.body : undefined;
      });
      expect(list).toMatchObject({ kind: 'PodMetricsList', apiVersion: `metrics.k8s.io/${version}` });
      const [item] = list.items as [PodMetrics];
      expect(item.metadata).toMatchObject({ name: pods[0]?.metadata.name, namespace: 'default' });
      expect(item.metadata.labels?.app).toBe(APP);
      expect(item.window).toBe('30s');
      // Evaluated at a settled second: at most a few seconds before the request.
      expect(Date.parse(item.metadata.creationTimestamp) - Date.parse(item.timestamp)).toBeLessThan(5000);
      expect(item.containers.map((c) => c.name)).toEqual([CONTAINER]);
      const usage = item.containers[0]?.usage ?? {};
      expect([cpuCell(usage.cpu), memoryCell(usage.memory)]).toEqual([`${IDLE_MILLI}m`, `${MEMORY_MI}Mi`]);
      await expectPodUsageFromPrometheus(item);
    }
  });

  it('kubectl top pods prints the usage, through v1', async () => {
    const [name] = pods.map((p) => p.metadata.name);
    const run = kubectlRun(['top', 'pods', '-v=6']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain(`${BASE}/v1/namespaces/default/pods`);
    expect(table(run.stdout)).toEqual([
      ['NAME', 'CPU(cores)', 'MEMORY(bytes)'],
      [name, `${IDLE_MILLI}m`, `${MEMORY_MI}Mi`],
    ]);
  });

  it.each<[string, (name: string) => string[], (name: string) => string[][]]>([
    [
      '-A',
      () => ['top', 'pods', '-A'],
      (name) => [
        ['NAMESPACE', 'NAME', 'CPU(cores)', 'MEMORY(bytes)'],
        ['default', name, `${IDLE_MILLI}m`, `${MEMORY_MI}Mi`],
      ],
    ],
    [
      '-l',
      () => ['top', 'pods', '-l', `app=${APP}`],
      (name) => [
        ['NAME', 'CPU(cores)', 'MEMORY(bytes)'],
        [name, `${IDLE_MILLI}m`, `${MEMORY_MI}Mi`],
      ],
    ],
    [
      '--containers',
      () => ['top', 'pods', '--containers'],
      (name) => [
        ['POD', 'NAME', 'CPU(cores)', 'MEMORY(bytes)'],
        [name, CONTAINER, `${IDLE_MILLI}m`, `${MEMORY_MI}Mi`],
      ],
    ],
    [
      'NAME',
      (name) => ['top', 'pod', name],
      (name) => [
        ['NAME', 'CPU(cores)', 'MEMORY(bytes)'],
        [name, `${IDLE_MILLI}m`, `${MEMORY_MI}Mi`],
      ],
    ],
  ])('kubectl top pods %s', (_what, args, want) => {
    const name = pods[0]?.metadata.name as string;
    const run = kubectlRun(args(name));
    expect(run.status, run.stderr).toBe(0);
    expect(table(run.stdout)).toEqual(want(name));
  });

  it('kubectl top nodes prints each node the usage of its pods, equal to Prometheus', async () => {
    const podNode = pods[0]?.spec.nodeName as string;
    const nodes = kubectl(['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}']).split(' ').sort();
    expect(nodes).toContain(podNode);
    // Node usage sums the node's pods over the window: let pods deleted by earlier tests age out.
    const want = (node: string) => (node === podNode ? [`${IDLE_MILLI}m`, `${MEMORY_MI}Mi`] : ['0m', '0Mi']);
    const list = await eventually(
      'node usage settled',
      () => {
        const r = getRaw<NodeMetricsList>(`${BASE}/v1beta1/nodes`);
        const ok =
          r.ok &&
          r.body.items.length === nodes.length &&
          r.body.items.every((n) => {
            const cells = [cpuCell(n.usage.cpu), memoryCell(n.usage.memory)];
            return JSON.stringify(cells) === JSON.stringify(want(n.metadata.name));
          });
        return ok ? r.body : undefined;
      },
      90_000,
      1000,
    );
    for (const item of list.items) {
      const at = Date.parse(item.timestamp) / 1000;
      const [cpu] = await prometheus(
        `sum(rate(node_cpu_usage_seconds_total{node="${item.metadata.name}"}[30s]))`,
        at,
      );
      const [memory] = await prometheus(
        `sum(node_memory_working_set_bytes{node="${item.metadata.name}"})`,
        at,
      );
      expect(Math.abs(toNumber(parseQuantity(item.usage.cpu ?? '')) - Number(cpu?.value[1]))).toBeLessThan(
        1e-9,
      );
      expect(toNumber(parseQuantity(item.usage.memory ?? ''))).toBe(Number(memory?.value[1]));
      expect(item.window).toBe('30s');
    }
    const run = kubectlRun(['top', 'nodes']);
    expect(run.status, run.stderr).toBe(0);
    // 21m of 32 cores and 48Mi of 256Gi are 0%.
    expect(table(run.stdout)).toEqual([
      ['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)'],
      ...nodes.map((n) => [n, want(n)[0], '0%', want(n)[1], '0%']),
    ]);
  });

  it('answers many requests from the store: Prometheus sees only its evaluations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cmetrics-e2e-store-'));
    const agent = proxyAgent(frontProxyClient(dir));
    try {
      const get = (path: string) => send(inject('proxyPort'), path, agent, { headers: AS_ADMIN });
      // The sum over status codes of Prometheus' own count of instant queries.
      const prometheusQueries = async () =>
        (await (await request(`${inject('prometheusUrl')}/metrics`)).body.text())
          .split('\n')
          .filter(
            (l) => l.startsWith('prometheus_http_requests_total{') && l.includes('handler="/api/v1/query"'),
          )
          .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
      const evaluations = async () =>
        Number(
          /^cmetrics_proxy_resource_metrics_evaluation_duration_seconds_count\{result="success"\} (\d+)/m.exec(
            (await get('/metrics')).text,
          )?.[1] ?? 0,
        );
      const name = pods[0]?.metadata.name as string;
      const paths = [
        `${BASE}/v1beta1/pods`,
        `${BASE}/v1/namespaces/default/pods`,
        `${BASE}/v1beta1/namespaces/default/pods?labelSelector=app%3D${APP}`,
        `${BASE}/v1beta1/namespaces/default/pods/${name}`,
        `${BASE}/v1/nodes`,
      ];
      const [queriesBefore, evaluationsBefore] = [await prometheusQueries(), await evaluations()];
      for (let round = 0; round < 40; round++) {
        const answers = await Promise.all(paths.map(get));
        expect(answers.map((a) => a.status)).toEqual(paths.map(() => 200));
      }
      const [queriesAfter, evaluationsAfter] = [await prometheusQueries(), await evaluations()];
      // 200 requests; four queries per evaluation, one of which may be under way at either reading.
      const evaluated = evaluationsAfter - evaluationsBefore;
      expect(queriesAfter - queriesBefore).toBeLessThanOrEqual(4 * (evaluated + 1));
      expect(4 * (evaluated + 1)).toBeLessThan(paths.length * 40);
    } finally {
      await agent.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [
      'a pod',
      `${BASE}/v1beta1/namespaces/default/pods/nope`,
      'podmetrics.metrics.k8s.io "default/nope" not found',
    ],
    ['a node', `${BASE}/v1/nodes/nope`, 'nodemetrics.metrics.k8s.io "nope" not found'],
  ])('answers NotFound for %s as metrics-server does', (_what, path, message) => {
    const r = getRaw(path);
    expect(r.ok).toBe(false);
    expect((r as { stderr: string }).stderr).toContain(`Error from server (NotFound): ${message}`);
  });

  it('kubectl top pod shows the NotFound message', () => {
    const run = kubectlRun(['top', 'pod', 'nope']);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('podmetrics.metrics.k8s.io "default/nope" not found');
  });
});

/** The cpu HPAs: a Resource target (fixtures/hpa-cpu.yaml) and a ContainerResource one, built from it. */
const CPU_HPAS = (() => {
  const resource = parse(readFileSync(join(FIXTURES, 'hpa-cpu.yaml'), 'utf8')) as {
    metadata: { name: string };
    spec: { metrics: { resource: { name: string; target: unknown } }[] };
  };
  const [metric] = resource.spec.metrics as [{ resource: { name: string; target: unknown } }];
  const container = {
    ...resource,
    metadata: { ...resource.metadata, name: 'cmetrics-container-cpu-utilization' },
    spec: {
      ...resource.spec,
      metrics: [
        { type: 'ContainerResource', containerResource: { ...metric.resource, container: CONTAINER } },
      ],
    },
  };
  return [
    { what: 'cpu Utilization', manifest: resource, field: 'resource', reason: 'cpu resource utilization' },
    {
      what: `ContainerResource cpu Utilization of ${CONTAINER}`,
      manifest: container,
      field: 'containerResource',
      reason: 'cpu container resource utilization',
    },
  ] as const;
})();

describe.each(CPU_HPAS)('HorizontalPodAutoscaler on cmetrics resource metrics ($what)', (c) => {
  const HPA = c.manifest.metadata.name;
  type Current = { name: string; current: { averageUtilization?: number } };
  interface Hpa {
    status: {
      currentMetrics?: { resource?: Current; containerResource?: Current }[];
      conditions?: { type: string; status: string; reason: string }[];
    };
  }
  const hpa = (): Hpa => JSON.parse(kubectl(['get', 'hpa', HPA, '-o', 'json']));
  const setUsage = (cpu: string) =>
    kubectl(['annotate', 'pods', '-l', `app=${APP}`, `${USAGE_ANNOTATION}=${cpu}`, '--overwrite']);

  afterAll(async () => {
    kubectl(['delete', 'hpa', HPA, '--ignore-not-found']);
    kubectl(['scale', 'deployment', APP, '--replicas=1']);
    // A pod the scale-down removes can vanish between kubectl's list and its patch (NotFound): again
    // until one pass annotates every pod that is left.
    await eventually(
      'idle usage set on the pods that stay',
      () => {
        try {
          setUsage(IDLE_CPU);
          return true;
        } catch {
          return undefined;
        }
      },
      60_000,
      1000,
    );
  });

  it('reads the utilization the proxy serves: 21% of the request while idle', async () => {
    // The previous case's scale-down: one pod, idle over the whole rate window, before this HPA reads it.
    await eventually(
      'one idle app replica',
      () => {
        const r = getRaw<PodMetricsList>(
          `${BASE}/v1beta1/namespaces/default/pods?labelSelector=app%3D${APP}`,
        );
        const idle =
          r.ok &&
          r.body.items.length === 1 &&
          r.body.items[0]?.containers.every((x) => cpuCell(x.usage.cpu) === `${IDLE_MILLI}m`);
        return deploymentReplicas(APP) === 1 && idle ? true : undefined;
      },
      120_000,
      1000,
    );
    kubectl(['apply', '-f', '-'], JSON.stringify(c.manifest));
    const utilization = await eventually(
      'HPA reports cpu utilization',
      () => {
        const s = hpa().status;
        const active = s.conditions?.find((x) => x.type === 'ScalingActive');
        const current = s.currentMetrics?.find((m) => m[c.field]?.name === 'cpu')?.[c.field]?.current;
        return active?.status === 'True' ? current?.averageUtilization : undefined;
      },
      90_000,
      1000,
    );
    expect(utilization).toBe(IDLE_MILLI);
    expect(deploymentReplicas(APP)).toBe(1);
  }, 180_000);

  it('scales up to maxReplicas when usage rises above the target', async () => {
    // 150m of a 100m request: 150% against a 50% target.
    setUsage('150m');
    await eventually(
      'scale-up to 3',
      () => (deploymentReplicas(APP) === 3 ? true : undefined),
      120_000,
      1000,
    );
    const events = hpaEvents(HPA);
    expect(events).toMatch(
      new RegExp(
        `SuccessfulRescale:New size: 3; reason: ${c.reason} \\(percentage of request\\) above target`,
      ),
    );
  }, 180_000);
});
