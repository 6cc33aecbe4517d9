// KEDA beside cmetrics: KEDA v2.21.0 (test/harness/keda.ts) holds external.metrics.k8s.io for this
// file (the stack's APIService for it is set aside and put back at the end), cmetrics keeps
// metrics.k8s.io and custom.metrics.k8s.io. Deployment keda-app is scaled by a ScaledObject with a
// Prometheus trigger on the harness's Prometheus (KEDA's HPA keda-hpa-keda-app reads its external
// metric through the aggregator from KEDA's metrics API server), Deployment hpa-app by an HPA on
// cmetrics' Pods metric qps (as hpa.test.ts). Under load both grow, both HPAs stay ScalingActive, no
// failed metric read is recorded once they run, and `kubectl cmetrics doctor` names KEDA as the
// server of external.metrics.k8s.io/v1beta1 with its HPA. KEDA's metrics API server, called directly
// as cmetrics will call it, authenticates a ServiceAccount's bearer token and authorizes it by RBAC.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { K8sObject } from '../harness/deploy.ts';
import { type Keda, startKeda } from '../harness/keda.ts';
import { offLoopback, pidsInGroups, socketsOf } from '../harness/sockets.ts';
import { FIXTURES } from '../harness/stack.ts';
import {
  apiServiceAvailable,
  eventually,
  FAST_BEHAVIOR,
  getRaw,
  kubectl,
  send,
  servedPods,
  startLoad,
  tlsAgent,
} from './helpers.ts';
import { cmetricsAsync, type Installed, installPlugin } from './plugin.ts';

const NS = 'e2e-keda';
const EXTERNAL = 'v1beta1.external.metrics.k8s.io';
/** The Deployment KEDA scales, and the HPA KEDA makes for its ScaledObject (controllers/keda/hpa.go getHPAName). */
const KEDA_APP = { deployment: 'keda-app', hpa: 'keda-hpa-keda-app' };
/** The Deployment a plain HPA scales on cmetrics' qps. */
const HPA_APP = { deployment: 'hpa-app', hpa: 'hpa-app' };
/** KEDA names trigger 0's metric s0-<scaler> (pkg/scalers/scaler.go GenerateMetricNameWithIndex). */
const KEDA_METRIC = 's0-prometheus';
/** Failed metric reads, as the HPA controller records them (pkg/controller/podautoscaler/horizontal.go). */
const FAILURE_REASONS = ['FailedGetExternalMetric', 'FailedGetPodsMetric', 'FailedComputeMetricsReplicas'];
/** Requests a second to each app's first pod: 4 against a target of 1 a pod, so both aim at maxReplicas. */
const LOAD = 4;
const MAX_REPLICAS = 4;

let keda: Keda | undefined;
let plugin: Installed;
let load: ReturnType<typeof startLoad> | undefined;
/** The Service of the APIService KEDA's replaced (the stack's cmetrics). */
let externalBefore: unknown;

const running = (): Keda => {
  if (!keda) throw new Error('KEDA did not start');
  return keda;
};

interface Hpa {
  status: {
    desiredReplicas?: number;
    currentMetrics?: {
      external?: { metric: { name: string }; current: { averageValue?: string; value?: string } };
      pods?: { metric: { name: string }; current: { averageValue: string } };
    }[];
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
}

const hpa = (name: string): Hpa => JSON.parse(kubectl(['get', 'hpa', name, '-n', NS, '-o', 'json'])) as Hpa;
const scalingActive = (name: string) => hpa(name).status.conditions?.find((c) => c.type === 'ScalingActive');
const replicas = (deployment: string) =>
  Number(kubectl(['get', 'deployment', deployment, '-n', NS, '-o', 'jsonpath={.spec.replicas}']));

/** The failed-read events of both HPAs, `hpa reason: message (count)`. */
function failureEvents(): string[] {
  const list = JSON.parse(
    kubectl([
      'get',
      'events',
      '-n',
      NS,
      '--field-selector',
      'involvedObject.kind=HorizontalPodAutoscaler',
      '-o',
      'json',
    ]),
  ) as { items: { reason: string; message: string; count?: number; involvedObject: { name: string } }[] };
  return list.items
    .filter((e) => FAILURE_REASONS.includes(e.reason))
    .map((e) => `${e.involvedObject.name} ${e.reason}: ${e.message} (${e.count ?? 1})`)
    .sort();
}

type Deployment = K8sObject & {
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> } };
  };
};

/** The sample app's Deployment of explain-app.yaml as `name`, its pods told apart by a label `scaler`. */
function app(name: string): Deployment {
  const deployment = parseAllDocuments(
    readFileSync(join(FIXTURES, 'explain-app.yaml'), 'utf8'),
  )[0]?.toJS() as Deployment;
  deployment.metadata.name = name;
  deployment.spec.selector.matchLabels.scaler = name;
  deployment.spec.template.metadata.labels.scaler = name;
  return deployment;
}

