// metrics-server v0.8.0 and cmetrics side by side (test/harness/metrics-server.ts): metrics-server
// serves metrics.k8s.io, cmetrics custom.metrics.k8s.io. metrics-server serves only v1beta1 and
// kubectl top prefers v1, so v1beta1.metrics.k8s.io is pointed at metrics-server and cmetrics'
// v1.metrics.k8s.io set aside; leaving v1 with cmetrics is a half-migrated state, which doctor fails.
// While both answer (v1 cmetrics, v1beta1 metrics-server) their usage is compared: kwok's usage is
// static, so only scrape timing tells them apart. Then kubectl top and a CPU Utilization HPA read
// metrics-server, and an HPA on cmetrics' qps scales under load. The harness's APIServices are put
// back at the end.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import type { APIGroupList, NodeMetricsList, PodMetricsList } from '../../shared/api-types.ts';
import { parseQuantity, toNumber } from '../../shared/quantity.ts';
import { NODE_IP } from '../harness/cluster.ts';
import { recreatable } from '../harness/deploy.ts';
import { type MetricsServer, startMetricsServer } from '../harness/metrics-server.ts';
import { offLoopback, pidsInGroups, socketsOf } from '../harness/sockets.ts';
import { FIXTURES } from '../harness/stack.ts';
import {
  apiServiceAvailable,
  deploymentReplicas,
  eventually,
  FAST_BEHAVIOR,
  getRaw,
  hpaEvents,
  kubectl,
  kubectlRun,
  servedPodIps,
  servedPods,
  startLoad,
  table,
} from './helpers.ts';
import { cmetricsAsync, type Installed, installPlugin } from './plugin.ts';

const NS = 'e2e-metrics-server';
const BASE = '/apis/metrics.k8s.io';
const V1BETA1 = 'v1beta1.metrics.k8s.io';
const V1 = 'v1.metrics.k8s.io';
/** kwok-only pods (no process behind them) whose simulated CPU usage the CPU HPA reads. */
const CPU_APP = 'e2e-cpu';
const CPU_HPA = 'cpu';
const QPS_HPA = 'qps';
const USAGE_CPU = 'kwok.x-k8s.io/usage-cpu';
/** kube-controller-manager runs its controllers with --use-service-account-credentials (test/harness/cluster.ts). */
const CONTROLLER_USER = 'system:serviceaccount:kube-system:horizontal-pod-autoscaler';

type ApiServiceObject = {
  metadata: Record<string, unknown> & { name: string };
  spec: { service?: { namespace: string; name: string; port: number }; caBundle?: string };
  status?: unknown;
};

interface Hpa {
  status: {
    desiredReplicas?: number;
    currentMetrics?: {
      resource?: { name: string; current: { averageUtilization?: number } };
      pods?: { metric: { name: string }; current: { averageValue: string } };
    }[];
    conditions?: { type: string; status: string; reason: string }[];
  };
}

let metricsServer: MetricsServer;
let plugin: Installed;
let load: ReturnType<typeof startLoad> | undefined;
/** Where cmetrics' log stood when v1beta1 went to metrics-server. */
let proxyLogOffset = 0;
const harnessApiServices: ApiServiceObject[] = [];
const proxyLog = () => readFileSync(join(inject('workDir'), 'logs', 'cmetrics-proxy.log'), 'utf8');
const hpa = (name: string): Hpa => JSON.parse(kubectl(['get', 'hpa', name, '-n', NS, '-o', 'json']));
const scalingActive = (h: Hpa) => h.status.conditions?.find((c) => c.type === 'ScalingActive');

/** Two kwok pods at least, one on each node: a node without pods has no usage, which metrics-server leaves out. */
const cpuDeployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: CPU_APP, labels: { app: CPU_APP } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: CPU_APP } },
    template: {
      metadata: {
        labels: { app: CPU_APP },
        annotations: { [USAGE_CPU]: '20500u', 'kwok.x-k8s.io/usage-memory': '48Mi' },
      },
      spec: {
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: 'kubernetes.io/hostname',
            whenUnsatisfiable: 'DoNotSchedule',
            labelSelector: { matchLabels: { app: CPU_APP } },
          },
        ],
        containers: [
          {
            name: 'busy',
            image: 'e2e-cpu:v1',
            imagePullPolicy: 'Never',
            resources: { requests: { cpu: '100m', memory: '64Mi' } },
          },
        ],
      },
    },
  },
};

