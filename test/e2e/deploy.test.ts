// The shipped manifests against the real control plane: kustomize and Helm render the same objects,
// kube-apiserver accepts every one of them (server-side dry run, PodSecurity admission), the proxy
// the harness runs holds exactly the shipped ServiceAccount's RBAC and serves through the
// aggregator, readers need the shipped reader role, and forged front-proxy headers get nowhere.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { MetricValueList, Status } from '../../shared/api-types.ts';
import {
  type K8sObject,
  KUSTOMIZE_BASE,
  KUSTOMIZE_COMPONENTS,
  kustomizeComponent,
  PROXY_USER,
  renderHelm,
  renderKustomize,
  SHIPPED,
} from '../harness/deploy.ts';
import { clientCert } from '../harness/pki.ts';
import { freePort, type Proc, startProcess, stopProcess } from '../harness/processes.ts';
import { apiServiceAvailable, direct, eventually, getRaw, kubectl, proxyAgent } from './helpers.ts';

const NAMESPACE = 'e2e-deploy';
const READER = 'e2e-deploy-reader';
const VIEWER = 'e2e-deploy-viewer';
const NOBODY = 'e2e-deploy-nobody';
const HPA_CONTROLLER = 'system:serviceaccount:kube-system:horizontal-pod-autoscaler';
const CRDS = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'crds');

const PODS = '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods';
const READS = [
  '/apis/metrics.k8s.io/v1/nodes',
  PODS,
  '/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/qps?labelSelector=app%3Dcustom-metrics-app',
  '/apis/external.metrics.k8s.io/v1beta1/namespaces/default/external_requests_per_second',
];

/**
 * The default overlay and the chart register external.metrics.k8s.io only for a config with
 * externalRules, which the default config has none of (test/deploy/apiservices.test.ts); the harness
 * serves external metrics, so both register all three groups here.
 */
const EVERY_GROUP = ['--set', 'apiServices.external.enabled=true'];
const EXTERNAL = kustomizeComponent('external-metrics');
const EVERY_GROUP_KUSTOMIZE = [EXTERNAL];
// Groups first: the cert-manager component injects the CA into the APIServices listed before it.
const EVERY_GROUP_AND_COMPONENTS = [EXTERNAL, ...KUSTOMIZE_COMPONENTS];

/** Labels Helm adds that a kustomize install has no equivalent for. */
const HELM_ONLY_LABELS = ['helm.sh/chart', 'app.kubernetes.io/managed-by', 'app.kubernetes.io/version'];

