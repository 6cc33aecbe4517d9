import { describe, expect, it } from 'vitest';
import { requestLabels } from '../../../proxy/server/metrics.ts';
import { requestAttributes } from '../../../proxy/server/request-info.ts';

const known = (group: string, resource: string) =>
  (group === 'metrics.k8s.io' && resource === 'pods') ||
  (group === 'custom.metrics.k8s.io' && resource === 'deployments.apps') ||
  (group === 'external.metrics.k8s.io' && resource === 'queue_depth') ||
  (group === 'history.cmetrics.io' && resource === 'custommetrics');

describe('requestLabels', () => {
  it.each<[string, { group: string; resource: string }]>([
    ['/apis/metrics.k8s.io/v1beta1/namespaces/ns/pods', { group: 'metrics.k8s.io', resource: 'pods' }],
    [
      '/apis/custom.metrics.k8s.io/v1beta2/namespaces/ns/deployments.apps/web/qps',
      { group: 'custom.metrics.k8s.io', resource: 'deployments.apps' },
    ],
    [
      '/apis/external.metrics.k8s.io/v1beta1/namespaces/ns/queue_depth',
      { group: 'external.metrics.k8s.io', resource: 'queue_depth' },
    ],
    // Names a client makes up never become label values.
    [
      '/apis/external.metrics.k8s.io/v1beta1/namespaces/ns/made_up_123',
      { group: 'external.metrics.k8s.io', resource: 'unknown' },
    ],
    [
      '/apis/history.cmetrics.io/v1alpha1/namespaces/ns/custommetrics/pods/*/qps',
      { group: 'history.cmetrics.io', resource: 'custommetrics' },
    ],
    ['/apis/history.cmetrics.io/v1alpha1', { group: 'history.cmetrics.io', resource: '' }],
    ['/apis/evil.example.com/v1/namespaces/ns/x', { group: 'unknown', resource: 'unknown' }],
    ['/apis/custom.metrics.k8s.io/v1beta2', { group: 'custom.metrics.k8s.io', resource: '' }],
    ['/apis/made.up/v1', { group: '', resource: '' }],
    ['/apis', { group: '', resource: '' }],
    ['/metrics', { group: '', resource: '' }],
    ['/../../etc/passwd', { group: '', resource: '' }],
  ])('%s → %j', (path, want) => {
    expect(requestLabels(requestAttributes('GET', path, new URLSearchParams()), known)).toEqual(want);
  });
});