/** The Running pods of every namespace, NAMESPACE/NAME, sorted. */
function runningPods(): string[] {
  const list = JSON.parse(kubectl(['get', 'pods', '-A', '-o', 'json'])) as {
    items: {
      metadata: { name: string; namespace: string; deletionTimestamp?: string };
      status: { phase?: string };
    }[];
  };
  return list.items
    .filter((p) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp)
    .map((p) => `${p.metadata.namespace}/${p.metadata.name}`)
    .sort();
}

const nodeNames = () =>
  kubectl(['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}']).split(' ').sort();

interface Sample {
  cpu: number;
  memory: number;
  window: string;
}
/** NAMESPACE/POD/CONTAINER or NODE → usage. */
type Usage = Map<string, Sample>;

/** The usage a metrics.k8s.io list (pods or nodes) answers, per container or node; empty if it fails. */
function usage(path: string): Usage {
  const r = getRaw<PodMetricsList | NodeMetricsList>(path);
  const sample = (u: { cpu?: string; memory?: string }, window: string): Sample => ({
    cpu: toNumber(parseQuantity(u.cpu ?? '')),
    memory: toNumber(parseQuantity(u.memory ?? '')),
    window,
  });
  if (!r.ok) return new Map();
  return new Map(
    r.body.kind === 'NodeMetricsList'
      ? r.body.items.map((n) => [n.metadata.name, sample(n.usage, n.window)])
      : r.body.items.flatMap((p) =>
          p.containers.map((c) => [
            `${p.metadata.namespace}/${p.metadata.name}/${c.name}`,
            sample(c.usage, p.window),
          ]),
        ),
  );
}

/** One line per key: cmetrics' usage and window, then metrics-server's. */
function compare(ours: Usage, theirs: Usage): string[] {
  const text = (s: Sample | undefined) =>
    s ? `${(s.cpu * 1000).toFixed(3)}m ${s.memory / 1048576}Mi (window ${s.window})` : 'none';
  return [...new Set([...ours.keys(), ...theirs.keys()])]
    .sort()
    .map((k) => `  ${k}: ${text(ours.get(k))} vs ${text(theirs.get(k))}`);
}

/** `kubectl top ARGS` (with -v=6: which version it asked), once its rows are `want()`'s: the table and the path. */
function topRows(args: string[], keyColumns: number, want: () => string[]) {
  return eventually(
    `kubectl ${args.join(' ')} lists every row`,
    () => {
      const run = kubectlRun([...args, '-v=6']);
      if (run.status !== 0) throw new Error(run.stderr);
      const rows = table(run.stdout);
      const keys = rows
        .slice(1)
        .map((r) => r.slice(0, keyColumns).join('/'))
        .sort();
      if (JSON.stringify(keys) !== JSON.stringify(want())) throw new Error(`rows ${keys.join(', ')}`);
      // An unknown cell: a node without metrics (kubectl top node prints it so).
      if (rows.some((r) => r.includes('<unknown>'))) throw new Error(run.stdout);
      const asked = /(\/apis\/metrics\.k8s\.io\/v1[a-z0-9]*)\/(pods|nodes)\b/.exec(run.stderr)?.[1];
      return { rows, asked };
    },
    90_000,
    2000,
  );
}

