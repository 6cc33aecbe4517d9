import { describe, expect, it } from 'vitest';
import { RequestFailed } from '../../../plugin/cluster/api.ts';
import {
  type GetCustomArgs,
  renderGetCustom,
  renderGetExternal,
  renderGetResource,
} from '../../../plugin/commands/get.ts';
import { CliError } from '../../../plugin/errors.ts';
import { ALL_GROUPS, AT, apis, fakeSession, resourceList, status } from '../cluster/fake.ts';

const lines = (...rows: string[]) => rows.map((r) => `${r}\n`).join('');
const CUSTOM = '/apis/custom.metrics.k8s.io/v1beta2';

const DISCOVERY = resourceList(
  'custom.metrics.k8s.io/v1beta2',
  ['pods/qps', 'services/http_requests', 'namespaces/qps', 'nodes/load', 'deployments.apps/queue'],
  ['namespaces', 'nodes'],
);

const valueList = (kind: string, names: string[], value: string, namespace?: string) => ({
  kind: 'MetricValueList',
  apiVersion: 'custom.metrics.k8s.io/v1beta2',
  metadata: {},
  items: names.map((name) => ({
    describedObject: { kind, ...(namespace ? { namespace } : {}), name, apiVersion: 'v1' },
    metric: { name: 'm', selector: null },
    timestamp: AT,
    windowSeconds: 60,
    value,
  })),
});

describe('get custom', () => {
  it.each<[string, Partial<GetCustomArgs>, string]>([
    [
      'every pod matching -l, with a metric selector',
      { target: 'pods/*', metric: 'qps', selector: 'app=web', metricSelector: 'verb=GET' },
      `${CUSTOM}/namespaces/default/pods/*/qps?labelSelector=app%3Dweb&metricLabelSelector=verb%3DGET`,
    ],
    [
      'one Service',
      { target: 'services/web', metric: 'http_requests' },
      `${CUSTOM}/namespaces/default/services/web/http_requests`,
    ],
    [
      'a Deployment',
      { target: 'deployments.apps/api', metric: 'queue' },
      `${CUSTOM}/namespaces/default/deployments.apps/api/queue`,
    ],
    [
      'a Namespace, through its own form',
      { target: 'namespaces/prod', metric: 'qps' },
      `${CUSTOM}/namespaces/prod/metrics/qps`,
    ],
    ['a node, without a namespace', { target: 'nodes/n1', metric: 'load' }, `${CUSTOM}/nodes/n1/load`],
  ])('%s', async (_name, a, path) => {
    const { session, rest } = fakeSession({
      ...ALL_GROUPS,
      ...DISCOVERY,
      [path]: valueList('Pod', ['x'], '1'),
    });
    await renderGetCustom(session, { target: '', metric: '', ...a });
    expect(rest.requests.at(-1)).toBe(path);
  });

  it('prints object, quantity, number, timestamp and window', async () => {
    const { session } = fakeSession({
      ...ALL_GROUPS,
      ...DISCOVERY,
      [`${CUSTOM}/namespaces/default/pods/*/qps`]: valueList('Pod', ['web-1', 'web-2'], '1500m', 'default'),
    });
    expect((await renderGetCustom(session, { target: 'pods/*', metric: 'qps' })).out).toBe(
      lines(
        'NAMESPACE   OBJECT      METRIC   VALUE   NUMBER   TIMESTAMP              WINDOW   ',
        'default     pod/web-1   m        1500m   1.5      2026-07-01T10:00:00Z   1m0s     ',
        'default     pod/web-2   m        1500m   1.5      2026-07-01T10:00:00Z   1m0s     ',
      ),
    );
  });

  it('reads v1beta1 items (metricName, window) from a server without v1beta2', async () => {
    const { session } = fakeSession({
      ...apis({ 'custom.metrics.k8s.io': ['v1beta1'] }),
      ...resourceList('custom.metrics.k8s.io/v1beta1', ['services/http_requests']),
      '/apis/custom.metrics.k8s.io/v1beta1/namespaces/default/services/web/http_requests': {
        kind: 'MetricValueList',
        apiVersion: 'custom.metrics.k8s.io/v1beta1',
        metadata: {},
        items: [
          {
            describedObject: { kind: 'Service', namespace: 'default', name: 'web', apiVersion: '/v1' },
            metricName: 'http_requests',
            selector: null,
            timestamp: AT,
            window: 30,
            value: '2',
          },
        ],
      },
    });
    const { out } = await renderGetCustom(session, { target: 'services/web', metric: 'http_requests' });
    expect(out.split('\n')[1]).toBe(
      'default     service/web   http_requests   2       2        2026-07-01T10:00:00Z   30s      ',
    );
  });

  it("-o json prints the API's own object", async () => {
    const body = valueList('Service', ['web'], '2', 'default');
    const { session } = fakeSession({
      ...ALL_GROUPS,
      ...DISCOVERY,
      [`${CUSTOM}/namespaces/default/services/web/http_requests`]: body,
    });
    const { out } = await renderGetCustom(session, {
      target: 'services/web',
      metric: 'http_requests',
      output: 'json',
    });
    expect(JSON.parse(out)).toEqual(body);
  });

  it.each<[string, Partial<GetCustomArgs>, string]>([
    ['no slash', { target: 'pods', metric: 'qps' }, '"pods" is not RESOURCE/NAME'],
    [
      'a selector for one object',
      { target: 'services/web', metric: 'http_requests', selector: 'a=b' },
      '-l/--selector picks objects for services/*',
    ],
    [
      'a singular resource',
      { target: 'service/web', metric: 'http_requests' },
      'metric "http_requests" is served for services, not for service (did you mean services?)',
    ],
  ])('refuses %s', async (_name, a, message) => {
    const { session } = fakeSession({ ...ALL_GROUPS, ...DISCOVERY });
    await expect(renderGetCustom(session, { target: '', metric: '', ...a })).rejects.toThrow(message);
  });
});

