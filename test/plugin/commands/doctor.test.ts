import { describe, expect, it } from 'vitest';
import type { AccessReviewSpec } from '../../../plugin/cluster/api.ts';
import { doctorChecks } from '../../../plugin/commands/doctor.ts';
import type { Check } from '../../../plugin/printers/doctor.ts';
import type { APIService } from '../../../shared/api-types.ts';
import { fakeSession, type Routes, resourceList, status } from '../cluster/fake.ts';

const CONTROLLER = 'system:serviceaccount:kube-system:horizontal-pod-autoscaler';

function apiService(group: string, version: string, available: true | [string, string]): APIService {
  return {
    metadata: { name: `${version}.${group}` },
    spec: { group, version, service: { namespace: 'cmetrics', name: 'cmetrics' } },
    status: {
      conditions: [
        available === true
          ? { type: 'Available', status: 'True', reason: 'Passed' }
          : { type: 'Available', status: 'False', reason: available[0], message: available[1] },
      ],
    },
  };
}

const SERVICES = [
  apiService('metrics.k8s.io', 'v1beta1', true),
  apiService('custom.metrics.k8s.io', 'v1beta2', true),
  apiService('external.metrics.k8s.io', 'v1beta1', true),
  apiService('apps', 'v1', true),
];

type Review = { spec: AccessReviewSpec };
const allowAll = (_: Review) => ({ status: { allowed: true } });

/** A healthy cluster: every group served, with metrics, answering, and everyone allowed. */
const HEALTHY: Routes = {
  '/apis/apiregistration.k8s.io/v1/apiservices': { items: SERVICES },
  ...resourceList('metrics.k8s.io/v1beta1', ['nodes', 'pods']),
  ...resourceList('custom.metrics.k8s.io/v1beta2', ['pods/qps', 'services/http_requests']),
  ...resourceList('external.metrics.k8s.io/v1beta1', ['queue_depth']),
  '/apis/metrics.k8s.io/v1beta1/nodes': { items: [{}, {}] },
  '/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/pods/*/qps': { items: [{}] },
  '/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/queue_depth': { items: [{}, {}, {}] },
  'POST /apis/authorization.k8s.io/v1/subjectaccessreviews': allowAll,
  'POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews': allowAll,
};

const verdicts = (checks: Check[]) => checks.map((c) => `${c.verdict} ${c.title}`);
const find = (checks: Check[], title: string) => checks.find((c) => c.title.includes(title));

