// The two servers under test, started the same way against the same cluster and Prometheus: the
// cmetrics-proxy bundle as it ships (dist/cmetrics-proxy.js) and prometheus-adapter v0.12.0 built from
// its Go module. Both are driven directly over HTTPS (not through the aggregator) with the front
// proxy's client certificate and X-Remote-User / X-Remote-Group: system:masters, which both take as
// always allowed, so both do the same authentication work and no authorization round trip.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Agent, request } from 'undici';
import { IMAGE } from '../../scripts/image.ts';
import { freePort, type Proc, startProcess, waitFor } from '../harness/processes.ts';
import type { Stack } from '../harness/stack.ts';
import { frontProxyAgent } from './load.ts';

export interface BenchEnv {
  binDir: string;
  /** A system:masters kubeconfig. */
  kubeconfig: string;
  kubectl(args: string[], input?: string): string;
  nodeNames: string[];
  prometheusUrl: string;
  scrapeIntervalSeconds: number;
  /** Prometheus' file_sd file; `${fileSd}.extra.json` takes extra targets. */
  fileSd: string;
  /** Prometheus' query log. */
  queryLog: string;
  /** The harness PKI directory (test/harness/pki.ts names). */
  pkiDir: string;
  /** Logs and files of this run. */
  workDir: string;
}

/** The bench's view of a harness stack. */
export function benchEnv(stack: Stack): BenchEnv {
  const { cluster } = stack;
  return {
    binDir: cluster.binDir,
    kubeconfig: cluster.kubeconfig,
    kubectl: cluster.kubectl,
    nodeNames: cluster.nodeNames,
    prometheusUrl: stack.prometheus.url,
    scrapeIntervalSeconds: stack.prometheus.scrapeIntervalSeconds,
    fileSd: join(cluster.workDir, 'file-sd.json'),
    queryLog: join(cluster.workDir, 'prometheus', 'queries.log'),
    pkiDir: cluster.pki.dir,
    workDir: cluster.workDir,
  };
}

/** The two programs compared. */
export type ServerName = 'cmetrics' | 'adapter';
/**
 * What runs under load: cmetrics, the adapter as shipped, and the adapter tuned, its client-side
 * throttle to kube-apiserver (client-go's QPS 5, burst 10 by default) raised so that it is not the limit.
 */
export type Contender = ServerName | 'adapterTuned';

/** The adapter's flags for the tuned run (prometheus-adapter cmd/adapter/adapter.go: --client-qps, --client-burst). */
export const TUNED_ADAPTER_FLAGS = ['--client-qps=1000', '--client-burst=2000'];

export interface ServerOptions {
  config: string;
  prometheusUrl: string;
  relistInterval: string;
  maxAge?: string;
  /** More flags of cmetrics-proxy's. */
  args?: string[];
}

/** A server the bench drives: its process and where it listens. */
export interface ServingProcess {
  name: string;
  proc: Proc;
  origin: string;
}

export interface MeasuredServer extends ServingProcess {
  name: Contender;
}

/** The headers the aggregator sends for a user in system:masters. */
export const FRONT_PROXY_HEADERS = { 'x-remote-user': 'bench', 'x-remote-group': 'system:masters' };

/** Both servers present the harness proxy's serving certificate (it names 127.0.0.1). */
function serving(env: BenchEnv) {
  return {
    cert: join(env.pkiDir, 'cmetrics-proxy-serving.crt'),
    key: join(env.pkiDir, 'cmetrics-proxy-serving.key'),
  };
}

export function benchAgent(env: BenchEnv, connections: number): Agent {
  return frontProxyAgent(
    {
      ca: readFileSync(join(env.pkiDir, 'serving-ca.crt'), 'utf8'),
      cert: readFileSync(join(env.pkiDir, 'front-proxy-client.crt'), 'utf8'),
      key: readFileSync(join(env.pkiDir, 'front-proxy-client.key'), 'utf8'),
    },
    connections,
  );
}

export async function startCmetrics(
  env: BenchEnv,
  bundle: string,
  opts: ServerOptions,
  logName = 'bench-cmetrics',
): Promise<MeasuredServer> {
  const port = await freePort();
  const tls = serving(env);
  const proc = startProcess(
    logName,
    process.execPath,
    [
      // Node's flags as the image's executable has them built in: the heap sizing is part of what ships.
      ...IMAGE.nodeFlags,
      bundle,
      `--prometheus-url=${opts.prometheusUrl}`,
      `--config=${opts.config}`,
      `--metrics-relist-interval=${opts.relistInterval}`,
      ...(opts.maxAge ? [`--metrics-max-age=${opts.maxAge}`] : []),
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      `--tls-cert-file=${tls.cert}`,
      `--tls-private-key-file=${tls.key}`,
      `--kubeconfig=${env.kubeconfig}`,
      ...(opts.args ?? []),
    ],
    join(env.workDir, 'logs'),
    // And the allocator's settings, as the image's environment has them.
    IMAGE.mallocEnv,
  );
  return { name: 'cmetrics', proc, origin: `https://127.0.0.1:${port}` };
}

export async function startAdapter(
  env: BenchEnv,
  opts: ServerOptions,
  logName = 'bench-prometheus-adapter',
  tuned = false,
): Promise<MeasuredServer> {
  const port = await freePort();
  const tls = serving(env);
  const proc = startProcess(
    logName,
    join(env.binDir, 'prometheus-adapter'),
    [
      `--lister-kubeconfig=${env.kubeconfig}`,
      `--authentication-kubeconfig=${env.kubeconfig}`,
      `--authorization-kubeconfig=${env.kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      `--tls-cert-file=${tls.cert}`,
      `--tls-private-key-file=${tls.key}`,
      `--prometheus-url=${opts.prometheusUrl}`,
      `--config=${opts.config}`,
      `--metrics-relist-interval=${opts.relistInterval}`,
      ...(opts.maxAge ? [`--metrics-max-age=${opts.maxAge}`] : []),
      ...(tuned ? TUNED_ADAPTER_FLAGS : []),
    ],
    join(env.workDir, 'logs'),
  );
  return { name: tuned ? 'adapterTuned' : 'adapter', proc, origin: `https://127.0.0.1:${port}` };
}

/** GET a path of a server as the front proxy would; the status code and parsed body. */
export async function fetchJson<T>(
  server: ServingProcess,
  agent: Agent,
  path: string,
): Promise<{ code: number; body: T }> {
  const res = await request(`${server.origin}${path}`, { headers: FRONT_PROXY_HEADERS, dispatcher: agent });
  const text = await res.body.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text for the message
  }
  return { code: res.statusCode, body: body as T };
}

/** Waits until `path` answers 200 with a body `ready` accepts; returns the milliseconds waited. */
export async function waitServing(
  server: ServingProcess,
  agent: Agent,
  path: string,
  ready: (body: unknown) => boolean,
  timeoutMs = 120_000,
  intervalMs = 250,
): Promise<number> {
  const t0 = performance.now();
  await waitFor(
    `${server.name} answers ${path}`,
    async () => {
      const { code, body } = await fetchJson(server, agent, path);
      if (code !== 200) throw new Error(`HTTP ${code}: ${JSON.stringify(body).slice(0, 300)}`);
      return ready(body) ? true : undefined;
    },
    { proc: server.proc, timeoutMs, intervalMs },
  );
  return performance.now() - t0;
}