describe('get external', () => {
  const PATH = '/apis/external.metrics.k8s.io/v1beta1/namespaces/default/queue_depth';
  const BODY = {
    kind: 'ExternalMetricValueList',
    apiVersion: 'external.metrics.k8s.io/v1beta1',
    metadata: {},
    items: [
      {
        metricName: 'queue_depth',
        metricLabels: { queue: 'jobs', env: 'prod' },
        timestamp: AT,
        window: 60,
        value: '42',
      },
    ],
  };

  it('one row per series, labelled by its labels', async () => {
    const { session, rest } = fakeSession({ ...ALL_GROUPS, [`${PATH}?labelSelector=queue%3Djobs`]: BODY });
    const { out } = await renderGetExternal(session, { metric: 'queue_depth', selector: 'queue=jobs' });
    expect(out).toBe(
      lines(
        'LABELS                METRIC        VALUE   NUMBER   TIMESTAMP              WINDOW   ',
        'env=prod,queue=jobs   queue_depth   42      42       2026-07-01T10:00:00Z   1m0s     ',
      ),
    );
    // No discovery read when the request works: external servers need not list every metric.
    expect(rest.requests).toEqual(['/apis', `${PATH}?labelSelector=queue%3Djobs`]);
  });

  it('a 404 for a metric discovery does not list: the closest names', async () => {
    const { session } = fakeSession({
      ...ALL_GROUPS,
      ...resourceList('external.metrics.k8s.io/v1beta1', ['queue_depth', 'queue_age']),
    });
    await expect(renderGetExternal(session, { metric: 'queue_dept' })).rejects.toThrow(
      new CliError(
        'no metric "queue_dept" is served by external.metrics.k8s.io (closest: queue_depth); see what is served: kubectl cmetrics list',
      ),
    );
  });

  it("a 404 for a listed metric: the server's own message", async () => {
    const { session } = fakeSession({
      ...ALL_GROUPS,
      ...resourceList('external.metrics.k8s.io/v1beta1', ['queue_depth']),
      [PATH]: status(404, 'Prometheus has no queue_depth; query: sum(queue_depth)'),
    });
    await expect(renderGetExternal(session, { metric: 'queue_depth' })).rejects.toBeInstanceOf(RequestFailed);
  });
});

describe('get resource', () => {
  const POD = {
    metadata: { name: 'web-1', namespace: 'default', creationTimestamp: AT },
    timestamp: AT,
    window: '30s',
    containers: [{ name: 'app', usage: { cpu: '20500u', memory: '48Mi' } }],
  };

  it('pods, container by container, one row per resource', async () => {
    const { session } = fakeSession({
      ...ALL_GROUPS,
      '/apis/metrics.k8s.io/v1/pods': {
        kind: 'PodMetricsList',
        apiVersion: 'metrics.k8s.io/v1',
        metadata: {},
        items: [POD],
      },
    });
    const { out } = await renderGetResource(session, { kind: 'pods', allNamespaces: true });
    expect(out).toBe(
      lines(
        'NAMESPACE   OBJECT      CONTAINER   METRIC   VALUE   NUMBER     TIMESTAMP              WINDOW   ',
        'default     pod/web-1   app         cpu      21m     0.021      2026-07-01T10:00:00Z   30s      ',
        'default     pod/web-1   app         memory   48Mi    50331648   2026-07-01T10:00:00Z   30s      ',
      ),
    );
  });

  it("one node as yaml: the API's NodeMetrics", async () => {
    const node = {
      kind: 'NodeMetrics',
      apiVersion: 'metrics.k8s.io/v1',
      metadata: { name: 'n1', creationTimestamp: AT },
      timestamp: AT,
      window: '30s',
      usage: { cpu: '1', memory: '1Gi' },
    };
    const { session } = fakeSession({ ...ALL_GROUPS, '/apis/metrics.k8s.io/v1/nodes/n1': node });
    const { out } = await renderGetResource(session, {
      kind: 'nodes',
      name: 'n1',
      allNamespaces: false,
      output: 'yaml',
    });
    expect(out).toBe(
      lines(
        'apiVersion: metrics.k8s.io/v1',
        'kind: NodeMetrics',
        'metadata:',
        '  creationTimestamp: 2026-07-01T10:00:00Z',
        '  name: n1',
        'timestamp: 2026-07-01T10:00:00Z',
        'usage:',
        '  cpu: "1"',
        '  memory: 1Gi',
        'window: 30s',
      ),
    );
  });

  it('no pods: a notice, no table', async () => {
    const { session } = fakeSession({
      ...ALL_GROUPS,
      '/apis/metrics.k8s.io/v1/namespaces/default/pods': { items: [] },
    });
    expect(await renderGetResource(session, { kind: 'pods', allNamespaces: false })).toEqual({
      out: '',
      err: 'No resources found in default namespace.\n',
    });
  });
});
