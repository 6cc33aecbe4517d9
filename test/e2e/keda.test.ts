// KEDA beside cmetrics, in two set-ups on one KEDA (test/harness/keda.ts, v2.21.0).
//
// First KEDA holds external.metrics.k8s.io (the stack's APIService for it is set aside and put back), cmetrics keeps
// metrics.k8s.io and custom.metrics.k8s.io. Deployment keda-app is scaled by a ScaledObject with a
// Prometheus trigger on the harness's Prometheus (KEDA's HPA keda-hpa-keda-app reads its external
// metric through the aggregator from KEDA's metrics API server), Deployment hpa-app by an HPA on
// cmetrics' Pods metric qps (as hpa.test.ts). Under load both grow, both HPAs stay ScalingActive, no
// failed metric read is recorded once they run, and `kubectl cmetrics doctor` names KEDA as the
// server of external.metrics.k8s.io/v1beta1 with its HPA. KEDA's metrics API server, called directly
// as cmetrics calls it, authenticates a ServiceAccount's bearer token and authorizes it by RBAC.
//
// Then cmetrics holds external.metrics.k8s.io alone (docs/configuration.md "upstreams"): a
// cmetrics-proxy of this file's own, configured with KEDA's metrics server as an upstream and called
// by kube-apiserver for the group, answers its own external rules and passes every s<N>- metric on
// to KEDA with a ServiceAccount token of its own, after authorizing the original user. KEDA's
// ScaledObject keeps scaling through it (its maximum raised: the HPA reads more replicas' worth),
// an HPA on a cmetrics external metric scales beside it, and no failed read is recorded.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
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
  servedPodIps,
  startLoad,
  tlsAgent,
} from './helpers.ts';
import { cmetricsAsync, type Installed, installPlugin } from './plugin.ts';
import { AS_ADMIN, frontProxyClient, type ProxyInstance, startProxyInstance } from './proxy-instance.ts';

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
      const ips = servedPodIps(NS, `scaler=${deployment}`);
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
    // KEDA answers its metrics only with a ScaledObject's labelSelector: doctor asks it for none.
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
    expect(run.stdout).not.toMatch(/^FAIL\s+external\.metrics\.k8s\.io\/v1beta1:/m);
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
});

