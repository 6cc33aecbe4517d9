import { describe, expect, it } from 'vitest';
import { apiServiceProblem, requestFailureLine, unavailable } from '../../../plugin/hints/failures.ts';
import type { APIService } from '../../../shared/api-types.ts';

const service = (
  group: string,
  available: { status: string; reason?: string; message?: string } | undefined,
) =>
  ({
    metadata: { name: `v1beta1.${group}` },
    spec: { group, version: 'v1beta1', service: { namespace: 'cmetrics', name: 'cmetrics' } },
    status: { conditions: available ? [{ type: 'Available', ...available }] : [] },
  }) as APIService;

describe('apiServiceProblem', () => {
  it.each<[string, APIService[] | undefined, string, string]>([
    [
      'the APIServices could not be read',
      undefined,
      'custom.metrics.k8s.io',
      'custom.metrics.k8s.io is not served by this cluster; see why with: kubectl get apiservices | grep custom.metrics.k8s.io',
    ],
    [
      'no APIService for resource metrics',
      [],
      'metrics.k8s.io',
      'metrics.k8s.io is not served by this cluster: no APIService registers it; install cmetrics-proxy or metrics-server, then check: kubectl get apiservices | grep metrics.k8s.io',
    ],
    [
      'an unavailable one, with its condition and the fix',
      [
        service('external.metrics.k8s.io', {
          status: 'False',
          reason: 'MissingEndpoints',
          message: 'no\nendpoints',
        }),
      ],
      'external.metrics.k8s.io',
      'APIService v1beta1.external.metrics.k8s.io is not available (MissingEndpoints: no; endpoints); fix service cmetrics/cmetrics, then check: kubectl get apiservice v1beta1.external.metrics.k8s.io',
    ],
    [
      'available but not listed yet',
      [service('custom.metrics.k8s.io', { status: 'True' })],
      'custom.metrics.k8s.io',
      'custom.metrics.k8s.io is registered but the API server does not list it yet; check: kubectl get apiservices | grep custom.metrics.k8s.io',
    ],
  ])('%s', (_what, services, group, line) => {
    expect(apiServiceProblem(services, group)).toBe(line);
  });

  it('an APIService without an Available condition yet is not available', () => {
    expect(unavailable(service('custom.metrics.k8s.io', undefined))).toContain(
      '(no Available condition yet)',
    );
  });
});

describe('requestFailureLine', () => {
  it.each<[string, Parameters<typeof requestFailureLine>[0], string]>([
    [
      'no pod metrics in a namespace',
      {
        code: 404,
        message: 'not found',
        target: { group: 'metrics.k8s.io', resource: 'pods', namespace: 'prod' },
      },
      'not found; pods that have metrics: kubectl cmetrics top pods -n prod',
    ],
    [
      'no pod metrics in any namespace',
      { code: 404, message: 'not found', target: { group: 'metrics.k8s.io', resource: 'pods' } },
      'not found; pods that have metrics: kubectl cmetrics top pods -A',
    ],
    [
      'no node metrics',
      { code: 404, message: 'not found', target: { group: 'metrics.k8s.io', resource: 'nodes' } },
      'not found; nodes that have metrics: kubectl cmetrics top nodes',
    ],
    [
      'a custom metric not found',
      { code: 404, message: 'no qps', target: { group: 'custom.metrics.k8s.io', resource: 'pods' } },
      'no qps; see what is served: kubectl cmetrics list',
    ],
    [
      'a core object not found',
      { code: 404, message: 'pods "x" not found' },
      'pods "x" not found; check the name and the namespace (-n)',
    ],
    [
      'service unavailable, without the APIServices to look at',
      { code: 503, message: 'down', target: { group: 'custom.metrics.k8s.io' } },
      'down (service unavailable); try again, or check the API server',
    ],
    ['any other code', { code: 500, message: 'boom' }, 'boom (HTTP 500)'],
  ])('%s', (_what, failure, line) => {
    expect(requestFailureLine(failure)).toBe(line);
  });
});
