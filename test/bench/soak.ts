// Soak: the whole stack, then a steady mix of requests straight to cmetrics-proxy (as the aggregator
// sends them) for minutes, with the proxy's resident memory sampled as it goes. Not part of CI.
//   npm run soak -- [--minutes 10] [--rps 40]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { waitFor } from '../harness/processes.ts';
import { startStack } from '../harness/stack.ts';
import { frontProxyAgent, httpGet, runLoad, type Target } from './load.ts';
import { memory } from './procstat.ts';

const { values } = parseArgs({
  options: { minutes: { type: 'string', default: '10' }, rps: { type: 'string', default: '40' } },
});
const minutes = Number(values.minutes);
const rps = Number(values.rps);
if (!(minutes > 0) || !(rps > 0)) throw new Error('--minutes and --rps must be positive numbers');
const WINDOW_MS = 10_000;

const PATHS = [
  '/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/qps',
  '/apis/custom.metrics.k8s.io/v1beta1/namespaces/default/pods/*/qps?labelSelector=app%3Dcustom-metrics-app',
  '/apis/metrics.k8s.io/v1beta1/nodes',
  '/apis/metrics.k8s.io/v1beta1/pods',
  '/apis/external.metrics.k8s.io/v1beta1/namespaces/default/external_requests_per_second',
  '/apis/custom.metrics.k8s.io/v1beta2',
];

const stack = await startStack();
try {
  const pki = stack.cluster.pki;
  const agent = frontProxyAgent(
    {
      ca: readFileSync(pki.servingCa.cert, 'utf8'),
      cert: readFileSync(pki.frontProxyClient.cert, 'utf8'),
      key: readFileSync(pki.frontProxyClient.key, 'utf8'),
    },
    4,
  );
  const headers = { 'x-remote-user': 'soak', 'x-remote-group': 'system:masters' };
  const targets = PATHS.map((p) => httpGet(() => `https://127.0.0.1:${stack.proxyPort}${p}`, headers, agent));
  let next = 0;
  const mix: Target = (i) => (targets[next++ % targets.length] as Target)(i);

  // Load starts once every path answers (metrics discovered, pods scraped): errors after that count.
  await waitFor(
    'every soak path answered',
    async () => ((await Promise.all(targets.map((t) => t(0).then(() => true)))) ? true : undefined),
    { proc: stack.proxy, timeoutMs: 180_000, intervalMs: 2000 },
  );
  const pid = stack.proxy.pid;
  const samples: { minute: number; rssMiB: number }[] = [];
  const t0 = performance.now();
  let requests = 0;
  let errors = 0;
  console.log(`soak: ${minutes} min at ${rps} req/s over ${PATHS.length} paths; proxy pid ${pid}`);
  console.log('  min   RSS MiB   req/s   errors   p50 ms   p99 ms');
  while (performance.now() - t0 < minutes * 60_000) {
    const windowStart = performance.now();
    const r = await runLoad(mix, {
      concurrency: 4,
      durationMs: WINDOW_MS,
      maxRequests: (rps * WINDOW_MS) / 1000,
    });
    await new Promise((res) => setTimeout(res, Math.max(0, WINDOW_MS - (performance.now() - windowStart))));
    requests += r.requests;
    errors += r.errors;
    const { rssMiB } = memory(pid);
    const minute = (performance.now() - t0) / 60_000;
    samples.push({ minute, rssMiB });
    console.log(
      `${minute.toFixed(2).padStart(5)} ${rssMiB.toFixed(1).padStart(9)} ${((r.requests * 1000) / (performance.now() - windowStart)).toFixed(1).padStart(7)} ${String(r.errors).padStart(8)} ${r.latencyMs.p50.toFixed(1).padStart(8)} ${r.latencyMs.p99.toFixed(1).padStart(8)}${r.firstError ? `  ${r.firstError}` : ''}`,
    );
  }
  await agent.close();
  const rss = samples.map((s) => s.rssMiB);
  // Growth over the second half (the first includes warm-up: JIT, caches, pools), least squares.
  const half = samples.slice(Math.floor(samples.length / 2));
  const meanX = half.reduce((a, s) => a + s.minute, 0) / half.length;
  const meanY = half.reduce((a, s) => a + s.rssMiB, 0) / half.length;
  const sxx = half.reduce((a, s) => a + (s.minute - meanX) ** 2, 0);
  const slope = sxx ? half.reduce((a, s) => a + (s.minute - meanX) * (s.rssMiB - meanY), 0) / sxx : 0;
  console.log(
    `soak done: ${requests} requests, ${errors} errors; RSS first ${rss[0]?.toFixed(1)} MiB, last ${rss.at(-1)?.toFixed(1)} MiB, max ${Math.max(...rss).toFixed(1)} MiB, peak (VmHWM) ${memory(pid).peakRssMiB.toFixed(1)} MiB; second-half growth ${slope.toFixed(2)} MiB/min`,
  );
} finally {
  await stack.stop();
}
