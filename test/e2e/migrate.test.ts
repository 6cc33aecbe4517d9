// Moving custom.metrics.k8s.io from prometheus-adapter to cmetrics and back, with a real HPA reading
// it throughout (docs/migrating-from-prometheus-adapter.md "Swap"). prometheus-adapter v0.12.0 serves
// the harness's pod rules through its own ExternalName Service and CA; `kubectl cmetrics migrate check`
// compares its answers with the stack's cmetrics-proxy (reached directly, with the user's own
// credentials) for the HPA; then each APIService is patched to cmetrics (service and caBundle in one
// patch) and back, while the HPA controller (kube-controller-manager, syncing every 2 s) is watched:
// ScalingActive stays True, the replicas stay, and no failed metric read is recorded. The harness's
// own APIServices are put back at the end.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { recreatable } from '../harness/deploy.ts';
import { makeCa, servingCert } from '../harness/pki.ts';
import { freePort, type Proc, startProcess, stopProcess, waitFor } from '../harness/processes.ts';
import { FIXTURES, PROXY_NAMESPACE, PROXY_SERVICE } from '../harness/stack.ts';
import {
  apiServiceAvailable,
  direct,
  eventually,
  kubectl,
  proxyAgent,
  servedPods,
  startLoad,
} from './helpers.ts';
import { cmetrics, type Installed, installPlugin } from './plugin.ts';
import { AS_ADMIN, frontProxyClient } from './proxy-instance.ts';

const NS = 'e2e-migrate';
const HPA = 'app';
const ADAPTER = { namespace: 'e2e-monitoring', name: 'prometheus-adapter' };
const CUSTOM = ['v1beta1.custom.metrics.k8s.io', 'v1beta2.custom.metrics.k8s.io'];
/** kube-controller-manager runs its controllers with --use-service-account-credentials (test/harness/cluster.ts). */
const CONTROLLER_USER = 'system:serviceaccount:kube-system:horizontal-pod-autoscaler';
/** Failed metric reads, as the HPA controller records them (pkg/controller/podautoscaler/horizontal.go). */
const FAILURE_REASONS = ['FailedGetPodsMetric', 'FailedComputeMetricsReplicas'];

type ApiServiceObject = {
  metadata: Record<string, unknown> & { name: string };
  spec: { service?: { namespace: string; name: string; port: number }; caBundle?: string };
  status?: unknown;
};

let plugin: Installed;
let adapter: Proc;
let adapterPort: number;
let adapterCa: string;
let load: ReturnType<typeof startLoad> | undefined;
const harnessApiServices: ApiServiceObject[] = [];

/** One patch per APIService: the Service and the CA it is checked against change together. */
function pointAt(service: { namespace: string; name: string; port: number }, ca: string): void {
  const caBundle = Buffer.from(ca).toString('base64');
  for (const name of CUSTOM)
    kubectl([
      'patch',
      'apiservice',
      name,
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { service, caBundle } }),
    ]);
}

const cmetricsService = () => ({
  namespace: PROXY_NAMESPACE,
  name: PROXY_SERVICE,
  port: inject('proxyPort'),
});
const adapterService = () => ({ ...ADAPTER, port: adapterPort });

interface HpaState {
  atMs: number;
  desiredReplicas?: number;
  currentReplicas?: number;
  scalingActive?: string;
  deploymentReplicas: number;
}

function hpaState(): HpaState {
  const hpa = JSON.parse(kubectl(['get', 'hpa', HPA, '-n', NS, '-o', 'json'])) as {
    status: {
      desiredReplicas?: number;
      currentReplicas?: number;
      conditions?: { type: string; status: string; reason: string }[];
    };
  };
  const active = hpa.status.conditions?.find((c) => c.type === 'ScalingActive');
  return {
    atMs: Date.now(),
    desiredReplicas: hpa.status.desiredReplicas,
    currentReplicas: hpa.status.currentReplicas,
    ...(active ? { scalingActive: `${active.status} ${active.reason}` } : {}),
    deploymentReplicas: Number(
      kubectl(['get', 'deployment', 'app', '-n', NS, '-o', 'jsonpath={.spec.replicas}']),
    ),
  };
}

