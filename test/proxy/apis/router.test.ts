import { describe, expect, it } from 'vitest';
import { type ApiAnswer, createRouter } from '../../../proxy/apis/router.ts';
import type { APIResourceList } from '../../../shared/api-types.ts';
import { allowLive, apiErrorOf, NOW, sample, stubBackend } from './fixtures.ts';

const GROUP = 'custom.metrics.k8s.io';
const EXTERNAL = 'external.metrics.k8s.io';

function get(path: string, method = 'GET', backend = stubBackend()): Promise<ApiAnswer> {
  const [pathname = '', query = ''] = path.split('?');
  return createRouter(backend)({
    method,
    path: pathname,
    query: new URLSearchParams(query),
    authorizeLive: allowLive,
  });
}

describe('discovery', () => {
  it.each(['/apis', '/apis/'])(
    '%s is the APIGroupList: custom (v1beta2 preferred), external and history',
    async (path) => {
      expect(await get(path)).toEqual({
        code: 200,
        body: {
          kind: 'APIGroupList',
          apiVersion: 'v1',
          groups: [
            {
              name: GROUP,
              versions: [
                { groupVersion: `${GROUP}/v1beta2`, version: 'v1beta2' },
                { groupVersion: `${GROUP}/v1beta1`, version: 'v1beta1' },
              ],
              preferredVersion: { groupVersion: `${GROUP}/v1beta2`, version: 'v1beta2' },
            },
            {
              name: EXTERNAL,
              versions: [{ groupVersion: `${EXTERNAL}/v1beta1`, version: 'v1beta1' }],
              preferredVersion: { groupVersion: `${EXTERNAL}/v1beta1`, version: 'v1beta1' },
            },
            {
              name: 'history.cmetrics.io',
              versions: [{ groupVersion: 'history.cmetrics.io/v1alpha1', version: 'v1alpha1' }],
              preferredVersion: { groupVersion: 'history.cmetrics.io/v1alpha1', version: 'v1alpha1' },
            },
          ],
        },
      });
    },
  );

  it('/apis/external.metrics.k8s.io/v1beta1 lists one resource per external metric', async () => {
    const resource = (name: string) => ({
      name,
      singularName: '',
      namespaced: true,
      kind: 'ExternalMetricValueList',
      verbs: ['get'],
    });
    expect(await get(`/apis/${EXTERNAL}/v1beta1`)).toEqual({
      code: 200,
      body: {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: `${EXTERNAL}/v1beta1`,
        resources: [resource('cluster_queue_depth'), resource('jobs_processed_per_second')],
      } satisfies APIResourceList,
    });
  });

  it('/apis/custom.metrics.k8s.io is the APIGroup', async () => {
    expect(await get(`/apis/${GROUP}`)).toEqual({
      code: 200,
      body: {
        kind: 'APIGroup',
        apiVersion: 'v1',
        name: GROUP,
        versions: [
          { groupVersion: `${GROUP}/v1beta2`, version: 'v1beta2' },
          { groupVersion: `${GROUP}/v1beta1`, version: 'v1beta1' },
        ],
        preferredVersion: { groupVersion: `${GROUP}/v1beta2`, version: 'v1beta2' },
      },
    });
  });

  it.each(['v1beta1', 'v1beta2'])(
    '/apis/custom.metrics.k8s.io/%s lists RESOURCE/METRIC pairs',
    async (version) => {
      const answer = await get(`/apis/${GROUP}/${version}`);
      const resource = (name: string, namespaced: boolean) => ({
        name,
        singularName: '',
        namespaced,
        kind: 'MetricValueList',
        verbs: ['get'],
      });
      expect(answer).toEqual({
        code: 200,
        body: {
          kind: 'APIResourceList',
          apiVersion: 'v1',
          groupVersion: `${GROUP}/${version}`,
          resources: [
            resource('deployments.apps/http_requests_per_second', true),
            resource('namespaces/http_requests_per_second', false),
            resource('nodes/node_interrupts_per_second', false),
            resource('pods/http_requests_per_second', true),
            resource('pods/standalone_per_second', false),
            resource('services/http_requests_per_second', true),
          ],
        } satisfies APIResourceList,
      });
    },
  );
});

