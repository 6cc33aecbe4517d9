// The real Prometheus server (Debian's package), scraping the sample app's pods on their loopback
// pod IPs with the labels kube-prometheus would give them (namespace, pod, service).
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

export async function startPrometheus(
  cluster: Cluster,
  opts: { fileSd: string; scrapeIntervalSeconds?: number },
): Promise<PrometheusServer> {
  const dir = join(cluster.workDir, 'prometheus');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const interval = `${opts.scrapeIntervalSeconds ?? 2}s`;
  // Debian's Prometheus is built without Kubernetes service discovery, so the pod runner (which
  // knows every served pod, its loopback IP and labels) writes file_sd targets instead.
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval },
    scrape_configs: [
      {
        job_name: 'kubernetes-pods',
        file_sd_configs: [{ files: [opts.fileSd], refresh_interval: '5s' }],
        relabel_configs: [
          // Only loopback addresses are ever scraped: nothing here may dial another address.
          { source_labels: ['__address__'], regex: '127\\..+', action: 'keep' },
        ],
      },
    ],
  };
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, stringify(config));
  const proc = startProcess(
    'prometheus',
    'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=2h',
    ],
    join(cluster.workDir, 'logs'),
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    'prometheus ready',
    async () => {
      const res = await request(`${url}/-/ready`);
      await res.body.text();
      return res.statusCode === 200 ? true : undefined;
    },
    { proc, timeoutMs: 30_000 },
  );
  return { url, proc, scrapeIntervalSeconds: opts.scrapeIntervalSeconds ?? 2, stop: () => stopProcess(proc) };
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
