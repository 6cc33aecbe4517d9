// npm run bench:stores: the same custom, external and resource requests to cmetrics-proxy over plain
// Prometheus, over Thanos Query (two Prometheus with sidecars, deduplicated) and over
// VictoriaMetrics, on one harness stack; and how long a request takes to move on when the first
// server of a two-server backend is gone or hangs. Prints a Markdown report.
//   npm run bench:stores -- [--duration 10] [--concurrency 8] [--dist DIR]
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { build } from '../../scripts/build.ts';
import { startFaultProxy } from '../harness/fault-proxy.ts';
import { type Proc, stopProcess, waitFor } from '../harness/processes.ts';
import { FIXTURES, startStack } from '../harness/stack.ts';
import { startThanos } from '../harness/thanos.ts';
import { startVictoriaMetrics } from '../harness/victoria-metrics.ts';
import { httpGet, type LoadResult, runLoad } from './load.ts';
import { benchAgent, benchEnv, startCmetrics } from './servers.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '8' },
    dist: { type: 'string' },
  },
});
const durationMs = Number(values.duration) * 1000;
const concurrency = Number(values.concurrency);
const log = (line: string) => process.stderr.write(`[bench:stores] ${line}\n`);

const CUSTOM =
  '/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/qps?labelSelector=app%3Dcustom-metrics-app';
/** Every request its own metric selector (matching every series), so none shares a Prometheus call. */
const DISTINCT = (i: number) => `${CUSTOM}&metricLabelSelector=${encodeURIComponent(`status notin (x${i})`)}`;
const REQUESTS: { name: string; path: (i: number) => string }[] = [
  { name: 'custom pods/* (distinct)', path: DISTINCT },
  {
    name: 'external',
    path: () =>
      '/apis/external.metrics.k8s.io/v1beta1/namespaces/default/external_requests_per_second?labelSelector=service%3Dcustom-metrics-app',
  },
  {
    name: 'PodMetrics, namespace default',
    path: () => '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods',
  },
  { name: 'NodeMetrics', path: () => '/apis/metrics.k8s.io/v1beta1/nodes' },
];

/** As kube-apiserver's aggregator sends them for a cluster admin. */
const HEADERS = { 'x-remote-user': 'bench', 'x-remote-group': 'system:masters' };

let dist = values.dist;
if (!dist) {
  dist = mkdtempSync(join(tmpdir(), 'cmetrics-bench-stores-'));
  await build(dist);
}
const bundle = join(dist, 'cmetrics-proxy.js');

log('starting the stack, VictoriaMetrics and Thanos');
const stack = await startStack();
const env = benchEnv(stack);
/** cmetrics-proxy as the bench runs it (the shipped bundle, the image's Node flags) over `prometheusUrl`, serving. */
async function startProxy(name: string, prometheusUrl: string, args: string[] = []) {
  const server = await startCmetrics(
    env,
    bundle,
    { config: join(FIXTURES, 'harness-adapter.yaml'), prometheusUrl, relistInterval: '5s', args },
    name,
  );
  const { proc } = server;
  await waitFor(
    'proxy serving',
    async () => (readFileSync(proc.log, 'utf8').includes('"msg":"serving"') ? true : undefined),
    {
      proc,
      timeoutMs: 60_000,
    },
  );
  return { port: Number(new URL(server.origin).port), proc };
}