/** Objects by kind/namespace/name, Helm's own labels dropped, config.yaml compared as data. */
function normalized(objects: K8sObject[]): Record<string, K8sObject> {
  return Object.fromEntries(
    objects.map((o) => {
      const copy = structuredClone(o);
      for (const l of HELM_ONLY_LABELS) delete copy.metadata.labels?.[l];
      if (copy.kind === 'ConfigMap') {
        const data = copy.data as Record<string, string>;
        copy.data = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, parse(v)]));
      }
      return [`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, copy];
    }),
  );
}

function list(objects: unknown[]): string {
  return stringify({ apiVersion: 'v1', kind: 'List', items: objects });
}

/** kubectl with a non-zero exit as a result rather than an exception. */
function kubectlResult(args: string[], input?: string): { ok: boolean; stdout: string; out: string } {
  const r = spawnSync(join(inject('binDir'), 'kubectl'), [`--kubeconfig=${inject('kubeconfig')}`, ...args], {
    encoding: 'utf8',
    input,
  });
  return { ok: r.status === 0, stdout: r.stdout, out: `${r.stdout}${r.stderr}` };
}

const binDir = () => inject('binDir');

beforeAll(() => {
  // Its pods must meet the restricted Pod Security Standard (checked by admission on a dry run).
  kubectl(['create', 'namespace', NAMESPACE]);
  kubectl(['label', 'namespace', NAMESPACE, 'pod-security.kubernetes.io/enforce=restricted']);
});

afterAll(() => {
  kubectl(['delete', 'clusterrolebinding', READER, '--ignore-not-found']);
  kubectl(['delete', 'namespace', NAMESPACE, '--ignore-not-found', '--wait=false']);
});

describe('kustomize and Helm', () => {
  it('render the same objects by default, every group registered', () => {
    const kustomize = normalized(renderKustomize(binDir(), EVERY_GROUP_KUSTOMIZE));
    expect(Object.keys(kustomize).sort()).toEqual(
      [
        'APIService//v1.metrics.k8s.io',
        'APIService//v1alpha1.history.cmetrics.io',
        'APIService//v1beta1.custom.metrics.k8s.io',
        'APIService//v1beta1.external.metrics.k8s.io',
        'APIService//v1beta1.metrics.k8s.io',
        'APIService//v1beta2.custom.metrics.k8s.io',
        'ClusterRole//cmetrics-history-reader',
        'ClusterRole//cmetrics-metrics-reader',
        'ClusterRole//cmetrics-resource-reader',
        'ClusterRoleBinding//cmetrics-hpa-controller',
        'ClusterRoleBinding//cmetrics-resource-reader',
        'ClusterRoleBinding//cmetrics:system:auth-delegator',
        'ConfigMap/cmetrics/cmetrics-config',
        'Deployment/cmetrics/cmetrics',
        'PodDisruptionBudget/cmetrics/cmetrics',
        'RoleBinding/kube-system/cmetrics-auth-reader',
        'Service/cmetrics/cmetrics',
        'ServiceAccount/cmetrics/cmetrics',
      ].sort(),
    );
    expect(normalized(renderHelm(binDir(), EVERY_GROUP))).toEqual(kustomize);
  });

  it('render the same objects with cert-manager and the ServiceMonitor', () => {
    const kustomize = normalized(renderKustomize(binDir(), EVERY_GROUP_AND_COMPONENTS));
    const helm = normalized(
      renderHelm(binDir(), [
        ...EVERY_GROUP,
        '--set',
        'certManager.enabled=true',
        '--set',
        'serviceMonitor.enabled=true',
      ]),
    );
    expect(Object.keys(kustomize).filter((k) => /^(Certificate|Issuer|ServiceMonitor)\//.test(k))).toEqual(
      expect.arrayContaining([
        'Certificate/cmetrics/cmetrics-serving',
        'Issuer/cmetrics/cmetrics-ca',
        'ServiceMonitor/cmetrics/cmetrics',
      ]),
    );
    expect(helm).toEqual(kustomize);
    const apiService = kustomize['APIService//v1beta2.custom.metrics.k8s.io'];
    expect(apiService?.metadata.annotations).toEqual({
      'cert-manager.io/inject-ca-from': 'cmetrics/cmetrics-serving',
    });
  });

  it('write the CA given to Helm into every APIService', () => {
    const ca = inject('servingCa');
    const apiServices = renderHelm(binDir(), [...EVERY_GROUP, '--set-file', `tls.caBundle=${ca}`]).filter(
      (o) => o.kind === 'APIService',
    );
    expect(apiServices).toHaveLength(6);
    for (const a of apiServices) {
      expect((a.spec as { caBundle: string }).caBundle).toBe(readFileSync(ca).toString('base64'));
    }
  });

  it('register v1 and v1beta2 above the older versions of their groups', () => {
    const priorities = Object.fromEntries(
      renderKustomize(binDir(), EVERY_GROUP_KUSTOMIZE)
        .filter((o) => o.kind === 'APIService')
        .map((o) => {
          const spec = o.spec as { groupPriorityMinimum: number; versionPriority: number; service: unknown };
          expect(spec.service).toEqual({ name: SHIPPED.service, namespace: SHIPPED.namespace, port: 443 });
          return [o.metadata.name, [spec.groupPriorityMinimum, spec.versionPriority]];
        }),
    );
    expect(priorities).toEqual({
      'v1.metrics.k8s.io': [100, 200],
      'v1beta1.metrics.k8s.io': [100, 100],
      'v1beta2.custom.metrics.k8s.io': [100, 200],
      'v1beta1.custom.metrics.k8s.io': [100, 100],
      'v1beta1.external.metrics.k8s.io': [100, 100],
      'v1alpha1.history.cmetrics.io': [100, 100],
    });
  });
});

describe('kube-apiserver', () => {
  const crds = readdirSync(CRDS).map((f) => readFileSync(join(CRDS, f), 'utf8'));
  const crdNames = crds.map((text) => (parse(text) as K8sObject).metadata.name);

  beforeAll(() => {
    kubectl(['apply', '-f', CRDS]);
    kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...crdNames.map((n) => `crd/${n}`)]);
  });

  afterAll(() => {
    kubectl(['delete', ...crdNames.map((n) => `crd/${n}`), '--ignore-not-found', '--wait=false']);
  });

  it.each([
    ['the kustomize base and both components', () => renderKustomize(binDir(), EVERY_GROUP_AND_COMPONENTS)],
    [
      'the Helm chart with every option',
      () =>
        renderHelm(binDir(), [
          ...EVERY_GROUP,
          '--set',
          'certManager.enabled=true',
          '--set',
          'serviceMonitor.enabled=true',
          '--set-file',
          `tls.caBundle=${inject('servingCa')}`,
        ]),
    ],
  ])('accepts every object of %s (apply --dry-run=server)', async (_what, render) => {
    const objects = render();
    // kubectl learns the new CRDs' kinds from discovery, which may lag their Established condition.
    const out = await eventually('a server-side dry run of every object', () => {
      const r = kubectlResult(['apply', '--dry-run=server', '-f', '-'], list(objects));
      if (!r.ok) throw new Error(r.out);
      return r.out;
    });
    const accepted = out.split('\n').filter((l) => l.endsWith('(server dry run)'));
    expect(accepted).toHaveLength(objects.length);
  });

  it('refuses what the CRD schemas do not know, so their dry run means something', () => {
    const monitor = renderKustomize(binDir(), EVERY_GROUP_AND_COMPONENTS).find(
      (o) => o.kind === 'ServiceMonitor',
    );
    const typo = structuredClone(monitor) as K8sObject & { spec: { endpoints: Record<string, unknown>[] } };
    (typo.spec.endpoints[0] as Record<string, unknown>).intervall = '30s';
    const r = kubectlResult(['apply', '--dry-run=server', '-f', '-'], list([typo]));
    expect(r.ok).toBe(false);
    expect(r.out).toContain('unknown field "intervall"');
  });

  it("admits the Deployment's pods under the restricted Pod Security Standard, and not without their settings", () => {
    const deployment = renderKustomize(binDir(), EVERY_GROUP_KUSTOMIZE).find(
      (o) => o.kind === 'Deployment',
    ) as K8sObject & {
      spec: { template: { metadata: object; spec: Record<string, unknown> } };
    };
    const pod = (spec: Record<string, unknown>) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { ...deployment.spec.template.metadata, name: 'cmetrics-restricted', namespace: NAMESPACE },
      // The ServiceAccount lives in the cmetrics namespace; which one runs the pod is no matter here.
      spec: { ...spec, serviceAccountName: 'default' },
    });
    const admitted = kubectlResult(
      ['apply', '--dry-run=server', '-f', '-'],
      list([pod(deployment.spec.template.spec)]),
    );
    expect(admitted.out).toContain('pod/cmetrics-restricted created (server dry run)');

    const { securityContext: _dropped, ...lax } = deployment.spec.template.spec;
    const refused = kubectlResult(['apply', '--dry-run=server', '-f', '-'], list([pod(lax)]));
    expect(refused.ok).toBe(false);
    expect(refused.out).toContain('violates PodSecurity "restricted:latest"');
  });
});

describe('the proxy the harness runs', () => {
  const kubeconfig = () =>
    parse(readFileSync(join(inject('workDir'), 'cmetrics-proxy-sa.kubeconfig'), 'utf8')) as {
      users: { user: { token?: string } }[];
    };

  it('holds a token of the shipped ServiceAccount, and nothing else', () => {
    const { user } = kubeconfig().users[0] ?? { user: {} };
    expect(Object.keys(user)).toEqual(['token']);
    const review = JSON.parse(
      kubectl(
        ['create', '-o', 'json', '-f', '-'],
        JSON.stringify({
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenReview',
          spec: { token: user.token },
        }),
      ),
    ) as { status: { authenticated: boolean; user: { username: string } } };
    expect(review.status).toMatchObject({ authenticated: true, user: { username: PROXY_USER } });
  });

  it.each([
    ['create', 'tokenreviews.authentication.k8s.io', 'yes'],
    ['create', 'subjectaccessreviews.authorization.k8s.io', 'yes'],
    ['get', 'configmap/extension-apiserver-authentication -n kube-system', 'yes'],
    ['watch', 'configmap/extension-apiserver-authentication -n kube-system', 'yes'],
    ['list', 'configmaps -n kube-system', 'no'],
    ['watch', 'pods --all-namespaces', 'yes'],
    ['watch', 'nodes', 'yes'],
    ['watch', 'namespaces', 'yes'],
    ['watch', 'services --all-namespaces', 'yes'],
    ['list', 'secrets --all-namespaces', 'no'],
    ['list', 'deployments.apps --all-namespaces', 'no'],
    ['create', 'pods -n default', 'no'],
    ['update', 'apiservices.apiregistration.k8s.io', 'no'],
  ])('may %s %s: %s', (verb, what, answer) => {
    const r = kubectlResult(['auth', 'can-i', verb, ...what.split(' '), `--as=${PROXY_USER}`]);
    expect(r.stdout.trim()).toBe(answer);
  });

  it('serves all three APIs through the aggregator', async () => {
    for (const { name } of renderKustomize(binDir(), EVERY_GROUP_KUSTOMIZE)
      .filter((o) => o.kind === 'APIService')
      .map((o) => o.metadata)) {
      expect((await apiServiceAvailable(name)).reason).toBe('Passed');
    }
    const top = kubectl(['top', 'pods', '-n', 'default']);
    expect(top.split('\n')[0]).toMatch(/^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
    expect(top).toContain('custom-metrics-app');
  });

  it.each([
    // As the HPA controller asks (request-info attributes of its three kinds of metric requests).
    { verb: 'list', group: 'metrics.k8s.io', resource: 'pods' },
    { verb: 'get', group: 'custom.metrics.k8s.io', resource: 'pods', subresource: 'qps', name: '*' },
    { verb: 'list', group: 'external.metrics.k8s.io', resource: 'external_requests_per_second' },
  ])('lets the HPA controller $verb $resource in $group', (attributes) => {
    const review = JSON.parse(
      kubectl(
        ['create', '-o', 'json', '-f', '-'],
        JSON.stringify({
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user: HPA_CONTROLLER,
            groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
            resourceAttributes: { namespace: 'default', ...attributes },
          },
        }),
      ),
    ) as { status: { allowed: boolean } };
    expect(review.status.allowed).toBe(true);
  });
});

describe("the Deployment's container, run out of cluster as the shipped ServiceAccount", () => {
  let proc: Proc | undefined;
  let port = 0;
  let dir: string;
  let aggregatorAgent: Agent;
  const insecure = new Agent({ connect: { rejectUnauthorized: false } });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cmetrics-e2e-deploy-container-'));
    const deployment = renderKustomize(binDir(), EVERY_GROUP_KUSTOMIZE).find(
      (o) => o.kind === 'Deployment',
    ) as K8sObject & {
      spec: { template: { spec: { containers: { args: string[] }[] } } };
    };
    const pki = join(inject('workDir'), 'pki');
    port = await freePort();
    // The shipped arguments, with the files and addresses of this machine; the rest as shipped.
    const rewrite: Record<string, string> = {
      '--config': join(KUSTOMIZE_BASE, 'config.yaml'),
      '--prometheus-url': inject('prometheusUrl'),
      '--tls-cert-file': join(pki, 'cmetrics-proxy-serving.crt'),
      '--tls-private-key-file': join(pki, 'cmetrics-proxy-serving.key'),
      '--secure-port': String(port),
    };
    const args = (deployment.spec.template.spec.containers[0]?.args ?? []).map((a) => {
      const [flag = '', value] = a.split('=', 2);
      return value !== undefined && flag in rewrite ? `${flag}=${rewrite[flag]}` : a;
    });
    expect(args.filter((a) => a.startsWith('--'))).toHaveLength(args.length);
    proc = startProcess(
      'cmetrics-proxy-shipped-args',
      process.execPath,
      [
        join(KUSTOMIZE_BASE, '..', '..', '..', 'cmd', 'cmetrics-proxy.ts'),
        ...args,
        '--bind-address=127.0.0.1',
        `--kubeconfig=${join(inject('workDir'), 'cmetrics-proxy-sa.kubeconfig')}`,
      ],
      dir,
    );
    aggregatorAgent = proxyAgent(clientCert(dir, inject('frontProxyCa'), 'aggregator', 'front-proxy-client'));
  });

  afterAll(async () => {
    if (proc) await stopProcess(proc, 30_000);
    await Promise.all([insecure.close(), aggregatorAgent?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes its liveness and readiness probes (HTTPS, unverified, as the kubelet probes)', async () => {
    const probe = async (path: string) => {
      const res = await request(`https://127.0.0.1:${port}${path}`, { dispatcher: insecure });
      return { status: res.statusCode, text: await res.body.text() };
    };
    const ready = await eventually(
      'the proxy with the shipped arguments ready',
      async () => {
        const r = await probe('/readyz');
        return r.status === 200 ? r.text : undefined;
      },
      90_000,
    );
    expect(ready).toContain('readyz check passed');
    expect((await probe('/livez')).status).toBe(200);
  });

  it.each([
    // Each needs a watch the shipped ClusterRole allows: namespaces, services, pods.
    '/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/metrics/total_req_num',
    '/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/services/custom-metrics-app/total_req_num',
    '/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/total_req_num',
  ])('serves the shipped rules on the harness series: %s', async (path) => {
    const res = await eventually(`${path} answered`, async () => {
      const r = await direct(
        path,
        aggregatorAgent,
        { 'x-remote-user': 'e2e-deploy-admin', 'x-remote-group': 'system:masters' },
        port,
      );
      return r.status === 200 ? r : undefined;
    });
    expect(res.body.kind).toBe('MetricValueList');
    expect((res.body as unknown as MetricValueList).items.length).toBeGreaterThan(0);
  });

  it('stops cleanly on SIGTERM, after the shipped shutdown delay', async () => {
    const running = proc as Proc;
    proc = undefined;
    const started = Date.now();
    await stopProcess(running, 30_000);
    expect(await running.exited).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(5000);
  });
});

