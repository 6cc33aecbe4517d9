// metrics.k8s.io side by side on the bench's cluster: cmetrics (answers from its resource-metrics
// store), metrics-server v0.8.0 (from its own scrapes of the same kwok nodes, started as the harness
// starts it: test/harness/metrics-server.ts) and prometheus-adapter (queries per request). Then the
// PromQL cmetrics sends Prometheus while requests come at a fixed rate: its store's evaluations only,
// whatever the rate.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import { startMetricsServer } from '../harness/metrics-server.ts';
import { httpGet, type LoadOptions, type Target } from './load.ts';
import { measure, queriesSince, type RunMeasurement } from './measure.ts';
import { type Memory, memory } from './procstat.ts';
import {
  type BenchEnv,
  FRONT_PROXY_HEADERS,
  fetchJson,
  type MeasuredServer,
  type ServingProcess,
  waitServing,
} from './servers.ts';
import { BENCH_NAMESPACE, podName } from './world.ts';

export const RESOURCE_SERVERS = ['cmetrics', 'metricsServer', 'adapter'] as const;
export type ResourceServerName = (typeof RESOURCE_SERVERS)[number];

/** metrics-server at its best: the shortest resolution it recommends (kubernetes-sigs/metrics-server FAQ.md). */
const METRICS_SERVER_RESOLUTION = '15s';
/** Under 90% of the resolution, which metrics-server requires (cmd/metrics-server/app/options/options.go). */
const METRICS_SERVER_KUBELET_TIMEOUT = '13s';
/** The request rates the queries cmetrics sends are counted at. */
const PACED_RATES = [1, 100];

export interface ResourceScenarioResult {
  id: string;
  title: string;
  runs: Record<ResourceServerName, RunMeasurement>;
}

export interface PacedResult {
  perSecond: number;
  seconds: number;
  requests: number;
  errors: number;
  /** Queries the bench's cmetrics sent meanwhile: four per evaluation of its store, by its own count. */
  queries: number;
  queriesPerMinute: number;
  /** Every query Prometheus logged meanwhile, the stack's own proxy and HPA included. */
  logged: number;
}

export interface ResourceBenchResult {
  metricsServerResolution: string;
  scenarios: ResourceScenarioResult[];
  /** RSS once all three serve every scenario, before the load. */
  idle: Record<ResourceServerName, Memory>;
  paced: PacedResult[];
}

/** One of each request `kubectl top` and the HPA controller send to metrics.k8s.io. */
function resourceScenarios(benchPods: number) {
  const base = '/apis/metrics.k8s.io/v1beta1';
  return [
    {
      id: 'pods-namespace',
      title: `pods in ${BENCH_NAMESPACE} (${benchPods} pods)`,
      path: `${base}/namespaces/${BENCH_NAMESPACE}/pods`,
      items: benchPods,
    },
    { id: 'pods-all', title: 'pods, all namespaces', path: `${base}/pods`, items: undefined },
    { id: 'nodes', title: 'nodes', path: `${base}/nodes`, items: undefined },
    {
      id: 'one-pod',
      title: `one pod (${podName(1)})`,
      path: `${base}/namespaces/${BENCH_NAMESPACE}/pods/${podName(1)}`,
      items: undefined,
    },
  ];
}

interface Served {
  name: ResourceServerName;
  server: ServingProcess;
  agent: Agent;
}

/**
 * The rows, with cmetrics and the adapter already serving the bench's world through `agent`;
 * metrics-server is started here and stopped before returning.
 */
