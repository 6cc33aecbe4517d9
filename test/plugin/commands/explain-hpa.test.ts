import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnose, parseMetricPath, reproduce, runExplainHpa } from '../../../plugin/commands/explain-hpa.ts';
import type { ExplainSnapshot } from '../../../plugin/commands/hpa-snapshot.ts';
import type { RunContext } from '../../../plugin/commands/present.ts';
import { CliError } from '../../../plugin/errors.ts';
import type { Fetched } from '../../../plugin/hpa/snapshot.ts';
import type { Decision, MetricFailureCause } from '../../../plugin/hpa/types.ts';
import { ALL_GROUPS, fakeSession, type Routes } from './fake.ts';

const q = (path: string, query: Record<string, string>) => `${path}?${new URLSearchParams(query)}`;

describe('parseMetricPath and reproduce', () => {
  it.each<[string, string]>([
    [
      q('/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/pods/*/qps', {
        labelSelector: 'app=web',
        metricLabelSelector: 'api in (a,b)',
      }),
      "kubectl cmetrics get custom 'pods/*' qps -n shop -l app=web --metric-selector 'api in (a,b)'",
    ],
    [
      '/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/deployments.apps/web/queue',
      'kubectl cmetrics get custom deployments.apps/web queue -n shop',
    ],
    [
      '/apis/custom.metrics.k8s.io/v1beta1/namespaces/shop/metrics/temp',
      'kubectl cmetrics get custom namespaces/shop temp',
    ],
    [
      q('/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/queue_depth', { labelSelector: 'queue=jobs' }),
      'kubectl cmetrics get external queue_depth -n shop -l queue=jobs',
    ],
    [
      q('/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods', { labelSelector: 'app=web' }),
      'kubectl cmetrics get resource pods -n shop -l app=web',
    ],
  ])('%s', (path, command) => {
    expect(reproduce(parseMetricPath(path) as NonNullable<ReturnType<typeof parseMetricPath>>)).toBe(command);
  });

  it('knows no command for other paths', () => {
    expect(parseMetricPath('/api/v1/namespaces/shop/pods')).toBeUndefined();
    expect(reproduce(parseMetricPath('/apis/example.com/v1') as never)).toBeUndefined();
  });
});

const FAILED_PODS_PATH = q('/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/pods/*/qpz', {
  labelSelector: 'app=web',
});
const FAILED_EXTERNAL_PATH = q('/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/queue', {
  labelSelector: 'q=jobs',
});

/** A decision whose only metric failed with `cause`. */
function failedWith(cause: MetricFailureCause, name = 'qpz'): Decision {
  return {
    namespace: 'shop',
    metrics: [
      {
        index: 0,
        name,
        label: `pods metric ${name}`,
        failure: {
          reason: 'FailedGetPodsMetric',
          message: 'the HPA was unable to compute the replica count',
          cause,
        },
      },
    ],
  } as unknown as Decision;
}

const services = (available: boolean) => ({
  path: '/apis/apiregistration.k8s.io/v1/apiservices',
  body: {
    items: [
      {
        metadata: { name: 'v1beta2.custom.metrics.k8s.io' },
        spec: {
          group: 'custom.metrics.k8s.io',
          version: 'v1beta2',
          service: { namespace: 'cmetrics', name: 'cmetrics' },
        },
        status: {
          conditions: [
            available
              ? { type: 'Available', status: 'True' }
              : {
                  type: 'Available',
                  status: 'False',
                  reason: 'FailedDiscoveryCheck',
                  message: 'connection refused',
                },
          ],
        },
      },
    ],
  },
});

const discovery = (groupVersion: string, names: string[]) => ({
  [groupVersion]: {
    path: `/apis/${groupVersion}`,
    body: {
      kind: 'APIResourceList',
      groupVersion,
      resources: names.map((name) => ({ name, namespaced: true })),
    },
  },
});

const snapshotWith = (diagnosis: ExplainSnapshot['diagnosis']) =>
  ({
    scale: {
      path: '/apis/apps/v1/namespaces/shop/deployments/web/scale',
      body: { status: { selector: 'app=web' } },
    },
    diagnosis,
  }) as unknown as ExplainSnapshot;

