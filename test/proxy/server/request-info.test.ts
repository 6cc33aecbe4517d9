import { describe, expect, it } from 'vitest';
import { forbiddenMessage, requestAttributes } from '../../../proxy/server/request-info.ts';

const CM = '/apis/custom.metrics.k8s.io/v1beta2';
const EM = '/apis/external.metrics.k8s.io/v1beta1';
const RM = '/apis/metrics.k8s.io/v1beta1';

describe('requestAttributes', () => {
  // [method, path, query, verb, group, resource, subresource, name, namespace]
  it.each<[string, string, string, string, string, string, string, string, string]>([
    [
      'GET',
      `${CM}/namespaces/prod/pods/*/rps`,
      '',
      'get',
      'custom.metrics.k8s.io',
      'pods',
      'rps',
      '*',
      'prod',
    ],
    [
      'GET',
      `${CM}/namespaces/prod/pods/%2A/rps`,
      '',
      'get',
      'custom.metrics.k8s.io',
      'pods',
      'rps',
      '*',
      'prod',
    ],
    [
      'GET',
      `${CM}/namespaces/prod/pods/%E0%A4/rps`,
      '',
      'get',
      'custom.metrics.k8s.io',
      'pods',
      'rps',
      '%E0%A4',
      'prod',
    ],
    [
      'GET',
      `${CM}/namespaces/prod/pods/web-1/rps`,
      '',
      'get',
      'custom.metrics.k8s.io',
      'pods',
      'rps',
      'web-1',
      'prod',
    ],
    [
      'GET',
      `${CM}/namespaces/prod/metrics/queue`,
      '',
      'get',
      'custom.metrics.k8s.io',
      'metrics',
      '',
      'queue',
      'prod',
    ],
    ['GET', `${CM}/nodes/n1/load`, '', 'get', 'custom.metrics.k8s.io', 'nodes', 'load', 'n1', ''],
    ['GET', `${CM}/namespaces/prod`, '', 'get', 'custom.metrics.k8s.io', 'namespaces', '', 'prod', 'prod'],
    [
      'GET',
      `${CM}/namespaces/prod/status`,
      '',
      'get',
      'custom.metrics.k8s.io',
      'namespaces',
      'status',
      'prod',
      'prod',
    ],
    [
      'GET',
      `${EM}/namespaces/prod/queue_depth`,
      'labelSelector=q%3Da',
      'list',
      'external.metrics.k8s.io',
      'queue_depth',
      '',
      '',
      'prod',
    ],
    ['GET', `${RM}/namespaces/default/pods`, '', 'list', 'metrics.k8s.io', 'pods', '', '', 'default'],
    [
      'GET',
      `${RM}/namespaces/default/pods/web-1`,
      '',
      'get',
      'metrics.k8s.io',
      'pods',
      '',
      'web-1',
      'default',
    ],
    ['GET', `${RM}/pods`, '', 'list', 'metrics.k8s.io', 'pods', '', '', ''],
    ['GET', `${RM}/nodes`, 'watch=true', 'watch', 'metrics.k8s.io', 'nodes', '', '', ''],
    ['GET', `${RM}/nodes`, 'watch=false', 'list', 'metrics.k8s.io', 'nodes', '', '', ''],
    ['GET', `${RM}/nodes/n1`, '', 'get', 'metrics.k8s.io', 'nodes', '', 'n1', ''],
    ['POST', `${RM}/nodes`, '', 'create', 'metrics.k8s.io', 'nodes', '', '', ''],
    ['DELETE', `${RM}/nodes/n1`, '', 'delete', 'metrics.k8s.io', 'nodes', '', 'n1', ''],
    ['DELETE', `${RM}/nodes`, '', 'deletecollection', 'metrics.k8s.io', 'nodes', '', '', ''],
  ])(
    '%s %s?%s → %s %s %s/%s %j in %j',
    (method, path, query, verb, group, resource, subresource, name, namespace) => {
      expect(requestAttributes(method, path, new URLSearchParams(query))).toEqual({
        kind: 'resource',
        verb,
        group,
        version: path.split('/')[3],
        resource,
        subresource,
        name,
        namespace,
      });
    },
  );

  it.each<[string, string, string, string]>([
    ['/api/v1/namespaces/prod/pods', 'list', 'pods', ''],
    ['/api/v1/namespaces/prod/pods/web-1', 'get', 'pods', 'web-1'],
    ['/api/v1/nodes', 'list', 'nodes', ''],
  ])("%s is the core group's (the /api prefix)", (path, verb, resource, name) => {
    expect(requestAttributes('GET', path, new URLSearchParams())).toEqual({
      kind: 'resource',
      verb,
      group: '',
      version: 'v1',
      resource,
      subresource: '',
      name,
      namespace: path.includes('/namespaces/') ? 'prod' : '',
    });
  });

  it.each<[string, string, string]>([
    ['GET', '/api', 'get'],
    ['GET', '/api/v1', 'get'],
    ['GET', '/apis', 'get'],
    ['GET', '/apis/custom.metrics.k8s.io', 'get'],
    ['GET', CM, 'get'],
    ['GET', '/metrics', 'get'],
    ['GET', '/openapi/v2', 'get'],
    ['POST', '/metrics', 'post'],
  ])('%s %s is a non-resource request', (method, path, verb) => {
    expect(requestAttributes(method, path, new URLSearchParams())).toEqual({
      kind: 'nonResource',
      verb,
      path,
    });
  });
});

describe('forbiddenMessage', () => {
  it.each<[string, string, string]>([
    [
      `${RM}/namespaces/default/pods`,
      '',
      'pods.metrics.k8s.io is forbidden: User "alice" cannot list resource "pods" in API group "metrics.k8s.io" in the namespace "default"',
    ],
    [
      `${CM}/namespaces/prod/pods/*/rps`,
      'no RBAC policy matched',
      'pods.custom.metrics.k8s.io "*" is forbidden: User "alice" cannot get resource "pods/rps" in API group "custom.metrics.k8s.io" in the namespace "prod": no RBAC policy matched',
    ],
    [
      `${RM}/nodes/n1`,
      '',
      'nodes.metrics.k8s.io "n1" is forbidden: User "alice" cannot get resource "nodes" in API group "metrics.k8s.io" at the cluster scope',
    ],
    ['/metrics', '', 'forbidden: User "alice" cannot get path "/metrics"'],
  ])('%s', (path, reason, message) => {
    expect(forbiddenMessage('alice', requestAttributes('GET', path, new URLSearchParams()), reason)).toBe(
      message,
    );
  });
});
