import { describe, expect, it } from 'vitest';
import type { OwnerReference, PodObject } from '../../../plugin/cluster/api.ts';
import { fetchWorkloads, type WorkloadKind } from '../../../plugin/cluster/workloads.ts';
import { AT, fakeSession, type Routes } from './fake.ts';

const ref = (kind: string, name: string, controller = true): OwnerReference => ({
  apiVersion: kind === 'Job' ? 'batch/v1' : 'apps/v1',
  kind,
  name,
  uid: `uid-${kind}-${name}`,
  controller,
});
const object = (kind: string, name: string, owner?: OwnerReference) => ({
  metadata: {
    name,
    namespace: 'shop',
    uid: `uid-${kind}-${name}`,
    ...(owner ? { ownerReferences: [owner] } : {}),
  },
});
const pod = (name: string, ...owners: OwnerReference[]): PodObject => ({
  metadata: { name, namespace: 'shop', creationTimestamp: AT, ownerReferences: owners },
  spec: { containers: [{ name: 'app' }] },
});

const PODS: PodObject[] = [
  pod('web-a-1', ref('ReplicaSet', 'web-a')),
  pod('web-b-1', ref('ReplicaSet', 'web-b')),
  pod('web-b-2', ref('ReplicaSet', 'web-b')),
  // A ReplicaSet of its own, no Deployment above it.
  pod('lone-1', ref('ReplicaSet', 'lone')),
  pod('db-0', ref('StatefulSet', 'db')),
  pod('agent-x', ref('DaemonSet', 'agent')),
  pod('backup-1', ref('Job', 'backup')),
  { ...pod('backup-0', ref('Job', 'backup')), status: { phase: 'Failed' } },
  { ...pod('web-a-0', ref('ReplicaSet', 'web-a')), status: { phase: 'Succeeded' } },
  // Owned but not controlled: nobody's.
  pod('adopted', ref('StatefulSet', 'db', false)),
  pod('bare'),
];

const routes: Routes = {
  '/api/v1/namespaces/shop/pods': { items: PODS },
  '/apis/apps/v1/namespaces/shop/replicasets': {
    items: [
      object('ReplicaSet', 'web-a', ref('Deployment', 'web')),
      object('ReplicaSet', 'web-b', ref('Deployment', 'web')),
      object('ReplicaSet', 'lone'),
    ],
  },
  '/apis/apps/v1/namespaces/shop/deployments': {
    items: [object('Deployment', 'web'), object('Deployment', 'idle')],
  },
  '/apis/apps/v1/namespaces/shop/statefulsets': { items: [object('StatefulSet', 'db')] },
  '/apis/apps/v1/namespaces/shop/daemonsets': { items: [object('DaemonSet', 'agent')] },
  '/apis/batch/v1/namespaces/shop/jobs': { items: [object('Job', 'backup')] },
};

describe('fetchWorkloads rolls pods up through controller owner references', () => {
  it.each<[WorkloadKind, Record<string, string[]>, string[]]>([
    [
      'Deployment',
      { web: ['web-a-1', 'web-b-1', 'web-b-2'], idle: [] },
      [
        '/apis/apps/v1/namespaces/shop/deployments',
        '/api/v1/namespaces/shop/pods',
        '/apis/apps/v1/namespaces/shop/replicasets',
      ],
    ],
    [
      'StatefulSet',
      { db: ['db-0'] },
      ['/apis/apps/v1/namespaces/shop/statefulsets', '/api/v1/namespaces/shop/pods'],
    ],
    [
      'DaemonSet',
      { agent: ['agent-x'] },
      ['/apis/apps/v1/namespaces/shop/daemonsets', '/api/v1/namespaces/shop/pods'],
    ],
    [
      'Job',
      { backup: ['backup-1'] },
      ['/apis/batch/v1/namespaces/shop/jobs', '/api/v1/namespaces/shop/pods'],
    ],
  ])('%s', async (kind, owned, requests) => {
    const { session, rest } = fakeSession(routes, 'shop');
    const workloads = await fetchWorkloads(session.api, kind, { namespace: 'shop' });
    expect(Object.fromEntries(workloads.map((w) => [w.name, w.pods.map((p) => p.metadata.name)]))).toEqual(
      owned,
    );
    expect(rest.requests).toEqual(requests);
  });

  it('lists the workloads with the label selector and the name asked for', async () => {
    const { session, rest } = fakeSession(
      {
        ...routes,
        '/apis/apps/v1/namespaces/shop/deployments?labelSelector=team%3Dweb&fieldSelector=metadata.name%3Dweb':
          {
            items: [object('Deployment', 'web')],
          },
      },
      'shop',
    );
    const workloads = await fetchWorkloads(session.api, 'Deployment', {
      namespace: 'shop',
      labelSelector: 'team=web',
      name: 'web',
    });
    expect(workloads.map((w) => [w.name, w.pods.length])).toEqual([['web', 3]]);
    expect(rest.requests[0]).toBe(
      '/apis/apps/v1/namespaces/shop/deployments?labelSelector=team%3Dweb&fieldSelector=metadata.name%3Dweb',
    );
  });
});
