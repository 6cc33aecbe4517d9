import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Agent, Pool } from 'undici';
import { stopProcess, waitFor } from '../harness/processes.ts';
import { startPrometheusWithData } from '../harness/prometheus.ts';
import { RELIST_PREFIX, writeBenchConfig, writeRelistConfig } from './config.ts';
import { answerItems, compareAnswers, type Difference } from './conformance.ts';
import {
  httpGet,
  type LoadResult,
  type PacedResult,
  percentiles,
  runLoad,
  runPaced,
  type Target,
} from './load.ts';
import { countQueries, measure, queriesSince, type RunMeasurement } from './measure.ts';
import {
  type Comparison,
  comparePodsTop,
  compareShortCommands,
  type PluginBenchOptions,
  pluginPath,
} from './plugin.ts';
import { type Memory, memory } from './procstat.ts';
import { type ResourceBenchResult, runResourceBench } from './resource.ts';
import { type AnswerKind, conformanceOnly, distinctScenarios, loadScenarios } from './scenarios.ts';
import {
  type BenchEnv,
  benchAgent,
  type Contender,
  FRONT_PROXY_HEADERS,
  fetchJson,
  type MeasuredServer,
  type ServerName,
  startAdapter,
  startCmetrics,
  waitServing,
} from './servers.ts';
import { buildWorld, type WorldSize } from './world.ts';

export interface BenchOptions extends WorldSize, PluginBenchOptions {
  /** The cmetrics bundle directory (npm run build's output). */
  dist: string;
  concurrency: number;
  durationMs: number;
  /** Sequential requests on fresh evaluation seconds, for the overhead over the bare query. */
  overheadSamples: number;
  /** Series counts of the discovery runs. */
  relistSeries: number[];
  /** Metric names the relist series are spread over. */
  relistMetrics: number;
  /** Relist interval of the discovery runs; memory is read after two relists. */
  relistIntervalSeconds: number;
  /** HPAs of each paced run, each asking for its own metric every HPA_SYNC_SECONDS. */
  pacedHpas: number[];
  /** Each paced run: the HPAs' and the fixed-rate metrics.k8s.io ones (resource.ts). */
  pacedDurationMs: number;
  log(line: string): void;
}

/**
 * The HPA controller's defaults (kubernetes cmd/kube-controller-manager/app/options/hpacontroller.go):
 * --horizontal-pod-autoscaler-sync-period 15 s, --concurrent-horizontal-pod-autoscaler-syncs 5.
 */
const HPA_SYNC_SECONDS = 15;
const HPA_WORKERS = 5;

export interface ScenarioResult {
  id: string;
  title: string;
  /** Whether every request of the load was its own (scenarios.ts distinctScenarios). */
  distinct: boolean;
  /** PromQL of one request, as Prometheus' query log shows it. */
  queries: Record<ServerName, string[]>;
  runs: Record<Contender, RunMeasurement>;
  /** The PromQL of one request of each server, sent straight to Prometheus (repeated scenarios only). */
  bare?: Partial<Record<ServerName, RunMeasurement>>;
}

export interface PacedRun extends PacedResult {
  cpuMs: number;
  memory: Memory;
  prometheusQueries: number;
}

export interface PacedScenarioResult {
  id: string;
  title: string;
  hpas: number;
  syncSeconds: number;
  workers: number;
  runs: Record<Contender, PacedRun>;
}

/** A server's answer, its queries sent bare to Prometheus, and its round trip without a query. */
type OverheadMeasure = ServerName | `${ServerName}Bare` | `${ServerName}RoundTrip`;

export interface OverheadResult {
  id: string;
  /** Median latency at concurrency 1, every answer and bare query on a fresh evaluation second (no cached answer). */
  p50Ms: Record<OverheadMeasure, number>;
}

export interface RelistResult {
  series: number;
  metrics: number;
  /** From process start until discovery lists every metric. */
  discoveryMs: Record<ServerName, number>;
  memory: Record<ServerName, Memory>;
}

export interface BenchResult {
  date: string;
  loadavg: string;
  scrapeIntervalSeconds: number;
  options: Omit<BenchOptions, 'log' | 'dist' | 'executable'>;
  scenarios: ScenarioResult[];
  paced: PacedScenarioResult[];
  overhead: OverheadResult[];
  /** RSS once each serves every scenario, before any load. */
  idle: Record<Contender, Memory>;
  conformance: { request: string; kind: AnswerKind; differences: Difference[] }[];
  relist: RelistResult[];
  /** top pods -A at the cluster's size before the bench's pods and with them, then the short commands. */
  plugin: Comparison[];
  resource: ResourceBenchResult;
}

