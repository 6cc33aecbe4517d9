// external.metrics.k8s.io through the real aggregator: the APIService becomes Available, kubectl reads
// discovery and values equal to Prometheus's, and the real HPA controller scales the sample app on
// an External metric.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { APIResourceList, ExternalMetricValueList, Status } from '../../shared/api-types.ts';
import { parseQuantity, toNumber } from '../../shared/quantity.ts';
import {
  apiServiceAvailable,
  deploymentReplicas,
  eventually,
  expectSameAsPrometheus,
  FAST_BEHAVIOR,
  getRaw,
  hit,
  hpaEvents,
  kubectl,
  prometheus,
  scrapedPods,
  servedPods,
  startLoad,
} from './helpers.ts';

const BASE = '/apis/external.metrics.k8s.io/v1beta1';
const METRIC = 'external_requests_per_second';
const ALL_NAMESPACES_METRIC = 'all_namespaces_requests_per_second';
const SERVICE_SELECTOR = 'labelSelector=service%3Dcustom-metrics-app';
const DEPLOYMENT = 'custom-metrics-app';
const HPA = 'sample-httpserver-external';

type List = ExternalMetricValueList;

const value = (item: { value: string }) => toNumber(parseQuantity(item.value));

describe('external.metrics.k8s.io through kube-apiserver', () => {
  beforeAll(async () => {
    const [first] = Object.values(await scrapedPods());
    await hit(first as string, '/', 20);
  });

  it('has the APIService Available', async () => {
    const condition = await apiServiceAvailable('v1beta1.external.metrics.k8s.io');
    expect(condition.reason).toBe('Passed');
  });

  it('lists each external metric in discovery', async () => {
    const list = await eventually('discovery lists the external metrics', () => {
      const r = getRaw<APIResourceList>(BASE);
      return r.ok && r.body.resources.length === 2 ? r.body : undefined;
    });
    expect(list.groupVersion).toBe('external.metrics.k8s.io/v1beta1');
    expect(list.resources).toEqual(
      [ALL_NAMESPACES_METRIC, METRIC].map((name) => ({
        name,
        singularName: '',
        namespaced: true,
        kind: 'ExternalMetricValueList',
        verbs: ['get'],
      })),
    );
  });

  it("serves the Service's request rate with the value Prometheus computes", async () => {
    // The 20 requests made above show in the rate once two scrapes bracket them.
    const body = await eventually('the rate is above 0', () => {
      const r = getRaw<List>(`${BASE}/namespaces/default/${METRIC}?${SERVICE_SELECTOR}`);
      return r.ok && r.body.items.some((i) => value(i) > 0) ? r.body : undefined;
    });
    expect(body).toMatchObject({
      kind: 'ExternalMetricValueList',
      apiVersion: 'external.metrics.k8s.io/v1beta1',
    });
    expect(body.items).toHaveLength(1);
    expect(body.items[0]).toMatchObject({
      metricName: METRIC,
      metricLabels: { service: 'custom-metrics-app' },
      window: 30,
    });
    expect(body.items[0]?.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await expectSameAsPrometheus(
      body.items,
      'sum(rate(total_req_num{namespace="default",service="custom-metrics-app"}[30s])) by (service)',
      (item) => item.metricLabels,
    );
  });

  it('serves a namespaced: false metric asked from any namespace with every namespace in it', async () => {
    const r = getRaw<List>(`${BASE}/namespaces/kube-system/${ALL_NAMESPACES_METRIC}`);
    expect(r.ok).toBe(true);
    const items = (r as { body: List }).body.items;
    expect(items.map((i) => i.metricLabels)).toContainEqual({ namespace: 'default' });
    await expectSameAsPrometheus(
      items,
      'sum(rate(total_req_num{}[30s])) by (namespace)',
      (item) => item.metricLabels,
    );
  });

  it.each([
    [
      'an unknown metric',
      `${BASE}/namespaces/default/external_requests_per_secnd`,
      /no series in Prometheus gives an external metric named external_requests_per_secnd \(did you mean external_requests_per_second\?\)/,
    ],
    [
      'a namespace without samples',
      `${BASE}/namespaces/kube-system/${METRIC}`,
      /Prometheus has no external_requests_per_second; query: sum\(rate\(total_req_num\{namespace="kube-system"\}\[30s\]\)\) by \(service\)/,
    ],
    [
      'a selector matching no series',
      `${BASE}/namespaces/default/${METRIC}?labelSelector=service%3Dnothing`,
      /Prometheus has no external_requests_per_second matching labelSelector service=nothing/,
    ],
    [
      'a malformed selector',
      `${BASE}/namespaces/default/${METRIC}?labelSelector=service%20in%20(x`,
      /labelSelector: invalid label selector/,
    ],
    [
      'a selector key that is no Prometheus label',
      `${BASE}/namespaces/default/${METRIC}?labelSelector=app.kubernetes.io%2Fname%3Dx`,
      /"app.kubernetes.io\/name" is not a Prometheus label name/,
    ],
  ])('explains %s in a Status error', (_what, path, message) => {
    const r = getRaw<Status>(path);
    expect(r.ok).toBe(false);
    expect((r as { stderr: string }).stderr).toMatch(message);
  });
});

interface ExternalHpa {
  spec: { scaleTargetRef: { kind: string; name: string } };
  status: {
    desiredReplicas: number;
    currentMetrics?: { external?: { metric: { name: string }; current: { averageValue?: string } } }[];
    conditions?: { type: string; status: string; reason: string }[];
  };
}

const hpa = (): ExternalHpa => JSON.parse(kubectl(['get', 'hpa', HPA, '-o', 'json']));

/** autoscaling/v2 on the Service's request rate: one replica per request per second. */
const hpaManifest = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: HPA, namespace: 'default' },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: DEPLOYMENT },
    minReplicas: 1,
    maxReplicas: 5,
    metrics: [
      {
        type: 'External',
        external: {
          metric: { name: METRIC, selector: { matchLabels: { service: 'custom-metrics-app' } } },
          target: { type: 'AverageValue', averageValue: '1' },
        },
      },
    ],
    behavior: FAST_BEHAVIOR,
  },
};

