// What the benchmark measures against: Running kwok pods (one namespace of `benchPods` for the custom
// metrics, more namespaces up to `totalPods` for metrics.k8s.io and `top pods -A`), a Service over the
// first namespace, and a scrape target exporting seed 002's series for every pod of that namespace
// (as scale-5000-pods does: one real target, labelled as kube-prometheus would label the pods).
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '../harness/processes.ts';
import { promQuery } from '../harness/prometheus.ts';
import type { BenchEnv } from './servers.ts';

export const BENCH_NAMESPACE = 'bench';
export const BENCH_SERVICE = 'bench-svc';
export const BENCH_APP_LABEL = 'app=bench';
/** On every pod the benchmark makes, to count and delete them. */
const MARK = 'cmetrics-bench';
/** The range of the rules' rate() (test/fixtures/harness-adapter.yaml, seed 002). */
const RATE_WINDOW_SECONDS = 30;
/** Pods per namespace outside the bench namespace. */
const SPREAD_PER_NAMESPACE = 250;

export interface WorldSize {
  /** Pods in the bench namespace, all selected by app=bench, each with its own series. */
  benchPods: number;
  /** Running pods the benchmark makes in all (at least benchPods). */
  totalPods: number;
}

export interface World {
  namespaces: string[];
  podNames: string[];
  /** Requests per second pod i serves (the slope of its counter). */
  rateOf(i: number): number;
  stop(): Promise<void>;
}

export const podName = (i: number) => `bench-${String(i).padStart(4, '0')}`;

/** Counter slopes on quarters, exactly representable, so rate() gives them back to the last bit. */
const rateOf = (i: number) => 1 + (i % 10) / 4;

/**
 * seed 002's series for each pod: total_req_num (a counter with explicit timestamps, rising at
 * rateOf(i) per second since `startMs`) and cpu_temperature_celsius.
 */
export function exposition(pods: number, startMs: number, nowMs: number): string {
  const lines = ['# TYPE total_req_num counter', '# TYPE cpu_temperature_celsius gauge'];
  const seconds = (nowMs - startMs) / 1000;
  for (let i = 0; i < pods; i++) {
    const pod = `namespace="${BENCH_NAMESPACE}",pod="${podName(i)}"`;
    lines.push(
      `total_req_num{${pod},service="${BENCH_SERVICE}",status="200",api="/"} ${rateOf(i) * seconds} ${nowMs}`,
      `cpu_temperature_celsius{${pod}} ${40 + (i % 30)} ${nowMs}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export async function buildWorld(env: BenchEnv, size: WorldSize): Promise<World> {
  const startMs = Date.now() - 600_000;
  const exporter: Server = createServer((_req, res) => {
    res
      .writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
      .end(exposition(size.benchPods, startMs, Date.now()));
  });
  await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', r));
  const { port } = exporter.address() as AddressInfo;
  const extraTargets = `${env.fileSd}.extra.json`;
  writeFileSync(extraTargets, JSON.stringify([{ targets: [`127.0.0.1:${port}`] }]));

  const spread = size.totalPods - size.benchPods;
  const namespaces = [
    BENCH_NAMESPACE,
    ...Array.from({ length: Math.ceil(spread / SPREAD_PER_NAMESPACE) }, (_, i) => `bench-spread-${i}`),
  ];
  env.kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        ...namespaces.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: BENCH_SERVICE, namespace: BENCH_NAMESPACE },
          spec: { selector: { app: 'bench' }, ports: [{ port: 80 }] },
        },
      ],
    }),
  );
  const pods = Array.from({ length: size.totalPods }, (_, i) => {
    const inBench = i < size.benchPods;
    const k = i - size.benchPods;
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: inBench ? podName(i) : `spread-${String(k).padStart(4, '0')}`,
        namespace: inBench ? BENCH_NAMESPACE : namespaces[1 + Math.floor(k / SPREAD_PER_NAMESPACE)],
        labels: { app: inBench ? 'bench' : 'bench-spread', [MARK]: 'true' },
        // kwok's simulated kubelet usage, per container (test/fixtures/kwok-metrics.yaml).
        annotations: {
          // Quarter millicores: scrape jitter in the rate never moves kubectl's rounding up.
          'kwok.x-k8s.io/usage-cpu': `${(i % 50) + 1}250u`,
          'kwok.x-k8s.io/usage-memory': `${(i % 64) + 16}Mi`,
        },
      },
      // Bound directly (kwok makes them Running): the scheduler would stop at the nodes' pod capacity.
      spec: {
        nodeName: env.nodeNames[i % env.nodeNames.length],
        containers: [{ name: 'app', image: 'bench:v1' }],
      },
    };
  });
  for (let start = 0; start < pods.length; start += 500) {
    env.kubectl(
      ['create', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: pods.slice(start, start + 500) }),
    );
  }
  await waitFor(
    `${size.totalPods} bench pods Running`,
    async () => {
      const out = env.kubectl([
        'get',
        'pods',
        '-A',
        '-l',
        MARK,
        '--field-selector=status.phase=Running',
        '-o',
        'name',
      ]);
      return out.split('\n').filter(Boolean).length === size.totalPods ? true : undefined;
    },
    { timeoutMs: 600_000, intervalMs: 2000 },
  );
  // Every rate() of the rules looks 30 s back: until then a young series reads low.
  const count = async (selector: string) =>
    Number(
      (await promQuery(env.prometheusUrl, `count(${selector} offset ${RATE_WINDOW_SECONDS + 5}s)`))[0]
        ?.value[1],
    );
  await waitFor(
    "Prometheus has a full rate window of every bench pod's series and usage",
    async () =>
      (await count(`total_req_num{namespace="${BENCH_NAMESPACE}"}`)) === size.benchPods &&
      (await count(`container_cpu_usage_seconds_total{pod=~"bench-.+|spread-.+"}`)) === size.totalPods
        ? true
        : undefined,
    { timeoutMs: 600_000, intervalMs: 1000 },
  );
  let stopped = false;
  return {
    namespaces,
    podNames: pods.map((p) => p.metadata.name),
    rateOf,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      writeFileSync(extraTargets, '[]');
      env.kubectl([
        'delete',
        'namespace',
        ...namespaces,
        '--wait=true',
        '--ignore-not-found',
        '--timeout=10m',
      ]);
      await new Promise<void>((r) => exporter.close(() => r()));
    },
  };
}
