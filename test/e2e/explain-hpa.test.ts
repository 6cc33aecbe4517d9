// The real HPA controller acts on every kind of metric cmetrics serves, and after each action
// `kubectl cmetrics explain hpa -o json` recomputes the controller's desiredReplicas from the same API
// answers: it must equal the HPA's status.desiredReplicas, read in the same snapshot. Scenarios run
// side by side, each in its own namespace with its own copy of the sample app, and drive values the
// controller then reads: a pod's CPU temperature (a gauge the app moves by 10 per call), kwok's
// simulated CPU usage, and request rates from a steady load. Also: --save-snapshot then
// --from-snapshot prints the same bytes, a metric that is not served is diagnosed with the closest
// names, and doctor passes against the harness.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { formatTime } from '../../shared/api-types.ts';
import { FIXTURES } from '../harness/stack.ts';
import { eventually, FAST_BEHAVIOR, hit, kubectlAsync, servedPods, startLoad } from './helpers.ts';
import { cmetricsAsync, type Installed, installPlugin } from './plugin.ts';

const PREFIX = 'explain-hpa-';
const HPA = 'app';

interface Condition {
  type: string;
  status: string;
  reason: string;
}

interface HpaStatus {
  currentReplicas?: number;
  desiredReplicas?: number;
  conditions?: Condition[];
}

/** The parts of `explain hpa -o json` the scenarios read. */
interface Explained {
  decision: {
    desiredReplicas: number;
    currentReplicas: number;
    status: { desiredReplicas?: number };
    decidingMetric?: number;
    agreesWithStatus?: boolean;
    metrics: { label: string; proposal?: number; pods?: { unready: { pod: string }[] } }[];
    conditions: Condition[];
  };
}

/** One comparison after the controller acted. */
interface Checkpoint {
  step: string;
  /** What the scenario drives the controller to. */
  expected: number;
  /** The HPA's status.desiredReplicas and the recomputed count, from the same snapshot. */
  status: number | undefined;
  recomputed: number;
  explained: Explained;
  /** explain runs until the two agreed (the controller syncs every 2 s; values move between reads). */
  attempts: number;
}

let plugin: Installed;

const TEMPLATE = parseAllDocuments(readFileSync(join(FIXTURES, 'explain-app.yaml'), 'utf8')).map(
  (d) => d.toJS() as Record<string, never>,
);

/**
 * The scenarios' first pods start one namespace at a time: a dozen sample apps starting at once on a
 * busy machine miss the pod runner's 5 s deadline to answer, again and again.
 */
let deploying: Promise<unknown> = Promise.resolve();

/** A namespace with the app at `replicas` pods, each using `cpu` (kwok's simulated usage), once they are served. */
function deploy(ns: string, replicas: number, cpu = '20500u'): Promise<AppPod[]> {
  const done = deploying.then(async () => {
    await create(ns, replicas, cpu);
    return served(ns, replicas);
  });
  deploying = done.catch(() => undefined);
  return done;
}

async function create(ns: string, replicas: number, cpu: string): Promise<void> {
  await kubectlAsync(['create', 'namespace', ns]);
  const [deployment, service] = structuredClone(TEMPLATE) as [
    { spec: { replicas: number; template: { metadata: { annotations: Record<string, string> } } } },
    unknown,
  ];
  deployment.spec.replicas = replicas;
  deployment.spec.template.metadata.annotations['kwok.x-k8s.io/usage-cpu'] = cpu;
  await kubectlAsync(
    ['apply', '-n', ns, '-f', '-'],
    stringify({ apiVersion: 'v1', kind: 'List', items: [deployment, service] }),
  );
}

interface AppPod {
  name: string;
  ip: string;
}

/** The namespace's running pods that the pod runner serves. */
async function appPods(ns: string): Promise<AppPod[]> {
  const list = JSON.parse(await kubectlAsync(['get', 'pods', '-n', ns, '-o', 'json'])) as {
    items: { metadata: { name: string; deletionTimestamp?: string }; status: { phase?: string } }[];
  };
  const served = servedPods();
  return list.items
    .filter((p) => !p.metadata.deletionTimestamp && p.status.phase === 'Running' && served[p.metadata.name])
    .map((p) => ({ name: p.metadata.name, ip: served[p.metadata.name] as string }));
}

