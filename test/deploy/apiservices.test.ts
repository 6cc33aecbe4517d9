// Which APIServices the shipped manifests register, rendered by the real helm and kubectl: the chart
// by its apiServices values (by default what the config's rules serve), kustomize by the groups'
// components. Refusing another server's APIService needs a cluster to look at: test/e2e/deploy-groups.test.ts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { binDir } from '../harness/cluster.ts';
import {
  HELM_CHART,
  type K8sObject,
  KUSTOMIZE_BASE,
  kustomizeComponent,
  renderHelm,
  renderKustomize,
} from '../harness/deploy.ts';

const RESOURCE = ['v1.metrics.k8s.io', 'v1beta1.metrics.k8s.io'];
const CUSTOM = ['v1beta1.custom.metrics.k8s.io', 'v1beta2.custom.metrics.k8s.io'];
const EXTERNAL = ['v1beta1.external.metrics.k8s.io'];
const HISTORY = ['v1alpha1.history.cmetrics.io'];

const apiServices = (objects: K8sObject[]) =>
  objects
    .filter((o) => o.kind === 'APIService')
    .map((o) => o.metadata.name)
    .sort();

const dir = mkdtempSync(join(tmpdir(), 'cmetrics-apiservices-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A values file (merged over the chart's defaults; null deletes a default). */
function valuesFile(name: string, values: unknown): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, stringify(values));
  return path;
}

const EXTERNAL_RULE = {
  seriesQuery: 'queue_depth{namespace!=""}',
  resources: { overrides: { namespace: { resource: 'namespace' } } },
  name: { matches: '^queue_depth$', as: '' },
  metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)',
};

