// The real HPA controller in kube-controller-manager scales the sample app on the Pods metric qps
// that cmetrics serves: up under load, back down when the load stops.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../harness/stack.ts';
import {
  deploymentReplicas,
  eventually,
  FAST_BEHAVIOR,
  getRaw,
  hpaEvents,
  kubectl,
  servedPods,
  startLoad,
} from './helpers.ts';

interface Hpa {
  status: {
    currentReplicas?: number;
    desiredReplicas: number;
    currentMetrics?: { pods?: { metric: { name: string }; current: { averageValue: string } } }[];
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
}

const hpa = (): Hpa => JSON.parse(kubectl(['get', 'hpa', 'sample-httpserver', '-o', 'json']));
const replicas = (): number => deploymentReplicas('custom-metrics-app');

describe('HorizontalPodAutoscaler on cmetrics custom metrics', () => {
  afterAll(() => {
    kubectl(['delete', 'hpa', 'sample-httpserver', '--ignore-not-found']);
    kubectl(['scale', 'deployment', 'custom-metrics-app', '--replicas=1']);
  });

  it('reads the metrics and settles at minReplicas while idle', async () => {
    kubectl(['apply', '-f', join(FIXTURES, 'hpa.yaml')]);
    const status = await eventually(
      'HPA reports current metrics',
      () => {
        const s = hpa().status;
        const active = s.conditions?.find((c) => c.type === 'ScalingActive');
        return active?.status === 'True' && s.currentMetrics?.length === 1 ? s : undefined;
      },
      90_000,
    );
    expect(status.conditions?.find((c) => c.type === 'ScalingActive')?.reason).toBe('ValidMetricFound');
    expect(status.currentMetrics?.[0]?.pods?.metric.name).toBe('qps');
    // Earlier suites sent requests; once their rate has left the 30 s window the HPA is at its minimum.
    await eventually(
      'idle at minReplicas',
      () => (replicas() === 1 && hpa().status.desiredReplicas === 1 ? true : undefined),
      120_000,
      1000,
    );
  }, 240_000);

  it('scales up when load rises and back down when it stops', async () => {
    const targets = () => Object.values(servedPods());
    const load = startLoad(targets, 4, 150_000);
    let peak = 1;
    try {
      peak = await eventually(
        'scale-up',
        () => {
          const r = replicas();
          return r > 1 ? r : undefined;
        },
        120_000,
        1000,
      );
    } finally {
      const sent = await load.stop();
      expect(sent).toBeGreaterThan(0);
    }
    expect(peak).toBeGreaterThan(1);
    const up = hpa().status;
    expect(up.desiredReplicas).toBeGreaterThan(1);
    const qps = up.currentMetrics?.find((m) => m.pods?.metric.name === 'qps')?.pods?.current.averageValue;
    expect(qps, 'the controller saw a qps above the 500m target').toBeDefined();

    await eventually('scale-down to minReplicas', () => (replicas() === 1 ? true : undefined), 180_000, 1000);
    expect(hpa().status.desiredReplicas).toBe(1);
    const events = hpaEvents('sample-httpserver');
    expect(events).toMatch(/SuccessfulRescale:New size: \d+; reason: pods metric qps above target/);
    expect(events).toMatch(/SuccessfulRescale:New size: 1; reason: All metrics below target/);
  }, 330_000);
});

interface HpaScenario {
  name: string;
  metrics: unknown[];
  loadPath: string;
  /** The reason the controller gives when it scales up. */
  upReason: RegExp;
  /** Whether the metric has series before the load starts (a label set nobody called yet has none). */
  validWhileIdle: boolean;
  /** Checks made once it has scaled up, while the load still runs, given the pods the load reached. */
  underLoad?: (loaded: string[]) => void;
}

/** Runs one HPA on the sample app: idle at 1, up under load, back to 1 after; returns its status at the peak. */
async function scaleUpAndDown(s: HpaScenario) {
  const get = (): Hpa => JSON.parse(kubectl(['get', 'hpa', s.name, '-o', 'json']));
  kubectl(['delete', 'hpa', '--all', '--ignore-not-found']);
  kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: s.name, namespace: 'default' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'custom-metrics-app' },
        minReplicas: 1,
        maxReplicas: 6,
        metrics: s.metrics,
        behavior: FAST_BEHAVIOR,
      },
    }),
  );
  try {
    await eventually(
      'idle at 1',
      () => {
        const active = get().status.conditions?.find((c) => c.type === 'ScalingActive');
        // Without series yet the controller computes nothing, so there is no desired count to check.
        const settled = s.validWhileIdle
          ? active?.status === 'True' && get().status.desiredReplicas === 1
          : true;
        return settled && replicas() === 1 ? true : undefined;
      },
      120_000,
      1000,
    );
    // The pods served when the load starts are the ones it reaches first; a pod added by the
    // scale-up may get none before the load stops, and the scale-down may keep it.
    const loaded = Object.keys(servedPods());
    const load = startLoad(() => Object.values(servedPods()), 4, 150_000, s.loadPath);
    let peak: Hpa['status'];
    try {
      peak = await eventually('scale-up', () => (replicas() > 1 ? get().status : undefined), 120_000, 1000);
      s.underLoad?.(loaded);
    } finally {
      await load.stop();
    }
    await eventually('scale-down to 1', () => (replicas() === 1 ? true : undefined), 180_000, 1000);
    const events = hpaEvents(s.name);
    expect(events).toMatch(s.upReason);
    expect(events).toMatch(/New size: 1; reason: All metrics below target/);
    return peak;
  } finally {
    kubectl(['delete', 'hpa', s.name, '--ignore-not-found']);
  }
}

