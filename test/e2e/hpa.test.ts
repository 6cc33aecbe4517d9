// The real HPA controller in kube-controller-manager scales the sample app on the Pods metric qps
// that cmetrics serves: up under load, back down when the load stops.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../harness/stack.ts';
import { deploymentReplicas, eventually, kubectl, servedPods, startLoad } from './helpers.ts';

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
    const events = kubectl([
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=sample-httpserver',
      '-o',
      'jsonpath={range .items[*]}{.reason}:{.message}{"\\n"}{end}',
    ]);
    expect(events).toMatch(/SuccessfulRescale:New size: \d+; reason: pods metric qps above target/);
    expect(events).toMatch(/SuccessfulRescale:New size: 1; reason: All metrics below target/);
  }, 330_000);
});
