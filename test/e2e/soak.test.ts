// The two-minute version of `npm run soak` (test/bench/soak.ts): steady HPA-like and `kubectl
// top`-like load on a cmetrics-proxy of its own, over a Prometheus of its own (the stack's scrape
// configuration and targets) that restarts once, halfway. The stack's own servers are left alone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Agent } from 'undici';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { runSoak, soakSummary } from '../bench/soak-run.ts';
import { type PrometheusReplica, startPrometheusReplica } from '../harness/prometheus.ts';
import { eventually, send, servedPods, tlsAgent } from './helpers.ts';
import { AS_ADMIN, frontProxyClient, type ProxyInstance, startProxyInstance } from './proxy-instance.ts';

const DURATION_MS = 120_000;

let dir: string;
let prometheus: PrometheusReplica;
let proxy: ProxyInstance;
let agent: Agent;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cmetrics-e2e-soak-'));
  prometheus = await startPrometheusReplica(inject('workDir'), 'e2e-soak-prometheus');
  // Series seen within 2 minutes stay listed, as with a production relist interval (the harness's
  // 5 s would drop every metric for one relist after any restart longer than that).
  proxy = await startProxyInstance('e2e-soak-proxy', join(dir, 'proxy'), {
    prometheusUrl: prometheus.url,
    args: ['--metrics-max-age=2m'],
  });
  agent = tlsAgent(proxy.ca, proxy.servername, frontProxyClient(dir));
  // Its Prometheus starts empty: the load starts once a rate over 30 s has samples.
  await eventually(
    'the sample app metric answered',
    async () =>
      (
        await send(proxy.port, '/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/qps', agent, {
          headers: AS_ADMIN,
        })
      ).status === 200 || undefined,
    120_000,
    2000,
  );
});

afterAll(async () => {
  await agent?.close();
  await proxy?.stop();
  await prometheus?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('serves steady load through a Prometheus restart: 503 Status while it is gone, no failure after, RSS and fds flat', {
  timeout: 300_000,
}, async () => {
  const report = await runSoak({
    port: proxy.port,
    dispatcher: agent,
    headers: AS_ADMIN,
    podNames: () => Object.keys(servedPods()),
    pid: proxy.proc.pid,
    durationMs: DURATION_MS,
    warmupMs: 30_000,
    requestsPerSecond: 20,
    faults: [
      {
        name: 'Prometheus restart',
        atMs: DURATION_MS / 2,
        run: async () => {
          await prometheus.stop();
          // Gone for a while, as a rescheduled Prometheus pod is.
          await new Promise((r) => setTimeout(r, 3000));
          await prometheus.start();
        },
      },
    ],
    recoveryMs: 40_000,
    log: (line) => console.log(`[soak]${line}`),
  });
  console.log(`[soak]\n${soakSummary(report)}`);
  expect(report.requests).toBeGreaterThan(1500);
  expect(report.faults.map((f) => f.recoveredMs !== undefined)).toEqual([true]);
  expect(report.unclearFailures).toEqual({ count: 0, first: [] });
  // Prometheus' own 503 while it starts is relayed as a 502 (counted apart, in the summary above).
  expect(report.relayedUnavailable.count).toBeLessThan(50);
  expect(report.failuresOutsideFaults).toEqual({ count: 0, first: [] });
  expect(report.inFaults['503'] ?? 0).toBeGreaterThan(0);
  expect(report.rssGrowthPercent).toBeLessThan(5);
  expect(report.fdsEnd).toBeLessThanOrEqual(report.fdsAfterWarmup + 10);
  expect(proxy.proc.child.exitCode).toBeNull();
});