/** The HPA's failed-read events, `reason: message (count)`. */
function failureEvents(): string[] {
  const list = JSON.parse(
    kubectl(['get', 'events', '-n', NS, '--field-selector', `involvedObject.name=${HPA}`, '-o', 'json']),
  ) as { items: { reason: string; message: string; count?: number }[] };
  return list.items
    .filter((e) => FAILURE_REASONS.includes(e.reason))
    .map((e) => `${e.reason}: ${e.message} (${e.count ?? 1})`);
}

/** Who answers the custom group right now: the adapter lists only its one rule's resources. */
function customResources(): string[] {
  const list = JSON.parse(kubectl(['get', '--raw', '/apis/custom.metrics.k8s.io/v1beta2'])) as {
    resources: { name: string }[];
  };
  return list.resources.map((r) => r.name).sort();
}

/** Watches the HPA every 500 ms for `ms`, after `act` ran. */
async function watchAcross(act: () => void, ms: number): Promise<HpaState[]> {
  const states = [hpaState()];
  act();
  const end = Date.now() + ms;
  while (Date.now() < end) {
    states.push(hpaState());
    await new Promise((r) => setTimeout(r, 500));
  }
  return states;
}

function expectSteady(states: HpaState[], replicas: number): void {
  for (const s of states) {
    expect(s.scalingActive, JSON.stringify(s)).toBe('True ValidMetricFound');
    expect(s.desiredReplicas, JSON.stringify(s)).toBe(replicas);
    expect(s.currentReplicas, JSON.stringify(s)).toBe(replicas);
    expect(s.deploymentReplicas, JSON.stringify(s)).toBe(replicas);
  }
}

const summary = (states: HpaState[]) =>
  [
    ...new Set(
      states.map(
        (s) =>
          `ScalingActive=${s.scalingActive} desired=${s.desiredReplicas} current=${s.currentReplicas} deployment=${s.deploymentReplicas}`,
      ),
    ),
  ].join('; ');

beforeAll(async () => {
  const dir = join(inject('workDir'), 'e2e-migrate');
  mkdirSync(dir, { recursive: true });
  for (const name of CUSTOM)
    harnessApiServices.push(
      recreatable(JSON.parse(kubectl(['get', 'apiservice', name, '-o', 'json'])) as ApiServiceObject),
    );
  const [, pluginInstalled] = await Promise.all([startAdapter(dir), installPlugin()]);
  plugin = pluginInstalled;

  const [deployment, service] = parseAllDocuments(
    readFileSync(join(FIXTURES, 'explain-app.yaml'), 'utf8'),
  ).map((d) => d.toJS() as { spec: { replicas: number } }) as [{ spec: { replicas: number } }, unknown];
  deployment.spec.replicas = 2;
  kubectl(['create', 'namespace', NS]);
  kubectl(
    ['apply', '-n', NS, '-f', '-'],
    stringify({ apiVersion: 'v1', kind: 'List', items: [deployment, service] }),
  );
  const pods = await eventually(
    `2 pods of ${NS} served`,
    () => {
      const names = kubectl(['get', 'pods', '-n', NS, '-o', 'jsonpath={.items[*].metadata.name}']).split(' ');
      const served = servedPods();
      const ips = names.filter((n) => served[n]).map((n) => served[n] as string);
      return ips.length === 2 ? ips : undefined;
    },
    90_000,
    1000,
  );
  // A steady load on both pods, well below the target: the HPA stays at minReplicas.
  load = startLoad(() => pods, 2, 240_000);

  pointAt(adapterService(), adapterCa);
  for (const name of CUSTOM) await apiServiceAvailable(name);
  await eventually('the adapter answers the custom group', () =>
    customResources().includes('pods/qps') && !customResources().includes('pods/cpuTemperature')
      ? true
      : undefined,
  );
  await eventually(
    'the adapter serves qps for both pods',
    () => {
      const list = JSON.parse(
        kubectl(['get', '--raw', `/apis/custom.metrics.k8s.io/v1beta2/namespaces/${NS}/pods/*/qps`]),
      ) as { items: unknown[] };
      return list.items.length === 2 ? true : undefined;
    },
    60_000,
    1000,
  );
  // cmetrics reads the same series through its own rule: wait until it has both pods too (a rate needs
  // two scrapes in its window), so that the comparison below compares values, not a start-up gap.
  const agent = proxyAgent(frontProxyClient(dir));
  await eventually(
    'cmetrics serves qps for both pods',
    async () => {
      const r = await direct(
        `/apis/custom.metrics.k8s.io/v1beta2/namespaces/${NS}/pods/*/qps`,
        agent,
        AS_ADMIN,
      );
      return r.status === 200 && (r.body as { items?: unknown[] }).items?.length === 2 ? true : undefined;
    },
    60_000,
    1000,
  );
  await agent.close();
  kubectl(
    ['apply', '-n', NS, '-f', '-'],
    JSON.stringify({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: HPA },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'app' },
        minReplicas: 2,
        maxReplicas: 4,
        metrics: [
          {
            type: 'Pods',
            pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '2' } },
          },
        ],
      },
    }),
  );
  await eventually(
    'the HPA reads qps through the adapter',
    () => {
      const s = hpaState();
      return s.scalingActive === 'True ValidMetricFound' && s.desiredReplicas === 2 ? s : undefined;
    },
    60_000,
    1000,
  );
}, 300_000);

