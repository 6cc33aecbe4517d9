// Discovery at scale: N series in a real Prometheus (backfilled with promtool), one relist by the
// proxy's own Relister in a child process, and that process's peak RSS and time. Also the same
// answer parsed whole (JSON.parse, as the adapter and a naive client do) for comparison.
//   node test/bench/relist-memory.ts [--series 1000000] [--keep DIR]
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { startPrometheusWithData } from '../harness/prometheus.ts';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] as string) : fallback;
};

if (process.argv[2] === '--child') {
  // Runs in a fresh process so its RSS is the relist's alone.
  const [, , , mode, url, nowS] = process.argv;
  const { PrometheusClient } = await import('../../proxy/prometheus/client.ts');
  const started = performance.now();
  let metrics = 0;
  let series = 0;
  if (mode === 'stream') {
    const { compileConfig } = await import('../../proxy/config/compile.ts');
    const { parseAdapterConfig } = await import('../../proxy/rules/config.ts');
    const { Relister } = await import('../../proxy/prometheus/relist.ts');
    const { createLogger } = await import('../../proxy/log.ts');
    const { ResourceMapper } = await import('../../proxy/rules/resources.ts');
    const mapper = new ResourceMapper([
      { group: '', version: 'v1', resource: 'pods', singular: 'pod', kind: 'Pod', namespaced: true },
      {
        group: '',
        version: 'v1',
        resource: 'namespaces',
        singular: 'namespace',
        kind: 'Namespace',
        namespaced: false,
      },
    ]);
    const config = parseAdapterConfig(`rules:
- seriesQuery: '{__name__=~"bench_.*"}'
  resources: {overrides: {namespace: {resource: namespace}, pod: {resource: pod}}}
  name: {matches: '^bench_(.*)$'}
  metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)'
`);
    const compiled = compileConfig(config, mapper, { urls: [url as string], timeoutMs: 600_000 });
    const relister = new Relister(() => compiled, {
      intervalMs: 60_000,
      maxAgeMs: 3_600_000,
      log: createLogger('error'),
    });
    await relister.relist();
    if (relister.lastError) throw new Error(relister.lastError);
    metrics = relister.current().size;
  } else {
    const res = await fetch(`${url}/api/v1/series`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        'match[]': '{__name__=~"bench_.*"}',
        start: String(Number(nowS) - 3600),
        end: nowS as string,
      }),
    });
    const body = (await res.json()) as { data: unknown[] };
    series = body.data.length;
  }
  void PrometheusClient;
  const { maxRSS } = process.resourceUsage();
  process.stdout.write(
    JSON.stringify({
      mode,
      ms: Math.round(performance.now() - started),
      maxRssMiB: Math.round(maxRSS / 1024),
      metrics,
      series,
    }),
  );
  process.exit(0);
}

const count = Number(arg('series', '1000000'));
const dir = arg('keep', '') || mkdtempSync(join(tmpdir(), 'cmetrics-bench-relist-'));
const nowS = Math.floor(Date.now() / 1000);
process.stderr.write(`writing ${count} series...\n`);
const out = createWriteStream(join(dir, 'data.om'));
out.write('# TYPE bench_requests gauge\n');
for (let i = 0; i < count; i++) {
  const line = `bench_requests{namespace="ns-${i % 100}",pod="pod-${i}",container="app",instance="10.0.${i % 250}.${i % 200}:8080"} ${i % 97} ${nowS - 600}\n`;
  if (!out.write(line)) await new Promise((r) => out.once('drain', r));
}
out.end('# EOF\n');
await finished(out);
process.stderr.write('backfilling with promtool and starting Prometheus...\n');
const t0 = Date.now();
const { readFileSync } = await import('node:fs');
const prom = await startPrometheusWithData(join(dir, 'prom'), readFileSync(join(dir, 'data.om'), 'utf8'));
process.stderr.write(`Prometheus ready in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
try {
  const self = fileURLToPath(import.meta.url);
  const run = (mode: string, nodeFlags: string[]) =>
    JSON.parse(
      execFileSync(process.execPath, [...nodeFlags, self, '--child', mode, prom.url, String(nowS)], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      }),
    );
  // The Relister with the heap sizing the image ships; the whole answer needs a heap of gigabytes.
  // (Imported here, not in the child, whose RSS is what is measured.)
  const { IMAGE } = await import('../../scripts/image.ts');
  const stream = run('stream', [...IMAGE.nodeFlags]);
  const whole = run('whole', ['--max-old-space-size=8192']);
  const table = [
    `| series | relist (streamed, cmetrics) | parsed whole (JSON.parse) |`,
    `|---|---|---|`,
    `| ${count.toLocaleString('en')} | ${stream.ms} ms, peak RSS ${stream.maxRssMiB} MiB, ${stream.metrics} metrics | ${whole.ms} ms, peak RSS ${whole.maxRssMiB} MiB |`,
  ];
  process.stdout.write(`${table.join('\n')}\n`);
} finally {
  await prom.stop();
}