/** The IP of the one pod of `deployment` the pod runner serves. */
function servedPodOf(deployment: string): Promise<string> {
  return eventually(
    `the pod of ${deployment} served`,
    () => {
      const names = kubectl([
        'get',
        'pods',
        '-n',
        NS,
        '-l',
        `scaler=${deployment}`,
        '-o',
        'jsonpath={.items[*].metadata.name}',
      ])
        .split(' ')
        .filter(Boolean);
      const served = servedPods();
      const ips = names.filter((n) => served[n]).map((n) => served[n] as string);
      return ips.length === 1 ? ips[0] : undefined;
    },
    90_000,
    1000,
  );
}

beforeAll(async () => {
  externalBefore = (
    JSON.parse(kubectl(['get', 'apiservice', EXTERNAL, '-o', 'json'])) as { spec: { service?: unknown } }
  ).spec.service;
  plugin = installPlugin();
  const t0 = Date.now();
  keda = await startKeda({
    binDir: inject('binDir'),
    kubeconfig: inject('kubeconfig'),
    workDir: inject('workDir'),
    registerApiService: true,
  });
  await apiServiceAvailable(EXTERNAL);
  console.log(`[keda] KEDA up and registered in ${((Date.now() - t0) / 1000).toFixed(1)} s at ${keda.url}`);

  kubectl(['create', 'namespace', NS]);
  kubectl(
    ['apply', '-n', NS, '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [app(KEDA_APP.deployment), app(HPA_APP.deployment)],
    }),
  );
  const [kedaPod, hpaPod] = await Promise.all([
    servedPodOf(KEDA_APP.deployment),
    servedPodOf(HPA_APP.deployment),
  ]);
  // The load runs before the autoscalers exist, so that each has its series from its first read.
  load = startLoad(() => [kedaPod, hpaPod], 2 * LOAD, 300_000);
  await eventually(
    "cmetrics serves hpa-app's qps",
    () => {
      const r = getRaw<{ items: unknown[] }>(
        `/apis/custom.metrics.k8s.io/v1beta2/namespaces/${NS}/pods/*/qps?labelSelector=${encodeURIComponent(`scaler=${HPA_APP.deployment}`)}`,
      );
      return r.ok && r.body.items.length === 1 ? true : undefined;
    },
    90_000,
    1000,
  );

  kubectl(
    ['apply', '-n', NS, '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'keda.sh/v1alpha1',
          kind: 'ScaledObject',
          metadata: { name: KEDA_APP.deployment },
          spec: {
            scaleTargetRef: { name: KEDA_APP.deployment },
            pollingInterval: 5,
            minReplicaCount: 1,
            maxReplicaCount: MAX_REPLICAS,
            advanced: { horizontalPodAutoscalerConfig: { behavior: FAST_BEHAVIOR } },
            triggers: [
              {
                type: 'prometheus',
                metadata: {
                  serverAddress: inject('prometheusUrl'),
                  query: `sum(rate(total_req_num{namespace="${NS}",pod=~"${KEDA_APP.deployment}-.+"}[30s]))`,
                  threshold: '1',
                },
              },
            ],
          },
        },
        {
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscaler',
          metadata: { name: HPA_APP.hpa },
          spec: {
            scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: HPA_APP.deployment },
            minReplicas: 1,
            maxReplicas: MAX_REPLICAS,
            metrics: [
              {
                type: 'Pods',
                pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1' } },
              },
            ],
            behavior: FAST_BEHAVIOR,
          },
        },
      ],
    }),
  );
}, 600_000);

afterAll(async () => {
  await load?.stop();
  await keda?.stop();
  kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=false']);
  await apiServiceAvailable(EXTERNAL);
}, 300_000);