export async function runResourceBench(
  env: BenchEnv,
  opts: LoadOptions & { benchPods: number; totalPods: number; pacedSeconds: number; log(line: string): void },
  servers: { cmetrics: MeasuredServer; adapter: MeasuredServer },
  agent: Agent,
): Promise<ResourceBenchResult> {
  opts.log(`metrics.k8s.io: starting metrics-server (--metric-resolution=${METRICS_SERVER_RESOLUTION})`);
  const ms = await startMetricsServer({
    binDir: env.binDir,
    kubeconfig: env.kubeconfig,
    workDir: env.workDir,
    metricResolution: METRICS_SERVER_RESOLUTION,
    // kwok renders 2,500 pods a node per scrape: 5 s is not always enough on a busy machine.
    kubeletRequestTimeout: METRICS_SERVER_KUBELET_TIMEOUT,
  });
  // Its own serving certificate, for its Service's name; the same front-proxy client identity.
  const msAgent = new Agent({
    connections: opts.concurrency,
    keepAliveTimeout: 60_000,
    connect: {
      ca: ms.ca,
      cert: readFileSync(join(env.pkiDir, 'front-proxy-client.crt'), 'utf8'),
      key: readFileSync(join(env.pkiDir, 'front-proxy-client.key'), 'utf8'),
      servername: `${ms.service.name}.${ms.service.namespace}.svc`,
    },
  });
  try {
    const served: Served[] = [
      { name: 'cmetrics', server: servers.cmetrics, agent },
      {
        name: 'metricsServer',
        server: { name: 'metrics-server', proc: ms.proc, origin: `https://127.0.0.1:${ms.service.port}` },
        agent: msAgent,
      },
      { name: 'adapter', server: servers.adapter, agent },
    ];
    const scenarios = resourceScenarios(opts.benchPods);
    for (const s of served) {
      for (const sc of scenarios) {
        const want = sc.items ?? (sc.id === 'pods-all' ? opts.totalPods : 1);
        await waitServing(
          s.server,
          s.agent,
          sc.path,
          (body) => ((body as { items?: unknown[] }).items?.length ?? 1) >= want,
          300_000,
          1000,
        );
      }
      opts.log(`metrics.k8s.io: ${s.name} serves every scenario`);
    }
    const idle = Object.fromEntries(served.map((s) => [s.name, memory(s.server.proc.pid)])) as Record<
      ResourceServerName,
      Memory
    >;
    const results: ResourceScenarioResult[] = [];
    for (const sc of scenarios) {
      opts.log(`metrics.k8s.io load: ${sc.title}`);
      const runs = {} as ResourceScenarioResult['runs'];
      for (const s of served) {
        runs[s.name] = await measure(
          s.server,
          httpGet(`${s.server.origin}${sc.path}`, FRONT_PROXY_HEADERS, s.agent),
          opts,
        );
      }
      results.push({ id: sc.id, title: sc.title, runs });
    }
    const paced: PacedResult[] = [];
    for (const perSecond of PACED_RATES) {
      opts.log(`metrics.k8s.io: cmetrics at ${perSecond} req/s for ${opts.pacedSeconds} s`);
      const targets = scenarios.map((sc) =>
        httpGet(`${servers.cmetrics.origin}${sc.path}`, FRONT_PROXY_HEADERS, agent),
      );
      const mark = statSync(env.queryLog).size;
      const before = await evaluations(servers.cmetrics, agent);
      const run = await pacedLoad(targets, perSecond, opts.pacedSeconds * 1000);
      const queries = 4 * ((await evaluations(servers.cmetrics, agent)) - before);
      paced.push({
        perSecond,
        seconds: run.elapsedMs / 1000,
        requests: run.requests,
        errors: run.errors,
        queries,
        queriesPerMinute: (queries * 60_000) / run.elapsedMs,
        logged: queriesSince(env.queryLog, mark).length,
      });
    }
    return { metricsServerResolution: METRICS_SERVER_RESOLUTION, scenarios: results, idle, paced };
  } finally {
    await msAgent.close();
    await ms.stop();
  }
}

/** The store's evaluations so far, from cmetrics' own metrics (each sends the four resourceRules queries). */
async function evaluations(server: ServingProcess, agent: Agent): Promise<number> {
  const { body } = await fetchJson<string>(server, agent, '/metrics');
  const count =
    /^cmetrics_proxy_resource_metrics_evaluation_duration_seconds_count\{result="(?:success|failure)"\} (\d+)/gm;
  return [...String(body).matchAll(count)].reduce((n, m) => n + Number(m[1]), 0);
}

