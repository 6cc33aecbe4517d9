import { describe, expect, it } from 'vitest';
import { renderTopWorkloads, type TopWorkloadsArgs } from '../../../plugin/commands/top-workloads.ts';
import { CliError } from '../../../plugin/errors.ts';
import { ALL_GROUPS, AT, fakeSession, qpsOfPod, type Routes, resourceList } from '../cluster/fake.ts';

const lines = (...rows: string[]) => rows.map((r) => `${r}\n`).join('');

const rs = (name: string) => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  name,
  uid: `rs-${name}`,
  controller: true,
});
const pod = (name: string, owner: string, cpu: string) => ({
  metadata: { name, namespace: 'shop', creationTimestamp: AT, ownerReferences: [rs(owner)] },
  spec: { containers: [{ name: 'app', resources: { requests: { cpu, memory: '100Mi' } } }] },
});
const usage = (name: string, cpu: string, memory: string) => ({
  metadata: { name, namespace: 'shop', creationTimestamp: AT },
  timestamp: AT,
  window: '30s',
  containers: [{ name: 'app', usage: { cpu, memory } }],
});
const value = (name: string, v: string) => qpsOfPod('shop', name, v);

const ROUTES: Routes = {
  ...ALL_GROUPS,
  ...resourceList('custom.metrics.k8s.io/v1beta2', ['pods/qps']),
  '/apis/apps/v1/namespaces/shop/deployments': {
    items: ['web', 'api', 'idle'].map((n) => ({ metadata: { name: n, namespace: 'shop', uid: `d-${n}` } })),
  },
  '/apis/apps/v1/namespaces/shop/replicasets': {
    items: ['web', 'api'].map((n) => ({
      metadata: {
        name: n,
        namespace: 'shop',
        uid: `rs-${n}`,
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'Deployment', name: n, uid: `d-${n}`, controller: true },
        ],
      },
    })),
  },
  '/api/v1/namespaces/shop/pods': {
    items: [
      pod('web-1', 'web', '100m'),
      pod('web-2', 'web', '100m'),
      pod('web-3', 'web', '100m'),
      pod('api-1', 'api', '1'),
    ],
  },
  '/apis/metrics.k8s.io/v1/namespaces/shop/pods': {
    items: [usage('web-1', '50m', '40Mi'), usage('web-2', '70m', '60Mi'), usage('api-1', '300m', '500Mi')],
  },
  '/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/pods/*/qps': {
    items: [value('web-1', '10'), value('web-2', '15'), value('api-1', '4')],
  },
};

const args = (a: Partial<TopWorkloadsArgs> = {}): TopWorkloadsArgs => ({
  allNamespaces: false,
  noHeaders: false,
  metric: [],
  requests: false,
  limits: false,
  ...a,
});

describe('top deployments', () => {
  it.each<[string, Partial<TopWorkloadsArgs>, string]>([
    [
      'the pods of each, added up, by name',
      {},
      lines(
        'NAME   PODS   CPU(cores)   MEMORY(bytes)   ',
        'api    1      300m         500Mi           ',
        'idle   0      0m           0Mi             ',
        'web    3      120m         100Mi           ',
      ),
    ],
    [
      'against the requests of the measured pods, with a metric summed and averaged, sorted by the average',
      { requests: true, metric: ['qps', 'qps:avg'], sortBy: 'qps' },
      lines(
        'NAME   PODS   CPU(cores)   MEMORY(bytes)   CPU(%REQ)   MEMORY(%REQ)   qps         qps(avg)    ',
        'web    3      120m         100Mi           60%         50%            25          12500m      ',
        'api    1      300m         500Mi           30%         500%           4           4           ',
        'idle   0      0m           0Mi             <none>      <none>         <unknown>   <unknown>   ',
      ),
    ],
    [
      'sorted by pods',
      { sortBy: 'pods', noHeaders: true },
      lines('web    3     120m   100Mi   ', 'api    1     300m   500Mi   ', 'idle   0     0m     0Mi     '),
    ],
  ])('%s', async (_what, a, expected) => {
    const { session } = fakeSession(ROUTES, 'shop');
    expect((await renderTopWorkloads(session, 'Deployment', args(a))).out).toBe(expected);
  });

  it('-o json: the sums in numbers', async () => {
    const { session } = fakeSession(ROUTES, 'shop');
    const { out } = await renderTopWorkloads(
      session,
      'Deployment',
      args({ output: 'json', metric: ['qps:avg'] }),
    );
    const web = JSON.parse(out).items.find((i: { name: string }) => i.name === 'web');
    expect(web).toMatchObject({
      pods: 3,
      measuredPods: ['web-1', 'web-2'],
      cpu: { millicores: 120, requests: '200m', percentOfRequests: 60 },
      metrics: { 'qps(avg)': '12500m' },
    });
  });

  it.each<[string, Partial<TopWorkloadsArgs>, string]>([
    [
      'a --metric of another form',
      { metric: ['qps:max'] },
      'invalid --metric "qps:max": use NAME, NAME:sum or NAME:avg',
    ],
    [
      'a --sort-by it has no column for',
      { sortBy: 'disk' },
      `invalid --sort-by "disk": sort by 'name', 'pods', 'cpu', 'memory', or add the metric to sort by with --metric NAME`,
    ],
  ])('refuses %s', async (_what, a, message) => {
    const { session } = fakeSession(ROUTES, 'shop');
    await expect(renderTopWorkloads(session, 'Deployment', args(a))).rejects.toThrow(new CliError(message));
  });

  it('names the workload it does not find', async () => {
    const { session } = fakeSession(
      {
        ...ROUTES,
        '/apis/apps/v1/namespaces/shop/deployments?fieldSelector=metadata.name%3Dwbe': { items: [] },
      },
      'shop',
    );
    await expect(renderTopWorkloads(session, 'Deployment', args({ name: 'wbe' }))).rejects.toThrow(
      new CliError('no Deployment "wbe" in namespace shop; list them with: kubectl get deployments -n shop'),
    );
  });
});
