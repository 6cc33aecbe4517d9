// explain hpa across time, proved against the real HPA controller: two Deployments of the sample app
// get the same load pattern (ramp, plateau, spike, fall) while the controller scales each through its
// HPA; A and B differ only in spec.behavior. Afterwards the shipped plugin replays A from the history
// cmetrics serves (history.cmetrics.io: the qps values, kube-state-metrics' replica and pod series)
// and must reproduce what the controller did to A, step by step; its what-if with B's behavior must
// reproduce what the controller did to B.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { eventually, kubectl, servedPodIps, startLoad } from './helpers.ts';
import { cmetricsAsync, type Installed, installPlugin } from './plugin.ts';

const NS = 'cmetrics-replay-e2e';
/** The harness controller's --horizontal-pod-autoscaler-sync-period. */
const SYNC_SECONDS = 2;

const BEHAVIOR_A = {
  scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 1, periodSeconds: 10 }] },
  scaleDown: {
    stabilizationWindowSeconds: 30,
    policies: [{ type: 'Percent', value: 100, periodSeconds: 1 }],
  },
};
/** A with a faster scale-up and a shorter scale-down window: what the what-if sets. */
const BEHAVIOR_B = {
  scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 2, periodSeconds: 10 }] },
  scaleDown: {
    stabilizationWindowSeconds: 10,
    policies: [{ type: 'Percent', value: 100, periodSeconds: 1 }],
  },
};
/**
 * The what-if replays A's history with B's behavior, so where B ran more pods than A the extra ones
 * carry A's per-pod load from their first step; a real new pod has no qps until its 30 s rate window
 * has two scrapes, and the controller counts it as 0 meanwhile (a missing metric while scaling up),
 * which holds B's next step back several syncs (B's 3 → 4 came 18.3 s and 15.5 s after the
 * prediction in two CI runs of 2026-12-07, 1-6 s in the others). The prediction is held to every
 * change of B within fifteen sync periods (33 s: the load phase that caused it lasts 25-40 s), and to
 * 85% of the steps.
 */
const WHAT_IF_SYNCS = 15;
const WHAT_IF_SHARE = 0.85;
const WHAT_IF = [
  '--set',
  'behavior.scaleUp.policies[0].value=2',
  '--set',
  'behavior.scaleDown.stabilizationWindowSeconds=10',
];

/** Requests per second to all pods of a Deployment, and for how long: against 2 per pod, 1 → 5 replicas. */
const PATTERN: [perSecond: number, seconds: number][] = [
  [3, 30], // ramp
  [5, 30],
  [7, 40], // plateau
  [9, 25], // spike
  [0, 75], // fall
];

function manifest(): string {
  const deployment = (name: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'custom-metrics-app', replay: name } },
      template: {
        metadata: {
          labels: { app: 'custom-metrics-app', replay: name },
          annotations: { 'kwok.x-k8s.io/usage-cpu': '20500u', 'kwok.x-k8s.io/usage-memory': '48Mi' },
        },
        spec: {
          containers: [
            {
              name: 'custom-server',
              image: 'custom-metrics-app:v1',
              ports: [{ containerPort: 3000 }],
              resources: { requests: { cpu: '100m', memory: '300Mi' } },
            },
          ],
        },
      },
    },
  });
  const hpa = (name: string, behavior: unknown) => ({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace: NS },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [
        {
          type: 'Pods',
          pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '2' } },
        },
      ],
      behavior,
    },
  });
  const items = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    deployment('a'),
    deployment('b'),
    hpa('a', BEHAVIOR_A),
    hpa('b', BEHAVIOR_B),
  ];
  return stringify({ apiVersion: 'v1', kind: 'List', items });
}

/** The replicas the controller set, sampled every second during the run (epoch ms → spec.replicas). */
type Samples = [at: number, replicas: number][];

function specReplicas(name: string): number {
  return Number(kubectl(['get', 'deployment', name, '-n', NS, '-o', 'jsonpath={.spec.replicas}']));
}

/** The sampled count at `at`: the last sample not after it. */
function sampledAt(samples: Samples, at: number): number | undefined {
  let found: number | undefined;
  for (const [t, r] of samples) {
    if (t > at) break;
    found = r;
  }
  return found;
}

/** The times at which the sampled count changed, with the new count. */
function changes(samples: Samples): [at: number, to: number][] {
  const out: [number, number][] = [];
  for (let i = 1; i < samples.length; i++) {
    const [at, r] = samples[i] as [number, number];
    if (r !== (samples[i - 1] as [number, number])[1]) out.push([at, r]);
  }
  return out;
}

interface ReplayDoc {
  steps: { time: string; replicas: number; desired: number; actual?: number }[];
  changes: { time: string; from: number; to: number; reason: string }[];
  summary: { agreement?: { steps: number; equal: number; actualChanges: number; matched: number } };
  whatIf?: ReplayDoc;
}

/**
 * How the replayed counts agree with the sampled ones: the share of steps where the count the pass
 * set is the sampled count one sync period later (`exact`), or was so within one sync period either
 * side of that (`equal`: the controller's passes and the replay's steps are not aligned, so a change
 * one period apart costs a step without being wrong); and each sampled change matched by a replayed
 * change to the same count within `syncs` sync periods (plus the pass's own period, as a replayed
 * change is stamped at its pass, and the second of sampling); `offsets`: each sampled change's
 * distance to the nearest replayed change to its count, in seconds.
 */
