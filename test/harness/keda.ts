// KEDA v2.21.0 as a neighbour of cmetrics on a running harness: its operator and its metrics API
// server (built by build-binaries.sh with WITH_KEDA=1), out of cluster, every listener on 127.0.0.1.
// Both run as KEDA's ServiceAccount keda/keda-operator with the RBAC of KEDA's own manifests
// (config/service_account, config/rbac, config/metrics-server of the module), as an install grants.
// The operator reconciles ScaledObjects into HPAs keda-hpa-NAME and computes their metrics (it asks
// the scalers, e.g. Prometheus); the metrics API server serves them as external.metrics.k8s.io,
// asking the operator over gRPC with mutual TLS (KEDA's cert dir: ca.crt, tls.crt, tls.key; the
// operator's certificate rotation is off, the harness signs them). The aggregator reaches the metrics
// API server through an ExternalName Service keda/keda-operator-metrics-apiserver (the name KEDA's
// chart gives it) to 127.0.0.1, while KEDA's APIService v1beta1.external.metrics.k8s.io is registered.
//
// Calling the metrics API server directly (at `url`, trusting `caPem`, TLS server name
// `metricsServerIdentity.serverName`): it authenticates as kube-apiserver's delegates do
// (k8s.io/apiserver DelegatingAuthenticationOptions, configured by kube-system/extension-apiserver-
// authentication): a bearer token by a TokenReview (a ServiceAccount's: `kubectl create token`), a
// client certificate of the cluster CA, or the front proxy's certificate with its X-Remote-* headers;
// and it authorizes each request by a SubjectAccessReview. GET
// /apis/external.metrics.k8s.io/v1beta1/namespaces/NS/METRIC?labelSelector=scaledobject.keda.sh/name=SO
// is verb `list` of resource METRIC (the metric's name, e.g. s0-prometheus) in group
// external.metrics.k8s.io and namespace NS, so a caller needs a (Cluster)Role bound to it with
//   { apiGroups: [external.metrics.k8s.io], resources: ['*'], verbs: [get, list] }
// (KEDA's own ClusterRole keda-external-metrics-reader, bound to the HPA controller, allows every
// verb). The labelSelector naming the ScaledObject is required (kedacore/keda pkg/provider/provider.go
// GetExternalMetric: "scaledObject name is not specified").
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { parse, stringify } from 'yaml';
import { kubectlWith } from './cluster.ts';
import { type K8sObject, parseManifests, recreatable, serviceAccountKubeconfig } from './deploy.ts';
import { clientCert, makeCa, servingCert } from './pki.ts';
import { freePort, type Proc, startProcess, stopProcess, waitFor } from './processes.ts';
import { pidsInGroups, recordSockets } from './sockets.ts';

const NAMESPACE = 'keda';
const ACCOUNT = { namespace: NAMESPACE, serviceAccount: 'keda-operator' };
const SERVICE = 'keda-operator-metrics-apiserver';
const APISERVICE = 'v1beta1.external.metrics.k8s.io';
/** What build-binaries.sh copies from KEDA's module: config/crd/bases, and the install's identity. */
const MANIFESTS = 'keda-manifests';

export interface KedaOptions {
  binDir: string;
  /** A cluster admin's kubeconfig: applies KEDA's objects and mints its ServiceAccount's token. */
  kubeconfig: string;
  /** The stack's work dir: KEDA's files go to WORKDIR/keda, its sockets where loopback.test.ts reads them. */
  workDir: string;
  /** Registers KEDA's APIService at start, in place of the one there (put back by unregister or stop). */
  registerApiService?: boolean;
}

export interface Keda {
  /** https://127.0.0.1:PORT: KEDA's metrics API server. */
  url: string;
  /** The CA of KEDA's certificates: its APIService's caBundle, what a direct caller trusts. */
  caPem: string;
  /** The DNS name of the metrics API server's serving certificate, and the user it runs as. */
  metricsServerIdentity: { serverName: string; user: string };
  operator: Proc;
  metricsServer: Proc;
  /** KEDA's APIService in place of the one there (kept to put back); the caller waits for Available. */
  registerApiService(): void;
  /** Puts back the APIService KEDA's replaced, or removes KEDA's if it replaced none. */
  unregisterApiService(): void;
  /**
   * Deletes every ScaledObject and ScaledJob while the operator runs (it removes their finalizers and
   * HPAs), unregisters, records the sockets of both processes for loopback.test.ts, stops them and
   * deletes KEDA's objects (its namespace with the Service) and CRDs. Once: a second call only deletes.
   */
  stop(): Promise<void>;
}

type ApiServiceObject = K8sObject & { spec: Record<string, unknown>; status?: unknown };

