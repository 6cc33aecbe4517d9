// VictoriaMetrics single-node (Debian's package) beside the stack's Prometheus, scraping the same
// targets with the same scrape configuration (the stack's prometheus.yml, less what only Prometheus
// reads), so that answers through either store can be compared. Listens on 127.0.0.1 only; its
// Graphite, InfluxDB and OpenTSDB listeners stay off (they open only when their flags are given).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, type Proc, startProcess, stopProcess } from './processes.ts';
import { stackPrometheusConfig, waitUntilReady } from './prometheus.ts';
import { pidsInGroups, recordSockets } from './sockets.ts';

export interface VictoriaMetrics {
  url: string;
  proc: Proc;
  stop(): Promise<void>;
}

/**
 * `latencyOffset` is VictoriaMetrics' -search.latencyOffset: it answers nothing newer than now minus
 * that (default 30s, so that late samples of a scrape are complete); docs/backends/victoria-metrics.md tells a user
 * what it means for the metrics APIs.
 */
export async function startVictoriaMetrics(opts: {
  workDir: string;
  latencyOffset?: string;
}): Promise<VictoriaMetrics> {
  const dir = join(opts.workDir, 'victoria-metrics');
  mkdirSync(dir, { recursive: true });
  const prometheus = stackPrometheusConfig(opts.workDir);
  // Its scrape configuration parser refuses fields it does not know (-promscrape.config.strictParse):
  // the query log, rule evaluation, and file_sd's refresh_interval (one flag sets it for every file).
  const { query_log_file: _, evaluation_interval: __, ...global } = prometheus.global;
  const scrapeConfigs = prometheus.scrape_configs.map((c) =>
    c.file_sd_configs ? { ...c, file_sd_configs: c.file_sd_configs.map(({ files }) => ({ files })) } : c,
  );
  const configFile = join(dir, 'scrape.yml');
  writeFileSync(configFile, stringify({ global, scrape_configs: scrapeConfigs }));
  const port = await freePort();
  const proc = startProcess(
    'victoria-metrics',
    'victoria-metrics',
    [
      `-storageDataPath=${join(dir, 'data')}`,
      `-httpListenAddr=127.0.0.1:${port}`,
      `-promscrape.config=${configFile}`,
      // Prometheus' refresh_interval in the stack's file_sd_configs (its default: 1m).
      '-promscrape.fileSDCheckInterval=5s',
      `-search.latencyOffset=${opts.latencyOffset ?? '1s'}`,
      '-retentionPeriod=1d',
    ],
    join(opts.workDir, 'logs'),
  );
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady('victoria-metrics', url, proc);
  return {
    url,
    proc,
    stop: async () => {
      recordSockets(opts.workDir, proc.name, pidsInGroups([proc.pid]));
      await stopProcess(proc);
    },
  };
}
