// Forwarding to upstream metrics servers, through the router: which requests go on, in what form,
// and how the discovery lists merge. The upstreams are stand-ins (UpstreamClient's own test talks
// HTTPS; test/e2e/keda-forwarding.test.ts forwards to the real KEDA).
import { describe, expect, it } from 'vitest';
import { createRouter } from '../../../proxy/apis/router.ts';
import { type ApiError, toStatus } from '../../../proxy/apis/status.ts';
import { parseAdapterConfig } from '../../../proxy/rules/config.ts';
import { compileUpstream } from '../../../proxy/rules/upstreams.ts';
import { type MetricsUpstream, UpstreamError } from '../../../proxy/upstream/client.ts';
import type { APIResource, APIResourceList } from '../../../shared/api-types.ts';
import { allowLive, stubBackend } from './fixtures.ts';

const EXTERNAL = 'external.metrics.k8s.io/v1beta1';

interface Stand {
  upstream: MetricsUpstream;
  calls: { path: string; query: string }[];
}

/** An upstream that answers every call with `answer` (or throws it) and lists `listed`. */
function stand(yaml: string, answer: unknown, listed: Record<string, APIResource[]> = {}): Stand {
  const [config] = parseAdapterConfig(`upstreams:\n- ${yaml}\n`).upstreams;
  if (!config) throw new Error('no upstream');
  const calls: Stand['calls'] = [];
  const route = compileUpstream(config);
  return {
    calls,
    upstream: {
      ...route,
      get: async (path, query) => {
        calls.push({ path, query });
        if (answer instanceof Error) throw answer;
        return { body: answer, warnings: ['from upstream'] };
      },
      resources: (gv) => listed[gv] ?? [],
    },
  };
}

const resource = (name: string): APIResource => ({
  name,
  singularName: '',
  namespaced: true,
  kind: 'ExternalMetricValueList',
  verbs: ['get'],
});

function route(path: string, ...upstreams: Stand[]) {
  const [pathname = '', query = ''] = path.split('?');
  const backend = stubBackend({ upstreams: upstreams.map((s) => s.upstream), samples: [] });
  return {
    backend,
    answer: createRouter(backend)({
      method: 'GET',
      path: pathname,
      query: new URLSearchParams(query),
      authorizeLive: allowLive,
    }),
  };
}