/** Waits until exactly `count` pods are served, and returns them. */
function served(ns: string, count: number): Promise<AppPod[]> {
  return eventually(
    `${count} pods served in ${ns}`,
    async () => {
      const pods = await appPods(ns);
      return pods.length === count ? pods : undefined;
    },
    90_000,
    1000,
  );
}

async function applyHpa(ns: string, spec: Record<string, unknown>): Promise<void> {
  await kubectlAsync(
    ['apply', '-n', ns, '-f', '-'],
    JSON.stringify({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: HPA },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'app' }, ...spec },
    }),
  );
}

async function hpaStatus(ns: string): Promise<HpaStatus> {
  return (
    JSON.parse(await kubectlAsync(['get', 'hpa', HPA, '-n', ns, '-o', 'json'])) as { status: HpaStatus }
  ).status;
}

const condition = (s: HpaStatus, type: string) => s.conditions?.find((c) => c.type === type);

/** Waits until the controller has set `replicas` (and they run), and `also` holds for its status. */
function settled(
  ns: string,
  replicas: number,
  also: (s: HpaStatus) => boolean = () => true,
): Promise<HpaStatus> {
  return eventually(
    `${ns}: the controller settles at ${replicas}`,
    async () => {
      const s = await hpaStatus(ns);
      return s.desiredReplicas === replicas && s.currentReplicas === replicas && also(s) ? s : undefined;
    },
    150_000,
    1000,
  );
}

/** Waits until the custom metric has a value for `count` pods of the namespace. */
function valuesFor(ns: string, metric: string, count: number): Promise<true> {
  const path = `/apis/custom.metrics.k8s.io/v1beta2/namespaces/${ns}/pods/*/${metric}`;
  return eventually(
    `${ns}: ${metric} of ${count} pods`,
    async () => {
      const list = JSON.parse(await kubectlAsync(['get', '--raw', path])) as { items: unknown[] };
      return list.items.length === count ? true : undefined;
    },
    60_000,
    1000,
  );
}

/** `explain hpa -o json` until its recomputed count equals the status it read, which must be `expected`. */
async function checkpoint(ns: string, step: string, expected: number): Promise<Checkpoint> {
  let last: Checkpoint | undefined;
  let attempts = 0;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    attempts++;
    const run = await cmetricsAsync(plugin, ['explain', 'hpa', HPA, '-n', ns, '-o', 'json']);
    if (run.status !== 0) throw new Error(`explain hpa in ${ns}: ${run.stderr}`);
    const explained = JSON.parse(run.stdout) as Explained;
    const { desiredReplicas, status } = explained.decision;
    last = {
      step,
      expected,
      status: status.desiredReplicas,
      recomputed: desiredReplicas,
      explained,
      attempts,
    };
    if (desiredReplicas === status.desiredReplicas && desiredReplicas === expected) return last;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return last as Checkpoint;
}

/** Calls `path` on the pod `times` times: /cpuTempUp and /cpuTempDown move its temperature by 10 each. */
const poke = (pod: AppPod, path: '/cpuTempUp' | '/cpuTempDown', times: number) => hit(pod.ip, path, times);

/** A steady `perSecond` requests a second over the namespace's pods, for the request-rate metrics. */
function steadyLoad(ns: string, perSecond: number) {
  let ips: string[] = [];
  let stopped = false;
  const refresh = (async () => {
    while (!stopped) {
      ips = (await appPods(ns).catch(() => [])).map((p) => p.ip);
      await new Promise((r) => setTimeout(r, 2000));
    }
  })();
  const load = startLoad(() => ips, perSecond, 240_000);
  return async () => {
    stopped = true;
    await Promise.all([load.stop(), refresh]);
  };
}

const CPU_TEMPERATURE = (target: number) => ({
  type: 'Pods',
  pods: {
    metric: { name: 'cpuTemperature' },
    target: { type: 'AverageValue', averageValue: String(target) },
  },
});
const EXTERNAL_REQUESTS = (target: Record<string, string>) => ({
  type: 'External',
  external: {
    metric: {
      name: 'external_requests_per_second',
      selector: { matchLabels: { service: 'custom-metrics-app' } },
    },
    target,
  },
});

interface Scenario {
  name: string;
  run: (ns: string) => Promise<Checkpoint[]>;
}