describe('metric paths', () => {
  it('answers a metric with the version asked, and passes warnings on', async () => {
    const backend = stubBackend({
      names: ['web-1', 'web-2'],
      samples: [sample({ pod: 'web-1' }, 1), sample({ pod: 'web-2' }, Number.NaN)],
    });
    const answer = await get(
      `/apis/${GROUP}/v1beta1/namespaces/prod/pods/*/http_requests_per_second`,
      'GET',
      backend,
    );
    expect(answer.code).toBe(200);
    expect(answer.body).toMatchObject({ kind: 'MetricValueList', apiVersion: `${GROUP}/v1beta1` });
    expect((answer.body as { items: { metricName: string }[] }).items.map((i) => i.metricName)).toEqual([
      'http_requests_per_second',
    ]);
    expect(answer.warnings).toEqual(['pods/web-2: http_requests_per_second is NaN, left out']);
    expect(backend.queries.map((q) => q.timeMs)).toEqual([NOW]);
  });

  it('decodes percent-encoded segments and passes the query string', async () => {
    const backend = stubBackend({ names: ['web-1'], samples: [sample({ pod: 'web-1' }, 1)] });
    await get(
      `/apis/${GROUP}/v1beta2/namespaces/prod/pods/%2A/http_requests_per_second?labelSelector=app%3Dweb`,
      'GET',
      backend,
    );
    expect(backend.namesCalls).toEqual([
      { resource: 'pods', namespace: 'prod', selector: [{ key: 'app', operator: '=', values: ['web'] }] },
    ]);
  });

  it('answers an external metric with its labelSelector, and passes warnings on', async () => {
    const backend = stubBackend({
      samples: [sample({ queue: 'mail' }, 2), sample({ queue: 'bulk' }, Number.NaN)],
    });
    const answer = await get(
      `/apis/${EXTERNAL}/v1beta1/namespaces/prod/jobs_processed_per_second?labelSelector=queue%20in%20(mail,bulk)`,
      'GET',
      backend,
    );
    expect(answer.code).toBe(200);
    expect(answer.body).toMatchObject({
      kind: 'ExternalMetricValueList',
      items: [{ metricName: 'jobs_processed_per_second', metricLabels: { queue: 'mail' }, value: '2' }],
    });
    expect(answer.warnings).toEqual(['jobs_processed_per_second{queue="bulk"} is NaN, left out']);
    expect(backend.queries).toEqual([
      {
        expr: 'sum(rate(jobs_processed_total{namespace="prod",queue=~"bulk|mail"}[2m])) by (queue)',
        timeMs: NOW,
      },
    ]);
  });
});

describe('errors', () => {
  it.each<[string, number, string]>([
    ['/openapi/v2', 404, 'this server publishes no OpenAPI document'],
    ['/openapi/v3', 404, 'this server publishes no OpenAPI document'],
    ['/openapi/v3/apis/custom.metrics.k8s.io/v1beta2', 404, 'this server publishes no OpenAPI document'],
    ['/', 404, 'the server could not find the requested resource /'],
    ['/api', 404, 'the server could not find the requested resource /api'],
    ['/api/v1/pods', 404, 'the server could not find the requested resource /api/v1/pods'],
    ['/apis/metrics.k8s.io', 404, 'metrics.k8s.io is not served: the configuration has no resourceRules'],
    [`/apis/${EXTERNAL}/v1beta2`, 404, `${EXTERNAL} has no version v1beta2; served versions: v1beta1`],
    [
      `/apis/${EXTERNAL}/v1beta1/namespaces/prod`,
      404,
      `the server could not find the requested resource /apis/${EXTERNAL}/v1beta1/namespaces/prod`,
    ],
    [
      `/apis/${EXTERNAL}/v1beta1/namespaces/prod/nope`,
      404,
      'no series in Prometheus gives an external metric named nope',
    ],
    [`/apis/${GROUP}/v1`, 404, `${GROUP} has no version v1; served versions: v1beta2, v1beta1`],
    [
      `/apis/${GROUP}/v2beta1/pods`,
      404,
      `${GROUP} has no version v2beta1; served versions: v1beta2, v1beta1`,
    ],
    [
      `/apis/${GROUP}/v1beta2/namespaces/prod`,
      404,
      `the server could not find the requested resource /apis/${GROUP}/v1beta2/namespaces/prod`,
    ],
    [
      `/apis/${GROUP}/v1beta2/pods`,
      404,
      `the server could not find the requested resource /apis/${GROUP}/v1beta2/pods`,
    ],
    [`/apis/${GROUP}/v1beta2/namespaces/prod/widgets/w/m`, 404, 'the cluster serves no resource "widgets"'],
    [`/apis/${GROUP}/v1beta2/namespaces/prod/pods/%E0%A4%A/m`, 400, 'malformed percent-encoding in the path'],
    [`/apis/${GROUP}/v1beta2/namespaces/prod/pods/*/m?labelSelector=a%20in%20(`, 400, 'labelSelector:'],
    [
      `/apis/${GROUP}/v1beta2/namespaces/a%22b/pods/*/m`,
      400,
      'namespace "a\\"b" is not a valid namespace name',
    ],
    [`/apis/${EXTERNAL}/v1beta1/namespaces/Prod/m`, 400, 'namespace "Prod" is not a valid namespace name'],
    [`/apis/${EXTERNAL}/v1beta1/namespaces/${'a'.repeat(64)}/m`, 400, 'is not a valid namespace name'],
    [`/apis/${GROUP}/v1beta2/namespaces/de%00fault/metrics/m`, 400, 'is not a valid namespace name'],
    [
      `/apis//${GROUP}/v1beta2`,
      404,
      `the server could not find the requested resource /apis//${GROUP}/v1beta2`,
    ],
    [`//apis/${GROUP}/v1beta2`, 404, 'the server could not find the requested resource'],
    [`/apis/${GROUP}/v1beta2/namespaces//pods/*/m`, 404, 'the server could not find the requested resource'],
  ])('GET %s → %i', async (path, code, message) => {
    const err = await apiErrorOf(get(path));
    expect(err.code).toBe(code);
    expect(err.message).toContain(message);
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'])('%s → 405', async (method) => {
    const backend = stubBackend({ existing: ['prod/web-1'] });
    const err = await apiErrorOf(get(`/apis/${GROUP}/v1beta2/namespaces/prod/pods/web-1/m`, method, backend));
    expect(err.code).toBe(405);
    expect(err.message).toBe(`${method} is not allowed: the metrics APIs are read-only (use GET)`);
    expect(backend.existsCalls).toEqual([]);
  });
});
