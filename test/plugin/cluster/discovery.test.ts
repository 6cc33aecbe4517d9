import { describe, expect, it } from 'vitest';
import { groupProblem } from '../../../plugin/cluster/discovery.ts';
import { fakeSession, status } from './fake.ts';

describe('groupProblem', () => {
  it('a group it may not look into: not served, and where to see why', async () => {
    const { session } = fakeSession({
      '/apis/apiregistration.k8s.io/v1/apiservices': status(
        403,
        'apiservices.apiregistration.k8s.io is forbidden',
      ),
    });
    expect(await groupProblem(session.api, 'custom.metrics.k8s.io')).toBe(
      'custom.metrics.k8s.io is not served by this cluster; see why with: kubectl get apiservices | grep custom.metrics.k8s.io',
    );
  });
});