describe('diagnose', () => {
  it.each<[string, MetricFailureCause, ExplainSnapshot['diagnosis'], string]>([
    [
      'forbidden: who may not do what, and that the controller has its own access',
      {
        kind: 'FetchFailed',
        path: FAILED_PODS_PATH,
        code: 403,
        message:
          'pods.custom.metrics.k8s.io "*" is forbidden: User "jane" cannot get resource "pods/qpz" in API group "custom.metrics.k8s.io" in the namespace "shop"',
      },
      undefined,
      'forbidden: user "jane" may not get pods.custom.metrics.k8s.io/qpz in namespace shop; ask a cluster administrator for a role that allows it (check: kubectl auth can-i get pods.custom.metrics.k8s.io --subresource=qpz -n shop); the controller has its own access: check it with kubectl cmetrics doctor',
    ],
    [
      'unavailable: the APIService condition and its fix',
      { kind: 'FetchFailed', path: FAILED_PODS_PATH, code: 503, message: 'service unavailable' },
      { apiServices: services(false) },
      'APIService v1beta2.custom.metrics.k8s.io is not available (FailedDiscoveryCheck: connection refused); fix service cmetrics/cmetrics, then check: kubectl get apiservice v1beta2.custom.metrics.k8s.io',
    ],
    [
      'unavailable while the APIService is Available: the server itself failed',
      {
        kind: 'FetchFailed',
        path: FAILED_PODS_PATH,
        code: 503,
        message: 'Prometheus at http://p:9090 is unreachable',
      },
      { apiServices: services(true) },
      "Prometheus at http://p:9090 is unreachable (HTTP 503): the APIService is Available, so its server failed to answer; check it with kubectl cmetrics doctor; see for yourself: kubectl cmetrics get custom 'pods/*' qpz -n shop -l app=web",
    ],
    [
      'a metric discovery does not list: the closest names',
      { kind: 'FetchFailed', path: FAILED_PODS_PATH, code: 404, message: 'no metric qpz' },
      discoveryOnly(discovery('custom.metrics.k8s.io/v1beta2', ['pods/qps', 'services/qps'])),
      'no metric "qpz" is served for pods by custom.metrics.k8s.io (closest: qps); see what is served: kubectl cmetrics list',
    ],
    [
      'a metric discovery lists, without a value for these pods',
      {
        kind: 'FetchFailed',
        path: FAILED_PODS_PATH,
        code: 404,
        message: 'Prometheus has no qpz for any of the 2 selected pods',
      },
      discoveryOnly(discovery('custom.metrics.k8s.io/v1beta2', ['pods/qpz'])),
      "Prometheus has no qpz for any of the 2 selected pods; qpz is listed by custom.metrics.k8s.io/v1beta2, but has no value for what the HPA asks: check that Prometheus has its series (repeat the call: kubectl cmetrics get custom 'pods/*' qpz -n shop -l app=web)",
    ],
    [
      'an external metric discovery does not list',
      { kind: 'FetchFailed', path: FAILED_EXTERNAL_PATH, code: 404, message: 'no metric queue' },
      discoveryOnly(discovery('external.metrics.k8s.io/v1beta1', ['queue_depth', 'queues'])),
      'no metric "queue" is served by external.metrics.k8s.io (closest: queue_depth, queues); see what is served: kubectl cmetrics list',
    ],
    [
      'a 404 without discovery: where to look',
      { kind: 'FetchFailed', path: FAILED_EXTERNAL_PATH, code: 404, message: 'not found' },
      undefined,
      'not found; see what is served: kubectl cmetrics list (repeat the call: kubectl cmetrics get external queue -n shop -l q=jobs)',
    ],
    [
      'a server error keeps its code, as explain.ts says it',
      { kind: 'FetchFailed', path: FAILED_PODS_PATH, code: 500, message: 'boom' },
      undefined,
      'boom (HTTP 500)',
    ],
    [
      'a server that cannot be reached',
      {
        kind: 'FetchFailed',
        path: FAILED_PODS_PATH,
        code: 0,
        message: 'cannot reach the Kubernetes API at https://k:6443: timeout',
      },
      undefined,
      'cannot reach the Kubernetes API at https://k:6443: timeout; check the cluster address in the kubeconfig (--kubeconfig, --context), or raise --request-timeout if it timed out',
    ],
    [
      'not requested although the scale has a selector: the metric selector is invalid',
      { kind: 'NotFetched' },
      undefined,
      "not requested: the metric's selector is invalid; correct the HPA's spec.metrics[0]",
    ],
    [
      'containers without requests: which pods and containers',
      {
        kind: 'MissingRequests',
        resource: 'cpu',
        pods: [
          { pod: 'web-1', containers: ['app', 'sidecar'] },
          { pod: 'web-2', containers: ['sidecar'] },
        ],
      },
      undefined,
      'a Utilization target needs a cpu request on every container; none is set in web-1 (app, sidecar), web-2 (sidecar): set resources.requests.cpu in the pod template, or use an AverageValue target',
    ],
    [
      'no pods',
      { kind: 'NoPods' },
      undefined,
      "the target's selector matches no pod; check: kubectl get pods -n shop -l app=web",
    ],
    [
      'only unready pods have values',
      { kind: 'NoReadyPodMetrics', unready: ['web-1'], ignored: ['web-0'] },
      undefined,
      'every pod with a value is unready or ignored (web-1, web-0): the controller waits for Ready pods; check them: kubectl get pods -n shop -l app=web',
    ],
    [
      'an answer without values',
      { kind: 'NoValues', path: FAILED_EXTERNAL_PATH },
      undefined,
      'the metrics API answered without a value the controller can use: check that Prometheus has series for qpz of these objects (repeat the call: kubectl cmetrics get external queue -n shop -l q=jobs)',
    ],
    [
      'an invalid spec',
      { kind: 'Invalid', message: 'target.averageValue is not a quantity' },
      undefined,
      "target.averageValue is not a quantity; correct the HPA's spec.metrics[0]",
    ],
  ])('%s', async (_what, cause, diagnosis, fix) => {
    expect(await diagnose(snapshotWith(diagnosis), failedWith(cause))).toEqual({ 0: fix });
  });

  it('has nothing to say about metrics that did not fail', async () => {
    expect(
      await diagnose(snapshotWith(undefined), {
        namespace: 'shop',
        metrics: [{ index: 0 }],
      } as unknown as Decision),
    ).toEqual({});
  });
});

