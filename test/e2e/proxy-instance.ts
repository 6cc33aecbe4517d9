// A cmetrics-proxy of a test's own, beside the stack's: same cluster, a Prometheus URL of the test's
// choosing (a fault proxy in front of the real one), the self-signed serving certificate in its
// --cert-dir, and requests sent straight to it as the aggregator sends them (front-proxy client
// certificate and X-Remote-* headers).
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import { kubeconfigCluster, writeKubeconfig } from '../harness/cluster.ts';
import { type CertPair, clientCert } from '../harness/pki.ts';
import { freePort, type Proc, startProcess, stopProcess, waitFor } from '../harness/processes.ts';
import { FIXTURES } from '../harness/stack.ts';

const SERVICE = 'cmetrics';

/** The aggregator's client certificate (CN front-proxy-client from the front-proxy CA), made in `dir`. */
export function frontProxyClient(dir: string): CertPair {
  return clientCert(dir, inject('frontProxyCa'), 'e2e-front-proxy-client', 'front-proxy-client');
}

/** Headers the aggregator sends for a cluster admin. */
export const AS_ADMIN = { 'x-remote-user': 'e2e-admin', 'x-remote-group': 'system:masters' };

export interface ProxyInstance {
  port: number;
  proc: Proc;
  /** The serving CA from the self-signed pair the instance made in its --cert-dir. */
  ca: string;
  servername: string;
  log(): string;
  stop(): Promise<void>;
}

export async function startProxyInstance(
  name: string,
  dir: string,
  opts: {
    prometheusUrl: string;
    args?: string[] /** Appended to the harness's adapter config. */;
    configExtra?: string;
    /** A configuration of the test's own, in place of the harness's. */
    config?: string;
    /** The port to listen on (to start an instance again where it was); a free one by default. */
    port?: number;
    /**
     * A serving pair (and its CA, and the name in it) to serve instead of a self-signed one: the
     * stack's, for an instance the APIServices are pointed at.
     */
    serving?: { cert: string; key: string; ca: string; servername: string };
    /** --metric-resolution; 2s unless given. */
    metricResolution?: string;
  },
): Promise<ProxyInstance> {
  mkdirSync(dir, { recursive: true });
  const cluster = kubeconfigCluster(inject('kubeconfig'));
  // Its own identity: an admin, so its reviews and watches do not depend on the shipped RBAC.
  const kubeconfig = writeKubeconfig(
    join(dir, `${name}.kubeconfig`),
    cluster.server,
    cluster.ca,
    clientCert(dir, inject('clusterCa'), name, name, ['system:masters']),
  );
  const config = join(dir, 'adapter.yaml');
  if (opts.config) writeFileSync(config, opts.config);
  else copyFileSync(join(FIXTURES, 'harness-adapter.yaml'), config);
  if (opts.configExtra) appendFileSync(config, `\n${opts.configExtra}`);
  const port = opts.port ?? (await freePort());
  const certDir = join(dir, 'certs');
  const proc = startProcess(
    name,
    process.execPath,
    [
      join(FIXTURES, '..', '..', 'cmd', 'cmetrics-proxy.ts'),
      `--prometheus-url=${opts.prometheusUrl}`,
      `--config=${config}`,
      '--metrics-relist-interval=5s',
      // Usage a second or two old, as the tests compare answers with Prometheus at the request's time.
      `--metric-resolution=${opts.metricResolution ?? '2s'}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      ...(opts.serving
        ? [`--tls-cert-file=${opts.serving.cert}`, `--tls-private-key-file=${opts.serving.key}`]
        : [`--cert-dir=${certDir}`]),
      `--service-name=${SERVICE}`,
      `--service-namespace=${name}`,
      `--kubeconfig=${kubeconfig}`,
      '--log-level=debug',
      ...(opts.args ?? []),
    ],
    dir,
  );
  await waitFor(
    `${name} listening`,
    async () => (readFileSync(proc.log, 'utf8').includes('"msg":"serving"') ? true : undefined),
    { proc, timeoutMs: 60_000 },
  );
  // apiserver.crt is the serving certificate followed by its CA.
  const selfSignedCa = () =>
    readFileSync(join(certDir, 'apiserver.crt'), 'utf8')
      .split(/(?<=-----END CERTIFICATE-----\n)/)
      .at(-1) as string;
  return {
    port,
    proc,
    ca: opts.serving?.ca ?? selfSignedCa(),
    servername: opts.serving?.servername ?? `${SERVICE}.${name}.svc`,
    log: () => readFileSync(proc.log, 'utf8'),
    stop: () => stopProcess(proc),
  };
}
