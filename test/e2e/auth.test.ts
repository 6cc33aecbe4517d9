// Delegated authentication and authorization against the real control plane: x509 users of the
// cluster CA and ServiceAccount tokens calling the proxy directly, users through the aggregator, and
// SubjectAccessReview following RBAC as it changes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Status } from '../../shared/api-types.ts';
import { clientCert } from '../harness/pki.ts';
import { direct, eventually, getRaw, kubectl, proxyAgent, routedRequests } from './helpers.ts';

const NAMESPACE = 'e2e-auth';
const CERT_USER = 'e2e-auth-carol';
const IMPERSONATED_USER = 'e2e-auth-dave';
const SERVICE_ACCOUNT = 'e2e-auth-sa';
const PODS = `/apis/metrics.k8s.io/v1beta1/namespaces/${NAMESPACE}/pods`;

const HPA_CONTROLLER = 'system:serviceaccount:kube-system:horizontal-pod-autoscaler';

let dir: string;
const agents: Agent[] = [];

function agent(client?: { cert: string; key: string }): Agent {
  const a = proxyAgent(client);
  agents.push(a);
  return a;
}

/** Grants `user` list on metrics.k8s.io pods in NAMESPACE. */
function grantPodMetrics(user: string): void {
  kubectl([
    'create',
    'rolebinding',
    `${user}-pod-metrics`,
    '-n',
    NAMESPACE,
    '--role=pod-metrics',
    `--user=${user}`,
  ]);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cmetrics-e2e-auth-'));
  kubectl(['create', 'namespace', NAMESPACE]);
  kubectl([
    'create',
    'role',
    'pod-metrics',
    '-n',
    NAMESPACE,
    '--verb=get,list',
    '--resource=pods.metrics.k8s.io',
  ]);
  kubectl(['create', 'serviceaccount', SERVICE_ACCOUNT, '-n', NAMESPACE]);
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.close()));
  kubectl(['delete', 'namespace', NAMESPACE, '--wait=false', '--ignore-not-found']);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('calling the proxy directly', () => {
  it('without credentials is 401', async () => {
    const res = await direct(PODS, agent());
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
  });

  it('with a cluster-CA client certificate is 403 without RBAC and 200 after a RoleBinding', async () => {
    const carol = agent(clientCert(dir, inject('clusterCa'), CERT_USER, CERT_USER, ['e2e-auth-team']));
    const denied = await direct(PODS, carol);
    expect(denied.status).toBe(403);
    expect((denied.body as Status).message).toContain(
      `User "${CERT_USER}" cannot list resource "pods" in API group "metrics.k8s.io" in the namespace "${NAMESPACE}"`,
    );
    grantPodMetrics(CERT_USER);
    // The deny is cached for 10 s.
    const allowed = await eventually(
      'the RoleBinding lets the certificate user list pod metrics',
      async () => {
        const res = await direct(PODS, carol);
        return res.status === 200 ? res : undefined;
      },
      30_000,
      1000,
    );
    expect(allowed.body.kind).toBe('PodMetricsList');
  });

  it('with a ServiceAccount token authenticates through TokenReview', async () => {
    const token = kubectl(['create', 'token', SERVICE_ACCOUNT, '-n', NAMESPACE]).trim();
    const sa = agent();
    const bearer = { authorization: `Bearer ${token}` };
    // Discovery is open to every authenticated user (system:discovery), pod metrics are not.
    expect((await direct('/apis/metrics.k8s.io/v1beta1', sa, bearer)).status).toBe(200);
    const denied = await direct(PODS, sa, bearer);
    expect(denied.status).toBe(403);
    expect((denied.body as Status).message).toContain(
      `User "system:serviceaccount:${NAMESPACE}:${SERVICE_ACCOUNT}" cannot list resource "pods"`,
    );
    const forged = await direct(PODS, sa, { authorization: `Bearer ${token.slice(0, -4)}AAAA` });
    expect(forged.status).toBe(401);
    expect((forged.body as Status).message).toContain('bearer token: the token was not accepted');
  });
});

describe('through the aggregator', () => {
  it('follows RBAC for an impersonated user', async () => {
    const asDave = [`--as=${IMPERSONATED_USER}`];
    const denied = getRaw(PODS, asDave);
    expect(denied.ok).toBe(false);
    expect(denied.ok ? '' : denied.stderr).toContain('Forbidden');
    grantPodMetrics(IMPERSONATED_USER);
    const allowed = await eventually(
      'the RoleBinding lets the impersonated user list pod metrics',
      () => {
        const r = getRaw<{ kind: string }>(PODS, asDave);
        return r.ok ? r.body : undefined;
      },
      30_000,
      1000,
    );
    expect(allowed.kind).toBe('PodMetricsList');
    // The proxy routed it for that user (not system:masters), so its SubjectAccessReview allowed it.
    expect((await routedRequests(IMPERSONATED_USER, PODS)).some((l) => l.includes('"code":200'))).toBe(true);
  });

  it.each([
    // As kubectl and the HPA send it.
    '/apis/custom.metrics.k8s.io/v1beta1/namespaces/default/pods/%2A/qps',
    '/apis/external.metrics.k8s.io/v1beta1/namespaces/default/external_requests_per_second',
    '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods',
  ])('lets the HPA controller (bootstrap RBAC) read %s', async (path) => {
    const r = getRaw(`${path}?labelSelector=app%3Dcustom-metrics-app`, [
      `--as=${HPA_CONTROLLER}`,
      '--as-group=system:serviceaccounts',
      '--as-group=system:serviceaccounts:kube-system',
    ]);
    // Whether the metric has data yet does not matter here, only that neither side refused.
    expect(r.ok ? '' : r.stderr).not.toContain('Forbidden');
    expect(await routedRequests(HPA_CONTROLLER, path)).not.toEqual([]);
  });
});
