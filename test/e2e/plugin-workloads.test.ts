// What kubectl has no command for, against the harness cluster: `top deployments|statefulsets|
// daemonsets|jobs` over owner chains the real controllers build (kube-controller-manager makes the
// ReplicaSet and every pod, kwok runs them and gives them the usage their annotations say), `top pods
// --node` against kubectl's own field selector, and `explain hpa` without a name over HPAs the real
// HPA controller reconciles: one working, one whose metric nobody serves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { readableQuantity } from '../../plugin/printers/readable.ts';
import { addQuantities, formatQuantity, milliValue, parseQuantity } from '../../shared/quantity.ts';
import { eventually, kubectl } from './helpers.ts';
import { cmetricsAsync, type Installed, installPlugin, kubectlOnPath, watchFrames } from './plugin.ts';

const NS = 'cmetrics-plugin-workloads-e2e';

/** A pod template: one container, kwok's usage annotations, requests, on the kwok nodes. */
function template(app: string, cpu: string, memory: string, extra: Record<string, unknown> = {}) {
  return {
    metadata: {
      labels: { app },
      annotations: { 'kwok.x-k8s.io/usage-cpu': cpu, 'kwok.x-k8s.io/usage-memory': memory },
    },
    spec: {
      nodeSelector: { type: 'kwok' },
      tolerations: [{ operator: 'Exists' }],
      containers: [{ name: 'app', image: 'none', resources: { requests: { cpu: '100m', memory: '64Mi' } } }],
      ...extra,
    },
  };
}

const selector = (app: string) => ({ matchLabels: { app } });

/** An HPA on the apps/v1 workload of the same name. */
const hpa = (name: string, kind: string, minReplicas: number, maxReplicas: number, metric: unknown) => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name, namespace: NS },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind, name },
    minReplicas,
    maxReplicas,
    metrics: [metric],
  },
});

function manifest(): string {
  const items = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: NS },
      spec: { replicas: 2, selector: selector('web'), template: template('web', '20250u', '32Mi') },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: NS },
      spec: {
        replicas: 1,
        serviceName: 'db',
        selector: selector('db'),
        template: template('db', '5250u', '16Mi'),
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: NS },
      spec: { selector: selector('agent'), template: template('agent', '1250u', '8Mi') },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'backup', namespace: NS },
      spec: {
        template: (() => {
          const t = template('backup', '3250u', '4Mi', { restartPolicy: 'Never' });
          // kwok completes a Job's pod at once unless it says how long it runs (kwok-stages.yaml).
          Object.assign(t.metadata.annotations, { 'pod-complete.stage.kwok.x-k8s.io/delay': '1h' });
          return t;
        })(),
      },
    },
    // Proposes 1 (20% of requests against 50%): held at minReplicas.
    hpa('web', 'Deployment', 2, 4, {
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
    }),
    hpa('db', 'StatefulSet', 1, 3, {
      type: 'Pods',
      pods: { metric: { name: 'no_such_metric' }, target: { type: 'AverageValue', averageValue: '1' } },
    }),
  ];
  return stringify({ apiVersion: 'v1', kind: 'List', items });
}

let plugin: Installed;

async function run(args: string[]) {
  const r = await cmetricsAsync(plugin, args);
  if (r.status !== 0) throw new Error(`kubectl cmetrics ${args.join(' ')}: ${r.status} ${r.stderr}`);
  return r.stdout;
}

/** The table under the header, cells split. */
const rows = (out: string) =>
  out
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/ {2,}/));

beforeAll(async () => {
  plugin = installPlugin();
  kubectl(['apply', '-f', '-'], manifest());
  // Every pod measured, its CPU rate settled on its annotation (a rate over 30 s).
  await eventually(
    'the workloads have their pods, each with its usage',
    async () => {
      const out = await run(['top', 'deploy', '-n', NS]);
      return /^web +2 +41m +64Mi +$/m.test(out) ? out : undefined;
    },
    180_000,
    2000,
  );
}, 240_000);

afterAll(() => {
  kubectl(['delete', 'namespace', NS, '--wait=true', '--ignore-not-found']);
});

