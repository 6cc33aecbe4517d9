// The shipped configuration on the series kube-prometheus collects, in a real Prometheus: cAdvisor
// through the kubelet ServiceMonitor (containers, each pod's own cgroup with container="", the
// node's root cgroup id="/" labelled with its node) and an application's counters, gauge and
// histogram. Discovery, custom metrics and metrics.k8s.io answer what those series say.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCustomMetric } from '../../proxy/apis/custom-metrics.ts';
import type { CustomMetricsBackend } from '../../proxy/apis/ports.ts';
import { getResourceMetrics, type ResourceMetricsBackend } from '../../proxy/apis/resource-metrics.ts';
import { type CompiledConfig, compileConfig } from '../../proxy/config/compile.ts';
import type { CachedObject } from '../../proxy/kube/caches.ts';
import { createLogger } from '../../proxy/log.ts';
import { Relister } from '../../proxy/prometheus/relist.ts';
import { ResourceStore } from '../../proxy/prometheus/resource-store.ts';
import { parseAdapterConfig } from '../../proxy/rules/config.ts';
import type { NodeMetricsList, PodMetricsList } from '../../shared/api-types.ts';
import { startPrometheusWithData } from '../harness/prometheus.ts';
import { mapper } from '../proxy/apis/fixtures.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const nowS = Math.floor(Date.now() / 1000);

/** One series every 15 s from half an hour ago to two hours ahead: `perSecond` a counter's rate. */
function series(name: string, labels: Record<string, string>, value: number, perSecond = 0): string[] {
  const text = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  const lines: string[] = [];
  for (let t = nowS - 1800; t <= nowS + 7200; t += 15)
    lines.push(`${name}{${text}} ${value + perSecond * (t - nowS + 1800)} ${t}`);
  return lines;
}

// As kube-prometheus' kubelet ServiceMonitor (honorLabels, metrics_path, node) labels cAdvisor.
const kubelet = { job: 'kubelet', metrics_path: '/metrics/cadvisor', node: 'node-a' };
const container = (name: string) => ({
  ...kubelet,
  namespace: 'shop',
  pod: 'web-0',
  container: name,
  id: `/kubepods/pod1/${name}`,
});
const podCgroup = { ...kubelet, namespace: 'shop', pod: 'web-0', container: '', id: '/kubepods/pod1' };
const rootCgroup = { ...kubelet, namespace: 'kube-system', id: '/' };
// As a ServiceMonitor for the application labels its series.
const app = { job: 'web', namespace: 'shop', pod: 'web-0', service: 'web', container: 'app' };
const MIB = 1024 * 1024;

const DATA = [
  '# TYPE container_cpu_usage_seconds_total counter',
  ...series('container_cpu_usage_seconds_total', container('app'), 0, 0.25),
  ...series('container_cpu_usage_seconds_total', container('sidecar'), 0, 0.05),
  ...series('container_cpu_usage_seconds_total', podCgroup, 0, 0.3),
  ...series('container_cpu_usage_seconds_total', rootCgroup, 0, 1.5),
  '# TYPE container_memory_working_set_bytes gauge',
  ...series('container_memory_working_set_bytes', container('app'), 64 * MIB),
  ...series('container_memory_working_set_bytes', container('sidecar'), 16 * MIB),
  ...series('container_memory_working_set_bytes', podCgroup, 80 * MIB),
  ...series('container_memory_working_set_bytes', rootCgroup, 4096 * MIB),
  '# TYPE http_requests counter',
  ...series('http_requests_total', { ...app, code: '200' }, 0, 9),
  ...series('http_requests_total', { ...app, code: '500' }, 0, 1),
  '# TYPE http_request_duration_seconds histogram',
  ...series('http_request_duration_seconds_bucket', { ...app, le: '0.05' }, 0, 5),
  ...series('http_request_duration_seconds_bucket', { ...app, le: '0.25' }, 0, 9),
  ...series('http_request_duration_seconds_bucket', { ...app, le: '0.75' }, 0, 10),
  ...series('http_request_duration_seconds_bucket', { ...app, le: '+Inf' }, 0, 10),
  '# TYPE queue_depth gauge',
  ...series('queue_depth', app, 7),
];

const pod: CachedObject = {
  metadata: { name: 'web-0', namespace: 'shop', labels: { app: 'web' } },
  spec: { containers: [{ name: 'app' }, { name: 'sidecar' }] },
  status: { phase: 'Running' },
};
const node: CachedObject = { metadata: { name: 'node-a', labels: {} } };