describe('cmetrics holding external.metrics.k8s.io, passing KEDA metrics on to KEDA', () => {
  const FORWARDER = 'e2e-keda-forwarder';
  /** The ServiceAccount cmetrics calls KEDA as, and the least it needs there (verb list: docs/configuration.md). */
  const CALLER = { name: 'cmetrics-forwarder', role: 'keda-metrics-caller' };
  const OWN_HPA = { deployment: 'own-app', hpa: 'own-app', metric: 'external_requests_per_second' };
  const kedaPath = `/apis/external.metrics.k8s.io/v1beta1/namespaces/${NS}/${KEDA_METRIC}?labelSelector=${encodeURIComponent(`scaledobject.keda.sh/name=${KEDA_APP.deployment}`)}`;
  let dir: string;
  let forwarder: ProxyInstance | undefined;
  let agent: Agent | undefined;
  let failuresBefore: string[] = [];

  const asUser = (user: string) => ({ 'x-remote-user': user, 'x-remote-group': 'system:authenticated' });
  const direct = (path: string, headers: Record<string, string>) =>
    send((forwarder as ProxyInstance).port, path, agent as Agent, { headers });
  /** Requests the forwarder sent to KEDA that KEDA answered with `code`, from its own metrics. */
  const upstreamCalls = async (code: string): Promise<number> => {
    const text = (await direct('/metrics', AS_ADMIN)).text;
    const line = text
      .split('\n')
      .find((l) =>
        l.startsWith(
          `cmetrics_proxy_upstream_request_duration_seconds_count{upstream="keda",code="${code}"}`,
        ),
      );
    return line ? Number(line.split(' ').pop()) : 0;
  };

  beforeAll(async () => {
    const k = running();
    dir = mkdtempSync(join(tmpdir(), 'cmetrics-keda-forward-'));
    writeFileSync(join(dir, 'keda-ca.crt'), k.caPem);
    kubectl(['create', 'serviceaccount', CALLER.name, '-n', NS]);
    writeFileSync(
      join(dir, 'token'),
      kubectl(['create', 'token', CALLER.name, '-n', NS, '--duration=2h']).trim(),
    );
    forwarder = await startProxyInstance(FORWARDER, join(dir, 'proxy'), {
      prometheusUrl: inject('prometheusUrl'),
      configExtra: stringify({
        upstreams: [
          {
            name: 'keda',
            url: k.url,
            metrics: ['^s[0-9]+-'],
            bearerTokenFile: join(dir, 'token'),
            tls: { caFile: join(dir, 'keda-ca.crt'), serverName: k.metricsServerIdentity.serverName },
          },
        ],
      }),
    });
    agent = tlsAgent(forwarder.ca, forwarder.servername, frontProxyClient(dir));
    failuresBefore = failureEvents();
  }, 120_000);

  afterAll(async () => {
    kubectl(['delete', 'namespace', FORWARDER, '--ignore-not-found', '--wait=false']);
    await agent?.close();
    await forwarder?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it("refuses a user who may not read KEDA's metric itself, before KEDA is asked", async () => {
    const before = (await upstreamCalls('200')) + (await upstreamCalls('403'));
    const r = await direct(kedaPath, asUser('e2e-nobody'));
    expect(r.status, r.text).toBe(403);
    expect((r.body as { message: string }).message).toBe(
      `${KEDA_METRIC}.external.metrics.k8s.io is forbidden: User "e2e-nobody" cannot list resource "${KEDA_METRIC}" in API group "external.metrics.k8s.io" in the namespace "${NS}"`,
    );
    expect((await upstreamCalls('200')) + (await upstreamCalls('403'))).toBe(before);
  });

  it("passes KEDA's refusal of its own identity on as KEDA's Status, until it is granted list", async () => {
    const denied = await direct(kedaPath, AS_ADMIN);
    expect(denied.status, denied.text).toBe(403);
    const message = (denied.body as { message: string }).message;
    expect(message).toContain(`upstream keda (${running().url}): `);
    expect(message).toContain(
      `User "system:serviceaccount:${NS}:${CALLER.name}" cannot list resource "${KEDA_METRIC}" in API group "external.metrics.k8s.io"`,
    );
    kubectl(['create', 'role', CALLER.role, '-n', NS, '--verb=list', '--resource=*.external.metrics.k8s.io']);
    kubectl([
      'create',
      'rolebinding',
      CALLER.role,
      '-n',
      NS,
      `--role=${CALLER.role}`,
      `--serviceaccount=${NS}:${CALLER.name}`,
    ]);
    const allowed = await eventually(
      'the Role lets cmetrics read KEDA',
      async () => {
        const r = await direct(kedaPath, AS_ADMIN);
        return r.status === 200 ? r : undefined;
      },
      30_000,
    );
    const list = allowed.body as { kind: string; items: { metricName: string }[] };
    expect(list.kind).toBe('ExternalMetricValueList');
    expect(list.items.map((i) => i.metricName)).toEqual([KEDA_METRIC]);
  });

  // One patch from KEDA's server to cmetrics: no moment without a server for KEDA's metric.
  it('registered as the only external.metrics.k8s.io, lists its own metrics and what KEDA lists', async () => {
    const f = forwarder as ProxyInstance;
    kubectl(['create', 'namespace', FORWARDER]);
    kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'cmetrics', namespace: FORWARDER },
        spec: { type: 'ExternalName', externalName: '127.0.0.1' },
      }),
    );
    kubectl([
      'patch',
      'apiservice',
      EXTERNAL,
      '--type=merge',
      '-p',
      JSON.stringify({
        spec: {
          service: { namespace: FORWARDER, name: 'cmetrics', port: f.port },
          caBundle: Buffer.from(f.ca).toString('base64'),
        },
      }),
    ]);
    await apiServiceAvailable(EXTERNAL);
    const names = await eventually(
      'discovery through kube-apiserver lists both',
      () => {
        const r = getRaw<{ resources: { name: string }[] }>('/apis/external.metrics.k8s.io/v1beta1');
        const list = r.ok ? r.body.resources.map((x) => x.name) : [];
        return list.includes('externalmetrics') && list.includes(OWN_HPA.metric) ? list : undefined;
      },
      60_000,
    );
    // Ours first, then KEDA's one resource, each once.
    expect(names.indexOf(OWN_HPA.metric)).toBeLessThan(names.indexOf('externalmetrics'));
    expect(new Set(names).size).toBe(names.length);
  });

  it("KEDA's HPA scales on through cmetrics, and an HPA on a cmetrics external metric scales beside it", async () => {
    const before = await upstreamCalls('200');
    kubectl(['apply', '-n', NS, '-f', '-'], JSON.stringify(app(OWN_HPA.deployment)));
    kubectl(
      ['apply', '-n', NS, '-f', '-'],
      JSON.stringify({
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: OWN_HPA.hpa },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: OWN_HPA.deployment },
          minReplicas: 1,
          maxReplicas: MAX_REPLICAS,
          // The namespace's requests a second (both other apps' load), against 1 per replica.
          metrics: [
            {
              type: 'External',
              external: {
                metric: { name: OWN_HPA.metric },
                target: { type: 'AverageValue', averageValue: '1' },
              },
            },
          ],
          behavior: FAST_BEHAVIOR,
        },
      }),
    );
    // A higher maximum and half the threshold: the controller, reading KEDA's metric through
    // cmetrics now, wants twice the replicas, past the old maximum.
    const scaledObject = JSON.parse(
      kubectl(['get', 'scaledobject', KEDA_APP.deployment, '-n', NS, '-o', 'json']),
    ) as { spec: { triggers: { metadata: Record<string, string> }[] } };
    const triggers = scaledObject.spec.triggers.map((t) => ({
      ...t,
      metadata: { ...t.metadata, threshold: '0.5' },
    }));
    kubectl([
      'patch',
      'scaledobject',
      KEDA_APP.deployment,
      '-n',
      NS,
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { maxReplicaCount: MAX_REPLICAS + 2, triggers } }),
    ]);
    const [kedaReplicas, ownReplicas] = await Promise.all([
      eventually(
        `${KEDA_APP.deployment} scales past ${MAX_REPLICAS}`,
        () => {
          const r = replicas(KEDA_APP.deployment);
          return r > MAX_REPLICAS ? r : undefined;
        },
        180_000,
        1000,
      ),
      eventually(
        `${OWN_HPA.deployment} scales up`,
        () => {
          const r = replicas(OWN_HPA.deployment);
          return r > 1 ? r : undefined;
        },
        180_000,
        1000,
      ),
    ]);
    console.log(
      `[keda] through cmetrics: ${KEDA_APP.deployment} ${kedaReplicas} replicas, ${OWN_HPA.deployment} ${ownReplicas}`,
    );
    for (const name of [KEDA_APP.hpa, OWN_HPA.hpa]) {
      const active = scalingActive(name);
      expect(active?.status, `${name}: ${JSON.stringify(active)}`).toBe('True');
    }
    expect(hpa(OWN_HPA.hpa).status.currentMetrics?.[0]?.external?.metric.name).toBe(OWN_HPA.metric);
    // The controller's reads of KEDA's metric went through cmetrics to KEDA.
    expect(await upstreamCalls('200')).toBeGreaterThan(before);
    expect(failureEvents()).toEqual(failuresBefore);
  }, 240_000);

  it('gives external.metrics.k8s.io back to what held it', async () => {
    // KEDA's unregistering puts back the APIService it replaced at the start: the stack's.
    running().unregisterApiService();
    const after = JSON.parse(kubectl(['get', 'apiservice', EXTERNAL, '-o', 'json'])) as {
      spec: { service?: unknown };
    };
    expect(after.spec.service).toEqual(externalBefore);
    await apiServiceAvailable(EXTERNAL);
  });
});