describe('the Helm chart registers', () => {
  it.each<[string, () => string[], string[]]>([
    [
      'by default, what the default rules serve: resource and custom, and their history',
      () => [],
      [...RESOURCE, ...CUSTOM, ...HISTORY],
    ],
    [
      'external too with apiServices.external.enabled',
      () => ['--set', 'apiServices.external.enabled=true'],
      [...RESOURCE, ...CUSTOM, ...EXTERNAL, ...HISTORY],
    ],
    [
      'custom (and history) without resource',
      () => ['--set', 'apiServices.resource.enabled=false'],
      [...CUSTOM, ...HISTORY],
    ],
    [
      'no history with apiServices.history.enabled=false',
      () => ['--set', 'apiServices.history.enabled=false'],
      [...RESOURCE, ...CUSTOM],
    ],
    [
      'resource and external, custom disabled',
      () => ['--set', 'apiServices.custom.enabled=false', '--set', 'apiServices.external.enabled=true'],
      [...RESOURCE, ...EXTERNAL, ...HISTORY],
    ],
    [
      'nothing with every group disabled',
      () =>
        ['resource', 'custom', 'external', 'history'].flatMap((g) => [
          '--set',
          `apiServices.${g}.enabled=false`,
        ]),
      [],
    ],
    [
      'external alone for a config of external rules only',
      () => [
        '-f',
        valuesFile('external-only', {
          config: { rules: [], resourceRules: null, externalRules: [EXTERNAL_RULE] },
        }),
      ],
      [...EXTERNAL, ...HISTORY],
    ],
    [
      'a group the config has no rules for, when enabled',
      () => [
        '-f',
        valuesFile('no-rules', {
          config: { rules: [], resourceRules: null },
          apiServices: { custom: { enabled: true } },
        }),
      ],
      CUSTOM,
    ],
    [
      'no group a values file disables (false is not "empty")',
      () => ['-f', valuesFile('custom-off', { apiServices: { custom: { enabled: false } } })],
      [...RESOURCE, ...HISTORY],
    ],
    [
      'external for an upstream that takes it (config.upstreams), without external rules',
      () => [
        '-f',
        valuesFile('keda-upstream', {
          config: { upstreams: [{ name: 'keda', url: 'https://keda-operator-metrics-apiserver.keda.svc' }] },
        }),
      ],
      [...RESOURCE, ...CUSTOM, ...EXTERNAL, ...HISTORY],
    ],
    [
      'no external when the upstream takes custom only',
      () => [
        '-f',
        valuesFile('custom-upstream', {
          config: {
            rules: [],
            upstreams: [{ name: 'adapter', url: 'https://adapter', groups: ['custom.metrics.k8s.io'] }],
          },
        }),
      ],
      [...RESOURCE, ...CUSTOM, ...HISTORY],
    ],
    [
      'the default again when a group is set back to empty',
      () => ['--set', 'apiServices.custom.enabled=null'],
      [...RESOURCE, ...CUSTOM, ...HISTORY],
    ],
  ])('%s', (_what, args, expected) => {
    expect(apiServices(renderHelm(binDir(), args()))).toEqual([...expected].sort());
  });

  it('grants the ServiceAccount reading the groups the upstreams take (custom get, external list), and nothing without upstreams', () => {
    const callers = (objects: K8sObject[]) =>
      objects
        .filter((o) => o.metadata.name === 'cmetrics-upstream-caller')
        .map((o) => [o.kind, o.rules ?? o.subjects]);
    expect(callers(renderHelm(binDir(), []))).toEqual([]);
    const objects = renderHelm(binDir(), [
      '-f',
      valuesFile('two-upstreams', {
        config: {
          upstreams: [
            { name: 'keda', url: 'https://keda' },
            {
              name: 'adapter',
              url: 'https://adapter',
              groups: ['custom.metrics.k8s.io', 'external.metrics.k8s.io'],
            },
          ],
        },
      }),
    ]);
    expect(callers(objects)).toEqual([
      [
        'ClusterRole',
        [
          { apiGroups: ['custom.metrics.k8s.io'], resources: ['*'], verbs: ['get'] },
          { apiGroups: ['external.metrics.k8s.io'], resources: ['*'], verbs: ['list'] },
        ],
      ],
      ['ClusterRoleBinding', [{ kind: 'ServiceAccount', name: 'cmetrics', namespace: 'cmetrics' }]],
    ]);
  });

  it("points each at the release's Service", () => {
    const objects = renderHelm(binDir(), ['--set', 'apiServices.external.enabled=true']);
    for (const o of objects.filter((o) => o.kind === 'APIService'))
      expect((o.spec as { service: unknown }).service).toEqual({
        name: 'cmetrics',
        namespace: 'cmetrics',
        port: 443,
      });
  });

  it('refuses an enabled value that is neither true, false nor empty', () => {
    const render = () =>
      execFileSync(
        join(binDir(), 'helm'),
        ['template', 'cmetrics', HELM_CHART, '--set-string', 'apiServices.external.enabled=yes'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
    expect(render).toThrow(
      'apiServices.external.enabled is true, false or empty (from the config\'s rules), not "yes"',
    );
  });
});

describe('kustomize registers', () => {
  it.each<[string, string[], string[]]>([
    ['nothing from the base alone', [], []],
    ['metrics.k8s.io with components/resource-metrics', ['resource-metrics'], RESOURCE],
    ['custom.metrics.k8s.io with components/custom-metrics', ['custom-metrics'], CUSTOM],
    ['external.metrics.k8s.io with components/external-metrics', ['external-metrics'], EXTERNAL],
    ['history.cmetrics.io with components/history', ['history'], HISTORY],
    [
      'resource and custom, leaving external to another server',
      ['resource-metrics', 'custom-metrics'],
      [...RESOURCE, ...CUSTOM],
    ],
  ])('%s', (_what, components, expected) => {
    const objects = renderKustomize(binDir(), components.map(kustomizeComponent), KUSTOMIZE_BASE);
    expect(apiServices(objects)).toEqual([...expected].sort());
    // The rest of the install is the same whichever groups are chosen.
    expect(objects.filter((o) => o.kind !== 'APIService')).toEqual(
      renderKustomize(binDir(), [], KUSTOMIZE_BASE),
    );
  });

  it('the default overlay: the groups the shipped config serves (no externalRules, so no external), and their history', () => {
    expect(apiServices(renderKustomize(binDir()))).toEqual([...RESOURCE, ...CUSTOM, ...HISTORY].sort());
  });

  it("the cert-manager component's CA injection on the groups listed before it", () => {
    const objects = renderKustomize(
      binDir(),
      ['external-metrics', 'cert-manager'].map(kustomizeComponent),
      KUSTOMIZE_BASE,
    );
    const [external] = objects.filter((o) => o.kind === 'APIService');
    expect(external?.metadata.annotations).toEqual({
      'cert-manager.io/inject-ca-from': 'cmetrics/cmetrics-serving',
    });
  });
});
