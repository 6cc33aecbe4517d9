// The short, bounded pass of `npm run fuzz:http` (test/fuzz/http.ts) against the suite's stack:
// 6,000 hostile requests derived from the proxy's route table, or 60 s, whichever ends first, half
// through the aggregator as the cluster admin and half straight to the stack's proxy, every answer
// checked, and every query that reached Prometheus meanwhile one that a rule templated.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { parseAdapterConfig } from '../../proxy/rules/config.ts';
import { routeTable } from '../fuzz/hostile-requests.ts';
import {
  readyPaths,
  runHostileTraffic,
  servedMetrics,
  TRAFFIC_DEADLINE_MS,
  trafficSummary,
} from '../fuzz/hostile-traffic.ts';
import { kubeconfigCluster } from '../harness/cluster.ts';
import { clientCert } from '../harness/pki.ts';
import { eventually, kubectl, proxyAgent, send, servedPods } from './helpers.ts';
import { AS_ADMIN, frontProxyClient } from './proxy-instance.ts';

const dir = mkdtempSync(join(tmpdir(), 'cmetrics-e2e-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The stack's proxy: the process started with `--secure-port=PORT` that runs cmd/cmetrics-proxy.ts. */
function proxyPid(port: number): number {
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.includes(`--secure-port=${port}`) && args.some((a) => a.endsWith('cmetrics-proxy.ts')))
        return Number(entry);
    } catch {
      // Gone meanwhile.
    }
  }
  throw new Error(`no cmetrics-proxy serves on port ${port}`);
}

it('answers 6,000 hostile requests with Status answers, no 5xx, in time, and sends only templated PromQL', async () => {
  const port = inject('proxyPort');
  const frontProxy = frontProxyClient(dir);
  const probe = proxyAgent(frontProxy);
  const nodes = kubectl(['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}'])
    .split(' ')
    .filter(Boolean);
  await eventually('every valid shape answered', async () => {
    for (const path of readyPaths(nodes))
      if ((await send(port, path, probe, { headers: AS_ADMIN })).status !== 200) return undefined;
    return true;
  });
  const served = await servedMetrics(
    async (path) => (await send(port, path, probe, { headers: AS_ADMIN })).body,
  );
  await probe.close();
  const cluster = kubeconfigCluster(inject('kubeconfig'));
  const admin = clientCert(dir, inject('clusterCa'), 'e2e-hostile-admin', 'e2e-hostile-admin', [
    'system:masters',
  ]);
  const config = parseAdapterConfig(readFileSync(inject('adapterConfig'), 'utf8'));
  // A new seed each run explores further; printed, so that a failure can be replayed with
  // `npm run fuzz:http -- --seed N`.
  const seed = Date.now() % 1_000_000;
  console.log(`[hostile-traffic] seed ${seed}`);
  const report = await runHostileTraffic({
    channels: [
      {
        name: 'aggregator',
        origin: new URL(cluster.server).origin,
        tls: {
          ca: readFileSync(cluster.ca, 'utf8'),
          cert: readFileSync(admin.cert, 'utf8'),
          key: readFileSync(admin.key, 'utf8'),
        },
        headers: {},
      },
      {
        name: 'direct',
        origin: `https://127.0.0.1:${port}`,
        tls: {
          ca: readFileSync(inject('servingCa'), 'utf8'),
          cert: readFileSync(frontProxy.cert, 'utf8'),
          key: readFileSync(frontProxy.key, 'utf8'),
          servername: 'cmetrics.cmetrics.svc',
        },
        headers: AS_ADMIN,
      },
    ],
    routes: routeTable(config, served, {
      pods: Object.keys(servedPods()),
      nodes,
      services: ['custom-metrics-app'],
    }),
    config,
    proxyPid: proxyPid(port),
    queryLog: join(inject('workDir'), 'prometheus', 'queries.log'),
    maxRequests: 6000,
    maxMs: 60_000,
    concurrency: 8,
    deadlineMs: TRAFFIC_DEADLINE_MS,
    seed,
    log: (line) => console.log(`[hostile-traffic]${line}`),
  });
  console.log(`[hostile-traffic]\n${trafficSummary(report)}`);
  expect(report.requests).toBeGreaterThan(2000);
  expect(report.alive).toBe(true);
  expect(report.overruns).toBe(0);
  expect(report.queries.total).toBeGreaterThan(0);
  expect(report.failures).toEqual({});
});