function discoveryOnly(d: Record<string, Fetched<unknown>>): ExplainSnapshot['diagnosis'] {
  return { discovery: d };
}

describe('runExplainHpa', () => {
  const podsPath = q('/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/pods/*/qps', {
    labelSelector: 'app=web',
  });
  const readyPod = (name: string) => ({
    metadata: { name, namespace: 'shop', labels: { app: 'web' } },
    spec: { containers: [{ name: 'app' }] },
    status: {
      phase: 'Running',
      startTime: '2026-07-01T09:00:00Z',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-07-01T09:00:05Z' }],
    },
  });
  const value = (pod: string, v: string) => ({
    describedObject: { kind: 'Pod', namespace: 'shop', name: pod, apiVersion: '/v1' },
    metric: { name: 'qps', selector: null },
    timestamp: '2026-07-01T09:59:59Z',
    windowSeconds: 30,
    value: v,
  });
  const ROUTES: Routes = {
    ...ALL_GROUPS,
    '/version': { gitVersion: 'v1.37.2' },
    '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web': {
      metadata: { name: 'web', namespace: 'shop', uid: 'u1' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 1,
        maxReplicas: 10,
        metrics: [
          {
            type: 'Pods',
            pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '500m' } },
          },
        ],
      },
      status: { currentReplicas: 2, desiredReplicas: 4 },
    },
    '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers': { items: [] },
    '/apis/apps/v1': { resources: [{ name: 'deployments', kind: 'Deployment' }] },
    '/apis/apps/v1/namespaces/shop/deployments/web/scale': {
      spec: { replicas: 2 },
      status: { replicas: 2, selector: 'app=web' },
    },
    [q('/api/v1/namespaces/shop/events', {
      fieldSelector:
        'involvedObject.kind=HorizontalPodAutoscaler,involvedObject.name=web,involvedObject.uid=u1',
    })]: { items: [] },
    [q('/api/v1/namespaces/shop/pods', { labelSelector: 'app=web' })]: {
      items: [readyPod('web-1'), readyPod('web-2')],
    },
    [podsPath]: { kind: 'MetricValueList', items: [value('web-1', '1'), value('web-2', '600m')] },
  };

  function context(routes: Routes | undefined) {
    const out: string[] = [];
    const ctx: RunContext = {
      io: { out: (t) => out.push(t), err: (t) => out.push(`stderr: ${t}`), tty: false },
      signal: new AbortController().signal,
      session: async () => {
        if (!routes) throw new Error('no cluster in this test');
        return fakeSession(routes, 'shop').session;
      },
    };
    return { ctx, out };
  }

  const dir = mkdtempSync(join(tmpdir(), 'cmetrics-explain-'));

  it.each<['text' | 'json' | 'yaml']>([['text'], ['json'], ['yaml']])(
    'prints the same %s from a saved snapshot, without a cluster',
    async (format) => {
      const output = format === 'text' ? undefined : format;
      const file = join(dir, `web-${format}.json`);
      const live = context(ROUTES);
      expect(await runExplainHpa(live.ctx, { name: 'web', output, saveSnapshot: file })).toBe(0);
      const offline = context(undefined);
      expect(await runExplainHpa(offline.ctx, { name: '', output, fromSnapshot: file })).toBe(0);
      expect(offline.out).toEqual(live.out);
      expect(live.out.join('')).toContain(format === 'text' ? 'pods metric qps' : 'HPAExplanation');
    },
  );

  it('explains the decision: 800m average is 1.6× the target, so 4 replicas', async () => {
    const { ctx, out } = context(ROUTES);
    await runExplainHpa(ctx, { name: 'web', output: 'json' });
    const doc = JSON.parse(out.join(''));
    expect(doc.decision).toMatchObject({ currentReplicas: 2, desiredReplicas: 4, agreesWithStatus: true });
    expect(doc.decision.metrics[0]).toMatchObject({
      current: { averageValue: '800m' },
      ratio: 1.6,
      proposal: 4,
    });
  });

  it('lays the controller flags over the snapshot', async () => {
    const file = join(dir, 'web-flags.json');
    await runExplainHpa(context(ROUTES).ctx, { name: 'web', saveSnapshot: file, output: 'json' });
    const { ctx, out } = context(undefined);
    await runExplainHpa(ctx, { name: '', fromSnapshot: file, output: 'json', tolerance: 0.7 });
    const doc = JSON.parse(out.join(''));
    expect(doc.controller.tolerance).toBe(0.7);
    // 1.6 is within 1 ± 0.7: no change.
    expect(doc.decision.desiredReplicas).toBe(2);
  });

  it.each<[string, Parameters<typeof runExplainHpa>[1], string]>([
    ['no name and no snapshot', { name: '' }, 'name the HorizontalPodAutoscaler to explain'],
    [
      'both snapshot flags',
      { name: '', fromSnapshot: 'a.json', saveSnapshot: 'b.json' },
      '--from-snapshot reads a snapshot, --save-snapshot writes one: pass only one',
    ],
  ])('refuses %s', async (_what, args, message) => {
    await expect(runExplainHpa(context(undefined).ctx, args)).rejects.toThrow(message);
  });

  it('refuses a snapshot of another HPA than the one named', async () => {
    const file = join(dir, 'web-name.json');
    await runExplainHpa(context(ROUTES).ctx, { name: 'web', saveSnapshot: file });
    await expect(runExplainHpa(context(undefined).ctx, { name: 'api', fromSnapshot: file })).rejects.toThrow(
      new CliError(`${file} holds HPA web, not api; drop the name or pass that HPA's snapshot`),
    );
  });
});
