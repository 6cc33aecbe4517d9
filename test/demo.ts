// npm run demo: the whole path on this machine — a real control plane, Prometheus, the sample app,
// cmetrics-proxy behind the aggregator and the seed's HPA — until Ctrl-C, then everything stops.
import { join } from 'node:path';
import { request } from 'undici';
import { FIXTURES, startStack } from './harness/stack.ts';

const say = (s: string) => process.stdout.write(`${s}\n`);
const t0 = Date.now();
say(
  'Starting the local control plane, Prometheus, the sample app and cmetrics-proxy (first run builds Kubernetes: ~10 min)...',
);
const stack = await startStack();
const { cluster } = stack;
cluster.kubectl(['apply', '-f', join(FIXTURES, 'hpa.yaml')]);
say(`Up in ${((Date.now() - t0) / 1000).toFixed(1)} s.\n`);
say(`  export KUBECONFIG=${cluster.kubeconfig}`);
say(`  export PATH=${cluster.binDir}:$PATH   # kubectl ${process.env.K8S_VERSION ?? 'v1.37.2'}`);
say(`  Prometheus: ${stack.prometheus.url}    logs: ${join(cluster.workDir, 'logs')}\n`);
say('Try:');
say(
  "  kubectl get --raw '/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/qps?labelSelector=app%3Dcustom-metrics-app'",
);
say('  kubectl get hpa sample-httpserver -w');
say('  curl http://<pod IP>:3000/  (pod IPs: kubectl get pods -o wide) to add load\n');

let stopping = false;
const raw = (path: string) => {
  try {
    return cluster.kubectl(['get', '--raw', path]);
  } catch (e) {
    return `{"error": ${JSON.stringify((e as { stderr?: string }).stderr?.trim() ?? String(e))}}`;
  }
};
// Load for the first minute, so the HPA scales up, then back down once it stops.
const loadUntil = Date.now() + 60_000;
const tick = async () => {
  if (stopping) return;
  const pods = Object.values(stack.servedPods());
  if (Date.now() < loadUntil && pods.length) {
    // 5 requests every 5 s across the pods: 1 req/s against a 500m-per-pod target wants 2 replicas.
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        request(`http://${pods[i % pods.length]}:3000/`)
          .then((r) => r.body.text())
          .catch(() => ''),
      ),
    );
  }
  const qps = JSON.parse(
    raw(
      '/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/qps?labelSelector=app%3Dcustom-metrics-app',
    ),
  ) as {
    items?: { describedObject: { name: string }; value: string }[];
    error?: string;
  };
  const hpa = cluster
    .kubectl(['get', 'hpa', 'sample-httpserver', '--no-headers'])
    .trim()
    .replace(/\s+/g, ' ');
  const values = qps.items?.map((i) => `${i.describedObject.name}=${i.value}`).join(' ') ?? qps.error;
  say(`[${new Date().toISOString().slice(11, 19)}] qps: ${values}\n           hpa: ${hpa}`);
};
const timer = setInterval(() => void tick(), 5000);
await tick();

const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  clearInterval(timer);
  say('\nStopping everything the demo started...');
  await stack.stop();
  say('Done.');
  process.exit(0);
};
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