async function startAdapter(dir: string): Promise<void> {
  const ca = makeCa(dir, 'adapter-ca', 'e2e-prometheus-adapter-ca');
  const serving = servingCert(dir, ca, 'adapter-serving', [`${ADAPTER.name}.${ADAPTER.namespace}.svc`]);
  adapterCa = readFileSync(ca.cert, 'utf8');
  // The adapter's own configuration: only the harness's per-pod request rate, so that its discovery
  // document tells it apart from cmetrics'.
  const harness = parse(readFileSync(join(FIXTURES, 'harness-adapter.yaml'), 'utf8')) as {
    rules: { name?: { as?: string } }[];
  };
  const config = join(dir, 'adapter.yaml');
  writeFileSync(config, stringify({ rules: harness.rules.filter((r) => r.name?.as === 'qps') }));
  adapterPort = await freePort();
  const kubeconfig = inject('kubeconfig');
  adapter = startProcess(
    'e2e-migrate-prometheus-adapter',
    join(inject('binDir'), 'prometheus-adapter'),
    [
      `--lister-kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${adapterPort}`,
      `--tls-cert-file=${serving.cert}`,
      `--tls-private-key-file=${serving.key}`,
      `--prometheus-url=${inject('prometheusUrl')}`,
      `--config=${config}`,
      '--metrics-relist-interval=5s',
    ],
    dir,
  );
  await waitFor(
    'prometheus-adapter serving',
    async () => (readFileSync(adapter.log, 'utf8').includes('Serving securely') ? true : undefined),
    { proc: adapter, timeoutMs: 60_000 },
  );
  kubectl(['create', 'namespace', ADAPTER.namespace]);
  kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: ADAPTER,
      spec: { type: 'ExternalName', externalName: '127.0.0.1' },
    }),
  );
}

afterAll(async () => {
  await load?.stop();
  for (const a of harnessApiServices) {
    kubectl(['delete', 'apiservice', a.metadata.name, '--ignore-not-found']);
    kubectl(['create', '-f', '-'], JSON.stringify(a));
  }
  for (const name of CUSTOM) await apiServiceAvailable(name);
  if (adapter) await stopProcess(adapter);
  kubectl(['delete', 'namespace', NS, ADAPTER.namespace, '--ignore-not-found', '--wait=false']);
}, 120_000);

