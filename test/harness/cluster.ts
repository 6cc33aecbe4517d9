// A real Kubernetes control plane on 127.0.0.1: etcd, kube-apiserver (with the aggregation layer's
// front-proxy flags), kube-controller-manager (HPA sync every 2 s), kube-scheduler and kwok, all
// built from Go modules by build-binaries.sh. Every address it hands out or listens on is loopback.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { parse, stringify } from 'yaml';
import { type CertPair, createPki, type Pki, servingCert } from './pki.ts';
import { freePort, type Proc, startProcess, stopProcess, waitFor } from './processes.ts';

export const K8S_VERSION = process.env.K8S_VERSION ?? 'v1.37.2';
export const NODE_IP = '127.0.1.1';

/**
 * Where kwok serves a node's kubelet-style resource metrics (test/fixtures/kwok-metrics.yaml), and the
 * path each node's annotation metrics.k8s.io/resource-metrics-path gives metrics-server (0.7 and later:
 * kubernetes-sigs/metrics-server pkg/scraper/client/resource/client.go GetMetrics).
 */
export const resourceMetricsPath = (node: string) => `/metrics/nodes/${node}/metrics/resource`;

/**
 * Pod IPs kwok hands out, where sample-app processes listen: a /16 of its own per cluster, so that
 * two harnesses on one machine never hand out (and listen on) the same address.
 */
export function randomPodCidr(): string {
  return `127.${2 + Math.floor(Math.random() * 250)}.0.1/16`;
}
/** ClusterIPs are allocated here but never dialled: nothing in the harness runs kube-proxy. */
export const SERVICE_CIDR = '127.0.96.0/20';

const here = dirname(fileURLToPath(import.meta.url));

export interface ClusterOptions {
  workDir?: string;
  nodes?: number;
  hpaSyncPeriod?: string;
}

export interface Cluster {
  workDir: string;
  podCidr: string;
  /**
   * kwok's server (NODE_IP:PORT), every node's kubelet endpoint: their InternalIP and daemonEndpoints
   * port, HTTP and HTTPS on one port (a serving certificate from the cluster CA for NODE_IP), with
   * kubelet-style resource metrics at resourceMetricsPath(NODE).
   */
  kwokServer: string;
  nodeNames: string[];
  binDir: string;
  pki: Pki;
  apiserverUrl: string;
  kubeconfig: string;
  kubeconfigFor(name: string, cn: string, orgs?: string[]): string;
  kubectl(args: string[], input?: string): string;
  processes: Proc[];
  /** Stops kube-apiserver (SIGTERM) and starts it again with the same flags; resolves once it is ready. */
  restartApiserver(): Promise<void>;
  stop(): Promise<void>;
}

export function binDir(): string {
  return (
    process.env.CMETRICS_BIN ??
    join(
      process.env.CMETRICS_CACHE ?? join(process.env.HOME ?? '/root', '.cache/cmetrics'),
      'bin',
      `k8s-${K8S_VERSION}`,
    )
  );
}

/** Builds the binaries unless they are cached (a cold build takes about ten minutes). */
export function ensureBinaries(): string {
  execFileSync('bash', [join(here, 'build-binaries.sh')], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, K8S_VERSION, CMETRICS_BIN: binDir() },
  });
  return binDir();
}

/** kubectl as the user of `kubeconfig`: its stdout; throws (with kubectl's stderr) when it fails. */
export function kubectlWith(bin: string, kubeconfig: string) {
  return (args: string[], input?: string): string =>
    execFileSync(join(bin, 'kubectl'), [`--kubeconfig=${kubeconfig}`, ...args], {
      encoding: 'utf8',
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
}

export function writeKubeconfig(
  path: string,
  server: string,
  caFile: string,
  user: CertPair | { token: string },
): string {
  writeFileSync(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'cmetrics', cluster: { server, 'certificate-authority': caFile } }],
      users: [
        {
          name: 'user',
          user:
            'token' in user
              ? { token: user.token }
              : { 'client-certificate': user.cert, 'client-key': user.key },
        },
      ],
      contexts: [{ name: 'cmetrics', context: { cluster: 'cmetrics', user: 'user', namespace: 'default' } }],
      'current-context': 'cmetrics',
    }),
  );
  return path;
}

