// The real Prometheus server (Debian's package), scraping the sample app's pods on their loopback
// pod IPs with the labels kube-prometheus would give them (namespace, pod, service), kwok's
// kubelet-style resource metrics per node (node label), and kube-state-metrics.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';
import { parse, stringify } from 'yaml';
import { type Cluster, resourceMetricsPath } from './cluster.ts';
import { freePort, type Proc, startProcess, stopProcess, waitFor } from './processes.ts';

export interface PrometheusServer {
  url: string;
  proc: Proc;
  scrapeIntervalSeconds: number;
  stop(): Promise<void>;
  /** Stops it and starts it again on the same port and data (the soak's fault), once it is ready. */
  restart(): Promise<void>;
}

export async function startPrometheus(
  cluster: Cluster,
  opts: { fileSd: string; scrapeIntervalSeconds?: number; kubeStateMetrics: string },
): Promise<PrometheusServer> {
  const dir = join(cluster.workDir, 'prometheus');
  mkdirSync(dir, { recursive: true });
  const interval = `${opts.scrapeIntervalSeconds ?? 2}s`;
  // Debian's Prometheus is built without Kubernetes service discovery, so the pod runner (which
  // knows every served pod, its loopback IP and labels) writes file_sd targets instead.
  const config = {
    // The query log lets tests see the PromQL the proxy sends (its size, above all).
    global: {
      scrape_interval: interval,
      evaluation_interval: interval,
      query_log_file: join(dir, 'queries.log'),
    },
    scrape_configs: [
      {
        job_name: 'kubernetes-pods',
        // `extra` holds targets tests add; they export namespace and pod labels of their own.
        file_sd_configs: [{ files: [opts.fileSd, `${opts.fileSd}.extra.json`], refresh_interval: '5s' }],
        honor_labels: true,
        relabel_configs: [
          // Only loopback addresses are ever scraped: nothing here may dial another address.
          { source_labels: ['__address__'], regex: '127\\..+', action: 'keep' },
        ],
      },
      {
        // kwok's kubelet /metrics/resource, one target per node (kwok's server is loopback-only).
        job_name: 'kubelet-resource',
        static_configs: cluster.nodeNames.map((node) => ({
          targets: [cluster.kwokServer],
          labels: { __metrics_path__: resourceMetricsPath(node), node },
        })),
      },
      {
        // As kube-prometheus' ServiceMonitor (honorLabels): the series keep the objects' namespace and
        // pod labels, never renamed exported_* by a target label of the same name.
        job_name: 'kube-state-metrics',
        honor_labels: true,
        static_configs: [{ targets: [opts.kubeStateMetrics] }],
      },
    ],
  };
  const port = await freePort();
  const launch = () => launchPrometheus(dir, join(cluster.workDir, 'logs'), config, { port });
  let { url, proc } = await launch();
  return {
    url,
    get proc() {
      return proc;
    },
    scrapeIntervalSeconds: opts.scrapeIntervalSeconds ?? 2,
    stop: () => stopProcess(proc),
    restart: async () => {
      await stopProcess(proc);
      ({ url, proc } = await launch());
    },
  };
}

/**
 * Prometheus over fixed data: `openmetrics` (timestamps in seconds, ending in `# EOF`) is backfilled
 * with promtool into an empty data directory before the server starts. `webConfig` is Prometheus'
 * --web.config.file (TLS, client certificates).
 */
export async function startPrometheusWithData(
  dir: string,
  openmetrics: string,
  webConfig?: object,
): Promise<{ url: string; proc: Proc; stop(): Promise<void> }> {
  mkdirSync(join(dir, 'data'), { recursive: true });
  const input = join(dir, 'data.om');
  writeFileSync(input, openmetrics);
  execFileSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', input, join(dir, 'data')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const { url, proc } = await launchPrometheus(
    dir,
    dir,
    { global: { scrape_interval: '15s' }, scrape_configs: [] },
    {
      ...(webConfig ? { webConfig } : {}),
      // Retention counts back from the newest block's end, not from now: backfilled data reaching
      // hours ahead would otherwise delete the blocks that hold "now".
      retention: '30d',
    },
  );
  return { url, proc, stop: () => stopProcess(proc) };
}

