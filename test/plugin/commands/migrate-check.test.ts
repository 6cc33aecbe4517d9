import { describe, expect, it } from 'vitest';
import type { RunContext } from '../../../plugin/cli/context.ts';
import { runMigrateCheck } from '../../../plugin/commands/migrate-check.ts';
import { fakeSession, type Routes } from '../cluster/fake.ts';

const apiService = (version: string, group: string, service: { namespace: string; name: string }) => ({
  metadata: { name: `${version}.${group}` },
  spec: { group, version, service: { ...service, port: 443 } },
});

function context(routes: Routes): RunContext {
  const { session } = fakeSession(routes, 'shop');
  return {
    io: { out: () => {}, err: () => {}, tty: false },
    signal: new AbortController().signal,
    session: async () => session,
  };
}

const ARGS = {
  allNamespaces: false,
  cmetricsUrl: 'https://127.0.0.1:8443',
  cmetricsCaFile: 'ca.crt',
  groups: [],
};

describe('runMigrateCheck', () => {
  it('without --groups, needs a group prometheus-adapter serves, and names who serves each', async () => {
    const ctx = context({
      '/apis/apiregistration.k8s.io/v1/apiservices': {
        items: [
          apiService('v1beta2', 'custom.metrics.k8s.io', { namespace: 'cmetrics', name: 'cmetrics' }),
          apiService('v1beta1', 'external.metrics.k8s.io', {
            namespace: 'keda',
            name: 'keda-operator-metrics-apiserver',
          }),
          apiService('v1', 'apps', { namespace: 'x', name: 'prometheus-adapter' }),
        ],
      },
    });
    await expect(runMigrateCheck(ctx, ARGS)).rejects.toThrow(
      'no metrics APIService is served by prometheus-adapter (v1beta2.custom.metrics.k8s.io by cmetrics (cmetrics/cmetrics), v1beta1.external.metrics.k8s.io by KEDA (keda/keda-operator-metrics-apiserver)); name the groups to compare with --groups (custom, external, resource; repeatable)',
    );
  });
});
