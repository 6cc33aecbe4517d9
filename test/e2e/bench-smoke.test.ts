// `npm run bench` in small, on the e2e stack, so the benchmark cannot rot: prometheus-adapter (built by
// scripts/setup.sh) and the cmetrics-proxy bundle side by side, their answers compared, the PromQL
// they send timed bare, metrics.k8s.io beside metrics-server, discovery over backfilled series, and
// the plugin against kubectl top.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { build } from '../../scripts/build.ts';
import { type BenchResult, runBench } from '../bench/bench.ts';
import { markdown, targets } from '../bench/report.ts';
import { ensureBinaries } from '../harness/cluster.ts';
import { kubectl } from './helpers.ts';
import { shipped } from './plugin.ts';

const BENCH_PODS = 12;
const TOTAL_PODS = 30;

describe('the benchmark in small', () => {
  it('measures both servers, compares their answers, and times the plugin', async () => {
    process.env.WITH_PROMETHEUS_ADAPTER = '1';
    ensureBinaries();
    const dist = mkdtempSync(join(tmpdir(), 'cmetrics-bench-smoke-'));
    await build(dist);
    const workDir = inject('workDir');
    const result: BenchResult = await runBench(
      {
        binDir: inject('binDir'),
        kubeconfig: inject('kubeconfig'),
        kubectl,
        nodeNames: kubectl([
          'get',
          'nodes',
          '-l',
          'type=kwok',
          '-o',
          'jsonpath={.items[*].metadata.name}',
        ]).split(' '),
        prometheusUrl: inject('prometheusUrl'),
        // The e2e stack's (test/harness/prometheus.ts default).
        scrapeIntervalSeconds: 2,
        fileSd: join(workDir, 'file-sd.json'),
        queryLog: join(workDir, 'prometheus', 'queries.log'),
        pkiDir: join(workDir, 'pki'),
        workDir,
      },
      {
        dist,
        benchPods: BENCH_PODS,
        totalPods: TOTAL_PODS,
        concurrency: 2,
        durationMs: 500,
        overheadSamples: 2,
        relistSeries: [2000],
        relistMetrics: 10,
        relistIntervalSeconds: 2,
        // 30 HPAs every 15 s: 2 syncs a second, for 3 s.
        pacedHpas: [30],
        pacedDurationMs: 3000,
        // The shipped executable, as the plugin tests run it (test/e2e/plugin.ts).
        executable: shipped({ os: 'linux', arch: 'amd64' }).executable,
        topRuns: 1,
        shortRuns: 2,
        log: () => undefined,
      },
    );

    expect(result.scenarios.map((s) => s.id)).toEqual([
      'custom-pods',
      'custom-object',
      'external',
      'resource-pods',
      'custom-pods-distinct',
      'custom-object-distinct',
      'external-distinct',
      'resource-pod-distinct',
    ]);
    for (const s of result.scenarios) {
      // cmetrics answers metrics.k8s.io from its store: a request sends no query of its own (one of
      // the store's evaluations may fall in the same second).
      const fromStore = (server: string) => server === 'cmetrics' && s.id.startsWith('resource-');
      for (const [name, run] of Object.entries({ ...s.runs, ...s.bare })) {
        expect(run.errors, `${s.id} ${name}: ${run.firstError}`).toBe(0);
        expect(run.requests, `${s.id} ${name}`).toBeGreaterThan(0);
        expect(run.latencyMs.p50).toBeGreaterThan(0);
        expect(run.latencyMs.p99).toBeGreaterThanOrEqual(run.latencyMs.p50);
        if (!fromStore(name)) expect(run.prometheusQueries, `${s.id} ${name}`).toBeGreaterThan(0);
      }
      for (const server of ['cmetrics', 'adapter', 'adapterTuned'] as const) {
        expect(s.runs[server].cpuMs).toBeGreaterThan(0);
        expect(s.runs[server].memory?.rssMiB).toBeGreaterThan(10);
      }
      for (const server of ['cmetrics', 'adapter'] as const)
        if (!fromStore(server))
          expect(s.queries[server].length, `${s.id}: ${server}'s queries`).toBeGreaterThan(0);
      // The adapter asks Prometheus on every request; so does cmetrics once no two are alike.
      const perRequest = (server: 'cmetrics' | 'adapter' | 'adapterTuned') =>
        (s.runs[server].prometheusQueries ?? 0) / s.runs[server].requests;
      expect(perRequest('adapterTuned'), s.id).toBeGreaterThanOrEqual(s.queries.adapter.length);
      // The custom and external requests never repeat; the resource ones cycle over the bench's pods,
      // a dozen here, so some of them share a second.
      if (s.distinct && s.id !== 'resource-pod-distinct')
        expect(perRequest('cmetrics'), s.id).toBeGreaterThanOrEqual(s.queries.cmetrics.length);
    }
    expect(result.paced.map((p) => p.hpas)).toEqual([30]);
    for (const p of result.paced) {
      for (const [name, run] of Object.entries(p.runs)) {
        expect(run.errors, `${p.id} ${name}: ${run.firstError}`).toBe(0);
        expect(run.due, `${p.id} ${name}`).toBe(6);
        expect(run.requests + run.missed, `${p.id} ${name}`).toBe(run.due);
        expect(run.prometheusQueries / Math.max(1, run.requests), `${p.id} ${name}`).toBeGreaterThanOrEqual(
          1,
        );
      }
    }
    // The adapter spells out every selected pod; cmetrics too below 100 pods.
    const custom = result.scenarios[0];
    expect(custom?.queries.adapter[0]).toContain('bench-0000|bench-0001');
    expect(custom?.queries.cmetrics[0]).toContain('bench-0000|bench-0001');

    expect(result.overhead.map((o) => o.id)).toEqual(['custom-pods', 'custom-object', 'external']);
    for (const o of result.overhead) for (const ms of Object.values(o.p50Ms)) expect(ms).toBeGreaterThan(0);

    // Every difference between the two answers has a known reason.
    expect(result.conformance.length).toBe(13);
    const unexplained = result.conformance.flatMap((c) =>
      c.differences.filter((d) => d.class === 'unclassified').map((d) => ({ request: c.request, ...d })),
    );
    expect(unexplained).toEqual([]);
    const timestamps = result.conformance.find((c) =>
      c.request.startsWith('custom pods/* qps, labelSelector'),
    );
    expect(timestamps?.differences.map((d) => d.field)).toContain('timestamp');

    expect(result.relist).toHaveLength(1);
    const relist = result.relist[0];
    expect(relist?.metrics).toBe(10);
    for (const server of ['cmetrics', 'adapter'] as const) {
      expect(relist?.discoveryMs[server]).toBeGreaterThan(0);
      expect(relist?.memory[server].peakRssMiB).toBeGreaterThanOrEqual(relist?.memory[server].rssMiB ?? 0);
    }

    // top pods -A before and with the bench pods, version, completion (no HPA given: no explain row).
    expect(result.plugin.map((c) => c.measure)).toHaveLength(6);
    for (const c of result.plugin) {
      expect(c.cmetrics.ms).toBeGreaterThan(0);
      expect(c.reference.ms).toBeGreaterThan(0);
      if (c.sameOutput !== undefined) expect(c.firstDifference).toBeUndefined();
    }

    // metrics.k8s.io beside metrics-server; the fixed-rate runs sent what they were paced to.
    expect(result.resource.scenarios.map((s) => s.id)).toEqual([
      'pods-namespace',
      'pods-all',
      'nodes',
      'one-pod',
    ]);
    for (const s of result.resource.scenarios) {
      for (const [name, run] of Object.entries(s.runs)) {
        expect(run.errors, `${s.id} ${name}: ${run.firstError}`).toBe(0);
        expect(run.requests, `${s.id} ${name}`).toBeGreaterThan(0);
        expect(run.memory?.rssMiB, `${s.id} ${name}`).toBeGreaterThan(10);
      }
      // The adapter queries Prometheus on every request; metrics-server never does (not counted).
      expect(s.runs.adapter.prometheusQueries, s.id).toBeGreaterThan(0);
      expect(s.runs.metricsServer.prometheusQueries, s.id).toBeUndefined();
    }
    // pacedDurationMs (3 s) at 1 and 100 req/s.
    expect(result.resource.paced.map((p) => [p.perSecond, p.requests, p.errors])).toEqual([
      [1, 3, 0],
      [100, 300, 0],
    ]);

    const report = markdown(result);
    console.log(report);
    for (const s of result.scenarios) expect(report).toContain(s.title);
    expect(report).toContain('| target | goal | measured | met |');
    expect(targets(result).length).toBeGreaterThanOrEqual(8);
  }, 900_000);
});
