// The chart never takes a group silently from another server: with KEDA's metrics server holding
// external.metrics.k8s.io (an APIService of its name, pointing at its Service), `helm install` of
// the chart against the real kube-apiserver fails naming it and changes nothing; installs with the
// takeover set or with external metrics left out succeed. And the proxy answers a group it has not
// registered, straight on its port. The release leaves the harness's own groups alone (resource
// and custom disabled, and history) and runs no pod (replicas 0): only the APIServices are under test.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HELM_CHART, recreatable } from '../harness/deploy.ts';
import { clientCert } from '../harness/pki.ts';
import { apiServiceAvailable, direct, kubectl, proxyAgent } from './helpers.ts';

const NAMESPACE = 'e2e-groups';
const RELEASE = 'groups';
const SERVICE = `${RELEASE}-cmetrics`;
const EXTERNAL = 'v1beta1.external.metrics.k8s.io';
const KEDA = { namespace: 'keda', name: 'keda-operator-metrics-apiserver', port: 443 };

interface APIService {
  metadata: { name: string; resourceVersion?: string; annotations?: Record<string, string> };
  spec: { service?: { namespace: string; name: string; port: number } };
}

const getApiService = () => JSON.parse(kubectl(['get', 'apiservice', EXTERNAL, '-o', 'json'])) as APIService;

function replaceApiService(object: unknown) {
  kubectl(['delete', 'apiservice', EXTERNAL, '--ignore-not-found']);
  kubectl(['create', '-f', '-'], JSON.stringify(object));
}

/** helm against the harness cluster, a failure as a result. */
function helm(args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(
    join(inject('binDir'), 'helm'),
    [...args, `--kubeconfig=${inject('kubeconfig')}`, `--namespace=${NAMESPACE}`],
    { encoding: 'utf8' },
  );
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

/** Installs the release registering external metrics only, with `args` more. */
const install = (args: string[] = []) =>
  helm([
    'install',
    RELEASE,
    HELM_CHART,
    '--set=replicas=0',
    '--set=podDisruptionBudget.enabled=false',
    '--set=apiServices.resource.enabled=false',
    '--set=apiServices.custom.enabled=false',
    '--set=apiServices.history.enabled=false',
    '--set=apiServices.external.enabled=true',
    ...args,
  ]);

const uninstall = () => helm(['uninstall', RELEASE, '--ignore-not-found', '--wait']);

/** What the release would leave in its namespace (the namespace's own root CA ConfigMap aside). */
const releaseObjects = () =>
  kubectl(['get', 'deployments,services,configmaps,serviceaccounts', '-n', NAMESPACE, '-o', 'name'])
    .split('\n')
    .filter((l) => l && l !== 'configmap/kube-root-ca.crt' && l !== 'serviceaccount/default');

let harnessExternal: ReturnType<typeof recreatable>;
const foreign = {
  apiVersion: 'apiregistration.k8s.io/v1',
  kind: 'APIService',
  metadata: { name: EXTERNAL },
  spec: {
    group: 'external.metrics.k8s.io',
    version: 'v1beta1',
    service: KEDA,
    insecureSkipTLSVerify: true,
    groupPriorityMinimum: 100,
    versionPriority: 100,
  },
};

beforeAll(() => {
  harnessExternal = recreatable(getApiService() as APIService & { metadata: Record<string, unknown> });
  kubectl(['create', 'namespace', NAMESPACE]);
  replaceApiService(foreign);
});

afterAll(async () => {
  uninstall();
  replaceApiService(harnessExternal);
  kubectl(['delete', 'namespace', NAMESPACE, '--ignore-not-found', '--wait=false']);
  await apiServiceAvailable(EXTERNAL);
});

describe('helm install beside KEDA holding external.metrics.k8s.io', () => {
  it('fails naming the owner and changes nothing', () => {
    const before = getApiService();
    const r = install();
    expect(r.ok).toBe(false);
    expect(r.out).toContain(
      'APIService v1beta1.external.metrics.k8s.io is served by keda/keda-operator-metrics-apiserver; set apiServices.external.takeOver=true to replace it',
    );
    expect(getApiService()).toEqual(before);
    expect(helm(['status', RELEASE]).out).toContain('release: not found');
    expect(releaseObjects()).toEqual([]);
  });

  it('with external metrics left out succeeds, and leaves KEDA its APIService', () => {
    const before = getApiService();
    const r = install(['--set=apiServices.external.enabled=false']);
    expect(r.out).toContain('Registered with the aggregator: none');
    expect(r.ok).toBe(true);
    expect(releaseObjects()).toContain(`service/${SERVICE}`);
    expect(getApiService()).toEqual(before);
    expect(uninstall().ok).toBe(true);
  });

  it('with apiServices.external.takeOver replaces it, once Helm may adopt the object', () => {
    // The chart lets it through; Helm itself still refuses an object another release or tool made.
    const unadopted = install(['--set=apiServices.external.takeOver=true']);
    expect(unadopted.ok).toBe(false);
    expect(unadopted.out).toContain('invalid ownership metadata');
    expect(getApiService().spec.service).toEqual(KEDA);

    const r = install(['--set=apiServices.external.takeOver=true', '--take-ownership']);
    expect(r.ok, r.out).toBe(true);
    const taken = getApiService();
    expect(taken.spec.service).toEqual({ namespace: NAMESPACE, name: SERVICE, port: 443 });
    expect(taken.metadata.annotations).toMatchObject({
      'meta.helm.sh/release-name': RELEASE,
      'meta.helm.sh/release-namespace': NAMESPACE,
    });
    // Now the release's own: an upgrade needs no takeover.
    const upgrade = helm([
      'upgrade',
      RELEASE,
      HELM_CHART,
      '--reuse-values',
      '--set=apiServices.external.takeOver=false',
    ]);
    expect(upgrade.ok, upgrade.out).toBe(true);
    expect(uninstall().ok).toBe(true);
  });
});

describe('a group the proxy serves but has not registered', () => {
  let dir: string;
  let agent: Agent;
  beforeAll(() => {
    replaceApiService(foreign);
    dir = mkdtempSync(join(tmpdir(), 'cmetrics-e2e-groups-'));
    agent = proxyAgent(clientCert(dir, inject('frontProxyCa'), 'aggregator', 'front-proxy-client'));
  });
  afterAll(async () => {
    await agent.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('still answers straight on its port', async () => {
    expect(getApiService().spec.service).toEqual(KEDA);
    const res = await direct('/apis/external.metrics.k8s.io/v1beta1', agent, {
      'x-remote-user': 'e2e-groups-admin',
      'x-remote-group': 'system:masters',
    });
    expect(res.status).toBe(200);
    expect(res.body.kind).toBe('APIResourceList');
  });
});