describe('forwarding to upstream metrics servers', () => {
  const keda = () =>
    stand(
      `{name: keda, url: "https://keda", metrics: ["^s[0-9]+-"]}`,
      { kind: 'ExternalMetricValueList', items: [] },
      {
        [EXTERNAL]: [resource('externalmetrics')],
      },
    );

  it('an external metric no rule serves goes to the upstream whose pattern matches, path and query as sent', async () => {
    const k = keda();
    const { answer, backend } = route(
      `/apis/${EXTERNAL}/namespaces/apps/s0-prometheus?labelSelector=scaledobject.keda.sh%2Fname%3Dworker`,
      k,
    );
    expect(await answer).toEqual({
      code: 200,
      body: { kind: 'ExternalMetricValueList', items: [] },
      warnings: ['from upstream'],
    });
    expect(k.calls).toEqual([
      {
        path: `/apis/${EXTERNAL}/namespaces/apps/s0-prometheus`,
        query: 'labelSelector=scaledobject.keda.sh%2Fname%3Dworker',
      },
    ]);
    expect(backend.queries).toEqual([]);
  });

  it('a metric a rule serves is ours, even when an upstream would take its name', async () => {
    const all = stand('{name: all, url: "https://all"}', {});
    const { answer, backend } = route(`/apis/${EXTERNAL}/namespaces/apps/jobs_processed_per_second`, all);
    // The stand-in Prometheus has no samples: our own 404, after our own query.
    expect(((await answer.catch((e: unknown) => e)) as ApiError).code).toBe(404);
    expect(backend.queries).toHaveLength(1);
    expect(all.calls).toEqual([]);
  });

  it('a name no rule and no upstream serves is our 404, naming the rules', async () => {
    const { answer } = route(`/apis/${EXTERNAL}/namespaces/apps/rabbitmq_depth`, keda());
    const e = (await answer.catch((err: unknown) => err)) as ApiError;
    expect(e.code).toBe(404);
    expect(e.message).toContain('no series in Prometheus gives an external metric named rabbitmq_depth');
  });

  it.each([
    // Served for pods by a rule: ours.
    ['/apis/custom.metrics.k8s.io/v1beta2/namespaces/apps/pods/*/http_requests_per_second', 0],
    // Served for pods cluster-wide only: still ours, and our message says which scope.
    ['/apis/custom.metrics.k8s.io/v1beta2/namespaces/apps/pods/*/standalone_per_second', 0],
    // No rule serves it for pods: the upstream's.
    ['/apis/custom.metrics.k8s.io/v1beta2/namespaces/apps/pods/*/queue_length', 1],
    ['/apis/custom.metrics.k8s.io/v1beta1/namespaces/apps/metrics/queue_length', 1],
  ])('custom %s: %i upstream call(s)', async (path, calls) => {
    const adapter = stand('{name: adapter, url: "https://adapter", groups: [custom.metrics.k8s.io]}', {
      kind: 'MetricValueList',
      items: [],
    });
    await route(path, adapter).answer.catch(() => undefined);
    expect(adapter.calls).toHaveLength(calls);
  });

  it('the first upstream in the configuration that serves the name answers', async () => {
    const first = stand('{name: first, url: "https://a", metrics: ["^s0-"]}', {});
    const second = stand('{name: second, url: "https://b"}', {});
    await route(`/apis/${EXTERNAL}/namespaces/apps/s0-cron`, first, second).answer;
    await route(`/apis/${EXTERNAL}/namespaces/apps/s1-cron`, first, second).answer;
    expect(first.calls.map((c) => c.path.split('/').pop())).toEqual(['s0-cron']);
    expect(second.calls.map((c) => c.path.split('/').pop())).toEqual(['s1-cron']);
  });

  it("an upstream's failure is answered as its Status, with its code", async () => {
    const denied = stand(
      '{name: keda, url: "https://keda"}',
      new UpstreamError(
        'upstream keda (https://keda): forbidden: User "system:serviceaccount:cmetrics:cmetrics" cannot get',
        403,
      ),
    );
    const e = await route(`/apis/${EXTERNAL}/namespaces/apps/s0-prometheus`, denied).answer.catch(
      (err: unknown) => err,
    );
    expect(toStatus(e)).toEqual({
      status: 403,
      message: expect.stringContaining('upstream keda (https://keda): forbidden'),
    });
    const gone = stand(
      '{name: keda, url: "https://keda"}',
      new UpstreamError('upstream keda (https://keda) is unreachable: ECONNREFUSED', 503),
    );
    const e2 = await route(`/apis/${EXTERNAL}/namespaces/apps/s0-prometheus`, gone).answer.catch(
      (err: unknown) => err,
    );
    expect(toStatus(e2)).toEqual({
      status: 503,
      message: expect.stringContaining('unreachable'),
      headers: { 'retry-after': '1' },
    });
  });

  it('discovery lists our metrics, then what each upstream listed that we do not', async () => {
    const k = keda();
    const dup = stand(
      '{name: dup, url: "https://dup"}',
      {},
      {
        [EXTERNAL]: [resource('cluster_queue_depth'), resource('s0-cron')],
      },
    );
    const { answer } = route(`/apis/${EXTERNAL}`, k, dup);
    const list = (await answer).body as APIResourceList;
    expect(list.resources.map((r) => r.name)).toEqual([
      'cluster_queue_depth',
      'jobs_processed_per_second',
      'externalmetrics',
      's0-cron',
    ]);
    expect(k.calls).toEqual([]);
  });

  it('custom discovery merges the group version asked for', async () => {
    const adapter = stand(
      '{name: adapter, url: "https://adapter", groups: [custom.metrics.k8s.io]}',
      {},
      {
        'custom.metrics.k8s.io/v1beta1': [resource('pods/queue_length')],
      },
    );
    const names = async (v: string) =>
      (
        (await route(`/apis/custom.metrics.k8s.io/${v}`, adapter).answer).body as APIResourceList
      ).resources.map((r) => r.name);
    expect(await names('v1beta1')).toContain('pods/queue_length');
    expect(await names('v1beta2')).not.toContain('pods/queue_length');
  });
});