/** The API server and the CA file a kubeconfig (as writeKubeconfig writes them) names. */
export function kubeconfigCluster(path: string): { server: string; ca: string } {
  const config = parse(readFileSync(path, 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority': string } }[];
  };
  const cluster = config.clusters[0]?.cluster;
  if (!cluster) throw new Error(`${path} names no cluster`);
  return { server: cluster.server, ca: cluster['certificate-authority'] };
}

export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const bin = ensureBinaries();
  const podCidr = randomPodCidr();
  const workDir = opts.workDir ?? mkdtempSync(join(tmpdir(), 'cmetrics-cluster-'));
  const logs = join(workDir, 'logs');
  mkdirSync(logs, { recursive: true });
  const pki = createPki(join(workDir, 'pki'));
  const processes: Proc[] = [];
  const stopAll = async () => {
    for (const p of [...processes].reverse()) await stopProcess(p);
  };

  try {
    const [etcdPort, etcdPeerPort, apiPort, kcmPort, schedPort, kwokPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(NODE_IP),
    ]);
    const kwokServer = `${NODE_IP}:${kwokPort}`;
    const nodeCount = opts.nodes ?? 2;
    const nodeNames = Array.from({ length: nodeCount }, (_, i) => `kwok-node-${i}`);
    const etcd = startProcess(
      'etcd',
      join(bin, 'etcd'),
      [
        `--data-dir=${join(workDir, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-cluster=default=http://127.0.0.1:${etcdPeerPort}`,
        '--unsafe-no-fsync',
        '--quota-backend-bytes=4294967296',
      ],
      logs,
    );
    processes.push(etcd);
    await waitFor(
      'etcd ready',
      async () => {
        const res = await request(`http://127.0.0.1:${etcdPort}/health`);
        const body = (await res.body.json()) as { health?: string };
        return body.health === 'true' ? true : undefined;
      },
      { proc: etcd, timeoutMs: 30_000 },
    );

    const apiserverUrl = `https://127.0.0.1:${apiPort}`;
    const apiserverArgs = [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${join(workDir, 'apiserver-certs')}`,
      `--tls-cert-file=${pki.apiserver.cert}`,
      `--tls-private-key-file=${pki.apiserver.key}`,
      `--client-ca-file=${pki.ca.cert}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--authorization-mode=Node,RBAC',
      '--allow-privileged=true',
      // The default reconciler would publish 127.0.0.1 as the kubernetes Service's endpoint, which validation rejects.
      '--endpoint-reconciler-type=none',
      `--requestheader-client-ca-file=${pki.frontProxyCa.cert}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${pki.frontProxyClient.cert}`,
      `--proxy-client-key-file=${pki.frontProxyClient.key}`,
    ];
    const launchApiserver = () =>
      startProcess('kube-apiserver', join(bin, 'kube-apiserver'), apiserverArgs, logs);
    let apiserver = launchApiserver();
    processes.push(apiserver);

    const kubeconfigFor = (name: string, cn: string, orgs: string[] = []) =>
      writeKubeconfig(
        join(workDir, `${name}.kubeconfig`),
        apiserverUrl,
        pki.ca.cert,
        pki.client(name, cn, orgs),
      );
    const kubeconfig = kubeconfigFor('admin', 'cmetrics-admin', ['system:masters']);
    const admin = pki.client('admin-probe', 'cmetrics-admin', ['system:masters']);
    const apiserverReady = async (proc: Proc) => {
      const agent = new Agent({
        connect: {
          ca: readFileSync(pki.ca.cert),
          cert: readFileSync(admin.cert),
          key: readFileSync(admin.key),
        },
      });
      try {
        await waitFor(
          'kube-apiserver ready',
          async () => {
            const res = await request(`${apiserverUrl}/readyz`, { dispatcher: agent });
            const text = await res.body.text();
            return res.statusCode === 200 ? text : undefined;
          },
          { proc, timeoutMs: 90_000 },
        );
      } finally {
        await agent.close();
      }
    };
    await apiserverReady(apiserver);

    const kubectl = kubectlWith(bin, kubeconfig);

    const componentKubeconfig = (name: string, cn: string) => kubeconfigFor(name, cn);
    const kcmKubeconfig = componentKubeconfig('kube-controller-manager', 'system:kube-controller-manager');
    const kcm = startProcess(
      'kube-controller-manager',
      join(bin, 'kube-controller-manager'),
      [
        `--kubeconfig=${kcmKubeconfig}`,
        `--authentication-kubeconfig=${kcmKubeconfig}`,
        `--authorization-kubeconfig=${kcmKubeconfig}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${kcmPort}`,
        `--cert-dir=${join(workDir, 'kcm-certs')}`,
        '--leader-elect=false',
        `--service-account-private-key-file=${pki.serviceAccountKey}`,
        `--root-ca-file=${pki.ca.cert}`,
        '--use-service-account-credentials=true',
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        `--horizontal-pod-autoscaler-sync-period=${opts.hpaSyncPeriod ?? '2s'}`,
      ],
      logs,
    );
    processes.push(kcm);

    const schedKubeconfig = componentKubeconfig('kube-scheduler', 'system:kube-scheduler');
    const scheduler = startProcess(
      'kube-scheduler',
      join(bin, 'kube-scheduler'),
      [
        `--kubeconfig=${schedKubeconfig}`,
        `--authentication-kubeconfig=${schedKubeconfig}`,
        `--authorization-kubeconfig=${schedKubeconfig}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${schedPort}`,
        '--leader-elect=false',
      ],
      logs,
    );
    processes.push(scheduler);

    const kwokKubeconfig = kubeconfigFor('kwok', 'kwok-controller', ['system:masters']);
    // As a kubelet's serving certificate from the cluster's signer: for the node's address.
    const kubeletServing = servingCert(pki.dir, pki.ca, 'kwok-kubelet-serving', nodeNames, [NODE_IP]);
    const kwok = startProcess(
      'kwok',
      join(bin, 'kwok'),
      [
        `--kubeconfig=${kwokKubeconfig}`,
        '--manage-all-nodes=false',
        '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
        '--manage-nodes-with-label-selector=',
        '--disregard-status-with-annotation-selector=kwok.x-k8s.io/status=custom',
        `--cidr=${podCidr}`,
        `--node-ip=${NODE_IP}`,
        // The port the nodes publish as their kubelet's (status.daemonEndpoints): kwok's server.
        `--node-port=${kwokPort}`,
        `--config=${join(here, '..', 'fixtures', 'kwok-stages.yaml')}`,
        `--config=${join(here, '..', 'fixtures', 'kwok-metrics.yaml')}`,
        `--server-address=${kwokServer}`,
        `--tls-cert-file=${kubeletServing.cert}`,
        `--tls-private-key-file=${kubeletServing.key}`,
      ],
      logs,
    );
    processes.push(kwok);

    for (const [name, port, proc] of [
      ['kube-controller-manager', kcmPort, kcm],
      ['kube-scheduler', schedPort, scheduler],
    ] as const) {
      const insecure = new Agent({ connect: { rejectUnauthorized: false } });
      await waitFor(
        `${name} healthy`,
        async () => {
          const res = await request(`https://127.0.0.1:${port}/healthz`, { dispatcher: insecure });
          await res.body.text();
          return res.statusCode === 200 ? true : undefined;
        },
        { proc, timeoutMs: 60_000 },
      );
    }

    kubectl(['apply', '-f', '-'], nodesManifest(nodeNames));
    await waitFor(
      'kwok nodes Ready',
      async () => {
        const out = kubectl([
          'get',
          'nodes',
          '-o',
          'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
        ]);
        const ready = out.split('\n').filter((s) => s === 'True').length;
        return ready === nodeCount ? true : undefined;
      },
      { proc: kwok, timeoutMs: 60_000 },
    );
    await waitFor(
      'default service account',
      async () =>
        kubectl(['get', 'serviceaccount', 'default', '-n', 'default', '-o', 'name']).trim()
          ? true
          : undefined,
      { timeoutMs: 60_000 },
    );

    return {
      workDir,
      podCidr,
      kwokServer,
      nodeNames,
      binDir: bin,
      pki,
      apiserverUrl,
      kubeconfig,
      kubeconfigFor,
      kubectl,
      processes,
      restartApiserver: async () => {
        // Same flags, same etcd: clients see the API server go away and come back with their objects.
        await stopProcess(apiserver);
        const next = launchApiserver();
        processes.splice(processes.indexOf(apiserver), 1, next);
        apiserver = next;
        await apiserverReady(next);
      },
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

function nodesManifest(names: string[]): string {
  const nodes = names.map((name) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: {
        'kwok.x-k8s.io/node': 'fake',
        'node.alpha.kubernetes.io/ttl': '0',
        'metrics.k8s.io/resource-metrics-path': resourceMetricsPath(name),
      },
      labels: {
        type: 'kwok',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
      },
    },
    spec: {},
    status: {
      allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
      capacity: { cpu: '32', memory: '256Gi', pods: '110' },
    },
  }));
  return stringify({ apiVersion: 'v1', kind: 'List', items: nodes });
}