const procs: Proc[] = [];
const stops: (() => Promise<void>)[] = [];
try {
  const vm = await startVictoriaMetrics({ workDir: stack.cluster.workDir });
  stops.push(vm.stop);
  const thanos = await startThanos({ workDir: stack.cluster.workDir, binDir: stack.cluster.binDir });
  stops.push(thanos.stop);
  const stores = {
    Prometheus: stack.prometheus.url,
    'Thanos Query': thanos.queryUrl,
    VictoriaMetrics: vm.url,
  };
  const proxies: Record<string, number> = {};
  for (const [name, url] of Object.entries(stores)) {
    const p = await startProxy(`bench-${name.replace(/\s/g, '-').toLowerCase()}`, url);
    procs.push(p.proc);
    proxies[name] = p.port;
  }
  const agent = benchAgent(env, concurrency);
  const target = (port: number, path: (i: number) => string) =>
    httpGet((i) => `https://127.0.0.1:${port}${path(i)}`, HEADERS, agent);
  // Every store answers every request (discovery done, rate windows filled) before anything is timed.
  await waitFor(
    'every request answered through every store',
    async () => {
      for (const port of Object.values(proxies)) for (const r of REQUESTS) await target(port, r.path)(0);
      return true;
    },
    { proc: stack.proxy, timeoutMs: 300_000, intervalMs: 2000 },
  );
  const results: Record<string, Record<string, LoadResult>> = {};
  for (const r of REQUESTS) {
    results[r.name] = {};
    for (const [store, port] of Object.entries(proxies)) {
      log(`${r.name} through ${store}`);
      (results[r.name] as Record<string, LoadResult>)[store] = await runLoad(target(port, r.path), {
        concurrency,
        durationMs,
      });
    }
  }

  // Failover: a backend of two servers holding the same data, the first behind a fault proxy.
  log('failover');
  const fault = await startFaultProxy(stack.prometheus.url);
  stops.push(fault.close);
  const timeoutS = 2;
  const ha = await startProxy('bench-failover', `${fault.url},${thanos.prometheus[1]?.url}`, [
    `--prometheus-timeout=${timeoutS}s`,
  ]);
  procs.push(ha.proc);
  let n = 1_000_000;
  const once = async () => {
    const t0 = performance.now();
    await target(ha.port, DISTINCT)(n++);
    return performance.now() - t0;
  };
  await waitFor(
    'the failover proxy answers',
    async () => ((await once().catch(() => undefined)) ? true : undefined),
    {
      proc: ha.proc,
      timeoutMs: 120_000,
    },
  );
  const median = async (k: number) => {
    const ms: number[] = [];
    for (let i = 0; i < k; i++) ms.push(await once());
    return ms.sort((a, b) => a - b)[Math.floor(k / 2)] as number;
  };
  const baseline = await median(21);
  await fault.set({ kind: 'down' });
  const firstDown = await once();
  const afterDown = await median(21);
  await fault.set({ kind: 'none' });
  // Back to the first server once a readiness check has found it ready.
  await (await request(`https://127.0.0.1:${ha.port}/readyz`, { dispatcher: agent })).body.text();
  await fault.set({ kind: 'delay', ms: 10_000 });
  const firstHung = await once();
  const afterHung = await median(21);
  await fault.set({ kind: 'none' });

  const f = (x: number, d = 1) => x.toFixed(d);
  const lines = [
    `# bench:stores (${new Date().toISOString()}, load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`,
    '',
    `cmetrics-proxy (shipped bundle) over each store; ${concurrency} connections, ${values.duration} s per run.`,
    '',
    '| request | store | req/s | p50 ms | p99 ms | errors | throughput vs Prometheus | p99 vs Prometheus |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of REQUESTS) {
    const byStore = results[r.name] as Record<string, LoadResult>;
    const base = byStore.Prometheus as LoadResult;
    for (const [store, res] of Object.entries(byStore)) {
      lines.push(
        `| ${r.name} | ${store} | ${f(res.throughput)} | ${f(res.latencyMs.p50)} | ${f(res.latencyMs.p99)} | ${res.errors} | ${f(res.throughput / base.throughput, 2)}× | ${f(res.latencyMs.p99 / base.latencyMs.p99, 2)}× |`,
      );
    }
  }
  lines.push(
    '',
    `Failover (distinct custom requests one at a time, backend of two Prometheus servers, --prometheus-timeout=${timeoutS}s):`,
    '',
    '| moment | latency ms |',
    '|---|---:|',
    `| both servers up (median of 21) | ${f(baseline)} |`,
    `| first request after the first server went down (connection refused) | ${f(firstDown)} |`,
    `| after that (median of 21: the healthy one is asked first) | ${f(afterDown)} |`,
    `| first request after the first server hangs (its share of the deadline: ${timeoutS / 2} s) | ${f(firstHung)} |`,
    `| after that (median of 21) | ${f(afterHung)} |`,
  );
  const report = `${lines.join('\n')}\n`;
  process.stdout.write(report);
  writeFileSync(join(dist, 'bench-stores.md'), report);
  await agent.close();
} finally {
  for (const p of procs.reverse()) await stopProcess(p);
  for (const stop of stops.reverse()) await stop();
  await stack.stop();
}
