import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { AccessReviewSpec } from '../../../plugin/cluster/api.ts';
import { doctorReport } from '../../../plugin/commands/doctor.ts';
import type { Check } from '../../../plugin/printers/doctor.ts';
import { selfSignedCertificate } from '../../../proxy/server/self-signed.ts';
import type { APIService } from '../../../shared/api-types.ts';
import { fakeSession, type Routes, resourceList, status } from '../cluster/fake.ts';

const CONTROLLER = 'system:serviceaccount:kube-system:horizontal-pod-autoscaler';

function apiService(
  group: string,
  version: string,
  available: true | [string, string],
  service = { namespace: 'cmetrics', name: 'cmetrics' },
): APIService {
  return {
    metadata: { name: `${version}.${group}` },
    spec: { group, version, service },
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
  '/apis/autoscaling/v2/horizontalpodautoscalers': { items: [] },
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
  it.each([
    // KEDA alone: nothing it would answer without a ScaledObject's selector.
    [['externalmetrics'], undefined],
    // cmetrics passing KEDA's on: ours first, then KEDA's.
    [['queue_depth', 'externalmetrics', 's0-prometheus'], 'queue_depth'],
    [['s0-prometheus', 'queue_depth'], 'queue_depth'],
  ])('asks for an external metric KEDA would not refuse (listed %j: %s)', async (names, asked) => {
    const { session } = fakeSession(
      { ...HEALTHY, ...resourceList('external.metrics.k8s.io/v1beta1', names) },
      'shop',
    );
    const { checks } = await doctorReport(session, { controllerUser: CONTROLLER });
    const titles = verdicts(checks).filter((t) => t.includes('external.metrics.k8s.io/v1beta1:'));
    expect(titles).toEqual(
      asked ? [`PASS external.metrics.k8s.io/v1beta1: ${asked} in namespace shop is answered`] : [],
    );
  });

  it('passes every check on a healthy cluster, and skips /readyz without --proxy-url', async () => {
    const { session } = fakeSession(HEALTHY, 'shop');
    const { checks } = await doctorReport(session, { controllerUser: CONTROLLER });
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

  it('shows who serves each group version: cmetrics everywhere, no HPA yet', async () => {
    const { session } = fakeSession(HEALTHY, 'shop');
    const { neighbours } = await doctorReport(session, { controllerUser: CONTROLLER });
    expect(neighbours).toEqual([
      { groupVersion: 'metrics.k8s.io/v1', servedBy: undefined, available: undefined, hpas: [] },
      {
        groupVersion: 'metrics.k8s.io/v1beta1',
        servedBy: 'cmetrics (cmetrics/cmetrics)',
        available: 'True',
        hpas: [],
      },
      {
        groupVersion: 'custom.metrics.k8s.io/v1beta2',
        servedBy: 'cmetrics (cmetrics/cmetrics)',
        available: 'True',
        hpas: [],
      },
      { groupVersion: 'custom.metrics.k8s.io/v1beta1', servedBy: undefined, available: undefined, hpas: [] },
      {
        groupVersion: 'external.metrics.k8s.io/v1beta1',
        servedBy: 'cmetrics (cmetrics/cmetrics)',
        available: 'True',
        hpas: [],
      },
    ]);
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
    const { checks } = await doctorReport(session, { controllerUser: CONTROLLER });
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
    await doctorReport(session, { controllerUser: 'system:kube-controller-manager' });
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

const METRICS_SERVER = { namespace: 'kube-system', name: 'metrics-server' };
const KEDA = { namespace: 'keda', name: 'keda-operator-metrics-apiserver' };
const ADAPTER = { namespace: 'monitoring', name: 'prometheus-adapter' };

type Metric = Record<string, unknown>;
const cpu: Metric = {
  type: 'Resource',
  resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } },
};
const qps: Metric = {
  type: 'Pods',
  pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } },
};
const external = (name: string): Metric => ({
  type: 'External',
  external: { metric: { name }, target: { type: 'AverageValue', averageValue: '5' } },
});

function hpa(name: string, metrics: Metric[], namespace = 'shop') {
  return {
    metadata: { name, namespace },
    spec: { scaleTargetRef: { kind: 'Deployment', name, apiVersion: 'apps/v1' }, maxReplicas: 5, metrics },
  };
}

/** APIServices with priorities, as their servers register them. */
function registered(...services: [string, string, { namespace: string; name: string }, number][]): Routes {
  return {
    '/apis/apiregistration.k8s.io/v1/apiservices': {
      items: services.map(([group, version, service, priority]) => {
        const a = apiService(group, version, true, service);
        a.spec.versionPriority = priority;
        return a;
      }),
    },
  };
}

/** What the checks say of coexistence (the lines this test file adds to doctor). */
const coexistence = (checks: Check[]) =>
  checks.filter((c) => /one server|which HPAs read|KEDA's HPAs|HPAs of every namespace/.test(c.title));

const HPAS = '/apis/autoscaling/v2/horizontalpodautoscalers';

describe('doctor beside metrics-server, KEDA and prometheus-adapter', () => {
  it('names each server and the HPAs each serves, and finds nothing wrong when each owns a group', async () => {
    const { session } = fakeSession(
      {
        ...HEALTHY,
        ...registered(
          ['metrics.k8s.io', 'v1beta1', METRICS_SERVER, 100],
          ['custom.metrics.k8s.io', 'v1beta1', { namespace: 'cmetrics', name: 'cmetrics' }, 100],
          ['custom.metrics.k8s.io', 'v1beta2', { namespace: 'cmetrics', name: 'cmetrics' }, 200],
          ['external.metrics.k8s.io', 'v1beta1', KEDA, 100],
        ),
        ...resourceList('custom.metrics.k8s.io/v1beta1', ['pods/qps']),
        [HPAS]: {
          items: [
            hpa('web', [cpu, qps]),
            hpa('orders', [qps]),
            { ...hpa('keda-hpa-worker', [external('s0-prometheus')]) },
          ],
        },
      },
      'shop',
    );
    const report = await doctorReport(session, { controllerUser: CONTROLLER });
    expect(
      report.neighbours.map(
        (n) => `${n.groupVersion} | ${n.servedBy ?? '-'} | ${n.available ?? '-'} | ${n.hpas.join(' ')}`,
      ),
    ).toEqual([
      'metrics.k8s.io/v1 | - | - | ',
      'metrics.k8s.io/v1beta1 | metrics-server (kube-system/metrics-server) | True | shop/web',
      'custom.metrics.k8s.io/v1beta2 | cmetrics (cmetrics/cmetrics) | True | shop/web shop/orders',
      'custom.metrics.k8s.io/v1beta1 | cmetrics (cmetrics/cmetrics) | True | ',
      'external.metrics.k8s.io/v1beta1 | KEDA (keda/keda-operator-metrics-apiserver) | True | shop/keda-hpa-worker',
    ]);
    expect(coexistence(report.checks)).toEqual([]);
  });

  it.each<[string, Routes, Partial<Check>[]]>([
    [
      'custom.metrics.k8s.io half-migrated: v1beta1 by prometheus-adapter, v1beta2 by cmetrics',
      {
        ...registered(
          ['metrics.k8s.io', 'v1beta1', METRICS_SERVER, 100],
          ['custom.metrics.k8s.io', 'v1beta1', ADAPTER, 100],
          ['custom.metrics.k8s.io', 'v1beta2', { namespace: 'cmetrics', name: 'cmetrics' }, 200],
        ),
        ...resourceList('custom.metrics.k8s.io/v1beta1', ['pods/qps']),
        [HPAS]: { items: [hpa('orders', [qps])] },
      },
      [
        {
          title: 'custom.metrics.k8s.io has one server for all its versions',
          verdict: 'FAIL',
          detail:
            'half-migrated: v1beta1 by prometheus-adapter (monitoring/prometheus-adapter), v1beta2 by cmetrics (cmetrics/cmetrics); the HPA controller reads v1beta2 for shop/orders (Pods qps)',
          fix: 'register v1beta1.custom.metrics.k8s.io with cmetrics too (Helm --set apiServices.custom.enabled=true,apiServices.custom.takeOver=true --take-ownership, or kustomize components/custom-metrics); or go back: point v1beta2.custom.metrics.k8s.io at prometheus-adapter (monitoring/prometheus-adapter) again (its spec.service and spec.caBundle)',
        },
      ],
    ],
    [
      'metrics.k8s.io half-migrated the other way: the HPA reads v1beta1 from metrics-server, kubectl top v1 from cmetrics',
      {
        ...registered(
          ['metrics.k8s.io', 'v1beta1', METRICS_SERVER, 100],
          ['metrics.k8s.io', 'v1', { namespace: 'cmetrics', name: 'cmetrics' }, 200],
          ['custom.metrics.k8s.io', 'v1beta2', { namespace: 'cmetrics', name: 'cmetrics' }, 200],
        ),
        ...resourceList('metrics.k8s.io/v1', ['nodes', 'pods']),
        [HPAS]: { items: [hpa('web', [cpu])] },
      },
      [
        {
          title: 'metrics.k8s.io has one server for all its versions',
          detail:
            'half-migrated: v1beta1 by metrics-server (kube-system/metrics-server), v1 by cmetrics (cmetrics/cmetrics); the HPA controller reads v1beta1 for shop/web (Resource cpu)',
          fix: "remove v1.metrics.k8s.io, which metrics-server (kube-system/metrics-server) does not serve (kubectl delete apiservice v1.metrics.k8s.io; where cmetrics' chart registered it, helm upgrade with --set apiServices.resource.enabled=false); or go back: point v1beta1.metrics.k8s.io at cmetrics (cmetrics/cmetrics) again (its spec.service and spec.caBundle)",
        },
      ],
    ],
    [
      'an HPA reading external metrics, which no APIService registers',
      {
        ...registered(
          ['metrics.k8s.io', 'v1beta1', METRICS_SERVER, 100],
          ['custom.metrics.k8s.io', 'v1beta2', { namespace: 'cmetrics', name: 'cmetrics' }, 200],
        ),
        [HPAS]: { items: [hpa('worker', [cpu, external('queue_depth')], 'jobs')] },
      },
      [
        {
          title: 'an APIService registers external.metrics.k8s.io/v1beta1, which HPAs read',
          verdict: 'FAIL',
          detail: 'jobs/worker (External queue_depth)',
          fix: 'register external.metrics.k8s.io/v1beta1 with cmetrics (Helm --set apiServices.external.enabled=true,apiServices.external.takeOver=true --take-ownership, or kustomize components/external-metrics) or install KEDA (for ScaledObjects), then check: kubectl get apiservices | grep external.metrics.k8s.io',
        },
      ],
    ],
    [
      'an HPA reading cpu while only v1.metrics.k8s.io is registered: the controller asks for v1beta1',
      {
        ...registered(
          ['metrics.k8s.io', 'v1', { namespace: 'cmetrics', name: 'cmetrics' }, 200],
          ['custom.metrics.k8s.io', 'v1beta2', { namespace: 'cmetrics', name: 'cmetrics' }, 200],
          ['external.metrics.k8s.io', 'v1beta1', { namespace: 'cmetrics', name: 'cmetrics' }, 100],
        ),
        ...resourceList('metrics.k8s.io/v1', ['nodes', 'pods']),
        '/apis/metrics.k8s.io/v1/nodes': { items: [{}] },
        [HPAS]: { items: [hpa('web', [cpu])] },
      },
      [
        {
          title: 'an APIService registers metrics.k8s.io/v1beta1, which HPAs read',
          detail:
            'shop/web (Resource cpu); v1.metrics.k8s.io is registered, but the HPA controller asks for v1beta1',
        },
      ],
    ],
    [
      "KEDA's HPAs reading external metrics from cmetrics, which took the group",
      {
        [HPAS]: {
          items: [
            {
              ...hpa('worker-scaler', [external('s0-rabbitmq-orders')]),
              metadata: {
                name: 'worker-scaler',
                namespace: 'shop',
                labels: { 'app.kubernetes.io/managed-by': 'keda-operator' },
              },
            },
          ],
        },
      },
      [
        {
          title: "KEDA's HPAs read external.metrics.k8s.io from KEDA",
          verdict: 'FAIL',
          detail:
            "shop/worker-scaler read it from cmetrics (cmetrics/cmetrics), which does not serve KEDA's metrics",
          fix: "give v1beta1.external.metrics.k8s.io back to KEDA, which serves its ScaledObjects' metrics: upgrade KEDA's release (it registers the APIService again), and where cmetrics took it, helm upgrade cmetrics --set apiServices.external.enabled=false",
        },
      ],
    ],
    [
      'HPAs that cannot be listed: a skip, the table without them',
      {
        [HPAS]: status(
          403,
          'horizontalpodautoscalers.autoscaling is forbidden: User "jane" cannot list resource "horizontalpodautoscalers" in API group "autoscaling" at the cluster scope',
        ),
      },
      [
        {
          title: 'the HPAs of every namespace can be listed',
          verdict: 'SKIP',
        },
      ],
    ],
  ])('%s', async (_what, override, want) => {
    const { session } = fakeSession({ ...HEALTHY, ...override }, 'shop');
    const { checks } = await doctorReport(session, { controllerUser: CONTROLLER });
    expect(coexistence(checks)).toEqual(want.map((w) => expect.objectContaining(w)));
  });

  it('knows KEDA by its metric names when its Service has another name', async () => {
    const { session } = fakeSession(
      {
        ...HEALTHY,
        ...registered([
          'external.metrics.k8s.io',
          'v1beta1',
          { namespace: 'scalers', name: 'metrics-apiserver' },
          100,
        ]),
        ...resourceList('external.metrics.k8s.io/v1beta1', ['s0-prometheus', 's1-cron']),
      },
      'shop',
    );
    const { neighbours } = await doctorReport(session, { controllerUser: CONTROLLER });
    expect(neighbours.find((n) => n.groupVersion === 'external.metrics.k8s.io/v1beta1')?.servedBy).toBe(
      'KEDA (scalers/metrics-apiserver)',
    );
  });

  describe('/readyz with --proxy-url, trusting the APIService caBundle for its Service name', () => {
    // Named only for the Service: the check must ask for that name.
    const tls = selfSignedCertificate(['cmetrics.cmetrics.svc']);
    const withCa = SERVICES.map(
      (a): APIService => ({
        ...a,
        spec: { ...a.spec, caBundle: Buffer.from(tls.caPem).toString('base64') },
      }),
    );
    /** doctor's readyz check against a local server answering `status` and `body`. */
    async function readyz(status: number, body: string, services = withCa): Promise<Check | undefined> {
      const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
        res.writeHead(req.url === '/readyz' ? status : 404).end(body);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = server.address() as AddressInfo;
        const { session } = fakeSession(
          { ...HEALTHY, '/apis/apiregistration.k8s.io/v1/apiservices': { items: services } },
          'shop',
        );
        const report = await doctorReport(session, {
          controllerUser: CONTROLLER,
          proxyUrl: `https://127.0.0.1:${port}/ignored`,
        });
        return find(report.checks, 'proxy /readyz');
      } finally {
        server.close();
      }
    }

    it('passes with the checks it lists', async () => {
      expect(await readyz(200, '[+]prometheus ok\n[+]config ok\nreadyz check passed\n')).toEqual({
        title: 'proxy /readyz',
        verdict: 'PASS',
        detail: '[+]prometheus ok; [+]config ok',
      });
    });

    it('fails with the failed checks', async () => {
      expect(
        await readyz(500, '[+]config ok\n[-]prometheus failed: connection refused\nreadyz check failed\n'),
      ).toMatchObject({ verdict: 'FAIL', detail: 'HTTP 500: [-]prometheus failed: connection refused' });
    });

    it('fails, saying why, when the certificate is not trusted', async () => {
      const check = await readyz(200, 'ok', SERVICES);
      expect(check).toMatchObject({ verdict: 'FAIL' });
      expect(check?.detail).toMatch(/^cannot read https:\/\/127\.0\.0\.1:\d+\/readyz: /);
    });

    it('refuses a URL that is not http(s)', async () => {
      const { session } = fakeSession(HEALTHY, 'shop');
      await expect(
        doctorReport(session, { controllerUser: CONTROLLER, proxyUrl: 'localhost:8443' }),
      ).rejects.toThrow('invalid --proxy-url "localhost:8443": use https://HOST:PORT');
    });
  });
});