export async function runBench(env: BenchEnv, opts: BenchOptions): Promise<BenchResult> {
  const loadavg = readFileSync('/proc/loadavg', 'utf8').trim();
  const path = pluginPath(env, opts);
  opts.log('plugin: top pods -A before the bench pods, version, completion, explain hpa');
  const before = env
    .kubectl(['get', 'pods', '-A', '--no-headers', '-o', 'name'])
    .split('\n')
    .filter(Boolean).length;
  // A new stack has no usage yet: one rate() window of scrapes.
  await waitFor(
    'kubectl top pods -A answers',
    async () =>
      spawnSync(join(env.binDir, 'kubectl'), ['top', 'pods', '-A'], { env: path }).status === 0
        ? true
        : undefined,
    { timeoutMs: 180_000, intervalMs: 2000 },
  );
  const plugin = [
    await comparePodsTop(path, `${before} pod${before === 1 ? '' : 's'} (the demo's)`, opts),
    ...(await compareShortCommands(path, opts)),
  ];
  opts.log(`building the world: ${opts.benchPods} pods in bench, ${opts.totalPods} in all`);
  const world = await buildWorld(env, opts);
  const agent = benchAgent(env, opts.concurrency);
  const servers: MeasuredServer[] = [];
  try {
    const config = writeBenchConfig(join(env.workDir, 'bench-adapter.yaml'));
    const serverOpts = { config, prometheusUrl: env.prometheusUrl, relistInterval: '1m' };
    servers.push(
      await startCmetrics(env, join(opts.dist, 'cmetrics-proxy.js'), serverOpts),
      await startAdapter(env, serverOpts),
      await startAdapter(env, serverOpts, 'bench-prometheus-adapter-tuned', true),
    );
    // The two compared answer by answer; the tuned adapter answers the same.
    const compared = servers.filter(
      (s): s is MeasuredServer & { name: ServerName } => s.name !== 'adapterTuned',
    );
    const repeated = loadScenarios(opts.benchPods);
    const distinct = distinctScenarios(opts.benchPods);
    const scenarios = [...repeated, ...distinct];
    const expected: Record<string, (n: number) => boolean> = {
      'custom-pods': (n) => n === opts.benchPods,
      'custom-pods-distinct': (n) => n === opts.benchPods,
      'resource-pods': (n) => n >= opts.totalPods,
    };
    for (const server of servers) {
      for (const s of scenarios) {
        const enough = expected[s.id] ?? ((n: number) => n > 0);
        await waitServing(server, agent, s.path, (body) => enough(itemCount(body)), 240_000, 1000);
      }
      opts.log(`${server.name} serves every scenario`);
    }
    const idle = Object.fromEntries(servers.map((s) => [s.name, memory(s.proc.pid)])) as Record<
      Contender,
      Memory
    >;

    opts.log('conformance');
    const conformance = [];
    const queries = new Map<string, Record<ServerName, string[]>>();
    for (const r of [...scenarios, ...conformanceOnly()]) {
      const answers = {} as Record<ServerName, unknown>;
      const sent = {} as Record<ServerName, string[]>;
      // A fresh evaluation second: cmetrics' answer cache cannot answer, so its queries show in the log.
      await nextSecond();
      for (const server of compared) {
        const mark = statSync(env.queryLog).size;
        const { code, body } = await fetchJson(server, agent, r.path);
        if (code !== 200)
          throw new Error(`${server.name} answered ${code} to ${r.path}: ${JSON.stringify(body)}`);
        answers[server.name] = body;
        // Prometheus logs a query before it answers it.
        sent[server.name] = queriesSince(env.queryLog, mark);
      }
      queries.set(r.id, sent);
      conformance.push({
        request: r.title,
        kind: r.kind,
        differences: compareAnswers(r.kind, answers.cmetrics, answers.adapter),
      });
    }

    const bare = new Pool(env.prometheusUrl, { connections: opts.concurrency });
    const counted = (run: () => Promise<LoadResult>) => countQueries(env.prometheusUrl, run);
    const results: ScenarioResult[] = [];
    for (const s of scenarios) {
      const sent = queries.get(s.id) as Record<ServerName, string[]>;
      const isDistinct = s.nth !== undefined;
      const nth = s.nth ?? (() => s.path);
      opts.log(`load: ${s.title}`);
      const runs = {} as ScenarioResult['runs'];
      for (const server of servers) {
        const target = httpGet((i) => `${server.origin}${nth(i)}`, FRONT_PROXY_HEADERS, agent);
        runs[server.name] = await measure(server, () => counted(() => runLoad(target, opts)));
      }
      const result: ScenarioResult = { id: s.id, title: s.title, distinct: isDistinct, queries: sent, runs };
      if (!isDistinct) {
        result.bare = {};
        // cmetrics answers metrics.k8s.io from its store: a request of its own sends nothing to time bare.
        for (const server of compared.filter((x) => sent[x.name].length))
          result.bare[server.name] = await counted(() =>
            runLoad(bareTarget(bare, sent[server.name], server.name), opts),
          );
      }
      results.push(result);
    }

    // Paced: N HPAs, each asking for its own pods/* metric every sync period, as the controller does.
    const pacedScenario = distinct[0] as (typeof distinct)[number];
    const paced: PacedScenarioResult[] = [];
    for (const hpas of opts.pacedHpas) {
      opts.log(`paced: ${hpas} HPAs every ${HPA_SYNC_SECONDS} s`);
      const runs = {} as PacedScenarioResult['runs'];
      for (const server of servers) {
        const nth = pacedScenario.nth as (i: number) => string;
        const target = httpGet((i) => `${server.origin}${nth(i % hpas)}`, FRONT_PROXY_HEADERS, agent);
        const pacing = {
          rate: hpas / HPA_SYNC_SECONDS,
          durationMs: opts.pacedDurationMs,
          maxInFlight: HPA_WORKERS,
        };
        runs[server.name] = (await measure(server, () =>
          counted(() => runPaced(target, pacing)),
        )) as PacedRun;
      }
      paced.push({
        id: `${pacedScenario.id}-paced-${hpas}`,
        title: `${hpas} HPAs, each its own ${pacedScenario.title.replace(/, each request.*/, '')} every ${HPA_SYNC_SECONDS} s`,
        hpas,
        syncSeconds: HPA_SYNC_SECONDS,
        workers: HPA_WORKERS,
        runs,
      });
    }

    const [cmetrics, adapter] = servers as [MeasuredServer, MeasuredServer];
    const resource = await runResourceBench(env, opts, { cmetrics, adapter }, agent);

    opts.log('overhead over the bare query (concurrency 1, fresh evaluation seconds)');
    const overhead: OverheadResult[] = [];
    for (const s of repeated.filter((x) => x.kind !== 'pods')) {
      const sent = queries.get(s.id) as Record<ServerName, string[]>;
      const samples: Record<OverheadMeasure, number[]> = {
        cmetrics: [],
        adapter: [],
        cmetricsBare: [],
        adapterBare: [],
        cmetricsRoundTrip: [],
        adapterRoundTrip: [],
      };
      for (let i = 0; i < opts.overheadSamples; i++) {
        for (const server of compared) {
          // Each timed request first in its own second: the first query after a pause costs
          // Prometheus (and the machine) about a millisecond more than one right after it, so a
          // bare query sent just after the server's own would flatter the bare side.
          await nextSecond();
          samples[server.name].push(
            await timed(httpGet(() => `${server.origin}${s.path}`, FRONT_PROXY_HEADERS, agent)),
          );
          await nextSecond();
          samples[`${server.name}Bare`].push(await timed(bareTarget(bare, sent[server.name], server.name)));
          // The same connection's round trip without a query (/healthz): what TLS and HTTP cost.
          samples[`${server.name}RoundTrip`].push(
            await timed(httpGet(() => `${server.origin}/healthz`, FRONT_PROXY_HEADERS, agent)),
          );
        }
      }
      overhead.push({
        id: s.id,
        p50Ms: Object.fromEntries(
          Object.entries(samples).map(([k, v]) => [k, percentiles(v).p50]),
        ) as OverheadResult['p50Ms'],
      });
    }
    await bare.close();

    opts.log(`plugin: top pods -A at ${opts.totalPods.toLocaleString('en')} pods`);
    // A kubectl top that fails (no usage scraped yet on a starved machine) costs its row, not the run.
    try {
      plugin.splice(1, 0, await comparePodsTop(path, `${opts.totalPods.toLocaleString('en')} pods`, opts));
    } catch (e) {
      opts.log(
        `plugin: top pods -A at ${opts.totalPods} pods left out: ${(e as Error).message.slice(0, 300)}`,
      );
    }
    for (const s of servers) await stopProcess(s.proc);
    servers.length = 0;
    // Discovery is measured on an empty cluster: its memory is the series', not the pods' caches.
    await world.stop();

    const relist: RelistResult[] = [];
    for (const series of opts.relistSeries) {
      opts.log(`discovery at ${series.toLocaleString('en')} series`);
      relist.push(await relistRun(env, opts, agent, series));
    }
    return {
      date: new Date().toISOString(),
      loadavg,
      scrapeIntervalSeconds: env.scrapeIntervalSeconds,
      options: strip(opts),
      scenarios: results,
      paced,
      overhead,
      idle,
      conformance,
      relist,
      plugin,
      resource,
    };
  } finally {
    for (const s of servers) await stopProcess(s.proc);
    await agent.close();
    await world.stop();
  }
}

