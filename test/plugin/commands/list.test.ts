import { describe, expect, it } from 'vitest';
import { renderList } from '../../../plugin/commands/list.ts';
import { ALL_GROUPS, apis, fakeSession, resourceList } from '../cluster/fake.ts';

const lines = (...rows: string[]) => rows.map((r) => `${r}\n`).join('');

const ROUTES = {
  ...ALL_GROUPS,
  ...resourceList(
    'custom.metrics.k8s.io/v1beta2',
    ['pods/http_requests', 'namespaces/http_requests', 'services/http_requests', 'pods/cpu_temperature'],
    ['namespaces'],
  ),
  ...resourceList('external.metrics.k8s.io/v1beta1', ['queue_depth', 'http_requests_total']),
};

describe('list', () => {
  it('groups custom metrics by name with the resources they describe, then external ones', async () => {
    const { session } = fakeSession(ROUTES);
    expect(await renderList(session, {})).toEqual({
      out: lines(
        'METRIC                API        RESOURCES                  ',
        'cpu_temperature       custom     pods                       ',
        'http_requests         custom     namespaces,pods,services   ',
        'http_requests_total   external   <none>                     ',
        'queue_depth           external   <none>                     ',
      ),
      err: '',
    });
  });

  it('filters by a substring of the name, and by API', async () => {
    const { session } = fakeSession(ROUTES);
    const { out } = await renderList(session, { filter: 'HTTP', api: 'external' });
    expect(out).toBe(
      lines('METRIC                API        RESOURCES   ', 'http_requests_total   external   <none>      '),
    );
  });

  it('says so when nothing matches', async () => {
    const { session } = fakeSession(ROUTES);
    expect(await renderList(session, { filter: 'nope' })).toEqual({
      out: '',
      err: 'No metric matches "nope".\n',
    });
  });

  it('lists one API when the other is not served, with a warning', async () => {
    const { session } = fakeSession({
      ...apis({ 'external.metrics.k8s.io': ['v1beta1'] }),
      ...resourceList('external.metrics.k8s.io/v1beta1', ['queue_depth']),
      '/apis/apiregistration.k8s.io/v1/apiservices': { items: [] },
    });
    const { out, err } = await renderList(session, {});
    expect(out).toContain('queue_depth');
    expect(err).toBe(
      'warning: custom.metrics.k8s.io is not served by this cluster: no APIService registers it; install cmetrics-proxy or an adapter, then check: kubectl get apiservices | grep custom.metrics.k8s.io\n',
    );
  });

  it('fails when no API can be read', async () => {
    const { session } = fakeSession({
      ...apis({}),
      '/apis/apiregistration.k8s.io/v1/apiservices': { items: [] },
    });
    await expect(renderList(session, { api: 'custom' })).rejects.toThrow(
      'custom.metrics.k8s.io is not served',
    );
  });
});