function agreement(doc: ReplayDoc, samples: Samples, syncs: number) {
  let known = 0;
  let exact = 0;
  let equal = 0;
  const syncMs = SYNC_SECONDS * 1000;
  for (const s of doc.steps) {
    const at = Date.parse(s.time) + syncMs;
    const actual = sampledAt(samples, at);
    if (actual === undefined) continue;
    known++;
    if (actual === s.desired) exact++;
    // The count in force as the window opens, and every sample inside it: the count at `at` is always among them.
    const near = [
      sampledAt(samples, at - syncMs),
      ...samples.filter(([t]) => Math.abs(t - at) <= syncMs).map(([, r]) => r),
    ];
    if (near.includes(s.desired)) equal++;
  }
  const replayed = doc.changes.map((c) => [Date.parse(c.time), c.to] as const);
  const slackMs = ((syncs + 1) * SYNC_SECONDS + 1) * 1000;
  const offsets = changes(samples).map(([at, to]) => {
    const nearest = Math.min(...replayed.filter(([, r]) => r === to).map(([t]) => Math.abs(t - at)));
    return { to, seconds: nearest / 1000 };
  });
  const unmatched = offsets.filter((o) => !(o.seconds * 1000 <= slackMs));
  return { known, exact, equal, share: known ? equal / known : 0, offsets, unmatched };
}

let plugin: Installed;
const samples: Record<'a' | 'b', Samples> = { a: [], b: [] };
let from = 0;
let to = 0;

async function run(args: string[]) {
  const r = await cmetricsAsync(plugin, args);
  if (r.status !== 0) throw new Error(`kubectl cmetrics ${args.join(' ')}: ${r.status} ${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  plugin = installPlugin();
  kubectl(['apply', '-f', '-'], manifest());
  await eventually(
    'both HPAs read qps and sit at one replica',
    () => {
      for (const name of ['a', 'b']) {
        const status = JSON.parse(kubectl(['get', 'hpa', name, '-n', NS, '-o', 'json'])).status;
        const active = status.conditions?.find((c: { type: string }) => c.type === 'ScalingActive');
        if (active?.status !== 'True' || status.desiredReplicas !== 1) return undefined;
      }
      return servedPodIps(NS, 'replay=a').length && servedPodIps(NS, 'replay=b').length ? true : undefined;
    },
    180_000,
    2000,
  );
  from = Date.now();
  const sampler = setInterval(() => {
    const at = Date.now();
    samples.a.push([at, specReplicas('a')]);
    samples.b.push([at, specReplicas('b')]);
  }, 1000);
  try {
    for (const [perSecond, seconds] of PATTERN) {
      const loads = (['a', 'b'] as const).map((name) =>
        perSecond
          ? startLoad(() => servedPodIps(NS, `replay=${name}`), perSecond, seconds * 1000)
          : undefined,
      );
      await new Promise((r) => setTimeout(r, seconds * 1000));
      await Promise.all(loads.map((l) => l?.stop()));
    }
  } finally {
    clearInterval(sampler);
  }
  to = Date.now();
}, 600_000);

afterAll(() => {
  kubectl(['delete', 'namespace', NS, '--wait=false', '--ignore-not-found']);
});

/** `explain hpa a` over the run, at the controller's sync period. */
const replayArgs = (...extra: string[]) => [
  'explain',
  'hpa',
  'a',
  '-n',
  NS,
  '--from',
  new Date(from).toISOString(),
  '--to',
  new Date(to).toISOString(),
  '--step',
  `${SYNC_SECONDS}s`,
  ...extra,
];

describe('explain hpa --from/--to against the real HPA controller', () => {
  it('the load pattern made the controller scale both ways', () => {
    for (const name of ['a', 'b'] as const) {
      const counts = samples[name].map(([, r]) => r);
      expect(Math.max(...counts), name).toBeGreaterThanOrEqual(4);
      expect(counts.at(-1), name).toBe(1);
    }
  });

  it('the replay reproduces every replica change the controller made, at ≥ 95% of steps', async () => {
    const doc = JSON.parse(await run(replayArgs('-o', 'json'))) as ReplayDoc;
    const a = agreement(doc, samples.a, 1);
    console.log(
      `[replay] A: ${a.equal}/${a.known} steps agree within a sync period (${(a.share * 100).toFixed(1)}%; ${a.exact} exactly), changes (to, seconds from the replayed one): ${JSON.stringify(a.offsets)}; the replay's own figures against kube-state-metrics: ${JSON.stringify(doc.summary.agreement)}`,
    );
    expect(a.unmatched).toEqual([]);
    expect(a.share).toBeGreaterThanOrEqual(0.95);
  });

  it("the what-if with B's behavior predicts what the controller did to B", async () => {
    const doc = JSON.parse(await run(replayArgs(...WHAT_IF, '-o', 'json'))) as ReplayDoc;
    expect(doc.whatIf).toBeDefined();
    const b = agreement(doc.whatIf as ReplayDoc, samples.b, WHAT_IF_SYNCS);
    console.log(
      `[replay] what-if A→B: ${b.equal}/${b.known} steps agree with B within a sync period (${(b.share * 100).toFixed(1)}%; ${b.exact} exactly), changes (to, seconds from the predicted one): ${JSON.stringify(b.offsets)}`,
    );
    expect(b.unmatched).toEqual([]);
    expect(b.share).toBeGreaterThanOrEqual(WHAT_IF_SHARE);
  });

  it('prints the charts, the rescales with their reasons and the what-if beside', async () => {
    const out = await run(replayArgs(...WHAT_IF));
    console.log(
      `$ kubectl cmetrics explain hpa a -n ${NS} --from … --to … --step 2s ${WHAT_IF.join(' ')}\n${out}`,
    );
    expect(out).toMatch(/qps/);
    expect(out).toMatch(/1(→|->)2/);
  });
});