function strip(opts: BenchOptions): BenchResult['options'] {
  const { log: _, dist: __, executable: ___, ...rest } = opts;
  return rest;
}

function itemCount(body: unknown): number {
  return answerItems(body).length;
}

/** Sleeps into the next whole second (plus 50 ms), where the proxy evaluates at a new time. */
async function nextSecond(): Promise<void> {
  await sleep(1050 - (Date.now() % 1000));
}

async function timed(target: Target): Promise<number> {
  const t0 = performance.now();
  await target(0);
  return performance.now() - t0;
}

/**
 * The queries one request of `server` sends, sent together straight to Prometheus, evaluated where
 * that server evaluates: cmetrics at the last whole second at least one second old, the adapter now.
 */
function bareTarget(pool: Pool, queries: string[], server: ServerName): Target {
  return async () => {
    const nowMs = Date.now();
    const time = server === 'cmetrics' ? String(Math.floor(nowMs / 1000) - 1) : (nowMs / 1000).toFixed(3);
    const sizes = await Promise.all(
      queries.map(async (query) => {
        const res = await pool.request({
          method: 'POST',
          path: '/api/v1/query',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ query, time }).toString(),
        });
        const text = await res.body.text();
        if (res.statusCode !== 200)
          throw new Error(`Prometheus answered ${res.statusCode}: ${text.slice(0, 200)}`);
        return text.length;
      }),
    );
    return sizes.reduce((a, b) => a + b, 0);
  };
}

