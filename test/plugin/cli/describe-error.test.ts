import { describe, expect, it } from 'vitest';
import { describeError } from '../../../plugin/cli/describe-error.ts';
import { KubeApi, RequestFailed } from '../../../plugin/cluster/api.ts';
import { CliError, oneLine } from '../../../plugin/errors.ts';
import { KubeApiError } from '../../../shared/kube.ts';
import { fakeSession, status } from '../cluster/fake.ts';

const failed = (path: string, error: KubeApiError) => new RequestFailed(path, error);

/** The RequestFailed that `call` ends with when the server answers `error`: the path and target KubeApi gives it. */
const failedCall = (call: (api: KubeApi) => Promise<unknown>, error: KubeApiError): Promise<unknown> => {
  const refuse = async (): Promise<never> => {
    throw error;
  };
  return call(new KubeApi({ get: refuse, post: refuse })).then(
    () => expect.unreachable(),
    (e: unknown) => e,
  );
};

describe('describeError', () => {
  it.each<[string, unknown, string]>([
    ['a CliError is already the line', new CliError('what; do this'), 'what; do this'],
    [
      'forbidden: the verb and resource to ask for, and how to check',
      failed(
        '/apis/metrics.k8s.io/v1/namespaces/default/pods',
        status(
          403,
          'pods.metrics.k8s.io is forbidden: User "jane" cannot list resource "pods" in API group "metrics.k8s.io" in the namespace "default"',
        ),
      ),
      'forbidden: user "jane" may not list pods.metrics.k8s.io in namespace default; ask a cluster administrator for a role that allows it (check: kubectl auth can-i list pods.metrics.k8s.io -n default)',
    ],
    [
      'forbidden on a subresource of a cluster-scoped resource',
      failed(
        '/apis/custom.metrics.k8s.io/v1beta2/nodes/*/load',
        status(
          403,
          'nodes.custom.metrics.k8s.io "*" is forbidden: User "jane" cannot get resource "nodes/load" in API group "custom.metrics.k8s.io" at the cluster scope',
        ),
      ),
      'forbidden: user "jane" may not get nodes.custom.metrics.k8s.io/load; ask a cluster administrator for a role that allows it (check: kubectl auth can-i get nodes.custom.metrics.k8s.io --subresource=load)',
    ],
    [
      'forbidden in a form it does not know',
      failed('/api/v1/pods', status(403, 'access denied by policy')),
      'access denied by policy; ask a cluster administrator for access',
    ],
    [
      'unauthorized',
      failed('/apis', status(401, 'Unauthorized')),
      "the API server did not accept the kubeconfig's credentials (Unauthorized: Unauthorized); renew them or choose another --context",
    ],
    [
      'unreachable',
      failed(
        '/apis',
        new KubeApiError(
          'cannot reach the Kubernetes API at https://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1',
          0,
        ),
      ),
      'cannot reach the Kubernetes API at https://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1; check the cluster address in the kubeconfig (--kubeconfig, --context), or raise --request-timeout if it timed out',
    ],
    [
      'a pod without metrics',
      failedCall(
        (api) => api.getPodMetrics('v1', 'prod', 'web-1'),
        status(404, 'podmetrics.metrics.k8s.io "prod/web-1" not found'),
      ),
      'podmetrics.metrics.k8s.io "prod/web-1" not found; pods that have metrics: kubectl cmetrics top pods -n prod',
    ],
    [
      'a custom metric the server has no value for',
      failedCall(
        (api) =>
          api.customMetric('v1beta2', {
            namespace: 'default',
            resource: 'services',
            name: 'web',
            metric: 'rps',
          }),
        status(404, 'Prometheus has no rps'),
      ),
      'Prometheus has no rps; see what is served: kubectl cmetrics list',
    ],
    [
      'a core object that does not exist',
      failed('/api/v1/namespaces/default/pods/web-1', status(404, 'pods "web-1" not found')),
      'pods "web-1" not found; check the name and the namespace (-n)',
    ],
    ['anything else keeps its code', failed('/apis', status(500, 'boom')), 'boom (HTTP 500)'],
  ])('%s', async (_name, error, line) => {
    expect(await describeError(await error, undefined)).toBe(line);
  });

  it('service unavailable: the APIService and its condition', async () => {
    const { session } = fakeSession({
      '/apis/apiregistration.k8s.io/v1/apiservices': {
        items: [
          {
            metadata: { name: 'v1beta1.external.metrics.k8s.io' },
            spec: {
              group: 'external.metrics.k8s.io',
              version: 'v1beta1',
              service: { namespace: 'cmetrics', name: 'cmetrics' },
            },
            status: {
              conditions: [
                {
                  type: 'Available',
                  status: 'False',
                  reason: 'FailedDiscoveryCheck',
                  message: 'failing or missing response from https://127.0.0.1:9443',
                },
              ],
            },
          },
        ],
      },
    });
    const error = await failedCall(
      (api) => api.externalMetric('v1beta1', 'default', 'q'),
      status(503, 'service unavailable'),
    );
    expect(await describeError(error, session.api)).toBe(
      'APIService v1beta1.external.metrics.k8s.io is not available (FailedDiscoveryCheck: failing or missing response from https://127.0.0.1:9443); fix service cmetrics/cmetrics, then check: kubectl get apiservice v1beta1.external.metrics.k8s.io',
    );
  });

  it('joins several lines into one', () => {
    expect(oneLine('Invalid values:\n  Argument: sort-by, Given: "x"\nsecond\n')).toBe(
      'Invalid values: Argument: sort-by, Given: "x"; second',
    );
  });
});