describe('from prometheus-adapter to cmetrics and back', () => {
  const checkArgs = () => [
    'migrate',
    'check',
    '-n',
    NS,
    '--cmetrics-url',
    `https://127.0.0.1:${inject('proxyPort')}`,
    '--cmetrics-ca-file',
    inject('servingCa'),
    '--cmetrics-tls-server-name',
    `${PROXY_SERVICE}.${PROXY_NAMESPACE}.svc`,
  ];

  it('migrate check: the HPA would decide the same on cmetrics, its values side by side', () => {
    const table = cmetrics(plugin, checkArgs());
    console.log(`[migrate] kubectl cmetrics ${checkArgs().join(' ')}\n${table.stdout}${table.stderr}`);
    expect(table.stderr).toBe('');
    expect(table.status).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toContain(
      `custom.metrics.k8s.io/v1beta2 (served by prometheus-adapter (${ADAPTER.namespace}/${ADAPTER.name}))`,
    );
    expect(lines[1]).toMatch(/^NAMESPACE\s+HPA\s+METRIC\s+SERVING\s+CMETRICS\s+DESIRED\s+VERDICT\s+REASON$/);
    expect(lines[2]).toMatch(
      new RegExp(`^${NS}\\s+${HPA}\\s+pods metric qps\\s+\\S+\\s+\\S+\\s+2/2\\s+same`),
    );

    const json = cmetrics(plugin, [...checkArgs(), '-o', 'json']);
    expect(json.status).toBe(0);
    const doc = JSON.parse(json.stdout) as {
      kind: string;
      hpas: {
        name: string;
        verdict: string;
        desiredReplicas: { serving: number; cmetrics: number };
        metrics: { compared: boolean; serving: { value: string }; cmetrics: { value: string } }[];
      }[];
    };
    expect(doc.kind).toBe('MigrationCheck');
    expect(doc.hpas).toHaveLength(1);
    const [hpa] = doc.hpas as [(typeof doc.hpas)[number]];
    expect(hpa.desiredReplicas).toEqual({ serving: 2, cmetrics: 2 });
    expect(['Same', 'DifferentValue']).toContain(hpa.verdict);
    expect(hpa.metrics[0]?.compared).toBe(true);
    // Both answered with a value.
    for (const v of [hpa.metrics[0]?.serving.value, hpa.metrics[0]?.cmetrics.value])
      expect(v).toMatch(/^\d+m?$/);
  });

  it('switches to cmetrics and back without a failed read or a replica change', async () => {
    const before = failureEvents();
    const proxyLog = join(inject('workDir'), 'logs', 'cmetrics-proxy.log');
    const logOffset = readFileSync(proxyLog, 'utf8').length;
    const toCmetrics = await watchAcross(
      () => pointAt(cmetricsService(), readFileSync(inject('servingCa'), 'utf8')),
      12_000,
    );
    for (const name of CUSTOM) await apiServiceAvailable(name);
    expect(customResources()).toContain('pods/cpuTemperature');
    // The HPA controller's own reads reached cmetrics while it held the group.
    const controllerReads = readFileSync(proxyLog, 'utf8')
      .slice(logOffset)
      .split('\n')
      .filter((l) => l.includes(`"user":"${CONTROLLER_USER}"`) && l.includes(`/namespaces/${NS}/pods/`));
    expect(controllerReads.length).toBeGreaterThan(0);
    const back = await watchAcross(() => pointAt(adapterService(), adapterCa), 12_000);
    for (const name of CUSTOM) await apiServiceAvailable(name);
    expect(customResources()).not.toContain('pods/cpuTemperature');
    console.log(
      `[migrate] to cmetrics (${toCmetrics.length} reads over ${(toCmetrics.at(-1)?.atMs ?? 0) - (toCmetrics[0]?.atMs ?? 0)} ms): ${summary(toCmetrics)}\n` +
        `[migrate] back to the adapter (${back.length} reads): ${summary(back)}`,
    );
    expectSteady(toCmetrics, 2);
    expectSteady(back, 2);
    expect(failureEvents()).toEqual(before);
  });
});
