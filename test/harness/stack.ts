// The whole proof path in one call: control plane, kube-state-metrics, Prometheus, the sample app's
// pods and their processes, and cmetrics-proxy registered with the aggregator through an ExternalName Service.
// Used by the end-to-end suites, the demo and the benchmarks.
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { IMAGE } from '../../scripts/image.ts';
import { CUSTOM_GROUP, EXTERNAL_GROUP, HISTORY_GROUP, RESOURCE_GROUP } from '../../shared/api-types.ts';
import { type Cluster, startCluster } from './cluster.ts';
import { SHIPPED, shippedProxyKubeconfig } from './deploy.ts';
import { startKubeStateMetrics } from './kube-state-metrics.ts';
import { freePort, type Proc, startProcess, stopProcess, waitFor } from './processes.ts';
import { type PrometheusServer, promQuery, startPrometheus } from './prometheus.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = join(root, 'test', 'fixtures');

export const PROXY_NAMESPACE = SHIPPED.namespace;
export const PROXY_SERVICE = SHIPPED.service;
export const METRICS_APISERVICES = [
  { group: CUSTOM_GROUP, version: 'v1beta1', priority: 100 },
  { group: CUSTOM_GROUP, version: 'v1beta2', priority: 200 },
  { group: EXTERNAL_GROUP, version: 'v1beta1', priority: 100 },
  // kubectl top takes the version the aggregator lists first (highest priority); the HPA asks for v1beta1.
  { group: RESOURCE_GROUP, version: 'v1beta1', priority: 100 },
  { group: RESOURCE_GROUP, version: 'v1', priority: 200 },
  // The metrics above over a time range (docs/proxy.md, History).
  { group: HISTORY_GROUP, version: 'v1alpha1', priority: 100 },
];

export interface Stack {
  cluster: Cluster;
  prometheus: PrometheusServer;
  proxy: Proc;
  proxyPort: number;
  /** The configuration file the proxy runs with (a copy: rewriting it makes the proxy reload). */
  adapterConfig: string;
  podRunner: Proc;
  podRunnerState: string;
  /** Pods the runner serves right now (name → loopback IP). */
  servedPods(): Record<string, string>;
  stop(): Promise<void>;
}