export async function startKeda(opts: KedaOptions): Promise<Keda> {
  const manifests = join(opts.binDir, MANIFESTS);
  const operatorBin = join(opts.binDir, 'keda-operator');
  const metricsServerBin = join(opts.binDir, 'keda-metrics-apiserver');
  for (const path of [manifests, operatorBin, metricsServerBin]) {
    if (!existsSync(path))
      throw new Error(
        `${path} is missing: build KEDA with WITH_KEDA=1 bash test/harness/build-binaries.sh (scripts/setup.sh does)`,
      );
  }
  const kubectl = kubectlWith(opts.binDir, opts.kubeconfig);
  const dir = join(opts.workDir, 'keda');
  mkdirSync(dir, { recursive: true });
  const crds = join(manifests, 'crds');
  // The namespace first: the ServiceAccount and a Role live in it.
  const install = parseManifests(
    yamlFiles(join(manifests, 'install'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n---\n'),
  ).sort((a, b) => Number(b.kind === 'Namespace') - Number(a.kind === 'Namespace'));
  const installList = stringify({ apiVersion: 'v1', kind: 'List', items: install });

  const processes: Proc[] = [];
  let replaced: ApiServiceObject | undefined;
  let registered = false;
  const unregisterApiService = () => {
    kubectl(['delete', 'apiservice', APISERVICE, '--ignore-not-found']);
    if (replaced) kubectl(['create', '-f', '-'], JSON.stringify(replaced));
    replaced = undefined;
    registered = false;
  };
  const stop = async () => {
    const started = processes.splice(0);
    if (started.length === 2)
      kubectl([
        'delete',
        'scaledobjects.keda.sh,scaledjobs.keda.sh',
        '--all',
        '--all-namespaces',
        '--ignore-not-found',
        '--timeout=60s',
      ]);
    if (registered) unregisterApiService();
    if (started.length) recordSockets(opts.workDir, 'keda', pidsInGroups(started.map((p) => p.pid)));
    for (const p of started.reverse()) await stopProcess(p);
    kubectl(['delete', '-f', '-', '--ignore-not-found', '--wait=false'], installList);
    kubectl(['delete', '-f', crds, '--ignore-not-found', '--timeout=60s']);
  };

  try {
    kubectl(['apply', '--server-side', '-f', crds]);
    kubectl(['wait', '--for=condition=Established', '--timeout=60s', '-f', crds]);
    kubectl(['apply', '-f', '-'], installList);
    const user = `system:serviceaccount:${ACCOUNT.namespace}:${ACCOUNT.serviceAccount}`;
    // can-i exits 1 for "no"; waitFor retries until every answer is yes.
    await waitFor(
      "KEDA's RBAC in force",
      async () => {
        const can = (args: string[]) => kubectl(['auth', 'can-i', ...args, `--as=${user}`]).trim() === 'yes';
        return can(['watch', 'scaledobjects.keda.sh', '--all-namespaces']) &&
          can(['create', 'tokenreviews.authentication.k8s.io']) &&
          can(['get', 'configmap/extension-apiserver-authentication', '-n', 'kube-system'])
          ? true
          : undefined;
      },
      { timeoutMs: 30_000 },
    );
    const admin = parse(readFileSync(opts.kubeconfig, 'utf8')) as {
      clusters: { cluster: { server: string; 'certificate-authority': string } }[];
    };
    const apiserver = admin.clusters[0]?.cluster;
    if (!apiserver) throw new Error(`${opts.kubeconfig} names no cluster`);
    const kubeconfig = serviceAccountKubeconfig(
      kubectl,
      join(dir, 'keda-operator-sa.kubeconfig'),
      { server: apiserver.server, caFile: apiserver['certificate-authority'] },
      ACCOUNT,
    );

    // One CA, as KEDA's own rotation makes (pkg/certificates): the operator's gRPC serving certificate
    // (for 127.0.0.1, the address the metrics API server dials), the metrics API server's client
    // certificate for that link, and its serving certificate for the aggregator and direct callers.
    const pki = join(dir, 'pki');
    const operatorCerts = join(dir, 'operator-certs');
    const clientCerts = join(dir, 'metrics-apiserver-grpc-certs');
    const extraCas = join(dir, 'scaler-cas');
    for (const d of [pki, operatorCerts, clientCerts, extraCas]) mkdirSync(d, { recursive: true });
    const ca = makeCa(pki, 'ca', 'cmetrics-harness-keda-ca');
    const caPem = readFileSync(ca.cert, 'utf8');
    servingCert(operatorCerts, ca, 'tls', [`keda-operator.${NAMESPACE}.svc`]);
    clientCert(clientCerts, ca, 'tls', 'keda-metrics-apiserver');
    for (const d of [operatorCerts, clientCerts]) copyFileSync(ca.cert, join(d, 'ca.crt'));
    const serverName = `${SERVICE}.${NAMESPACE}.svc`;
    const serving = servingCert(pki, ca, 'metrics-apiserver-serving', [serverName]);

    // WATCH_NAMESPACE must be set, empty for all (pkg/util/watch.go GetWatchNamespaces); without
    // KEDA_CLUSTER_OBJECT_NAMESPACE KEDA reads its pod's service-account namespace file, and without
    // POD_NAMESPACE it assumes keda (pkg/util/env_resolver.go). KEDA_HTTP_DEFAULT_TIMEOUT keeps its
    // 3000 ms default (cmd/operator/main.go).
    const env = {
      KUBECONFIG: kubeconfig,
      WATCH_NAMESPACE: '',
      POD_NAMESPACE: NAMESPACE,
      KEDA_CLUSTER_OBJECT_NAMESPACE: NAMESPACE,
    };
    const [metricsPort, healthPort, grpcPort, securePort, metricsServerMetricsPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const operator = startProcess(
      'keda-operator',
      operatorBin,
      [
        `--metrics-bind-address=127.0.0.1:${metricsPort}`,
        `--health-probe-bind-address=127.0.0.1:${healthPort}`,
        `--metrics-service-bind-address=127.0.0.1:${grpcPort}`,
        '--leader-elect=false',
        '--enable-cert-rotation=false',
        `--cert-dir=${operatorCerts}`,
        // Not /custom/ca: an empty directory of CAs for the scalers' TLS.
        `--ca-dir=${extraCas}`,
        '--zap-log-level=info',
        '--zap-encoder=console',
      ],
      dir,
      env,
    );
    processes.push(operator);
    await waitFor(
      'keda-operator ready',
      async () => {
        const res = await request(`http://127.0.0.1:${healthPort}/readyz`);
        await res.body.text();
        return res.statusCode === 200 ? true : undefined;
      },
      { proc: operator, timeoutMs: 60_000 },
    );

    const metricsServer = startProcess(
      'keda-metrics-apiserver',
      metricsServerBin,
      [
        '--bind-address=127.0.0.1',
        `--secure-port=${securePort}`,
        `--tls-cert-file=${serving.cert}`,
        `--tls-private-key-file=${serving.key}`,
        // Where it finds its gRPC client certificate (cmd/adapter/main.go: the serving options' cert dir).
        `--cert-dir=${clientCerts}`,
        `--lister-kubeconfig=${kubeconfig}`,
        `--authentication-kubeconfig=${kubeconfig}`,
        `--authorization-kubeconfig=${kubeconfig}`,
        `--metrics-service-address=127.0.0.1:${grpcPort}`,
        // Its own /metrics, which build-binaries.sh binds to 127.0.0.1 (upstream: every interface).
        `--port=${metricsServerMetricsPort}`,
        '--zap-log-level=info',
        '--zap-encoder=console',
      ],
      dir,
      env,
    );
    processes.push(metricsServer);
    const url = `https://127.0.0.1:${securePort}`;
    const agent = new Agent({ connect: { ca: caPem, servername: serverName } });
    try {
      await waitFor(
        'keda-metrics-apiserver ready, its gRPC link to the operator up',
        async () => {
          const res = await request(`${url}/readyz`, { dispatcher: agent });
          await res.body.text();
          const linked = readFileSync(metricsServer.log, 'utf8').includes(
            'Connection to KEDA Metrics Service gRPC server has been successfully established',
          );
          return res.statusCode === 200 && linked ? true : undefined;
        },
        { proc: metricsServer, timeoutMs: 60_000 },
      );
    } finally {
      await agent.close();
    }
    kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: SERVICE, namespace: NAMESPACE },
        spec: { type: 'ExternalName', externalName: '127.0.0.1' },
      }),
    );

    const registerApiService = () => {
      const current = kubectl(['get', 'apiservice', '--ignore-not-found', APISERVICE, '-o', 'json']).trim();
      const existing = current ? (JSON.parse(current) as ApiServiceObject) : undefined;
      const kedas =
        (existing?.spec.service as { namespace?: string; name?: string } | undefined)?.name === SERVICE;
      if (existing && !kedas) replaced = recreatable(existing);
      kubectl(['delete', 'apiservice', APISERVICE, '--ignore-not-found']);
      kubectl(
        ['create', '-f', '-'],
        JSON.stringify({
          apiVersion: 'apiregistration.k8s.io/v1',
          kind: 'APIService',
          // As KEDA's config/metrics-server/api_service.yaml, with the harness's Service and CA.
          metadata: { name: APISERVICE, labels: { 'app.kubernetes.io/part-of': 'keda-operator' } },
          spec: {
            group: 'external.metrics.k8s.io',
            version: 'v1beta1',
            service: { namespace: NAMESPACE, name: SERVICE, port: securePort },
            caBundle: Buffer.from(caPem).toString('base64'),
            groupPriorityMinimum: 100,
            versionPriority: 100,
          },
        }),
      );
      registered = true;
    };
    if (opts.registerApiService) registerApiService();
    return {
      url,
      caPem,
      metricsServerIdentity: { serverName, user },
      operator,
      metricsServer,
      registerApiService,
      unregisterApiService,
      stop,
    };
  } catch (e) {
    // The start's error is the one to see; a failed clean-up after it only adds to it.
    await stop().catch((cleanup: unknown) => {
      (e as Error).message += `\n(and stopping KEDA: ${(cleanup as Error).message})`;
    });
    throw e;
  }
}

const yamlFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(dir, f));