describe('HPA on the other custom-metric kinds', () => {
  it('scales on an Object metric of the Service (seed 003)', async () => {
    const peak = await scaleUpAndDown({
      name: 'sample-object',
      loadPath: '/',
      upReason: /reason: Service metric http_requests above target/,
      validWhileIdle: true,
      metrics: [
        {
          type: 'Object',
          object: {
            describedObject: { apiVersion: 'v1', kind: 'Service', name: 'custom-metrics-app' },
            metric: { name: 'http_requests' },
            target: { type: 'Value', value: '1' },
          },
        },
      ],
    });
    expect(peak.desiredReplicas).toBeGreaterThan(1);
  }, 480_000);

  it('scales on a Pods metric narrowed by a metric selector, and only on the selected series', async () => {
    const selected = { matchLabels: { api: 'cpuTempUp' } };
    const peak = await scaleUpAndDown({
      name: 'sample-selector',
      loadPath: '/cpuTempUp',
      upReason: /reason: pods metric qps above target/,
      validWhileIdle: false,
      metrics: [
        {
          type: 'Pods',
          pods: {
            metric: { name: 'qps', selector: selected },
            target: { type: 'AverageValue', averageValue: '500m' },
          },
        },
      ],
      underLoad: (loaded) => {
        // What the controller asked for, through the aggregator: the selector reaches the query.
        const name = loaded[0] as string;
        const narrowed = getRaw<{ items: { metric: { selector: unknown } }[] }>(
          `/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/${name}/qps?metricLabelSelector=${encodeURIComponent('api=cpuTempUp')}`,
        );
        expect(narrowed.ok ? narrowed.body.items[0]?.metric.selector : narrowed.stderr).toEqual(selected);
        // Nobody called /cpuTempDown: the same metric narrowed to it has no series at all.
        const other = getRaw(
          `/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/${name}/qps?metricLabelSelector=${encodeURIComponent('api=cpuTempDown')}`,
        );
        expect(other.ok).toBe(false);
        expect((other as { stderr: string }).stderr).toMatch(/Prometheus has no qps for pods "/);
      },
    });
    expect(peak.desiredReplicas).toBeGreaterThan(1);
  }, 480_000);
});
