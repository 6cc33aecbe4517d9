import { describe, expect, it } from 'vitest';
import type { NodeObject } from '../../../plugin/cluster/api.ts';
import { renderTopNodes, type TopNodesArgs } from '../../../plugin/commands/top-nodes.ts';
import type { NodeMetrics } from '../../../shared/api-types.ts';
import { ALL_GROUPS, AT, fakeSession, resourceList } from '../cluster/fake.ts';

const lines = (...rows: string[]) => rows.map((r) => `${r}\n`).join('');

const nodeMetrics = (name: string, cpu: string, memory: string): NodeMetrics => ({
  metadata: { name, creationTimestamp: AT },
  timestamp: AT,
  window: '30s',
  usage: { cpu, memory },
});
const node = (
  name: string,
  allocatable: Record<string, string>,
  capacity: Record<string, string>,
): NodeObject => ({
  metadata: { name },
  status: { allocatable, capacity },
});
const metricsList = (...items: NodeMetrics[]) => ({
  kind: 'NodeMetricsList',
  apiVersion: 'metrics.k8s.io/v1',
  metadata: {},
  items,
});

const NODE_METRICS = '/apis/metrics.k8s.io/v1/nodes';
const ROUTES = {
  ...ALL_GROUPS,
  [NODE_METRICS]: metricsList(nodeMetrics('n1', '500m', '1Gi')),
  '/api/v1/nodes': {
    items: [
      node('n1', { cpu: '2', memory: '4Gi' }, { cpu: '4', memory: '8Gi' }),
      node('n2', { cpu: '2', memory: '4Gi' }, { cpu: '4', memory: '8Gi' }),
    ],
  },
};

const args = (a: Partial<TopNodesArgs> = {}): TopNodesArgs => ({
  noHeaders: false,
  showCapacity: false,
  metric: [],
  ...a,
});

describe('top nodes', () => {
  it('percentages of allocatable, <unknown> for a node the metrics API does not know', async () => {
    const { session, rest } = fakeSession(ROUTES);
    const { out } = await renderTopNodes(session, args());
    expect(out).toBe(
      lines(
        'NAME   CPU(cores)   CPU(%)      MEMORY(bytes)   MEMORY(%)   ',
        'n1     500m         25%         1024Mi          25%         ',
        'n2     <unknown>    <unknown>   <unknown>       <unknown>   ',
      ),
    );
    expect(rest.requests).toEqual(['/apis', NODE_METRICS, '/api/v1/nodes']);
  });

  it('--show-capacity: percentages of capacity', async () => {
    const { session } = fakeSession(ROUTES);
    const { out } = await renderTopNodes(session, args({ showCapacity: true, noHeaders: true }));
    expect(out.split('\n')[0]).toBe('n1    500m        12%         1024Mi      12%         ');
  });

  it('one node, or a label selector, as kubectl asks for them', async () => {
    const { session, rest } = fakeSession({
      ...ALL_GROUPS,
      [`${NODE_METRICS}/n1`]: nodeMetrics('n1', '1', '1Gi'),
      '/api/v1/nodes/n1': node('n1', { cpu: '2', memory: '4Gi' }, {}),
      [`${NODE_METRICS}?labelSelector=zone%3Da`]: metricsList(nodeMetrics('n1', '1', '1Gi')),
      '/api/v1/nodes?labelSelector=zone%3Da': { items: [] },
    });
    await renderTopNodes(session, args({ name: 'n1' }));
    await renderTopNodes(session, args({ selector: 'zone=a' }));
    expect(rest.requests).toEqual([
      '/apis',
      `${NODE_METRICS}/n1`,
      '/api/v1/nodes/n1',
      `${NODE_METRICS}?labelSelector=zone%3Da`,
      '/api/v1/nodes?labelSelector=zone%3Da',
    ]);
  });

  it('--metric reads the custom metric of the nodes (cluster-scoped)', async () => {
    const { session, rest } = fakeSession({
      ...ROUTES,
      ...resourceList('custom.metrics.k8s.io/v1beta2', ['nodes/load'], ['nodes']),
      '/apis/custom.metrics.k8s.io/v1beta2/nodes/*/load': {
        kind: 'MetricValueList',
        apiVersion: 'custom.metrics.k8s.io/v1beta2',
        metadata: {},
        items: [
          {
            describedObject: { kind: 'Node', name: 'n2', apiVersion: 'v1' },
            metric: { name: 'load', selector: null },
            timestamp: AT,
            value: '2500m',
          },
        ],
      },
    });
    const { out } = await renderTopNodes(session, args({ metric: ['load'] }));
    expect(out).toBe(
      lines(
        'NAME   CPU(cores)   CPU(%)      MEMORY(bytes)   MEMORY(%)   load        ',
        'n1     500m         25%         1024Mi          25%         <unknown>   ',
        'n2     <unknown>    <unknown>   <unknown>       <unknown>   2500m       ',
      ),
    );
    expect(rest.requests).toContain('/apis/custom.metrics.k8s.io/v1beta2/nodes/*/load');
  });

  it('no node metrics at all is an error, as in kubectl', async () => {
    const { session } = fakeSession({ ...ALL_GROUPS, [NODE_METRICS]: metricsList() });
    await expect(renderTopNodes(session, args())).rejects.toThrow('metrics not available yet');
  });
});
