// The resource-metrics store's memory per pod: a synthetic snapshot of N pods (two containers each,
// fifty pods a node, as a Prometheus answer gives them: fresh label strings per sample), built by the
// store's own builder, and the heap it keeps once the samples are gone.
//   node --expose-gc test/bench/store-memory.ts [--pods 5000,20000]
import { USAGE_RESOURCES } from '../../proxy/rules/resource-rules.ts';
import { type ResourceSnapshot, ResourceSnapshotBuilder } from '../../proxy/rules/resource-snapshot.ts';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] as string) : fallback;
};
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const CONTAINERS = ['app', 'sidecar'];
const PODS_A_NODE = 50;
const NOW = Date.now();

/** Samples as the store's loop reads them from an answer, then dropped: only the snapshot stays. */
function build(pods: number): ResourceSnapshot {
  const builder = new ResourceSnapshotBuilder();
  for (const r of USAGE_RESOURCES) {
    // Labels parsed from JSON are new strings each time: so are these.
    for (let i = 0; i < pods; i++) {
      for (const c of CONTAINERS) {
        builder.addContainer(r, `ns-${i % 100}`, `pod-${i}-abcde`, c, Math.random(), NOW);
      }
    }
    for (let n = 0; n < Math.ceil(pods / PODS_A_NODE); n++)
      builder.addNode(r, `node-${n}`, Math.random(), NOW);
  }
  return builder.build({ evaluatedMs: NOW, windowMs: 30_000, queries: [], problems: [] });
}

const heap = () => {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
};

const rows: string[] = ['| pods | containers | heap kept | bytes per pod |', '|---|---|---|---|'];
const kept: ResourceSnapshot[] = [];
for (const pods of arg('pods', '5000,20000').split(',').map(Number)) {
  const before = heap();
  const snapshot = build(pods);
  const after = heap();
  kept.push(snapshot);
  const bytes = after - before;
  rows.push(
    `| ${pods.toLocaleString('en')} | ${pods * CONTAINERS.length} | ${(bytes / 2 ** 20).toFixed(2)} MiB | ${Math.round(bytes / pods)} |`,
  );
}
process.stdout.write(`${rows.join('\n')}\n`);
// Held until here so no snapshot is collected while the next one is measured.
void kept.length;
