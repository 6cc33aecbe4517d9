// Soak with faults: the whole stack, then steady HPA-like and `kubectl top`-like load straight to
// cmetrics-proxy (as the aggregator sends them) while Prometheus restarts every 5 minutes and
// kube-apiserver once (halfway, between two Prometheus restarts). Fails unless RSS grew less than
// 5 % after warm-up, open file descriptors stayed put, every failure in a fault was a 503 Status
// and none came outside faults. Not part of CI (test/e2e/soak.test.ts is its two-minute version).
//   npm run soak -- [--duration 30m] [--rps 20]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseDuration } from '../../shared/duration.ts';
import { waitFor } from '../harness/processes.ts';
import { startStack } from '../harness/stack.ts';
import { frontProxyAgent, httpGet } from './load.ts';
import { type Fault, runSoak, soakSummary } from './soak-run.ts';

const { values } = parseArgs({
  options: { duration: { type: 'string', default: '30m' }, rps: { type: 'string', default: '20' } },
});
const durationMs = parseDuration(values.duration);
const rps = Number(values.rps);
if (!(durationMs > 0) || !(rps > 0)) throw new Error('--duration and --rps must be positive');
const PROMETHEUS_EVERY_MS = 5 * 60_000;
const PROMETHEUS_DOWN_MS = 5000;
const WARMUP_MS = Math.min(2 * 60_000, durationMs / 5);

// Series seen within 2 minutes stay listed, as with a production relist interval (the harness's
// 5 s would drop every metric for one relist after any restart longer than that).
const stack = await startStack({ metricsMaxAge: '2m' });
let failed = false;
try {
  const pki = stack.cluster.pki;
  const agent = frontProxyAgent(
    {
      ca: readFileSync(pki.servingCa.cert, 'utf8'),
      cert: readFileSync(pki.frontProxyClient.cert, 'utf8'),
      key: readFileSync(pki.frontProxyClient.key, 'utf8'),
    },
    8,
  );
  const headers = { 'x-remote-user': 'soak', 'x-remote-group': 'system:masters' };
  // Load starts once the sample app's pods are scraped and its metric answers: errors after that count.
  await waitFor(
    'the sample app metric answered',
    () =>
      httpGet(
        () =>
          `https://127.0.0.1:${stack.proxyPort}/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/qps`,
        headers,
        agent,
      )(0).then(() => true),
    { proc: stack.proxy, timeoutMs: 180_000, intervalMs: 2000 },
  );
  const faults: Fault[] = [];
  for (let at = PROMETHEUS_EVERY_MS; at < durationMs; at += PROMETHEUS_EVERY_MS)
    faults.push({
      name: 'Prometheus restart',
      atMs: at,
      run: async () => {
        // Gone for a while, as a rescheduled Prometheus pod is.
        await stack.prometheus.stop();
        await new Promise((r) => setTimeout(r, PROMETHEUS_DOWN_MS));
        await stack.prometheus.restart();
      },
    });
  // Halfway between two Prometheus restarts (or halfway, in a short soak).
  const apiserverAt =
    durationMs > PROMETHEUS_EVERY_MS * 2 ? PROMETHEUS_EVERY_MS * 2.5 : Math.max(WARMUP_MS, durationMs / 2);
  faults.push({
    name: 'kube-apiserver restart',
    atMs: apiserverAt,
    run: () => stack.cluster.restartApiserver(),
  });
  console.log(
    `soak: ${values.duration} at ${rps} req/s; proxy pid ${stack.proxy.pid}; faults: ${faults.map((f) => `${f.name} at ${(f.atMs / 60_000).toFixed(1)} min`).join(', ')}`,
  );
  const report = await runSoak({
    port: stack.proxyPort,
    dispatcher: agent,
    headers,
    podNames: () => Object.keys(stack.servedPods()),
    pid: stack.proxy.pid,
    durationMs,
    warmupMs: WARMUP_MS,
    requestsPerSecond: rps,
    faults,
    log: (line) => console.log(line),
  });
  await agent.close();
  console.log(`soak done:\n${soakSummary(report)}`);
  const problems = [
    report.rssGrowthPercent >= 5 && `RSS grew ${report.rssGrowthPercent.toFixed(1)} % after warm-up`,
    report.fdsEnd > report.fdsAfterWarmup + 10 &&
      `open fds went from ${report.fdsAfterWarmup} to ${report.fdsEnd}`,
    report.unclearFailures.count &&
      `${report.unclearFailures.count} failures in faults were not a 503 Status`,
    report.failuresOutsideFaults.count && `${report.failuresOutsideFaults.count} failures outside faults`,
    report.faults.some((f) => f.recoveredMs === undefined) && 'a fault was never recovered from',
  ].filter(Boolean);
  if (problems.length) {
    failed = true;
    console.log(`soak FAILED: ${problems.join('; ')}`);
  }
} finally {
  await stack.stop();
}
process.exitCode = failed ? 1 : 0;
