// npm run demo: the whole path on this machine — a real control plane, Prometheus, the sample app,
// cmetrics-proxy behind the aggregator, the seed's HPA and the plugin executable users install — until
// Ctrl-C, then everything stops.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { build, COMPLETION_HELPER, PLUGIN_BUNDLE } from '../scripts/build.ts';
import { compile, type Platform } from '../scripts/package.ts';
import { FIXTURES, startStack } from './harness/stack.ts';

const say = (s: string) => process.stdout.write(`${s}\n`);
const t0 = Date.now();
say(
  'Starting the local control plane, Prometheus, the sample app and cmetrics-proxy (first run builds Kubernetes: ~10 min)...',
);
// The executable `npm run package` ships for this machine, alone in a directory for PATH.
const plugin = mkdtempSync(join(tmpdir(), 'cmetrics-demo-plugin-'));
await build(join(plugin, 'dist'));
const host: Platform = { os: 'linux', arch: process.arch === 'arm64' ? 'arm64' : 'amd64' };
compile(join(plugin, 'dist', PLUGIN_BUNDLE), host, join(plugin, 'kubectl-cmetrics'));
copyFileSync(join(plugin, 'dist', COMPLETION_HELPER), join(plugin, COMPLETION_HELPER));
const stack = await startStack();
const { cluster } = stack;
cluster.kubectl(['apply', '-f', join(FIXTURES, 'hpa.yaml')]);
say(`Up in ${((Date.now() - t0) / 1000).toFixed(1)} s.\n`);
say(`  export KUBECONFIG=${cluster.kubeconfig}`);
say(
  `  export PATH=${plugin}:${cluster.binDir}:$PATH   # kubectl ${process.env.K8S_VERSION ?? 'v1.37.2'} and kubectl-cmetrics`,
);
say(`  Prometheus: ${stack.prometheus.url}    logs: ${join(cluster.workDir, 'logs')}\n`);
say('Try:');
say(
  "  kubectl get --raw '/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/qps?labelSelector=app%3Dcustom-metrics-app'",
);
say('  kubectl get hpa sample-httpserver -w');
say('  kubectl cmetrics top pods --metric qps');
say('  kubectl cmetrics explain hpa sample-httpserver');
say('  kubectl cmetrics doctor');
say('  curl http://<pod IP>:3000/  (pod IPs: kubectl get pods -o wide) to add load\n');

/** The real kubectl running the plugin from that PATH, as a user's second shell does. */
const kubectlCmetrics = (args: string[]) => {
  try {
    return execFileSync(join(cluster.binDir, 'kubectl'), ['cmetrics', ...args], {
      encoding: 'utf8',
      env: { ...process.env, KUBECONFIG: cluster.kubeconfig, PATH: `${plugin}:${cluster.binDir}` },
    });
  } catch (e) {
    return (e as { stderr?: string }).stderr?.trim() ?? String(e);
  }
};
const indent = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => `           ${line}`)
    .join('\n');

let stopping = false;
let ticks = 0;
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
  say(indent(kubectlCmetrics(['top', 'pods', '--metric', 'qps'])));
  // The explanation every third tick (15 s), so the screen stays readable.
  if (ticks++ % 3 === 0) say(indent(kubectlCmetrics(['explain', 'hpa', 'sample-httpserver'])));
};
const timer = setInterval(() => void tick(), 5000);
await tick();

const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  clearInterval(timer);
  say('\nStopping everything the demo started...');
  await stack.stop();
  rmSync(plugin, { recursive: true, force: true });
  say('Done.');
  process.exit(0);
};
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