beforeAll(async () => {
  for (const name of [V1BETA1, V1])
    harnessApiServices.push(
      recreatable(JSON.parse(kubectl(['get', 'apiservice', name, '-o', 'json'])) as ApiServiceObject),
    );
  kubectl(['create', 'namespace', NS]);
  const [app, service] = parseAllDocuments(readFileSync(join(FIXTURES, 'explain-app.yaml'), 'utf8')).map(
    (d) => d.toJS() as unknown,
  );
  kubectl(
    ['apply', '-n', NS, '-f', '-'],
    stringify({ apiVersion: 'v1', kind: 'List', items: [app, service, cpuDeployment] }),
  );
  plugin = installPlugin();
  metricsServer = await startMetricsServer({
    binDir: inject('binDir'),
    kubeconfig: inject('kubeconfig'),
    workDir: inject('workDir'),
  });

  // v1beta1 to metrics-server: the Service and the CA it is checked against in one patch.
  kubectl([
    'patch',
    'apiservice',
    V1BETA1,
    '--type=merge',
    '-p',
    JSON.stringify({
      spec: { service: metricsServer.service, caBundle: Buffer.from(metricsServer.ca).toString('base64') },
    }),
  ]);
  await apiServiceAvailable(V1BETA1);
  proxyLogOffset = proxyLog().length;

  kubectl(
    ['apply', '-n', NS, '-f', '-'],
    stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscaler',
          metadata: { name: CPU_HPA },
          spec: {
            scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: CPU_APP },
            minReplicas: 2,
            maxReplicas: 4,
            metrics: [
              {
                type: 'Resource',
                resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
              },
            ],
            behavior: FAST_BEHAVIOR,
          },
        },
        {
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscaler',
          metadata: { name: QPS_HPA },
          spec: {
            scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'app' },
            minReplicas: 1,
            maxReplicas: 3,
            metrics: [
              {
                type: 'Pods',
                pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '500m' } },
              },
            ],
            behavior: FAST_BEHAVIOR,
          },
        },
      ],
    }),
  );
  await eventually(
    'pods of both Deployments running, the sample app served',
    () => {
      const pods = runningPods().filter((p) => p.startsWith(`${NS}/`));
      const served = Object.keys(servedPods());
      return pods.length === 3 && pods.some((p) => served.includes(p.split('/')[1] as string))
        ? true
        : undefined;
    },
    90_000,
    1000,
  );
}, 300_000);

afterAll(async () => {
  await load?.stop();
  kubectl(['delete', 'hpa', '--all', '-n', NS, '--ignore-not-found']);
  for (const a of harnessApiServices) {
    kubectl(['delete', 'apiservice', a.metadata.name, '--ignore-not-found']);
    kubectl(['create', '-f', '-'], JSON.stringify(a));
  }
  for (const a of harnessApiServices) await apiServiceAvailable(a.metadata.name);
  await metricsServer?.stop();
  kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=false']);
}, 180_000);

/**
 * `rows` with each CPU cell (the `cpu` columns: millicores, and a node's CPU%) that is one unit from
 * `theirs`' replaced by theirs.
 */
function withinAMillicore(rows: string[][], theirs: string[][], cpu: number[]): string[][] {
  const units = (c: string) => {
    const m = /^(\d+)(m|%)$/.exec(c);
    return m ? `${m[2]}${m[1]}` : undefined;
  };
  return rows.map((row, i) =>
    row.map((cell, j) => {
      const other = theirs[i]?.[j];
      const [a, b] = [units(cell), other === undefined ? undefined : units(other)];
      if (!cpu.includes(j) || !a || !b || a[0] !== b[0]) return cell;
      return Math.abs(Number(a.slice(1)) - Number(b.slice(1))) === 1 ? (other as string) : cell;
    }),
  );
}

