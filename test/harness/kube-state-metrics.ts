// kube-state-metrics v2.20.0 (built by build-binaries.sh), out of cluster as its standard example
// runs it (kubernetes/kube-state-metrics examples/standard): ServiceAccount
// kube-system/kube-state-metrics, bound to a ClusterRole with the rules of that example's
// cluster-role.yaml for the resources enabled here. Its metrics and its own telemetry listen on
// 127.0.0.1 only (upstream: "::", every interface). The stack's Prometheus scrapes it.
import { join } from 'node:path';
import { request } from 'undici';
import { stringify } from 'yaml';
import type { Cluster } from './cluster.ts';
import { serviceAccountKubeconfig } from './deploy.ts';
import { freePort, type Proc, startProcess, waitFor } from './processes.ts';

/** Where its standard example puts it. */
const KSM = { namespace: 'kube-system', serviceAccount: 'kube-state-metrics' };
const USER = `system:serviceaccount:${KSM.namespace}:${KSM.serviceAccount}`;

/** The objects whose state the HPA's decisions hang on: the HPAs and the pods. */
const RESOURCES = ['horizontalpodautoscalers', 'pods'];

/**
 * The families cmetrics' history API reads (docs/proxy.md), and no others: about 38 series per pod
 * otherwise, some 100k samples a scrape in the 5,000-pod tests.
 */
const FAMILIES = [
  'kube_horizontalpodautoscaler_status_current_replicas',
  'kube_horizontalpodautoscaler_status_desired_replicas',
  'kube_horizontalpodautoscaler_spec_min_replicas',
  'kube_horizontalpodautoscaler_spec_max_replicas',
  'kube_pod_status_ready',
  'kube_pod_start_time',
  'kube_pod_deletion_timestamp',
  'kube_pod_labels',
];

/** examples/standard/cluster-role.yaml, the rules of RESOURCES only. */
const RULES = [
  { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['list', 'watch'] },
];

export interface KubeStateMetrics {
  proc: Proc;
  /** HOST:PORT of its /metrics, for a scrape configuration. */
  target: string;
  /** Until it listens (before its first lists are done: a scrape then may lack objects). */
  ready(): Promise<void>;
}

/** Applies its identity, then starts it with a token of it; returns at once, `ready()` waits. */
export async function startKubeStateMetrics(cluster: Cluster): Promise<KubeStateMetrics> {
  cluster.kubectl(
    ['apply', '-f', '-'],
    stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: KSM.serviceAccount, namespace: KSM.namespace },
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name: KSM.serviceAccount },
          rules: RULES,
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: KSM.serviceAccount },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: KSM.serviceAccount },
          subjects: [{ kind: 'ServiceAccount', name: KSM.serviceAccount, namespace: KSM.namespace }],
        },
      ],
    }),
  );
  // A list it is refused backs off (client-go's reflector), so the binding must be in force first;
  // can-i exits 1 for "no", and waitFor retries.
  await waitFor(
    'RBAC of kube-state-metrics in force',
    async () =>
      cluster
        .kubectl(['auth', 'can-i', 'watch', 'horizontalpodautoscalers.autoscaling', '-A', `--as=${USER}`])
        .trim() === 'yes'
        ? true
        : undefined,
    { timeoutMs: 30_000 },
  );
  const kubeconfig = serviceAccountKubeconfig(
    cluster.kubectl,
    join(cluster.workDir, 'kube-state-metrics-sa.kubeconfig'),
    { server: cluster.apiserverUrl, caFile: cluster.pki.ca.cert },
    KSM,
  );
  const [port, telemetryPort] = await Promise.all([freePort(), freePort()]);
  const proc = startProcess(
    'kube-state-metrics',
    join(cluster.binDir, 'kube-state-metrics'),
    [
      `--kubeconfig=${kubeconfig}`,
      '--host=127.0.0.1',
      `--port=${port}`,
      '--telemetry-host=127.0.0.1',
      `--telemetry-port=${telemetryPort}`,
      `--resources=${RESOURCES.join(',')}`,
      // kube_pod_labels with every label of a pod (label_app among them).
      '--metric-labels-allowlist=pods=[*]',
      `--metric-allowlist=${FAMILIES.join(',')}`,
    ],
    join(cluster.workDir, 'logs'),
  );
  const target = `127.0.0.1:${port}`;
  return {
    proc,
    target,
    ready: async () => {
      await waitFor(
        'kube-state-metrics serving',
        async () => {
          const res = await request(`http://${target}/healthz`);
          await res.body.text();
          return res.statusCode === 200 ? true : undefined;
        },
        { proc, timeoutMs: 30_000 },
      );
    },
  };
}