export interface StackOptions {
  workDir?: string;
  adapterConfig?: string;
  relistInterval?: string;
  /** The proxy's --metrics-max-age (default: the relist interval); the soak outlasts Prometheus restarts with a longer one. */
  metricsMaxAge?: string;
  /** Prometheus' scrape interval (default 2 s); the benchmark scrapes 5,000 kwok pods more calmly. */
  scrapeIntervalSeconds?: number;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const cluster = await startCluster(opts.workDir ? { workDir: opts.workDir } : {});
  const extra: Proc[] = [];
  let prometheus: PrometheusServer | undefined;
  const stop = async () => {
    for (const p of extra.reverse()) await stopProcess(p);
    await prometheus?.stop();
    await cluster.stop();
  };
  try {
    const logs = join(cluster.workDir, 'logs');
    const fileSd = join(cluster.workDir, 'file-sd.json');
    writeFileSync(fileSd, '[]');
    writeFileSync(`${fileSd}.extra.json`, '[]');
    // Started first and awaited last: it comes up while Prometheus, the pods and the proxy do.
    const kubeStateMetrics = await startKubeStateMetrics(cluster);
    extra.push(kubeStateMetrics.proc);
    prometheus = await startPrometheus(cluster, {
      fileSd,
      kubeStateMetrics: kubeStateMetrics.target,
      ...(opts.scrapeIntervalSeconds ? { scrapeIntervalSeconds: opts.scrapeIntervalSeconds } : {}),
    });

    const podRunnerState = join(cluster.workDir, 'pod-runner.json');
    const podRunner = startProcess(
      'pod-runner',
      process.execPath,
      [
        join(root, 'test', 'harness', 'pod-runner.ts'),
        `--kubeconfig=${cluster.kubeconfigFor('pod-runner', 'pod-runner', ['system:masters'])}`,
        '--selector=app=custom-metrics-app',
        `--state-file=${podRunnerState}`,
        `--file-sd=${fileSd}`,
      ],
      logs,
    );
    extra.push(podRunner);

    cluster.kubectl(['apply', '-f', join(FIXTURES, 'sample-app.yaml')]);

    // A copy the tests may rewrite: the proxy reloads it when it changes.
    const adapterConfig = join(cluster.workDir, 'adapter.yaml');
    copyFileSync(opts.adapterConfig ?? join(FIXTURES, 'harness-adapter.yaml'), adapterConfig);
    const proxyPort = await freePort();
    const serving = cluster.pki.serving('cmetrics-proxy-serving', [
      `${PROXY_SERVICE}.${PROXY_NAMESPACE}.svc`,
      `${PROXY_SERVICE}.${PROXY_NAMESPACE}.svc.cluster.local`,
      'localhost',
    ]);
    // The proxy runs as the shipped ServiceAccount, with the shipped RBAC: every e2e test exercises it.
    cluster.kubectl(
      ['apply', '-f', '-'],
      stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: PROXY_NAMESPACE } }),
    );
    const proxyKubeconfig = await shippedProxyKubeconfig(cluster);
    // With the runtime settings the image ships (Node's flags, glibc's allocator), so that what the
    // tests see of its memory is what a Deployment sees.
    const proxy = startProcess(
      'cmetrics-proxy',
      process.execPath,
      [
        ...IMAGE.nodeFlags,
        join(root, 'cmd', 'cmetrics-proxy.ts'),
        `--prometheus-url=${prometheus.url}`,
        `--config=${adapterConfig}`,
        `--metrics-relist-interval=${opts.relistInterval ?? '5s'}`,
        // Usage a second or two old, as the tests compare answers with Prometheus at the request's time.
        '--metric-resolution=2s',
        ...(opts.metricsMaxAge ? [`--metrics-max-age=${opts.metricsMaxAge}`] : []),
        '--bind-address=127.0.0.1',
        `--secure-port=${proxyPort}`,
        `--tls-cert-file=${serving.cert}`,
        `--tls-private-key-file=${serving.key}`,
        `--kubeconfig=${proxyKubeconfig}`,
        '--log-level=debug',
      ],
      logs,
      IMAGE.mallocEnv,
    );
    extra.push(proxy);
    await waitFor(
      'cmetrics-proxy listening',
      async () => {
        const lines = readFileSync(proxy.log, 'utf8');
        return lines.includes('"msg":"serving"') ? true : undefined;
      },
      { proc: proxy, timeoutMs: 60_000 },
    );
    await kubeStateMetrics.ready();

    cluster.kubectl(
      ['apply', '-f', '-'],
      apiServicesManifest(proxyPort, readFileSync(cluster.pki.servingCa.cert)),
    );
    // A request to a pod before the first scrape of its target is folded into the first sample and
    // never shows in a rate: the stack is up once every target was scraped, 2 s ago at least, so that
    // the proxy's queries (evaluated at the last settled second) see that scrape too.
    const prometheusUrl = prometheus.url;
    await waitFor(
      'Prometheus scraped the sample app, every node and kube-state-metrics',
      async () => {
        const up = await promQuery(prometheusUrl, 'count by (job) (up == 1)', Date.now() / 1000 - 2);
        const count = (job: string) => Number(up.find((r) => r.metric.job === job)?.value[1] ?? 0);
        return count('kubernetes-pods') > 0 &&
          count('kubelet-resource') === cluster.nodeNames.length &&
          count('kube-state-metrics') === 1
          ? true
          : undefined;
      },
      { proc: prometheus.proc, timeoutMs: 60_000 },
    );

    const servedPods = (): Record<string, string> => {
      if (!existsSync(podRunnerState)) return {};
      const state = JSON.parse(readFileSync(podRunnerState, 'utf8')) as {
        pods: { name: string; ip: string }[];
      };
      return Object.fromEntries(state.pods.map((p) => [p.name, p.ip]));
    };
    return {
      cluster,
      prometheus,
      proxy,
      proxyPort,
      adapterConfig,
      podRunner,
      podRunnerState,
      servedPods,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** The Service is an ExternalName to 127.0.0.1: the aggregator dials it with the APIService's port. */
export function apiServicesManifest(port: number, caBundle: Buffer): string {
  const items: unknown[] = [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: PROXY_SERVICE, namespace: PROXY_NAMESPACE },
      spec: { type: 'ExternalName', externalName: '127.0.0.1' },
    },
    ...METRICS_APISERVICES.map(({ group, version, priority }) => ({
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: `${version}.${group}` },
      spec: {
        group,
        version,
        service: { namespace: PROXY_NAMESPACE, name: PROXY_SERVICE, port },
        caBundle: caBundle.toString('base64'),
        groupPriorityMinimum: 100,
        versionPriority: priority,
      },
    })),
  ];
  return stringify({ apiVersion: 'v1', kind: 'List', items });
}
