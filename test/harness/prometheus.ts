// The real Prometheus server (Debian's package), discovering pods through the harness's
// kube-apiserver and scraping them on their loopback pod IPs, the way kube-prometheus would.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { stringify } from 'yaml';
import type { Cluster } from './cluster.ts';
import { freePort, type Proc, startProcess, stopProcess, waitFor } from './processes.ts';

export interface PrometheusServer {
  url: string;
  proc: Proc;
  scrapeIntervalSeconds: number;
  stop(): Promise<void>;
}

export async function startPrometheus(cluster: Cluster, opts: { scrapeIntervalSeconds?: number } = {}): Promise<PrometheusServer> {
  const dir = join(cluster.workDir, 'prometheus');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const interval = `${opts.scrapeIntervalSeconds ?? 2}s`;
  const client = cluster.pki.client('prometheus', 'prometheus', ['system:masters']);
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval },
    scrape_configs: [
      {
        job_name: 'kubernetes-pods',
        kubernetes_sd_configs: [
          {
            role: 'pod',
            api_server: cluster.apiserverUrl,
            tls_config: { ca_file: cluster.pki.ca.cert, cert_file: client.cert, key_file: client.key },
          },
        ],
        relabel_configs: [
          { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'], regex: 'true', action: 'keep' },
          // Only loopback pod IPs are ever scraped: nothing here may dial another address.
          { source_labels: ['__meta_kubernetes_pod_ip'], regex: '127\\..+', action: 'keep' },
          {
            source_labels: ['__meta_kubernetes_pod_ip', '__meta_kubernetes_pod_annotation_prometheus_io_port'],
            regex: '(.+);(\\d+)',
            replacement: '$1:$2',
            target_label: '__address__',
          },
          {
            source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_path'],
            regex: '(.+)',
            target_label: '__metrics_path__',
          },
          { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
          { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
          // What a ServiceMonitor's endpoints would add: the Service in front of the pod, named by its app label.
          { source_labels: ['__meta_kubernetes_pod_label_app'], regex: '(.+)', target_label: 'service' },
        ],
      },
    ],
  };
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, stringify(config));
  const proc = startProcess('prometheus', 'prometheus', [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--storage.tsdb.retention.time=2h',
  ], join(cluster.workDir, 'logs'));
  const url = `http://127.0.0.1:${port}`;
  await waitFor('prometheus ready', async () => {
    const res = await request(`${url}/-/ready`);
    await res.body.text();
    return res.statusCode === 200 ? true : undefined;
  }, { proc, timeoutMs: 30_000 });
  return { url, proc, scrapeIntervalSeconds: opts.scrapeIntervalSeconds ?? 2, stop: () => stopProcess(proc) };
}

/** An instant query against Prometheus itself, for comparing with what the proxy serves. */
export async function promQuery(url: string, query: string, timeSeconds?: number) {
  const form = new URLSearchParams({ query, ...(timeSeconds === undefined ? {} : { time: String(timeSeconds) }) });
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