/** What the harness writes in a Prometheus configuration, as read back. */
export interface PrometheusConfig {
  global: Record<string, unknown>;
  scrape_configs: { file_sd_configs?: { files: string[]; refresh_interval?: string }[] }[];
}

/** The stack's Prometheus configuration: its scrape targets, for other servers to scrape alike. */
export function stackPrometheusConfig(workDir: string): PrometheusConfig {
  return parse(readFileSync(join(workDir, 'prometheus', 'prometheus.yml'), 'utf8')) as PrometheusConfig;
}

export interface PrometheusReplica {
  url: string;
  /** Stops the server, its data kept. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data, once stopped. */
  start(): Promise<void>;
}

/**
 * A second Prometheus with the stack's scrape configuration and data of its own: with the stack's,
 * an HA pair of servers holding the same data, without a query layer over them.
 */
export async function startPrometheusReplica(
  workDir: string,
  name: string,
  opts: { externalLabels?: Record<string, string>; remoteWrite?: object[] } = {},
): Promise<PrometheusReplica & { dataDir: string }> {
  const dir = join(workDir, name);
  mkdirSync(dir, { recursive: true });
  const config: PrometheusConfig & { remote_write?: object[] } = stackPrometheusConfig(workDir);
  config.global.query_log_file = join(dir, 'queries.log');
  if (opts.externalLabels) config.global.external_labels = opts.externalLabels;
  if (opts.remoteWrite) config.remote_write = opts.remoteWrite;
  const port = await freePort();
  const launch = () => launchPrometheus(dir, join(workDir, 'logs'), config, { name, port });
  let { url, proc } = await launch();
  return {
    url,
    dataDir: join(dir, 'data'),
    stop: () => stopProcess(proc),
    start: async () => {
      ({ url, proc } = await launch());
    },
  };
}

async function launchPrometheus(
  dir: string,
  logs: string,
  config: object,
  opts: { webConfig?: object; retention?: string; name?: string; port?: number } = {},
) {
  const { webConfig, retention = '2h', name = 'prometheus' } = opts;
  const port = opts.port ?? (await freePort());
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, stringify(config));
  const args = [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    `--storage.tsdb.retention.time=${retention}`,
  ];
  if (webConfig) {
    const webFile = join(dir, 'web.yml');
    writeFileSync(webFile, stringify(webConfig));
    args.push(`--web.config.file=${webFile}`);
  }
  const proc = startProcess(name, 'prometheus', args, logs);
  const url = `${webConfig ? 'https' : 'http'}://127.0.0.1:${port}`;
  // The process answers on its port once it listens; any HTTP answer (even 400 on a TLS port) is ready enough
  // for the caller's own readiness check, so probe the plain socket first.
  await waitFor('prometheus listening', () => connectable(port), { proc, timeoutMs: 30_000 });
  if (!webConfig) await waitUntilReady('prometheus', url, proc);
  return { url, proc };
}

/**
 * Until GET URL/-/ready answers 200: the readiness endpoint of Prometheus, and of the servers with
 * its API (Thanos, VictoriaMetrics).
 */
export function waitUntilReady(what: string, url: string, proc: Proc, timeoutMs = 30_000): Promise<true> {
  return waitFor(
    `${what} ready`,
    async () => {
      const res = await request(`${url}/-/ready`);
      await res.body.text();
      return res.statusCode === 200 ? true : undefined;
    },
    { proc, timeoutMs },
  );
}

function connectable(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(undefined));
  });
}

/** An instant query against Prometheus itself, for comparing with what the proxy serves. */
export async function promQuery(url: string, query: string, timeSeconds?: number) {
  const form = new URLSearchParams({
    query,
    ...(timeSeconds === undefined ? {} : { time: String(timeSeconds) }),
  });
  const res = await request(`${url}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  const body = (await res.body.json()) as {
    status: string;
    error?: string;
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (body.status !== 'success') throw new Error(`prometheus query failed: ${body.error}`);
  return body.data.result;
}