describe('metrics-server serves metrics.k8s.io beside cmetrics', () => {
  it('listens and dials on loopback only, kwok as each node’s kubelet', async () => {
    const kwokPort = kubectl([
      'get',
      'node',
      nodeNames()[0] as string,
      '-o',
      'jsonpath={.status.daemonEndpoints.kubeletEndpoint.Port}',
    ]);
    const sockets = await eventually('metrics-server connected to kwok', () => {
      const s = socketsOf(pidsInGroups([metricsServer.proc.pid]));
      return s.some((e) => e.remote === `${NODE_IP}:${kwokPort}`) ? s : undefined;
    });
    // 0A: LISTEN.
    expect(sockets.filter((s) => s.state === '0A').map((s) => s.local)).toEqual([
      `127.0.0.1:${metricsServer.service.port}`,
    ]);
    expect(offLoopback(sockets)).toEqual([]);
  });

  it('half-migrated (v1 left with cmetrics): doctor fails, kubectl top reads cmetrics, the HPA metrics-server', async () => {
    const run = await eventually(
      'doctor sees the CPU HPA',
      async () => {
        const r = await cmetricsAsync(plugin, ['doctor']);
        return r.stdout.includes(`${NS}/${CPU_HPA}`) ? r : undefined;
      },
      30_000,
      1000,
    );
    console.log(`[metrics-server] kubectl cmetrics doctor, half-migrated:\n${run.stdout}${run.stderr}`);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      new RegExp(
        `^metrics\\.k8s\\.io/v1beta1\\s+metrics-server \\(kube-system/metrics-server\\)\\s+True\\s+${NS}/${CPU_HPA}$`,
        'm',
      ),
    );
    expect(run.stdout).toMatch(/^metrics\.k8s\.io\/v1\s+cmetrics \(cmetrics\/cmetrics\)\s+True\s+<none>$/m);
    expect(run.stdout).toContain('FAIL  metrics.k8s.io has one server for all its versions');
    const detail = run.stdout.split('\n').find((l) => l.includes('half-migrated:')) ?? '';
    expect(detail).toContain('v1 by cmetrics (cmetrics/cmetrics)');
    expect(detail).toContain('v1beta1 by metrics-server (kube-system/metrics-server)');
    expect(detail).toContain(`the HPA controller reads v1beta1 for ${NS}/${CPU_HPA} (Resource cpu)`);
    // metrics-server has no v1: the fix removes it rather than pointing it there.
    expect(run.stdout).toContain(
      'remove v1.metrics.k8s.io, which metrics-server (kube-system/metrics-server) does not serve (kubectl delete apiservice v1.metrics.k8s.io',
    );
    const top = kubectlRun(['top', 'pods', '-n', NS, '-v=6']);
    expect(top.status, top.stderr).toBe(0);
    expect(top.stderr).toContain(`${BASE}/v1/namespaces/${NS}/pods`);
  });

  it('both answer the same pods and nodes: cmetrics lower while its 30 s window fills, then the same', async () => {
    // Pods: the first answer in which both list every running pod, then until the CPU agrees.
    const seen = new Set<string>();
    const podsOf = (m: Usage) =>
      JSON.stringify([...new Set([...m.keys()].map((k) => k.split('/').slice(0, 2).join('/')))].sort());
    /** Both answers, once both list every running pod; what either lacked until then goes to `seen`. */
    const snapshot = () => {
      const [ours, theirs] = [usage(`${BASE}/v1/pods`), usage(`${BASE}/v1beta1/pods`)];
      const want = runningPods();
      for (const [who, m] of [
        ['cmetrics', ours],
        ['metrics-server', theirs],
      ] as const)
        for (const p of want) if (!podsOf(m).includes(`"${p}"`)) seen.add(`${p} not listed yet by ${who}`);
      return podsOf(ours) === JSON.stringify(want) && podsOf(theirs) === JSON.stringify(want)
        ? { ours, theirs }
        : undefined;
    };
    const first = await eventually(
      'cmetrics (v1) and metrics-server (v1beta1) list every running pod',
      snapshot,
      90_000,
      1000,
    );
    const lines = [...seen, 'first answer with every pod:', ...compare(first.ours, first.theirs)];
    for (const [key, a] of first.ours) {
      const b = first.theirs.get(key) as Sample;
      // A rate over a window the series does not fill yet (a new pod) is extrapolated only so far:
      // lower than the usage, never higher (Prometheus promql/functions.go extrapolatedRate).
      expect(a.cpu, key).toBeLessThan(b.cpu + 0.0005);
      expect(a.memory, key).toBe(b.memory);
    }
    const settled = await eventually(
      'the same CPU, within what scrape timing explains',
      () => {
        const both = snapshot();
        return both &&
          [...both.ours].every(([k, a]) => Math.abs(a.cpu - (both.theirs.get(k) as Sample).cpu) < 0.0005)
          ? both
          : undefined;
      },
      90_000,
      2000,
    );
    lines.push('settled:', ...compare(settled.ours, settled.theirs));
    const nodes = await eventually(
      'both list every node, with the same usage',
      () => {
        const [ours, theirs] = [usage(`${BASE}/v1/nodes`), usage(`${BASE}/v1beta1/nodes`)];
        const same = nodeNames().every((n) => {
          const [a, b] = [ours.get(n), theirs.get(n)];
          return a && b && Math.abs(a.cpu - b.cpu) < 0.0005 && a.memory === b.memory;
        });
        return same ? { ours, theirs } : undefined;
      },
      90_000,
      2000,
    );
    lines.push('nodes:', ...compare(nodes.ours, nodes.theirs));
    console.log(`[metrics-server] cmetrics (v1) vs metrics-server (v1beta1):\n${lines.join('\n')}`);
  });

  it('with v1 set aside, kubectl top answers through metrics-server, the same table cmetrics printed', async () => {
    const cmetricsPods = await topRows(['top', 'pods', '-A'], 2, runningPods);
    const cmetricsNodes = await topRows(['top', 'nodes'], 1, nodeNames);
    expect([cmetricsPods.asked, cmetricsNodes.asked]).toEqual([`${BASE}/v1`, `${BASE}/v1`]);

    kubectl(['delete', 'apiservice', V1]);
    await eventually('the aggregator lists only v1beta1 of metrics.k8s.io', () => {
      const apis = getRaw<APIGroupList>('/apis');
      const group = apis.ok ? apis.body.groups.find((g) => g.name === 'metrics.k8s.io') : undefined;
      return JSON.stringify(group?.versions.map((v) => v.version)) === '["v1beta1"]' ? true : undefined;
    });
    const a = JSON.parse(kubectl(['get', 'apiservice', V1BETA1, '-o', 'json'])) as ApiServiceObject;
    expect(a.spec.service).toEqual(metricsServer.service);
    expect((await apiServiceAvailable(V1BETA1)).reason).toBe('Passed');

    const serverPods = await topRows(['top', 'pods', '-A'], 2, runningPods);
    const serverNodes = await topRows(['top', 'nodes'], 1, nodeNames);
    expect([serverPods.asked, serverNodes.asked]).toEqual([`${BASE}/v1beta1`, `${BASE}/v1beta1`]);
    console.log(
      `[metrics-server] kubectl top pods -A, cmetrics then metrics-server:\n${[cmetricsPods, serverPods].map((t) => t.rows.map((r) => r.join(' ')).join('\n')).join('\n--\n')}`,
    );
    console.log(
      `[metrics-server] kubectl top nodes, cmetrics then metrics-server:\n${[cmetricsNodes, serverNodes].map((t) => t.rows.map((r) => r.join(' ')).join('\n')).join('\n--\n')}`,
    );
    // kubectl rounds CPU up to a millicore: values a few thousandths of a millicore apart (the
    // comparison above) read the same, unless they straddle a millicore (40.997m is 41m, 41.003m
    // 42m). So the CPU cells may differ by one millicore; every other cell is the same.
    expect(withinAMillicore(serverPods.rows, cmetricsPods.rows, [2])).toEqual(cmetricsPods.rows);
    expect(withinAMillicore(serverNodes.rows, cmetricsNodes.rows, [1, 2])).toEqual(cmetricsNodes.rows);
  });

  it('doctor names metrics-server as the server of metrics.k8s.io v1beta1, with the CPU HPA', async () => {
    const run = await cmetricsAsync(plugin, ['doctor']);
    console.log(
      `[metrics-server] kubectl cmetrics doctor, metrics-server beside cmetrics:\n${run.stdout}${run.stderr}`,
    );
    expect(run.stdout).toMatch(
      new RegExp(
        `^metrics\\.k8s\\.io/v1beta1\\s+metrics-server \\(kube-system/metrics-server\\)\\s+True\\s+${NS}/${CPU_HPA}$`,
        'm',
      ),
    );
    expect(run.stdout).toMatch(/^metrics\.k8s\.io\/v1\s+<not registered>\s+-\s+<none>$/m);
    expect(run.stdout).toMatch(
      new RegExp(
        `^custom\\.metrics\\.k8s\\.io/v1beta2\\s+cmetrics \\(cmetrics/cmetrics\\)\\s+True\\s+${NS}/${QPS_HPA}$`,
        'm',
      ),
    );
    expect(run.stdout).toContain('PASS  metrics.k8s.io/v1beta1: node usage is answered');
    expect(run.stdout).not.toMatch(/^FAIL/m);
    expect(run.status).toBe(0);
  });

  it('a CPU Utilization HPA reads metrics-server, and scales when the usage rises', async () => {
    const idle = await eventually(
      'the CPU HPA reads its metric',
      () => {
        const h = hpa(CPU_HPA);
        const cpu = h.status.currentMetrics?.find((m) => m.resource?.name === 'cpu')?.resource;
        return scalingActive(h)?.status === 'True' && cpu?.current.averageUtilization !== undefined
          ? h
          : undefined;
      },
      90_000,
      1000,
    );
    expect(scalingActive(idle)?.reason).toBe('ValidMetricFound');
    // 20.5m of 100m, read as kubectl reads it (MilliValue, rounded up).
    expect(idle.status.currentMetrics?.[0]?.resource?.current.averageUtilization).toBe(21);
    expect(deploymentReplicas(CPU_APP, NS)).toBe(2);

    // 150m of a 100m request: 150% against a 50% target; ceil(2 × 3) = 6, held at maxReplicas.
    kubectl(['annotate', 'pods', '-n', NS, '-l', `app=${CPU_APP}`, `${USAGE_CPU}=150m`, '--overwrite']);
    await eventually(
      'scale-up to 4',
      () => (deploymentReplicas(CPU_APP, NS) === 4 ? true : undefined),
      120_000,
      1000,
    );
    expect(hpaEvents(CPU_HPA, NS)).toMatch(
      /SuccessfulRescale:New size: 4; reason: cpu resource utilization \(percentage of request\) above target/,
    );
    // Every read of the controller went to metrics-server: cmetrics saw none of metrics.k8s.io since the switch.
    const controllerReads = proxyLog()
      .slice(proxyLogOffset)
      .split('\n')
      .filter((l) => l.includes('"msg":"request"') && l.includes(`"user":"${CONTROLLER_USER}"`));
    expect(controllerReads.filter((l) => l.includes(`"path":"${BASE}/`))).toEqual([]);
    expect(controllerReads.filter((l) => l.includes(`/namespaces/${NS}/pods/`)).length).toBeGreaterThan(0);
  }, 240_000);

  it('an HPA on the qps cmetrics serves scales under load', async () => {
    await eventually(
      'the qps HPA reads its metric',
      () => (scalingActive(hpa(QPS_HPA))?.status === 'True' ? true : undefined),
      90_000,
      1000,
    );
    const appPods = () => servedPodIps(NS, 'app=custom-metrics-app');
    load = startLoad(appPods, 4, 150_000);
    await eventually(
      'scale-up of app',
      () => (deploymentReplicas('app', NS) > 1 ? true : undefined),
      120_000,
      1000,
    );
    await load.stop();
    const qps = hpa(QPS_HPA).status.currentMetrics?.find((m) => m.pods?.metric.name === 'qps')?.pods?.current;
    expect(qps?.averageValue).toBeDefined();
    expect(hpaEvents(QPS_HPA, NS)).toMatch(
      /SuccessfulRescale:New size: \d+; reason: pods metric qps above target/,
    );
  }, 240_000);
});
