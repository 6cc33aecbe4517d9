// kube-state-metrics in the stack (test/harness/kube-state-metrics.ts): Prometheus holds the HPA's
// spec and status and the sample app's pods' readiness, start time and labels, with the objects' own
// namespace and pod labels, as the series an HPA decision is replayed from.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySampleAppHpa, deploymentReplicas, eventually, kubectl, prometheus } from './helpers.ts';

const HPA = 'ksm-sample-app';
/**
 * Above the one replica the stack runs: the controller scales up to minReplicas whatever the metric
 * says (kubernetes pkg/controller/podautoscaler/horizontal.go reconcileAutoscaler).
 */
const MIN = 2;
const MAX = 5;

interface Pod {
  metadata: { name: string; uid: string };
  status: { startTime?: string; conditions?: { type: string; status: string }[] };
}

/** The one value of `query`, once Prometheus has exactly one series for it. */
async function single(query: string): Promise<{ labels: Record<string, string>; value: number } | undefined> {
  const result = await prometheus(query);
  const [series] = result;
  return result.length === 1 && series
    ? { labels: series.metric, value: Number(series.value[1]) }
    : undefined;
}

const hpaSeries = (metric: string) =>
  single(`${metric}{job="kube-state-metrics",namespace="default",horizontalpodautoscaler="${HPA}"}`);

const podSeries = (metric: string, pod: string, matchers = '') =>
  single(`${metric}{job="kube-state-metrics",namespace="default",pod="${pod}"${matchers}}`);

describe('kube-state-metrics scraped by the stack Prometheus', () => {
  beforeAll(async () => {
    applySampleAppHpa(HPA, {
      minReplicas: MIN,
      maxReplicas: MAX,
      metrics: [
        {
          type: 'Pods',
          pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '500m' } },
        },
      ],
    });
    await eventually(
      `the HPA at ${MIN} replicas`,
      () => {
        const status = JSON.parse(kubectl(['get', 'hpa', HPA, '-o', 'jsonpath={.status}'])) as {
          currentReplicas?: number;
          desiredReplicas?: number;
        };
        return status.currentReplicas === MIN && status.desiredReplicas === MIN ? true : undefined;
      },
      120_000,
      1000,
    );
  }, 150_000);

  afterAll(async () => {
    kubectl(['delete', 'hpa', HPA, '--ignore-not-found']);
    kubectl(['scale', 'deployment', 'custom-metrics-app', '--replicas=1']);
    await eventually(
      'the sample app back at one pod',
      () =>
        deploymentReplicas('custom-metrics-app') === 1 &&
        kubectl(['get', 'pods', '-l', 'app=custom-metrics-app', '-o', 'name']).trim().split('\n').length === 1
          ? true
          : undefined,
      60_000,
    );
  });

  it("has the HPA's spec and status replicas", async () => {
    const expected: Record<string, number> = {
      kube_horizontalpodautoscaler_spec_min_replicas: MIN,
      kube_horizontalpodautoscaler_spec_max_replicas: MAX,
      kube_horizontalpodautoscaler_status_current_replicas: MIN,
      kube_horizontalpodautoscaler_status_desired_replicas: MIN,
    };
    const seen = await eventually(
      'the HPA series at their values',
      async () => {
        const values: Record<string, number> = {};
        for (const metric of Object.keys(expected)) {
          const s = await hpaSeries(metric);
          if (s === undefined) return undefined;
          values[metric] = s.value;
        }
        return JSON.stringify(values) === JSON.stringify(expected) ? values : undefined;
      },
      30_000,
    );
    expect(seen).toEqual(expected);
  });

  it("has every sample app pod's readiness, start time and labels", async () => {
    const pods = await eventually(
      `${MIN} sample app pods ready`,
      () => {
        const items = (
          JSON.parse(kubectl(['get', 'pods', '-l', 'app=custom-metrics-app', '-o', 'json'])) as {
            items: Pod[];
          }
        ).items;
        const ready = items.filter(
          (p) =>
            p.status.startTime && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        );
        return items.length === MIN && ready.length === MIN ? items : undefined;
      },
      60_000,
    );
    for (const pod of pods) {
      const { name, uid } = pod.metadata;
      const [ready, start, labels] = await eventually(
        `${name}'s series`,
        async () => {
          const all = await Promise.all([
            podSeries('kube_pod_status_ready', name, ',condition="true"'),
            podSeries('kube_pod_start_time', name),
            podSeries('kube_pod_labels', name),
          ]);
          return all.every((s) => s !== undefined) ? all : undefined;
        },
        30_000,
      );
      expect(ready?.value).toBe(1);
      expect(start?.value).toBe(Date.parse(pod.status.startTime ?? '') / 1000);
      expect(labels?.value).toBe(1);
      // --metric-labels-allowlist=pods=[*]: every label of the pod, as label_NAME.
      expect(labels?.labels).toMatchObject({ label_app: 'custom-metrics-app', uid });
    }
  });
});