describe('top deployments|statefulsets|daemonsets|jobs', () => {
  it.each<[string[], string[][]]>([
    [['deployments'], [['web', '2', '41m', '64Mi']]],
    [['deploy', '--requests'], [['web', '2', '41m', '64Mi', '20%', '50%']]],
    [['sts'], [['db', '1', '6m', '16Mi']]],
    [['ds'], [['agent', '2', '3m', '16Mi']]],
    [['jobs'], [['backup', '1', '4m', '4Mi']]],
  ])('top %j -n NS', async (args, expected) => {
    const out = await eventually(`top ${args.join(' ')}`, async () => {
      const out = await run(['top', ...args, '-n', NS]);
      return JSON.stringify(rows(out)) === JSON.stringify(expected) ? out : undefined;
    });
    console.log(`$ kubectl cmetrics top ${args.join(' ')} -n ${NS}\n${out}`);
    expect(out.split('\n')[0]).toMatch(/^NAME +PODS +CPU\(cores\) +MEMORY\(bytes\) +/);
  });

  it('-A sorted by memory: the namespace first, every namespace', async () => {
    const out = await run(['top', 'deploy', '-A', '--sort-by', 'memory']);
    console.log(`$ kubectl cmetrics top deploy -A --sort-by memory\n${out}`);
    expect(out.split('\n')[0]).toMatch(/^NAMESPACE +NAME +PODS +/);
    expect(rows(out).find((r) => r[0] === NS)).toEqual([NS, 'web', '2', '41m', '64Mi']);
  });

  it('-o json: the pods it owns and the sums in numbers', async () => {
    const doc = JSON.parse(await run(['top', 'deploy', 'web', '-n', NS, '-o', 'json']));
    expect(doc.items).toHaveLength(1);
    expect(doc.items[0]).toMatchObject({ name: 'web', pods: 2, memory: { bytes: 64 * 2 ** 20 } });
    expect(doc.items[0].measuredPods).toHaveLength(2);
  });

  it('a name that is not there: one line and the command to list them', async () => {
    const r = await cmetricsAsync(plugin, ['top', 'deploy', 'wbe', '-n', NS]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toBe(
      `error: no Deployment "wbe" in namespace ${NS}; list them with: kubectl get deployments -n ${NS}\n`,
    );
  });
});

describe('top deployments --metric', () => {
  const APP = 'custom-metrics-app';
  const podsOf = () =>
    kubectl(['get', 'pods', '-n', 'default', '-l', `app=${APP}`, '-o', 'name'])
      .split('\n')
      .filter(Boolean);

  // Two pods, so that a sum is not an average: the sample app serves each its own metrics.
  beforeAll(() => {
    kubectl(['scale', 'deployment', APP, '-n', 'default', '--replicas=2']);
  });

  afterAll(async () => {
    kubectl(['scale', 'deployment', APP, '-n', 'default', '--replicas=1']);
    await eventually(
      'the sample app back at one pod',
      () => (podsOf().length === 1 ? true : undefined),
      120_000,
      1000,
    );
  });

  /** The sample app's pods' values of a custom pod metric, as the API serves them: their sum and average, readable. */
  function served(metric: string): { pods: number; sum: string; avg: string } {
    const raw = JSON.parse(
      kubectl([
        'get',
        '--raw',
        `/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/${metric}?labelSelector=app%3D${APP}`,
      ]),
    ) as { items: { value: string }[] };
    const values = raw.items.map((i) => parseQuantity(i.value));
    const total = values.reduce(addQuantities);
    const n = BigInt(values.length);
    // Milli-units rounded up, as the plugin averages (plugin/printers/top.ts aggregate).
    const avg = { unscaled: (milliValue(total) + n - 1n) / n, scale: -3, format: 'DecimalSI' as const };
    return {
      pods: values.length,
      sum: readableQuantity(formatQuantity(total)),
      avg: readableQuantity(formatQuantity(avg)),
    };
  }

  it.each<[string, string, 'sum' | 'avg']>([
    ['cpuTemperature', 'cpuTemperature', 'sum'],
    ['cpuTemperature:avg', 'cpuTemperature(avg)', 'avg'],
    ['qps', 'qps', 'sum'],
    ['qps:avg', 'qps(avg)', 'avg'],
  ])('--metric %s: column %s, the %s of what the API serves', async (flag, header, how) => {
    const metric = flag.replace(/:avg$/, '');
    const out = await eventually(
      `top deploy ${APP} --metric ${flag} as the API serves it`,
      async () => {
        const out = await run(['top', 'deploy', APP, '-n', 'default', '--metric', flag]);
        const row = rows(out)[0];
        const api = served(metric);
        return api.pods === 2 && row?.[1] === '2' && row[4] === api[how] ? out : undefined;
        // The second pod's first scrape, then its rate window for qps.
      },
      120_000,
      1000,
    );
    console.log(`$ kubectl cmetrics top deploy ${APP} -n default --metric ${flag}\n${out}`);
    expect(out.split('\n')[0]?.trimEnd()).toMatch(
      new RegExp(`^NAME +PODS +CPU\\(cores\\) +MEMORY\\(bytes\\) +${header.replace(/[()]/g, '\\$&')}$`),
    );
  });
});

describe('top pods --node', () => {
  it('is kubectl top pods --field-selector spec.nodeName=NODE, byte for byte', async () => {
    const out = await eventually('the same pods on kwok-node-0', async () => {
      const real = kubectlOnPath(plugin, [
        'top',
        'pods',
        '-A',
        '--field-selector',
        'spec.nodeName=kwok-node-0',
      ]);
      const ours = await cmetricsAsync(plugin, ['top', 'pods', '-A', '--node', 'kwok-node-0']);
      return real.status === 0 && ours.status === 0 && real.stdout === ours.stdout ? ours.stdout : undefined;
    });
    expect(out).toContain(NS);
  });

  it('twice: the pods of both nodes, here every pod of the namespace', async () => {
    const out = await eventually('the namespace through its two nodes', async () => {
      const real = kubectlOnPath(plugin, ['top', 'pods', '-n', NS]);
      const ours = await cmetricsAsync(plugin, [
        'top',
        'pods',
        '-n',
        NS,
        '--node',
        'kwok-node-0',
        '--node',
        'kwok-node-1',
      ]);
      return real.status === 0 && ours.status === 0 && real.stdout === ours.stdout ? ours.stdout : undefined;
    });
    console.log(`$ kubectl cmetrics top pods -n ${NS} --node kwok-node-0 --node kwok-node-1\n${out}`);
    for (const pod of ['db-0', 'agent-', 'web-', 'backup-']) expect(out).toContain(pod);
  });
});

describe('explain hpa without a name', () => {
  it('one line per HPA, the broken one first with its fix', async () => {
    const out = await eventually('both HPAs reconciled', async () => {
      const out = await run(['explain', 'hpa', '-n', NS]);
      return /^web +2 → 2 +cpu \d+%\/50% +at min/m.test(out) ? out : undefined;
    });
    console.log(`$ kubectl cmetrics explain hpa -n ${NS}\n${out}`);
    const [header, broken, working] = out.trimEnd().split('\n');
    expect(header).toMatch(/^NAME +REPLICAS +METRICS +STATE +FIX$/);
    expect(broken).toMatch(
      /^db +1 → 1 +no_such_metric <none>\/1\/pod +metric not served +\S.*no_such_metric/,
    );
    expect(working).toMatch(/^web +2 → 2 +cpu \d+%\/50% +at min$/);
  });

  it('-A has the namespace column, and -l picks HPAs by label', async () => {
    const all = await run(['explain', 'hpa', '-A']);
    console.log(`$ kubectl cmetrics explain hpa -A\n${all}`);
    expect(all.split('\n')[0]).toMatch(/^NAMESPACE +NAME +REPLICAS +METRICS +STATE +FIX$/);
    expect(all).toMatch(new RegExp(`^${NS} +db +1 → 1 `, 'm'));
    const r = await cmetricsAsync(plugin, ['explain', 'hpa', '-n', NS, '-l', 'nobody=here']);
    expect(r).toMatchObject({ status: 0, stdout: '', stderr: `No resources found in ${NS} namespace.\n` });
  });

  it('-o json: the whole decision of each, its state and fix', async () => {
    const doc = JSON.parse(await run(['explain', 'hpa', '-n', NS, '-o', 'json']));
    expect(doc.kind).toBe('HPAExplanationList');
    expect(doc.items.map((i: { name: string; broken: boolean }) => [i.name, i.broken])).toEqual([
      ['db', true],
      ['web', false],
    ]);
    expect(doc.items[1].explanation.decision).toMatchObject({ currentReplicas: 2, desiredReplicas: 2 });
  });
});

describe('--watch', () => {
  it.each<[string[], string]>([
    [['explain', 'hpa', '-n', NS], 'NAME '],
    [['top', 'deploy', '-n', NS], 'NAME '],
  ])('%j --watch redraws every --interval until Ctrl-C, then exits 0', async (args, header) => {
    const { out, status } = await watchFrames(plugin, [...args, '--watch', '--interval', '1s'], header, 2);
    expect(status).toBe(0);
    // Not a terminal: frames one after another, a blank line between, each the whole table.
    const frames = out.split(/\n\n(?=NAME )/);
    expect(frames.length).toBeGreaterThanOrEqual(2);
    for (const frame of frames.slice(0, 2)) {
      expect(frame).toMatch(/^NAME +/);
      expect(frame).toMatch(args[0] === 'explain' ? /^db +1 → 1 /m : /^web +2 +/m);
    }
  });
});