describe('HorizontalPodAutoscaler on a cmetrics External metric', () => {
  beforeAll(() => {
    // Two autoscalers on one Deployment would fight; this file's must be the only one.
    const all = JSON.parse(kubectl(['get', 'hpa', '--all-namespaces', '-o', 'json'])) as {
      items: (ExternalHpa & { metadata: { name: string } })[];
    };
    const others = all.items.filter(
      (h) => h.spec.scaleTargetRef.kind === 'Deployment' && h.spec.scaleTargetRef.name === DEPLOYMENT,
    );
    expect(others.map((h) => h.metadata.name)).toEqual([]);
    kubectl(['apply', '-f', '-'], JSON.stringify(hpaManifest));
  });

  afterAll(() => {
    kubectl(['delete', 'hpa', HPA, '--ignore-not-found']);
    kubectl(['scale', 'deployment', DEPLOYMENT, '--replicas=1']);
  });

  it('reads the metric and holds one replica while idle', async () => {
    const status = await eventually(
      'HPA reads the external metric',
      () => {
        const s = hpa().status;
        const active = s.conditions?.find((c) => c.type === 'ScalingActive');
        const idle = s.desiredReplicas === 1 && deploymentReplicas(DEPLOYMENT) === 1;
        return active?.status === 'True' && s.currentMetrics?.[0]?.external && idle ? s : undefined;
      },
      90_000,
    );
    expect(status.conditions?.find((c) => c.type === 'ScalingActive')?.reason).toBe('ValidMetricFound');
    expect(status.currentMetrics?.[0]?.external?.metric.name).toBe(METRIC);
  });

  it('scales up when the request rate rises and back down when it stops', async () => {
    // 4 requests a second against a target of 1 per replica: ceil(4 / 1) = 4 replicas at the peak.
    const load = startLoad(() => Object.values(servedPods()), 4, 150_000);
    let peak = 1;
    try {
      peak = await eventually(
        'scale-up to at least 3 replicas',
        () => {
          const r = deploymentReplicas(DEPLOYMENT);
          return r >= 3 ? r : undefined;
        },
        120_000,
        1000,
      );
    } finally {
      expect(await load.stop()).toBeGreaterThan(0);
    }
    expect(peak).toBeGreaterThanOrEqual(3);
    const seen = hpa().status.currentMetrics?.[0]?.external?.current.averageValue;
    expect(seen, 'the controller saw an average above the target of 1').toBeDefined();

    await eventually(
      'scale-down to minReplicas',
      () => (deploymentReplicas(DEPLOYMENT) === 1 ? true : undefined),
      180_000,
      1000,
    );
    // Leave the cluster idle for the next file: no request left in any pod's rate window.
    await eventually(
      'the request rate is back to 0',
      async () => {
        const busy = await prometheus('sum(rate(total_req_num{namespace="default"}[30s])) > 0');
        return busy.length ? undefined : true;
      },
      90_000,
      1000,
    );

    const events = hpaEvents(HPA);
    expect(events).toMatch(
      new RegExp(`SuccessfulRescale:New size: \\d+; reason: external metric ${METRIC}\\(.*\\) above target`),
    );
    expect(events).toMatch(/SuccessfulRescale:New size: 1; reason: All metrics below target/);
  }, 420_000);
});
