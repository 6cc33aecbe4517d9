// npm run fuzz:http [-- --requests 100000] [--seconds 900] [--seed N]: the whole stack, then hostile
// requests derived from the proxy's route table (./hostile-requests.ts), half through kube-apiserver's
// aggregator and half straight to cmetrics-proxy, every answer checked (./hostile-traffic.ts). Stops
// by itself at the request count or the time, whichever comes first; fails if any check failed.
// test/e2e/hostile-traffic.test.ts is its short version in CI.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { parseAdapterConfig } from '../../proxy/rules/config.ts';
import { frontProxyAgent, httpGet } from '../bench/load.ts';
import { kubeconfigCluster } from '../harness/cluster.ts';
import { waitFor } from '../harness/processes.ts';
import { startStack } from '../harness/stack.ts';
import { routeTable } from './hostile-requests.ts';
import {
  readyPaths,
  runHostileTraffic,
  servedMetrics,
  TRAFFIC_DEADLINE_MS,
  trafficSummary,
} from './hostile-traffic.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '900' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    concurrency: { type: 'string', default: '16' },
  },
});

const stack = await startStack();
let failed = true;
try {
  const pki = stack.cluster.pki;
  const servingCa = readFileSync(pki.servingCa.cert, 'utf8');
  const frontProxy = {
    ca: servingCa,
    cert: readFileSync(pki.frontProxyClient.cert, 'utf8'),
    key: readFileSync(pki.frontProxyClient.key, 'utf8'),
  };
  const admin = pki.client('fuzz-http-admin', 'cmetrics-admin', ['system:masters']);
  const asAdmin = { 'x-remote-user': 'fuzz-http', 'x-remote-group': 'system:masters' };
  const probe = frontProxyAgent(frontProxy, 2);
  await waitFor(
    'every valid shape answered',
    async () => {
      for (const path of readyPaths(stack.cluster.nodeNames))
        await httpGet(() => `https://127.0.0.1:${stack.proxyPort}${path}`, asAdmin, probe)(0);
      return true;
    },
    { proc: stack.proxy, timeoutMs: 180_000, intervalMs: 2000 },
  );
  const served = await servedMetrics(async (path) => {
    const res = await request(`https://127.0.0.1:${stack.proxyPort}${path}`, {
      dispatcher: probe,
      headers: asAdmin,
    });
    return res.body.json();
  });
  await probe.close();
  const config = parseAdapterConfig(readFileSync(stack.adapterConfig, 'utf8'));
  const apiserver = new URL(kubeconfigCluster(stack.cluster.kubeconfig).server);
  console.log(`fuzz:http: seed ${values.seed}, proxy pid ${stack.proxy.pid}`);
  const report = await runHostileTraffic({
    channels: [
      {
        name: 'aggregator',
        origin: apiserver.origin,
        tls: {
          ca: readFileSync(pki.ca.cert, 'utf8'),
          cert: readFileSync(admin.cert, 'utf8'),
          key: readFileSync(admin.key, 'utf8'),
        },
        headers: {},
      },
      {
        name: 'direct',
        origin: `https://127.0.0.1:${stack.proxyPort}`,
        tls: { ...frontProxy, servername: 'localhost' },
        headers: asAdmin,
      },
    ],
    routes: routeTable(config, served, {
      pods: Object.keys(stack.servedPods()),
      nodes: stack.cluster.nodeNames,
      services: ['custom-metrics-app'],
    }),
    config,
    proxyPid: stack.proxy.pid,
    queryLog: join(stack.cluster.workDir, 'prometheus', 'queries.log'),
    maxRequests: Number(values.requests),
    maxMs: Number(values.seconds) * 1000,
    concurrency: Number(values.concurrency),
    deadlineMs: TRAFFIC_DEADLINE_MS,
    seed: Number(values.seed),
    log: (line) => console.log(line),
  });
  console.log(trafficSummary(report));
  failed = Object.keys(report.failures).length > 0;
} finally {
  await stack.stop();
}
process.exitCode = failed ? 1 : 0;
