import { describe, expect, it } from 'vitest';
import { type ScaledWorkload, scaleFromWorkload } from '../../../plugin/cluster/workload-scale.ts';

const metadata = {
  name: 'web',
  namespace: 'shop',
  uid: 'uid-web',
  resourceVersion: '42',
  creationTimestamp: '2026-07-01T09:00:00Z',
};

describe('scaleFromWorkload', () => {
  // As the API server answers GET .../deployments/web/scale (scaleFromDeployment).
  const cases: { name: string; workload: ScaledWorkload; spec: object; status: object }[] = [
    {
      name: 'matchLabels, sorted by key',
      workload: {
        metadata,
        spec: { replicas: 3, selector: { matchLabels: { tier: 'front', app: 'web' } } },
        status: { replicas: 2 },
      },
      spec: { replicas: 3 },
      status: { replicas: 2, selector: 'app=web,tier=front' },
    },
    {
      name: 'matchExpressions of every operator, values sorted',
      workload: {
        metadata,
        spec: {
          replicas: 1,
          selector: {
            matchLabels: { app: 'web' },
            matchExpressions: [
              { key: 'track', operator: 'In', values: ['stable', 'canary'] },
              { key: 'env', operator: 'NotIn', values: ['dev'] },
              { key: 'owner', operator: 'Exists' },
              { key: 'legacy', operator: 'DoesNotExist' },
            ],
          },
        },
        status: { replicas: 1 },
      },
      spec: { replicas: 1 },
      status: { replicas: 1, selector: 'app=web,env notin (dev),!legacy,owner,track in (canary,stable)' },
    },
    {
      name: 'zero replicas: spec.replicas left out, as the API leaves an empty field out',
      workload: { metadata, spec: { replicas: 0, selector: { matchLabels: { app: 'web' } } }, status: {} },
      spec: {},
      status: { replicas: 0, selector: 'app=web' },
    },
    {
      name: 'an empty selector selects everything: the empty string, left out',
      workload: { metadata, spec: { replicas: 2, selector: {} }, status: { replicas: 2 } },
      spec: { replicas: 2 },
      status: { replicas: 2 },
    },
    {
      name: 'no selector at all: the empty string too',
      workload: { metadata, spec: { replicas: 2 } },
      spec: { replicas: 2 },
      status: { replicas: 0 },
    },
  ];
  it.each(cases)('$name', ({ workload, spec, status }) => {
    expect(scaleFromWorkload(workload)).toEqual({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata,
      spec,
      status,
    });
  });

  it.each([
    { name: 'an unknown operator', expression: { key: 'app', operator: 'Equals', values: ['web'] } },
    { name: 'In without values', expression: { key: 'app', operator: 'In', values: [] } },
  ])('gives nothing for $name (the server answers 400, the caller asks it)', ({ expression }) => {
    const workload = { metadata, spec: { replicas: 1, selector: { matchExpressions: [expression] } } };
    expect(scaleFromWorkload(workload)).toBeUndefined();
  });
});