const SCENARIOS: Scenario[] = [
  {
    // Resource cpu Utilization (60% of 100m; pods use 150m), with one pod held unready.
    name: 'cpu',
    run: async (ns) => {
      const [, held] = (await deploy(ns, 2, '150m')) as [AppPod, AppPod];
      // kwok leaves alone the status of a pod annotated so; the controller counts this one as unready.
      await kubectlAsync(['annotate', 'pod', held.name, '-n', ns, 'kwok.x-k8s.io/status=custom']);
      await kubectlAsync([
        'patch',
        'pod',
        held.name,
        '-n',
        ns,
        '--subresource=status',
        '-p',
        JSON.stringify({
          status: {
            conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: formatTime(Date.now()) }],
          },
        }),
      ]);
      await applyHpa(ns, {
        minReplicas: 1,
        maxReplicas: 3,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } },
          },
        ],
        behavior: FAST_BEHAVIOR,
      });
      // 150% on the ready pod, 0 for the unready one: (150 + 0) / (2 × 60) = 1.25, ceil(2.5) = 3.
      await settled(ns, 3);
      return [await checkpoint(ns, 'up with an unready pod', 3)];
    },
  },
  {
    // Object metric of the Service (http_requests, requests per second through it), AverageValue 2700m.
    name: 'object',
    run: async (ns) => {
      await deploy(ns, 1);
      const stop = steadyLoad(ns, 4);
      try {
        await applyHpa(ns, {
          minReplicas: 1,
          maxReplicas: 5,
          metrics: [
            {
              type: 'Object',
              object: {
                describedObject: { apiVersion: 'v1', kind: 'Service', name: 'custom-metrics-app' },
                metric: { name: 'http_requests' },
                target: { type: 'AverageValue', averageValue: '2700m' },
              },
            },
          ],
          behavior: FAST_BEHAVIOR,
        });
        // About 4 requests a second: ceil(4 / 2.7) = 2 however the pods share them (and from 2.7 to 5.4).
        await settled(ns, 2);
        return [await checkpoint(ns, 'Service metric, per pod', 2)];
      } finally {
        await stop();
      }
    },
  },
  {
    // External AverageValue 2 under about 3 requests a second: ceil(3 / 2) = 2.
    name: 'external-average',
    run: async (ns) => {
      await deploy(ns, 1);
      const stop = steadyLoad(ns, 3);
      try {
        await applyHpa(ns, {
          minReplicas: 1,
          maxReplicas: 5,
          metrics: [EXTERNAL_REQUESTS({ type: 'AverageValue', averageValue: '2' })],
          behavior: FAST_BEHAVIOR,
        });
        await settled(ns, 2);
        return [await checkpoint(ns, 'External AverageValue', 2)];
      } finally {
        await stop();
      }
    },
  },
  {
    // Two metrics: the request rate wins first (2 against 1), then hot pods make the temperature win (3 against 2).
    name: 'two-metrics',
    run: async (ns) => {
      await deploy(ns, 1);
      const stop = steadyLoad(ns, 3);
      try {
        await applyHpa(ns, {
          minReplicas: 1,
          maxReplicas: 6,
          metrics: [CPU_TEMPERATURE(100), EXTERNAL_REQUESTS({ type: 'AverageValue', averageValue: '2' })],
          behavior: FAST_BEHAVIOR,
        });
        // Temperature 50/100 × 2 pods wants 1; about 3 requests a second / 2 wants 2. Until the new pod
        // has a temperature, the controller counts it at the target and the temperature wants 2 too.
        await settled(ns, 2);
        await valuesFor(ns, 'cpuTemperature', 2);
        const external = await checkpoint(ns, 'the request rate wins', 2);
        // Two pods at 120: 1.2 × 2 wants 3; then with the new pod at 50, 96.7/100 is within tolerance.
        const pods = await served(ns, 2);
        await Promise.all(pods.map((p) => poke(p, '/cpuTempUp', 7)));
        await settled(ns, 3);
        return [external, await checkpoint(ns, 'the temperature wins', 3)];
      } finally {
        await stop();
      }
    },
  },
  {
    // Pods metric (cpuTemperature, 60 per pod): one hot pod sends it up to maxReplicas, then cold pods bring it down.
    name: 'pods',
    run: async (ns) => {
      const [hot] = (await deploy(ns, 1)) as [AppPod];
      await applyHpa(ns, {
        minReplicas: 1,
        maxReplicas: 3,
        metrics: [CPU_TEMPERATURE(60)],
        behavior: FAST_BEHAVIOR,
      });
      await settled(ns, 1, (s) => condition(s, 'ScalingActive')?.status === 'True');
      // 150 against 60 wants 3; with the new pods at 50, (150 + 50 + 50) / 3 still wants 5: 3, the maximum.
      await poke(hot, '/cpuTempUp', 10);
      await settled(ns, 3);
      const up = await checkpoint(ns, 'up to maxReplicas', 3);
      // Every pod at 10: 10/60 of one pod's worth wants 1.
      const pods = await served(ns, 3);
      await Promise.all(pods.map((p) => poke(p, '/cpuTempDown', p.name === hot.name ? 14 : 4)));
      await settled(ns, 1);
      return [up, await checkpoint(ns, 'down to 1', 1)];
    },
  },
  {
    // Clamps: cold pods want 1 and minReplicas holds 2; hot pods want 7 and maxReplicas stops at 3.
    name: 'clamps',
    run: async (ns) => {
      const pods = await deploy(ns, 2);
      await applyHpa(ns, {
        minReplicas: 2,
        maxReplicas: 3,
        metrics: [CPU_TEMPERATURE(60)],
        behavior: FAST_BEHAVIOR,
      });
      await settled(ns, 2, (s) => condition(s, 'ScalingActive')?.status === 'True');
      await Promise.all(pods.map((p) => poke(p, '/cpuTempDown', 4)));
      await settled(ns, 2, (s) => condition(s, 'ScalingLimited')?.reason === 'TooFewReplicas');
      const min = await checkpoint(ns, 'held at minReplicas', 2);
      await Promise.all(pods.map((p) => poke(p, '/cpuTempUp', 20)));
      await settled(ns, 3, (s) => condition(s, 'ScalingLimited')?.reason === 'TooManyReplicas');
      return [min, await checkpoint(ns, 'held at maxReplicas', 3)];
    },
  },
  {
    // A scale-up rate policy of one pod per 5 minutes: a hot pod wants 5, the policy allows 2.
    name: 'rate-policy',
    run: async (ns) => {
      const [hot] = (await deploy(ns, 1)) as [AppPod];
      await applyHpa(ns, {
        minReplicas: 1,
        maxReplicas: 6,
        metrics: [CPU_TEMPERATURE(60)],
        behavior: {
          scaleUp: {
            stabilizationWindowSeconds: 0,
            policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }],
          },
          scaleDown: FAST_BEHAVIOR.scaleDown,
        },
      });
      await settled(ns, 1, (s) => condition(s, 'ScalingActive')?.status === 'True');
      await poke(hot, '/cpuTempUp', 20);
      await settled(ns, 2, (s) => condition(s, 'ScalingLimited')?.reason === 'ScaleUpLimit');
      return [await checkpoint(ns, 'limited to one more pod per period', 2)];
    },
  },
  {
    // External Value with no requests: 0 wants 0 pods, and minReplicas holds 1.
    name: 'external-value',
    run: async (ns) => {
      await deploy(ns, 2);
      await applyHpa(ns, {
        minReplicas: 1,
        maxReplicas: 5,
        metrics: [EXTERNAL_REQUESTS({ type: 'Value', value: '2' })],
        behavior: FAST_BEHAVIOR,
      });
      await settled(ns, 1, (s) => condition(s, 'ScalingLimited')?.reason === 'TooFewReplicas');
      return [await checkpoint(ns, 'External Value, down to minReplicas', 1)];
    },
  },
];