describe('doctor', () => {
  it('passes every check on a healthy cluster, and skips /readyz without --proxy-url', async () => {
    const { session } = fakeSession(HEALTHY, 'shop');
    const checks = await doctorChecks(session, { controllerUser: CONTROLLER });
    expect(verdicts(checks)).toEqual([
      'PASS APIService v1beta1.metrics.k8s.io is Available',
      'PASS APIService v1beta2.custom.metrics.k8s.io is Available',
      'PASS APIService v1beta1.external.metrics.k8s.io is Available',
      'PASS GET /apis/metrics.k8s.io/v1beta1 lists pods and nodes',
      'PASS GET /apis/custom.metrics.k8s.io/v1beta2 lists metrics',
      'PASS GET /apis/external.metrics.k8s.io/v1beta1 lists metrics',
      'PASS metrics.k8s.io/v1beta1: node usage is answered',
      'PASS custom.metrics.k8s.io/v1beta2: pods/* qps in namespace shop is answered',
      'PASS external.metrics.k8s.io/v1beta1: queue_depth in namespace shop is answered',
      'SKIP proxy /readyz',
      `PASS the HPA controller (${CONTROLLER}) may list pods.metrics.k8s.io in namespace shop`,
      `PASS the HPA controller (${CONTROLLER}) may get pods.custom.metrics.k8s.io in namespace shop`,
      `PASS the HPA controller (${CONTROLLER}) may list queue_depth.external.metrics.k8s.io in namespace shop`,
      'PASS you may list pods.metrics.k8s.io in namespace shop',
      'PASS you may get pods.custom.metrics.k8s.io in namespace shop',
      'PASS you may list queue_depth.external.metrics.k8s.io in namespace shop',
    ]);
    expect(find(checks, 'custom.metrics.k8s.io/v1beta2 lists')?.detail).toBe(
      '2: pods/qps, services/http_requests',
    );
    expect(find(checks, 'node usage')?.detail).toBe('2 nodes');
  });

  it.each<[string, Routes, string, Partial<Check>, number?]>([
    [
      'an APIService that is not Available: its condition, and what to fix',
      {
        '/apis/apiregistration.k8s.io/v1/apiservices': {
          items: [
            ...SERVICES.filter((s) => s.spec.group !== 'external.metrics.k8s.io'),
            apiService('external.metrics.k8s.io', 'v1beta1', [
              'FailedDiscoveryCheck',
              'failing or missing response from https://127.0.0.1:1: connection refused',
            ]),
          ],
        },
      },
      'APIService v1beta1.external.metrics.k8s.io is Available',
      {
        verdict: 'FAIL',
        detail:
          'FailedDiscoveryCheck: failing or missing response from https://127.0.0.1:1: connection refused',
        fix: 'fix service cmetrics/cmetrics, then check: kubectl get apiservice v1beta1.external.metrics.k8s.io',
      },
    ],
    [
      'a group no APIService registers',
      {
        '/apis/apiregistration.k8s.io/v1/apiservices': {
          items: SERVICES.filter((s) => s.spec.group !== 'metrics.k8s.io'),
        },
      },
      'an APIService registers metrics.k8s.io',
      {
        verdict: 'FAIL',
        fix: 'install cmetrics-proxy (with resourceRules) or metrics-server, then check: kubectl get apiservices | grep metrics.k8s.io',
      },
    ],
    [
      'discovery that lists no metric: the rules match no series',
      resourceList('custom.metrics.k8s.io/v1beta2', []),
      'GET /apis/custom.metrics.k8s.io/v1beta2 lists metrics',
      {
        verdict: 'FAIL',
        detail: 'the list is empty',
        fix: "no rule matches a series in Prometheus: run each rule's seriesQuery in Prometheus, and read the proxy's log",
      },
    ],
    [
      'Prometheus unreachable behind the proxy',
      {
        '/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/queue_depth': status(
          503,
          'Prometheus at http://127.0.0.1:9 is unreachable: connect ECONNREFUSED 127.0.0.1:9',
        ),
      },
      'queue_depth in namespace shop is answered',
      {
        verdict: 'FAIL',
        detail:
          'Prometheus at http://127.0.0.1:9 is unreachable: connect ECONNREFUSED 127.0.0.1:9 (service unavailable); try again, or check the API server',
      },
    ],
    [
      'a 404 is still an answer from Prometheus',
      {
        '/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/pods/*/qps': status(
          404,
          'Prometheus has no qps for any of the 2 selected pods; query: …',
        ),
      },
      'pods/* qps in namespace shop is answered',
      { verdict: 'PASS', detail: 'answered: Prometheus has no qps for any of the 2 selected pods; query: …' },
    ],
    [
      'the controller denied: a role and binding to create',
      {
        'POST /apis/authorization.k8s.io/v1/subjectaccessreviews': (r: Review) => ({
          status: { allowed: r.spec.resourceAttributes.group !== 'external.metrics.k8s.io' },
        }),
      },
      `the HPA controller (${CONTROLLER}) may list queue_depth.external.metrics.k8s.io in namespace shop`,
      {
        verdict: 'FAIL',
        detail: 'not allowed',
        fix: 'grant it: kubectl create clusterrole metrics-list-external --verb=list --resource=queue_depth.external.metrics.k8s.io && kubectl create clusterrolebinding metrics-list-external-hpa --clusterrole=metrics-list-external --serviceaccount=kube-system:horizontal-pod-autoscaler',
      },
    ],
    [
      'you denied: how to ask and check',
      {
        'POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews': (r: Review) => ({
          status: { allowed: r.spec.resourceAttributes.group !== 'metrics.k8s.io', reason: '' },
        }),
      },
      'you may list pods.metrics.k8s.io in namespace shop',
      {
        verdict: 'FAIL',
        fix: 'ask a cluster administrator for a role that allows it (check: kubectl auth can-i list pods.metrics.k8s.io -n shop)',
      },
    ],
    [
      'no right to ask about the controller',
      {
        'POST /apis/authorization.k8s.io/v1/subjectaccessreviews': status(
          403,
          'subjectaccessreviews.authorization.k8s.io is forbidden: User "jane" cannot create resource "subjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope',
        ),
      },
      `the HPA controller (${CONTROLLER}) may list pods.metrics.k8s.io in namespace shop`,
      {
        verdict: 'FAIL',
        detail:
          'cannot check: forbidden: user "jane" may not create subjectaccessreviews.authorization.k8s.io; ask a cluster administrator for a role that allows it (check: kubectl auth can-i create subjectaccessreviews.authorization.k8s.io)',
        fix: 'run doctor as a user who may create subjectaccessreviews',
      },
      3,
    ],
  ])('%s', async (_what, override, title, want, failures = want.verdict === 'FAIL' ? 1 : 0) => {
    const { session } = fakeSession({ ...HEALTHY, ...override }, 'shop');
    const checks = await doctorChecks(session, { controllerUser: CONTROLLER });
    expect(find(checks, title)).toMatchObject({ title: expect.stringContaining(title), ...want });
    // Only the checks that depend on what broke fail.
    expect(checks.filter((c) => c.verdict === 'FAIL')).toHaveLength(failures);
  });

  it('sends the controller user in SubjectAccessReviews, and none in SelfSubjectAccessReviews', async () => {
    const seen: string[] = [];
    const { session } = fakeSession(
      {
        ...HEALTHY,
        'POST /apis/authorization.k8s.io/v1/subjectaccessreviews': (r: Review) => {
          seen.push(
            `SAR ${r.spec.user} ${r.spec.resourceAttributes.verb} ${r.spec.resourceAttributes.group}`,
          );
          return { status: { allowed: true } };
        },
        'POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews': (r: Review) => {
          seen.push(
            `SSAR ${r.spec.user} ${r.spec.resourceAttributes.verb} ${r.spec.resourceAttributes.group}`,
          );
          return { status: { allowed: true } };
        },
      },
      'shop',
    );
    await doctorChecks(session, { controllerUser: 'system:kube-controller-manager' });
    expect(seen.sort()).toEqual([
      'SAR system:kube-controller-manager get custom.metrics.k8s.io',
      'SAR system:kube-controller-manager list external.metrics.k8s.io',
      'SAR system:kube-controller-manager list metrics.k8s.io',
      'SSAR undefined get custom.metrics.k8s.io',
      'SSAR undefined list external.metrics.k8s.io',
      'SSAR undefined list metrics.k8s.io',
    ]);
  });
});