/** Open loop: request i goes at i/perSecond seconds, answered or not; the targets take turns. */
async function pacedLoad(targets: Target[], perSecond: number, durationMs: number) {
  const started = performance.now();
  const pending: Promise<void>[] = [];
  let errors = 0;
  for (let i = 0; (i * 1000) / perSecond < durationMs; i++) {
    const wait = started + (i * 1000) / perSecond - performance.now();
    if (wait > 0) await sleep(wait);
    const target = targets[i % targets.length] as Target;
    pending.push(
      target().then(
        () => undefined,
        () => {
          errors++;
        },
      ),
    );
  }
  await Promise.all(pending);
  // The last request leaves 1/perSecond before the end: the count covers the whole duration.
  const rest = started + durationMs - performance.now();
  if (rest > 0) await sleep(rest);
  return { requests: pending.length, errors, elapsedMs: performance.now() - started };
}

const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);
const LABEL: Record<ResourceServerName, string> = {
  cmetrics: 'cmetrics',
  metricsServer: 'metrics-server',
  adapter: 'adapter',
};

/** The section of the report, with issue 15's goals against metrics-server. */
export function resourceMarkdown(r: ResourceBenchResult): string[] {
  const row = (label: string, m: RunMeasurement) =>
    `| ${label} | ${f1(m.throughput)} | ${f2(m.latencyMs.p50)} | ${f2(m.latencyMs.p99)} | ${m.memory ? `${Math.round(m.memory.rssMiB)} (${Math.round(m.memory.peakRssMiB)})` : ''} | ${m.errors} |`;
  const goals = r.scenarios.flatMap((s) => {
    const c = s.runs.cmetrics;
    const m = s.runs.metricsServer;
    return [
      `| ${s.id}: throughput ≥ metrics-server's | ${f1(c.throughput)} vs ${f1(m.throughput)} req/s | ${c.throughput >= m.throughput ? 'yes' : '**no**'} |`,
      `| ${s.id}: p99 ≤ 1.0× metrics-server's | ${f2(c.latencyMs.p99)} vs ${f2(m.latencyMs.p99)} ms | ${c.latencyMs.p99 <= m.latencyMs.p99 ? 'yes' : '**no**'} |`,
    ];
  });
  const rss = (name: ResourceServerName) => Math.round(r.idle[name].rssMiB);
  return [
    '### metrics.k8s.io: cmetrics, metrics-server, adapter',
    '',
    `Each server driven directly as the aggregator would; metrics-server v0.8.0 scraping the same kwok nodes every ${r.metricsServerResolution}.`,
    '',
    '| scenario / server | req/s | p50 ms | p99 ms | RSS MiB (peak) | errors |',
    '|---|---:|---:|---:|---:|---:|',
    ...r.scenarios.flatMap((s) =>
      RESOURCE_SERVERS.map((name, i) =>
        row(i ? `… ${LABEL[name]}` : `**${s.title}** — ${LABEL[name]}`, s.runs[name]),
      ),
    ),
    '',
    `RSS once all three serve every scenario, before the load: ${RESOURCE_SERVERS.map((n) => `${LABEL[n]} ${rss(n)} MiB`).join(', ')}.`,
    '',
    "PromQL cmetrics sends Prometheus under a fixed request rate (the four scenarios in turn): four per evaluation of its store, by its own count; beside it every query Prometheus' query log shows meanwhile (the stack's own proxy and HPA too):",
    '',
    '| req/s | seconds | requests | errors | cmetrics queries | queries/min | all logged |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...r.paced.map(
      (p) =>
        `| ${p.perSecond} | ${f1(p.seconds)} | ${p.requests} | ${p.errors} | ${p.queries} | ${f1(p.queriesPerMinute)} | ${p.logged} |`,
    ),
    '',
    '| goal (issue 15) | measured | met |',
    '|---|---|---|',
    ...goals,
    `| RSS ≤ metrics-server's | ${rss('cmetrics')} vs ${rss('metricsServer')} MiB | ${rss('cmetrics') <= rss('metricsServer') ? 'yes' : '**no**'} |`,
    '',
  ];
}