const namespace = (s: Scenario) => `${PREFIX}${s.name}`;
const runs = new Map<string, Promise<Checkpoint[]>>();

describe('explain hpa recomputes what the HPA controller decides', () => {
  beforeAll(async () => {
    plugin = await installPlugin();
    for (const s of SCENARIOS) {
      const run = s.run(namespace(s));
      // Each test awaits its own; this keeps a failure from being reported as unhandled before then.
      run.catch(() => undefined);
      runs.set(s.name, run);
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled(runs.values());
    const names = SCENARIOS.map(namespace);
    await kubectlAsync(['delete', 'namespace', ...names, '--ignore-not-found', '--wait=false']);
    // kwok leaves a pod with a custom status alone, its deletion too (the cpu scenario's unready pod).
    await Promise.all(
      names.map((ns) =>
        kubectlAsync(['delete', 'pods', '--all', '-n', ns, '--force', '--grace-period=0', '--wait=false']),
      ),
    );
    // Later files send load to every served pod and list every pod's metrics: wait until these are
    // gone from the API, terminating ones included.
    const podsLeft = async (ns: string) =>
      (await kubectlAsync(['get', 'pods', '-n', ns, '-o', 'name'])).trim().length;
    await eventually(
      'the scenario pods are gone',
      async () => ((await Promise.all(names.map(podsLeft))).every((n) => n === 0) ? true : undefined),
      120_000,
      1000,
    );
  }, 180_000);

  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, s) => {
    const checkpoints = await (runs.get(s.name) as Promise<Checkpoint[]>);
    expect(checkpoints.length).toBeGreaterThan(0);
    for (const c of checkpoints) {
      const where = `${s.name}: ${c.step} (after ${c.attempts} reads)`;
      expect(c.status, where).toBe(c.expected);
      expect(c.recomputed, where).toBe(c.status);
      expect(c.explained.decision.agreesWithStatus, where).toBe(true);
    }
  });

  it('names the unready pod in the cpu scenario', async () => {
    const [c] = (await runs.get('cpu')) as [Checkpoint];
    const unready = c.explained.decision.metrics[0]?.pods?.unready ?? [];
    expect(unready.length).toBeGreaterThan(0);
  });

  it('says which metric decides when there are two', async () => {
    const [external, temperature] = (await runs.get('two-metrics')) as [Checkpoint, Checkpoint];
    expect(external.explained.decision.decidingMetric).toBe(1);
    expect(temperature.explained.decision.decidingMetric).toBe(0);
  });

  it('prints the same bytes from a saved snapshot as live', async () => {
    await runs.get('two-metrics');
    const ns = `${PREFIX}two-metrics`;
    const file = join(plugin.dir, 'two-metrics.json');
    const live = await cmetricsAsync(plugin, ['explain', 'hpa', HPA, '-n', ns, '--save-snapshot', file]);
    expect(live.status, live.stderr).toBe(0);
    const offline = await cmetricsAsync(plugin, [
      'explain',
      'hpa',
      '--from-snapshot',
      file,
      '--kubeconfig',
      '/nonexistent',
    ]);
    expect(offline.status, offline.stderr).toBe(0);
    expect(offline.stdout).toBe(live.stdout);
    expect(live.stdout).toContain('pods metric cpuTemperature');
  });

  it('diagnoses a metric that is not served, with the closest names', async () => {
    await runs.get('external-value');
    const ns = `${PREFIX}external-value`;
    const typo = {
      type: 'Pods',
      pods: { metric: { name: 'cpuTemprature' }, target: { type: 'AverageValue', averageValue: '60' } },
    };
    await applyHpa(ns, { minReplicas: 2, maxReplicas: 5, metrics: [typo] });
    const run = await eventually(
      'the controller reports the missing metric',
      async () => {
        const r = await cmetricsAsync(plugin, ['explain', 'hpa', HPA, '-n', ns]);
        return r.stdout.includes('FailedGetPodsMetric') ? r : undefined;
      },
      30_000,
      1000,
    );
    expect(run.stdout).toContain(
      'fix: no metric "cpuTemprature" is served for pods by custom.metrics.k8s.io (closest: cpuTemperature)',
    );
  });

  it('doctor passes every check against the harness', async () => {
    const run = await cmetricsAsync(plugin, [
      'doctor',
      '--proxy-url',
      `https://127.0.0.1:${inject('proxyPort')}`,
    ]);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).not.toMatch(/^(FAIL|SKIP)/m);
    expect(run.stdout).toMatch(/^PASS {2}proxy \/readyz\n {6}\[\+\]prometheus ok/m);
    expect(run.stdout).toContain(
      'PASS  the HPA controller (system:serviceaccount:kube-system:horizontal-pod-autoscaler) may list pods.metrics.k8s.io',
    );
  });

  it('doctor fails, with the fix, for a controller user without access', async () => {
    const run = await cmetricsAsync(plugin, ['doctor', '--controller-user', 'system:kube-scheduler']);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(
      'FAIL  the HPA controller (system:kube-scheduler) may list pods.metrics.k8s.io in namespace default',
    );
    expect(run.stdout).toContain('--user=system:kube-scheduler');
  });
});