describe('the shipped configuration on kube-prometheus series', () => {
  let dir: string;
  let prometheus: Awaited<ReturnType<typeof startPrometheusWithData>> | undefined;
  let compiled: CompiledConfig;
  let relister: Relister;
  let store: ResourceStore;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cmetrics-default-config-'));
    prometheus = await startPrometheusWithData(dir, `${DATA.join('\n')}\n# EOF\n`);
    const config = parseAdapterConfig(
      readFileSync(join(root, 'deploy', 'kustomize', 'base', 'config.yaml'), 'utf8'),
      'config.yaml',
    );
    compiled = compileConfig(config, mapper, { urls: [prometheus.url], timeoutMs: 5000 });
    relister = new Relister(() => compiled, {
      intervalMs: 60_000,
      maxAgeMs: 3_600_000,
      log: createLogger('error'),
    });
    store = new ResourceStore(() => compiled, {
      periodMs: undefined,
      log: createLogger('error'),
      evaluationTime: () => nowS * 1000,
    });
    await Promise.all([relister.relist(), store.evaluate()]);
  }, 120_000);

  afterAll(async () => {
    await compiled?.close();
    await prometheus?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const backend = (): ResourceMetricsBackend & CustomMetricsBackend => ({
    registry: () => relister.current(),
    resourceRules: compiled.resourceRules,
    mapper: () => mapper,
    objects: {
      names: async (r) => (r.resource === 'pods' ? ['web-0'] : r.resource === 'services' ? ['web'] : []),
      exists: async () => true,
      list: async (r) => (r.resource === 'pods' ? [pod] : r.resource === 'nodes' ? [node] : []),
      get: async (r, _ns, name) => (r.resource === 'pods' && name === 'web-0' ? pod : undefined),
    },
    resourceSnapshot: () => store.read(nowS * 1000),
    query: (expr, timeMs, name) => compiled.backend(name).query(expr, timeMs),
    now: () => nowS * 1000,
  });

  const custom = async (resourceText: string, name: string, metric: string) =>
    (
      await getCustomMetric(
        {
          version: 'v1beta2',
          resourceText,
          namespace: 'shop',
          name,
          metric,
          labelSelector: [],
          metricSelector: [],
        },
        backend(),
      )
    ).body.items.map((i) => i.value);

  it('discovers the metrics the adapter chart would, and the custom ones', () => {
    expect(relister.lastError).toBeUndefined();
    const listed = relister
      .current()
      .list()
      .map((m) => `${m.resource.resource}/${m.metric}`);
    expect(listed).toEqual(
      expect.arrayContaining([
        'pods/cpu_usage',
        'pods/memory_working_set_bytes',
        'pods/http_requests',
        'services/http_requests',
        'pods/http_requests_per_second',
        'services/http_requests_per_second',
        'pods/http_request_duration_seconds_p95',
        'pods/queue_depth',
        'namespaces/queue_depth',
      ]),
    );
    // Counters are served as rates only, never as their running totals.
    expect(listed.filter((m) => m.endsWith('_total'))).toEqual([]);
  });

  it.each([
    // Both containers, not the pod's own cgroup as well (0.6 with the adapter chart's rule).
    ['pods', '*', 'cpu_usage', '300m'],
    // 64Mi + 16Mi, in the decimal form custom metrics carry (160Mi with the pod cgroup counted too).
    ['pods', '*', 'memory_working_set_bytes', '83886080'],
    ['pods', '*', 'http_requests_per_second', '10'],
    ['services', 'web', 'http_requests_per_second', '10'],
    ['pods', '*', 'http_requests', '10'],
    // 95% of 10/s is 9.5/s, halfway from le=0.25 (9/s) to le=0.75 (10/s).
    ['pods', '*', 'http_request_duration_seconds_p95', '500m'],
    ['pods', 'web-0', 'queue_depth', '7'],
  ])('answers %s/%s/%s: %s', async (resource, name, metric, value) => {
    expect(await custom(resource, name, metric)).toEqual([value]);
  });

  it('answers kubectl top pods from the containers, without the pod cgroup', async () => {
    const answer = await getResourceMetrics(
      {
        version: 'v1beta1',
        resource: 'pods',
        namespace: 'shop',
        name: undefined,
        labelSelector: [],
        fieldSelector: [],
      },
      backend(),
    );
    const list = answer.body as PodMetricsList;
    expect(list.items.map((i) => [i.metadata.name, i.window, i.containers])).toEqual([
      [
        'web-0',
        '3m0s',
        [
          { name: 'app', usage: { cpu: '250m', memory: '64Mi' } },
          { name: 'sidecar', usage: { cpu: '50m', memory: '16Mi' } },
        ],
      ],
    ]);
    expect(answer.warnings).toEqual([]);
  });

  it("answers kubectl top nodes from the node's root cgroup", async () => {
    const answer = await getResourceMetrics(
      {
        version: 'v1beta1',
        resource: 'nodes',
        namespace: undefined,
        name: undefined,
        labelSelector: [],
        fieldSelector: [],
      },
      backend(),
    );
    const list = answer.body as NodeMetricsList;
    expect(list.items.map((i) => [i.metadata.name, i.usage])).toEqual([
      ['node-a', { cpu: '1500m', memory: '4Gi' }],
    ]);
  });
});