describe('readers of the metrics, through the aggregator', () => {
  beforeAll(() => {
    kubectl([
      'create',
      'clusterrolebinding',
      READER,
      '--clusterrole=cmetrics-metrics-reader',
      `--user=${READER}`,
    ]);
  });

  it.each(READS)('a user without the reader role is refused %s', (path) => {
    const r = getRaw(path, [`--as=${NOBODY}`]);
    expect(r.ok ? '' : r.stderr).toContain('Forbidden');
  });

  it.each(READS)('a user bound to cmetrics-metrics-reader reads %s', async (path) => {
    const body = await eventually(`${READER} reads ${path}`, () => {
      const r = getRaw<{ kind: string }>(path, [`--as=${READER}`]);
      return r.ok ? r.body : undefined;
    });
    expect(body.kind).toMatch(/List$/);
  });

  it("view in a namespace grants that namespace's pod metrics (the aggregated role), not other namespaces' or nodes", async () => {
    kubectl(['create', 'rolebinding', VIEWER, '-n', NAMESPACE, '--clusterrole=view', `--user=${VIEWER}`]);
    const own = await eventually('view lists pod metrics in its namespace', () => {
      const r = getRaw<{ kind: string }>(`/apis/metrics.k8s.io/v1beta1/namespaces/${NAMESPACE}/pods`, [
        `--as=${VIEWER}`,
      ]);
      return r.ok ? r.body : undefined;
    });
    expect(own.kind).toBe('PodMetricsList');
    for (const path of [PODS, '/apis/metrics.k8s.io/v1beta1/nodes']) {
      const r = getRaw(path, [`--as=${VIEWER}`]);
      expect(r.ok ? '' : r.stderr).toContain('Forbidden');
    }
  });
});