describe('KEDA holding external.metrics.k8s.io beside cmetrics', () => {
  let failuresOnceRunning: string[] = [];

  it('both HPAs read their metrics: KEDA its external metric, cmetrics qps', async () => {
    for (const name of [KEDA_APP.hpa, HPA_APP.hpa])
      await eventually(
        `${name} ScalingActive`,
        () => (scalingActive(name)?.status === 'True' ? true : undefined),
        120_000,
        1000,
      );
    failuresOnceRunning = failureEvents();
    console.log(`[keda] failed reads before both HPAs ran: ${failuresOnceRunning.join('; ') || 'none'}`);
    const external = getRaw<{ items: { metricName: string; value: string }[] }>(
      `/apis/external.metrics.k8s.io/v1beta1/namespaces/${NS}/${KEDA_METRIC}?labelSelector=${encodeURIComponent(`scaledobject.keda.sh/name=${KEDA_APP.deployment}`)}`,
    );
    expect(external.ok, JSON.stringify(external)).toBe(true);
    expect(external.ok && external.body.items[0]?.metricName).toBe(KEDA_METRIC);
  });

  it('both Deployments scale up under load, with no failed metric read', async () => {
    const grown = await Promise.all(
      [KEDA_APP, HPA_APP].map(({ deployment }) =>
        eventually(
          `${deployment} scales up`,
          () => {
            const r = replicas(deployment);
            return r > 1 ? r : undefined;
          },
          180_000,
          1000,
        ),
      ),
    );
    console.log(`[keda] replicas under load: keda-app ${grown[0]}, hpa-app ${grown[1]}`);
    for (const name of [KEDA_APP.hpa, HPA_APP.hpa]) {
      const active = scalingActive(name);
      expect(active?.status, `${name}: ${JSON.stringify(active)}`).toBe('True');
      expect(hpa(name).status.desiredReplicas).toBeGreaterThan(1);
    }
    expect(hpa(KEDA_APP.hpa).status.currentMetrics?.[0]?.external?.metric.name).toBe(KEDA_METRIC);
    expect(hpa(HPA_APP.hpa).status.currentMetrics?.[0]?.pods?.metric.name).toBe('qps');
    expect(failureEvents()).toEqual(failuresOnceRunning);
  }, 240_000);

  it('doctor names KEDA as the server of external.metrics.k8s.io/v1beta1, with its HPA', async () => {
    // Not its exit status: its check of an external metric request asks KEDA without the labelSelector
    // of a ScaledObject, which KEDA refuses (HTTP 500), so doctor exits 1 beside KEDA.
    const run = await cmetricsAsync(plugin, ['doctor']);
    console.log(`[keda] kubectl cmetrics doctor (exit ${run.status})\n${run.stdout}${run.stderr}`);
    expect(run.stdout).toMatch(
      new RegExp(
        `^external\\.metrics\\.k8s\\.io/v1beta1\\s+KEDA \\(keda/keda-operator-metrics-apiserver\\)\\s+True\\s+${NS}/${KEDA_APP.hpa}$`,
        'm',
      ),
    );
    expect(run.stdout).toMatch(
      new RegExp(
        `^custom\\.metrics\\.k8s\\.io/v1beta2\\s+cmetrics \\(cmetrics/cmetrics\\)\\s+True\\s+.*${NS}/${HPA_APP.hpa}`,
        'm',
      ),
    );
    expect(run.stdout).not.toContain("FAIL  KEDA's HPAs read external.metrics.k8s.io from KEDA");
  });

  it("KEDA's metrics API server, called directly, authenticates a ServiceAccount token and authorizes it by RBAC", async () => {
    const k = running();
    kubectl(['create', 'serviceaccount', 'direct-caller', '-n', NS]);
    const token = kubectl(['create', 'token', 'direct-caller', '-n', NS]).trim();
    const user = `system:serviceaccount:${NS}:direct-caller`;
    const agent = tlsAgent(k.caPem, k.metricsServerIdentity.serverName);
    const path = `/apis/external.metrics.k8s.io/v1beta1/namespaces/${NS}/${KEDA_METRIC}?labelSelector=${encodeURIComponent(`scaledobject.keda.sh/name=${KEDA_APP.deployment}`)}`;
    const get = () =>
      send(Number(new URL(k.url).port), path, agent, { headers: { authorization: `Bearer ${token}` } });
    try {
      const denied = await get();
      expect(denied.status, denied.text).toBe(403);
      expect(denied.text).toContain(
        `User \\"${user}\\" cannot list resource \\"${KEDA_METRIC}\\" in API group \\"external.metrics.k8s.io\\" in the namespace \\"${NS}\\"`,
      );
      kubectl([
        'create',
        'role',
        'external-metrics-reader',
        '-n',
        NS,
        '--verb=list',
        '--resource=*.external.metrics.k8s.io',
      ]);
      kubectl([
        'create',
        'rolebinding',
        'direct-caller',
        '-n',
        NS,
        '--role=external-metrics-reader',
        `--serviceaccount=${NS}:direct-caller`,
      ]);
      const allowed = await eventually(
        'the RoleBinding lets the caller read',
        async () => {
          const r = await get();
          return r.status === 200 ? r : undefined;
        },
        30_000,
      );
      const list = allowed.body as { kind: string; items: { metricName: string; value: string }[] };
      expect(list.kind).toBe('ExternalMetricValueList');
      expect(list.items[0]?.metricName).toBe(KEDA_METRIC);
    } finally {
      await agent.close();
    }
  });

  it("every socket of KEDA's processes is on loopback, each listener among them", () => {
    const k = running();
    const sockets = socketsOf(pidsInGroups([k.operator.pid, k.metricsServer.pid]));
    // LISTEN (0A): the operator's metrics, health and gRPC, the metrics API server's HTTPS and /metrics.
    expect(sockets.filter((s) => s.state === '0A').length).toBeGreaterThanOrEqual(5);
    const offenders = offLoopback(sockets);
    expect(offenders, JSON.stringify(offenders, null, 2)).toEqual([]);
  });

  it('gives external.metrics.k8s.io back to what held it', async () => {
    running().unregisterApiService();
    const after = JSON.parse(kubectl(['get', 'apiservice', EXTERNAL, '-o', 'json'])) as {
      spec: { service?: unknown };
    };
    expect(after.spec.service).toEqual(externalBefore);
    await apiServiceAvailable(EXTERNAL);
  });
});
