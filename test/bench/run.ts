// npm run bench: cmetrics-proxy and prometheus-adapter v0.12.0 side by side on a stack of their own
// (built binaries, control plane, Prometheus), and the plugin against kubectl. Prints the Markdown
// report; --out DIR also keeps it with the raw results (JSON).
//   npm run bench -- [--concurrency 8] [--duration 10] [--bench-pods 1000] [--total-pods 5000] [--scrape-interval 10]
//                    [--relist-series 100000,1000000] [--paced-hpas 200,1000] [--paced-duration 30] [--top-runs 11] [--short-runs 31] [--dist DIR] [--out DIR]
// Needs nothing else running on the machine to give stable numbers; `cat /proc/loadavg` is recorded.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build, PLUGIN_BUNDLE } from '../../scripts/build.ts';
import { compile, executableName, type Platform } from '../../scripts/package.ts';
import { FIXTURES, startStack } from '../harness/stack.ts';
import { runBench } from './bench.ts';
import { markdown } from './report.ts';
import { benchEnv } from './servers.ts';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '8' },
    duration: { type: 'string', default: '10' },
    'bench-pods': { type: 'string', default: '1000' },
    'total-pods': { type: 'string', default: '5000' },
    'relist-series': { type: 'string', default: '100000,1000000' },
    'relist-metrics': { type: 'string', default: '1000' },
    'overhead-samples': { type: 'string', default: '15' },
    /** HPAs of each paced run (comma-separated), each asking every 15 s. */
    'paced-hpas': { type: 'string', default: '200,1000' },
    /** Seconds of each paced run: the HPAs' and metrics.k8s.io's at 1 and 100 req/s (two store periods). */
    'paced-duration': { type: 'string', default: '30' },
    /** Runs of kubectl-cmetrics and of kubectl for each plugin row. */
    'top-runs': { type: 'string', default: '11' },
    'short-runs': { type: 'string', default: '31' },
    /** Prometheus' scrape interval: kwok computes the usage of every pod on each scrape. */
    'scrape-interval': { type: 'string', default: '10' },
    out: { type: 'string' },
    /** An existing `npm run build` (or `npm run package`) output to measure, instead of building one. */
    dist: { type: 'string' },
  },
});
const int = (name: keyof typeof values) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} ${values[name]}: expected a whole number`);
  return n;
};

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
process.env.WITH_PROMETHEUS_ADAPTER = '1';
let dist = values.dist;
if (!dist) {
  dist = mkdtempSync(join(tmpdir(), 'cmetrics-bench-dist-'));
  await build(dist);
}
// The plugin as it ships: npm run package's linux/amd64 executable (where package puts it), compiled
// from the bundle when the build has none.
const shipped: Platform = { os: 'linux', arch: 'amd64' };
const executable = join(dist, 'bin', `${shipped.os}_${shipped.arch}`, executableName(shipped));
if (!existsSync(executable)) {
  log(`compiling ${executable}`);
  mkdirSync(join(executable, '..'), { recursive: true });
  compile(join(dist, PLUGIN_BUNDLE), shipped, executable, { sign: false });
}
log('starting the stack');
const stack = await startStack({ scrapeIntervalSeconds: int('scrape-interval') });
try {
  const { cluster } = stack;
  // The demo's HPA, for explain hpa against kubectl describe hpa.
  cluster.kubectl(['apply', '-f', join(FIXTURES, 'hpa.yaml')]);
  const result = await runBench(benchEnv(stack), {
    dist,
    concurrency: int('concurrency'),
    durationMs: int('duration') * 1000,
    benchPods: int('bench-pods'),
    totalPods: int('total-pods'),
    overheadSamples: int('overhead-samples'),
    relistSeries: (values['relist-series'] ?? '').split(',').filter(Boolean).map(Number),
    relistMetrics: int('relist-metrics'),
    relistIntervalSeconds: 30,
    pacedHpas: (values['paced-hpas'] ?? '').split(',').filter(Boolean).map(Number),
    pacedDurationMs: int('paced-duration') * 1000,
    executable,
    topRuns: int('top-runs'),
    shortRuns: int('short-runs'),
    hpa: { namespace: 'default', name: 'sample-httpserver' },
    manyHpas: 500,
    log,
  });
  const report = markdown(result);
  process.stdout.write(report);
  if (values.out) {
    mkdirSync(values.out, { recursive: true });
    writeFileSync(join(values.out, 'bench.md'), report);
    writeFileSync(join(values.out, 'bench.json'), `${JSON.stringify(result, null, 2)}\n`);
  }
} finally {
  await stack.stop();
}