/** OpenMetrics for promtool: `series` series over `metrics` names, each with namespace and pod labels. */
async function writeRelistData(
  file: string,
  series: number,
  metrics: number,
  atSeconds: number,
): Promise<void> {
  const out = createWriteStream(file);
  for (let m = 0; m < metrics; m++) {
    out.write(`# TYPE ${RELIST_PREFIX}m${m} gauge\n`);
    for (let i = m; i < series; i += metrics) {
      const line = `${RELIST_PREFIX}m${m}{namespace="ns-${i % 100}",pod="pod-${i}",container="app",instance="10.0.${i % 250}.${i % 200}:8080"} ${i % 97} ${atSeconds}\n`;
      if (!out.write(line)) await new Promise((r) => out.once('drain', r));
    }
  }
  out.end('# EOF\n');
  await finished(out);
}

export async function relistRun(
  env: BenchEnv,
  opts: BenchOptions,
  agent: Agent,
  series: number,
): Promise<RelistResult> {
  const dir = join(env.workDir, `relist-${series}`);
  mkdirSync(dir, { recursive: true });
  const metrics = Math.min(opts.relistMetrics, series);
  const data = join(dir, 'data.om');
  await writeRelistData(data, series, metrics, Math.floor(Date.now() / 1000) - 600);
  const prometheus = await startPrometheusWithData(join(dir, 'prometheus'), readFileSync(data, 'utf8'));
  const servers: MeasuredServer[] = [];
  try {
    const serverOpts = {
      config: writeRelistConfig(join(dir, 'adapter.yaml')),
      prometheusUrl: prometheus.url,
      relistInterval: `${opts.relistIntervalSeconds}s`,
      maxAge: '1h',
    };
    const discoveryMs = {} as RelistResult['discoveryMs'];
    const mem = {} as RelistResult['memory'];
    // One at a time: each has the machine (and Prometheus) to itself.
    for (const start of [
      () => startCmetrics(env, join(opts.dist, 'cmetrics-proxy.js'), serverOpts, `relist-${series}-cmetrics`),
      () => startAdapter(env, serverOpts, `relist-${series}-adapter`),
    ]) {
      const t0 = performance.now();
      const server = await start();
      servers.push(server);
      await waitServing(
        server,
        agent,
        '/apis/custom.metrics.k8s.io/v1beta1',
        (body) => metricNames(body) === metrics,
        600_000,
        200,
      );
      const name = server.name as ServerName;
      discoveryMs[name] = performance.now() - t0;
      // Memory is read once a second relist has run too: the steady cycle, not the first fill.
      await sleep(opts.relistIntervalSeconds * 1500);
      mem[name] = memory(server.proc.pid);
      await stopProcess(server.proc);
    }
    return { series, metrics, discoveryMs, memory: mem };
  } finally {
    for (const s of servers) await stopProcess(s.proc);
    await prometheus.stop();
    // A million series take about 350 MB of disk.
    rmSync(dir, { recursive: true, force: true });
  }
}

function metricNames(body: unknown): number {
  const resources = (body as { resources?: { name: string }[] }).resources ?? [];
  return new Set(resources.map((r) => r.name.split('/')[1])).size;
}
