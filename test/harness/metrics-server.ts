// metrics-server v0.8.0 (built by build-binaries.sh) beside cmetrics, as its own manifests run it
// (kubernetes-sigs/metrics-server manifests/base): ServiceAccount kube-system/metrics-server with its
// RBAC, delegated authentication and authorization against the harness's kube-apiserver (the
// front-proxy CA it reads from kube-system/extension-apiserver-authentication, as cmetrics does), a
// serving certificate from a CA of its own for metrics-server.kube-system.svc, and a Service of that
// name: an ExternalName to 127.0.0.1. It scrapes each kwok node as a kubelet: the node's InternalIP
// (NODE_IP) and its status port (kwok's server, test/harness/cluster.ts), over HTTPS checked against
// the cluster CA, at the path of the node's metrics.k8s.io/resource-metrics-path annotation.
// It listens on 127.0.0.1 only. Pointing an APIService at it is the caller's business.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { stringify } from 'yaml';
import { kubeconfigCluster, writeKubeconfig } from './cluster.ts';
import { makeCa, servingCert } from './pki.ts';
import { freePort, type Proc, startProcess, stopProcess, waitFor } from './processes.ts';
import { pidsInGroups, recordSockets } from './sockets.ts';

/** Where metrics-server's manifests put it. */
const METRICS_SERVER = { namespace: 'kube-system', name: 'metrics-server' };
const USER = `system:serviceaccount:${METRICS_SERVER.namespace}:${METRICS_SERVER.name}`;

export interface MetricsServerOptions {
  /** The harness's binaries: kubectl, metrics-server and its RBAC (metrics-server-rbac.yaml). */
  binDir: string;
  /** An admin's kubeconfig: the API server and cluster CA it names, and the one that applies the RBAC. */
  kubeconfig: string;
  /** The cluster's work dir: metrics-server's files go to WORKDIR/metrics-server, its log there too. */
  workDir: string;
  /** --metric-resolution: how often it scrapes, and so its window (10s, the least it accepts). */
  metricResolution?: string;
  /** --kubelet-request-timeout (5s): kwok answers a node of thousands of pods more slowly. */
  kubeletRequestTimeout?: string;
}

export interface MetricsServer {
  proc: Proc;
  /** What an APIService names: the ExternalName Service and metrics-server's port. */
  service: { namespace: string; name: string; port: number };
  /** The CA of its serving certificate (PEM): the APIService's caBundle. */
  ca: string;
  log(): string;
  /** Records its sockets (for loopback.test.ts), stops it, and deletes its Service and RBAC. */
  stop(): Promise<void>;
}

export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const dir = join(opts.workDir, 'metrics-server');
  mkdirSync(dir, { recursive: true });
  const kubectl = (args: string[], input?: string) =>
    execFileSync(join(opts.binDir, 'kubectl'), [`--kubeconfig=${opts.kubeconfig}`, ...args], {
      encoding: 'utf8',
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  const rbac = join(opts.binDir, 'metrics-server-rbac.yaml');
  kubectl(['apply', '-f', rbac]);
  const can = (args: string[]) => kubectl(['auth', 'can-i', ...args, `--as=${USER}`]).trim() === 'yes';
  // can-i exits 1 for "no"; waitFor retries until every answer is yes.
  await waitFor(
    'RBAC of metrics-server in force',
    async () =>
      can(['create', 'subjectaccessreviews.authorization.k8s.io']) &&
      can(['get', 'configmap/extension-apiserver-authentication', '-n', 'kube-system']) &&
      can(['watch', 'pods', '--all-namespaces']) &&
      can(['list', 'nodes'])
        ? true
        : undefined,
    { timeoutMs: 30_000 },
  );
  const cluster = kubeconfigCluster(opts.kubeconfig);
  const token = kubectl([
    'create',
    'token',
    METRICS_SERVER.name,
    '-n',
    METRICS_SERVER.namespace,
    '--duration=2h',
  ]).trim();
  const kubeconfig = writeKubeconfig(join(dir, 'metrics-server.kubeconfig'), cluster.server, cluster.ca, {
    token,
  });
  const ca = makeCa(dir, 'metrics-server-ca', 'e2e-metrics-server-ca');
  const servername = `${METRICS_SERVER.name}.${METRICS_SERVER.namespace}.svc`;
  const serving = servingCert(dir, ca, 'metrics-server-serving', [servername]);
  const port = await freePort();
  const proc = startProcess(
    'metrics-server',
    join(opts.binDir, 'metrics-server'),
    [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      `--tls-cert-file=${serving.cert}`,
      `--tls-private-key-file=${serving.key}`,
      // Nodes publish NODE_IP as their only address and kwok's server as their kubelet port.
      '--kubelet-preferred-address-types=InternalIP',
      '--kubelet-use-node-status-port',
      // kwok serves the certificate the harness signed with the cluster CA for NODE_IP.
      `--kubelet-certificate-authority=${cluster.ca}`,
      `--metric-resolution=${opts.metricResolution ?? '10s'}`,
      // It must stay under 90% of the resolution (cmd/metrics-server/app/options/options.go validate).
      `--kubelet-request-timeout=${opts.kubeletRequestTimeout ?? '5s'}`,
    ],
    dir,
  );
  kubectl(
    ['apply', '-f', '-'],
    stringify({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: METRICS_SERVER,
      spec: { type: 'ExternalName', externalName: '127.0.0.1' },
    }),
  );
  const caPem = readFileSync(ca.cert, 'utf8');
  // /readyz answers 200 once it holds two scrapes of a node or a pod (pkg/storage/storage.go Ready).
  const agent = new Agent({ connect: { ca: caPem, servername } });
  try {
    await waitFor(
      'metrics-server ready (two scrapes of kwok stored)',
      async () => {
        const res = await request(`https://127.0.0.1:${port}/readyz`, { dispatcher: agent });
        await res.body.text();
        return res.statusCode === 200 ? true : undefined;
      },
      { proc, timeoutMs: 90_000, intervalMs: 500 },
    );
  } finally {
    await agent.close();
  }
  return {
    proc,
    service: { ...METRICS_SERVER, port },
    ca: caPem,
    log: () => readFileSync(proc.log, 'utf8'),
    stop: async () => {
      recordSockets(opts.workDir, proc.name, pidsInGroups([proc.pid]));
      await stopProcess(proc);
      kubectl([
        'delete',
        'service',
        METRICS_SERVER.name,
        '-n',
        METRICS_SERVER.namespace,
        '--ignore-not-found',
      ]);
      kubectl(['delete', '-f', rbac, '--ignore-not-found']);
    },
  };
}
