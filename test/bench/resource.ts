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
import { httpGet, type LoadOptions, runLoad, runPaced } from './load.ts';
import { countQueries, measure, queriesSince, type RunMeasurement } from './measure.ts';
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

export interface FixedRateRun {
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
  paced: FixedRateRun[];
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
  opts: LoadOptions & {
    benchPods: number;
    totalPods: number;
    pacedDurationMs: number;
    log(line: string): void;
  },
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
        const load = () =>
          runLoad(
            httpGet(() => `${s.server.origin}${sc.path}`, FRONT_PROXY_HEADERS, s.agent),
            opts,
          );
        // metrics-server sends Prometheus nothing: its count would be the stack's own queries.
        runs[s.name] = await measure(
          s.server,
          s.name === 'metricsServer' ? load : () => countQueries(env.prometheusUrl, load),
        );
      }
      results.push({ id: sc.id, title: sc.title, runs });
    }
    const paced: FixedRateRun[] = [];
    // The four scenarios in turn.
    const paths = scenarios.map((sc) => sc.path);
    const target = httpGet(
      (i) => `${servers.cmetrics.origin}${paths[i % paths.length]}`,
      FRONT_PROXY_HEADERS,
      agent,
    );
    for (const perSecond of PACED_RATES) {
      opts.log(`metrics.k8s.io: cmetrics at ${perSecond} req/s for ${opts.pacedDurationMs / 1000} s`);
      const mark = statSync(env.queryLog).size;
      const before = await evaluations(servers.cmetrics, agent);
      const started = performance.now();
      // An open loop: each request leaves on time, answered or not.
      const run = await runPaced(target, {
        rate: perSecond,
        durationMs: opts.pacedDurationMs,
        maxInFlight: Number.POSITIVE_INFINITY,
      });
      // The last request leaves 1/perSecond before the end: the count covers the whole duration.
      const rest = started + opts.pacedDurationMs - performance.now();
      if (rest > 0) await sleep(rest);
      const elapsedMs = performance.now() - started;
      const queries = 4 * ((await evaluations(servers.cmetrics, agent)) - before);
      paced.push({
        perSecond,
        seconds: elapsedMs / 1000,
        requests: run.requests,
        errors: run.errors,
        queries,
        queriesPerMinute: (queries * 60_000) / elapsedMs,
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