describe('forged front-proxy headers, straight to the proxy', () => {
  const forged = { 'x-remote-user': 'system:admin', 'x-remote-group': 'system:masters' };
  let dir: string;
  const agents: Agent[] = [];
  const agent = (client?: { cert: string; key: string }) => {
    const a = proxyAgent(client);
    agents.push(a);
    return a;
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cmetrics-e2e-deploy-'));
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('without a client certificate are 401', async () => {
    const res = await direct(PODS, agent(), forged);
    expect(res.status).toBe(401);
  });

  it("with a cluster-CA client certificate are ignored: the certificate's own user is refused", async () => {
    const mallory = clientCert(dir, inject('clusterCa'), 'mallory', 'e2e-deploy-mallory');
    const res = await direct(PODS, agent(mallory), forged);
    expect(res.status).toBe(403);
    expect((res.body as Status).message).toContain('User "e2e-deploy-mallory" cannot list resource "pods"');
  });

  it('with a front-proxy-CA certificate whose name is not an allowed one are 401', async () => {
    const impostor = clientCert(dir, inject('frontProxyCa'), 'impostor', 'e2e-deploy-impostor');
    const res = await direct(PODS, agent(impostor), forged);
    expect(res.status).toBe(401);
  });

  it("are honoured from the aggregator's certificate, for the user they name (control)", async () => {
    const aggregator = clientCert(dir, inject('frontProxyCa'), 'aggregator', 'front-proxy-client');
    const res = await direct(PODS, agent(aggregator), { 'x-remote-user': NOBODY });
    expect(res.status).toBe(403);
    expect((res.body as Status).message).toContain(`User "${NOBODY}" cannot list resource "pods"`);
  });
});
