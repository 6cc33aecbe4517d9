// cmetrics-proxy: flags (prometheus-adapter's names where they exist), then wiring of the layers.
import { KubeConfig } from '@kubernetes/client-node';
import yargs from 'yargs';
import { EXTERNAL_GROUP, RESOURCE_GROUP } from '../shared/api-types.ts';
import { parseDuration } from '../shared/duration.ts';
import { KubeRest } from '../shared/kube.ts';
import type { ExternalMetricsBackend } from './apis/external-metrics.ts';
import type { CustomMetricsBackend } from './apis/ports.ts';
import type { ResourceMetricsBackend } from './apis/resource-metrics.ts';
import { createRouter } from './apis/router.ts';
import { compileConfig } from './config/compile.ts';
import { LiveConfig } from './config/live.ts';
import { WatchCaches } from './kube/caches.ts';
import { discoverResources } from './kube/discovery.ts';
import { createLogger, type Level, type Logger } from './log.ts';
import { createProxyMetrics } from './metrics.ts';
import { Relister } from './prometheus/relist.ts';
import { NODES, PODS, type ResourceMapper } from './rules/resources.ts';
import { subjectAccessReviewAuthorizer, tokenReviewAuthenticator } from './server/delegated.ts';
import {
  type ClientCaConfig,
  clientCaConfigFrom,
  type RequestHeaderConfig,
  requestHeaderConfigFrom,
} from './server/front-proxy.ts';
import { createServer, type ShutdownResult } from './server/https.ts';
import { serviceNames } from './server/self-signed.ts';
import { ServingCertificateFiles, type ServingPair, selfSignedServingPair } from './server/serving-cert.ts';

export interface ProxyFlags {
  prometheusUrl: string;
  config: string;
  metricsRelistInterval: string;
  metricsMaxAge: string | undefined;
  securePort: number;
  bindAddress: string;
  tlsCertFile: string | undefined;
  tlsPrivateKeyFile: string | undefined;
  certDir: string | undefined;
  serviceName: string;
  serviceNamespace: string;
  kubeconfig: string | undefined;
  prometheusTimeout: string;
  shutdownDelayDuration: string;
  shutdownTimeout: string;
  logLevel: Level;
}

export function parseFlags(argv: string[]): ProxyFlags {
  const a = yargs(argv)
    .scriptName('cmetrics-proxy')
    .usage(
      '$0 --config FILE --prometheus-url URL [flags]\n\nServes the Kubernetes metrics APIs from Prometheus, configured with prometheus-adapter rules.',
    )
    .option('prometheus-url', {
      type: 'string',
      default: 'https://localhost',
      describe: 'URL of the Prometheus API',
    })
    .option('config', {
      type: 'string',
      demandOption: true,
      describe: 'prometheus-adapter configuration file',
    })
    .option('metrics-relist-interval', {
      type: 'string',
      default: '10m',
      describe: 'how often to rediscover series',
    })
    .option('metrics-max-age', {
      type: 'string',
      describe: 'how far back discovery looks (default: the relist interval)',
    })
    .option('secure-port', { type: 'number', default: 6443 })
    .option('bind-address', { type: 'string', default: '0.0.0.0' })
    .option('tls-cert-file', {
      type: 'string',
      describe: 'serving certificate (PEM, with its chain), re-read when it changes',
    })
    .option('tls-private-key-file', { type: 'string', describe: 'serving key (PEM)' })
    .option('cert-dir', {
      type: 'string',
      describe:
        'without --tls-cert-file: where the self-signed certificate is kept (apiserver.crt, apiserver.key)',
    })
    .option('service-name', {
      type: 'string',
      default: 'cmetrics',
      describe: "the Service in front of the proxy: the self-signed certificate's DNS names",
    })
    .option('service-namespace', {
      type: 'string',
      default: process.env.POD_NAMESPACE || 'cmetrics',
      describe: "the Service's namespace ($POD_NAMESPACE when set)",
    })
    .option('kubeconfig', {
      type: 'string',
      describe: 'kubeconfig for out-of-cluster use (in-cluster by default)',
    })
    .option('prometheus-timeout', { type: 'string', default: '10s' })
    .option('shutdown-delay-duration', {
      type: 'string',
      default: '0s',
      describe: 'on SIGTERM, how long to keep serving with /readyz failing before the listener closes',
    })
    .option('shutdown-timeout', {
      type: 'string',
      default: '20s',
      describe: 'on SIGTERM, how long requests under way may take to finish',
    })
    .option('log-level', { choices: ['debug', 'info', 'warn', 'error'] as const, default: 'info' as Level })
    .strict()
    .version(false)
    .help()
    .parseSync();
  return {
    prometheusUrl: a['prometheus-url'],
    config: a.config,
    metricsRelistInterval: a['metrics-relist-interval'],
    metricsMaxAge: a['metrics-max-age'],
    securePort: a['secure-port'],
    bindAddress: a['bind-address'],
    tlsCertFile: a['tls-cert-file'],
    tlsPrivateKeyFile: a['tls-private-key-file'],
    certDir: a['cert-dir'],
    serviceName: a['service-name'],
    serviceNamespace: a['service-namespace'],
    kubeconfig: a.kubeconfig,
    prometheusTimeout: a['prometheus-timeout'],
    shutdownDelayDuration: a['shutdown-delay-duration'],
    shutdownTimeout: a['shutdown-timeout'],
    logLevel: a['log-level'],
  };
}

/**
 * Queries are evaluated at the last whole second that is at least one second old: the answer's
 * timestamp is then exact (whole seconds, as metav1.Time carries), and no scrape still in flight
 * can change the value afterwards, so the same query at that timestamp always gives the same value.
 */
export function evaluationTime(nowMs = Date.now()): number {
  return Math.floor(nowMs / 1000) * 1000 - 1000;
}

export async function runProxy(
  flags: ProxyFlags,
  log: Logger = createLogger(flags.logLevel),
): Promise<() => Promise<ShutdownResult>> {
  const relistMs = parseDuration(flags.metricsRelistInterval);
  const maxAgeMs = flags.metricsMaxAge ? parseDuration(flags.metricsMaxAge) : relistMs;
  if (maxAgeMs < relistMs) throw new Error('--metrics-max-age must be at least --metrics-relist-interval');
  if (!flags.tlsCertFile !== !flags.tlsPrivateKeyFile)
    throw new Error('--tls-cert-file and --tls-private-key-file go together: give both or neither');
  const shutdownDelayMs = parseDuration(flags.shutdownDelayDuration);
  const shutdownTimeoutMs = parseDuration(flags.shutdownTimeout);
  const servingFiles =
    flags.tlsCertFile && flags.tlsPrivateKeyFile
      ? new ServingCertificateFiles(flags.tlsCertFile, flags.tlsPrivateKeyFile, log)
      : undefined;
  const selfSigned = servingFiles
    ? undefined
    : selfSignedServingPair(serviceNames(flags.serviceName, flags.serviceNamespace), flags.certDir, log);
  const kc = new KubeConfig();
  if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
  else kc.loadFromCluster();
  const rest = new KubeRest(kc);

  let mapper: ResourceMapper = await discoverResources(rest);
  // Sources are read at scrape time: everything they name is created just below.
  const metrics = createProxyMetrics({
    reloads: () => live.status,
    metricsListed: () => ({ custom: relister.current().size, external: relister.external().size }),
    cacheObjects: () => caches.objectCounts(),
    knownResource: (group, resource) =>
      group === RESOURCE_GROUP
        ? resource === 'pods' || resource === 'nodes'
        : group === EXTERNAL_GROUP
          ? relister.external().find(resource) !== undefined
          : resource === 'metrics' || mapper.parse(resource) !== undefined,
  });
  const defaults = {
    url: flags.prometheusUrl,
    timeoutMs: parseDuration(flags.prometheusTimeout),
    observer: metrics.prometheus,
  };
  const live = new LiveConfig(flags.config, (config) => compileConfig(config, mapper, defaults), log);
  const relister = new Relister(() => live.current, {
    intervalMs: relistMs,
    maxAgeMs,
    log,
    observe: metrics.relisted,
  });
  live.onChange(() => void relister.relist());
  const caches = new WatchCaches(kc, rest, log);

  let requestHeader: RequestHeaderConfig | undefined;
  let clientCa: ClientCaConfig | undefined;
  let requestHeaderSource = '';
  const loadRequestHeader = async () => {
    const cm = await rest.get<{ data?: Record<string, string> }>(
      '/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication',
    );
    // Kept as is while unchanged, so per-connection verdicts stay cached.
    const source = JSON.stringify(cm.data ?? {});
    if (source === requestHeaderSource) return;
    requestHeaderSource = source;
    requestHeader = requestHeaderConfigFrom(cm.data ?? {});
    clientCa = clientCaConfigFrom(cm.data ?? {});
  };
  await loadRequestHeader();
  if (!requestHeader)
    log.warn(
      'kube-system/extension-apiserver-authentication has no requestheader CA; only health paths will answer',
    );

  const watched = [PODS, NODES].flatMap((gr) => mapper.get(gr) ?? []);
  await Promise.all([relister.relist(), ...watched.map((r) => caches.warm(r))]);
  relister.start();
  const stopWatching = live.watch();

  const backend: CustomMetricsBackend & ResourceMetricsBackend & ExternalMetricsBackend = {
    registry: () => relister.current(),
    externalRegistry: () => relister.external(),
    get resourceRules() {
      return live.current.resourceRules;
    },
    mapper: () => mapper,
    objects: caches,
    query: (expr, timeMs, name) => live.current.client(name).query(expr, timeMs),
    now: evaluationTime,
  };
  const server = createServer({
    serving: () => servingFiles?.current ?? (selfSigned as ServingPair),
    router: createRouter(backend),
    requestHeader: () => requestHeader,
    clientCa: () => clientCa,
    authenticateToken: tokenReviewAuthenticator((path, body) => rest.post(path, body)),
    authorize: subjectAccessReviewAuthorizer((path, body) => rest.post(path, body)),
    metrics,
    readiness: [
      {
        name: 'prometheus',
        check: async () => {
          const results = await Promise.all(
            live.current.clients().map(async (c) => ({ url: c.url, ...(await c.ready()) })),
          );
          const failed = results.filter((r) => !r.ok);
          return { ok: !failed.length, detail: failed.map((r) => `${r.url}: ${r.detail}`).join('; ') };
        },
      },
      {
        // A refused reload leaves the previous configuration serving: ready, with the reason shown.
        name: 'config',
        check: async () => ({
          ok: true,
          detail: live.status.lastError
            ? `reload refused, previous configuration in force: ${live.status.lastError}`
            : '',
        }),
      },
      {
        // Objects keep being served from the caches while a watch restarts (kube-apiserver away).
        name: 'caches',
        check: async () => caches.status(),
      },
      {
        name: 'metric-discovery',
        check: async () => ({
          ok: relister.synced,
          detail: relister.lastError
            ? `last relist failed, previous metric list in force: ${relister.lastError}`
            : relister.synced
              ? ''
              : 'first relist not finished',
        }),
      },
    ],
    log,
  });

  // The front-proxy CA and the cluster's resources can change while we run (CA rotation, new CRDs).
  const refresh = setInterval(async () => {
    try {
      const before = [requestHeader?.caPem, clientCa?.caPem];
      await loadRequestHeader();
      if (requestHeader?.caPem !== before[0] || clientCa?.caPem !== before[1]) {
        server.refreshSecureContext();
        log.info('client CAs changed; reloaded');
      }
      mapper = await discoverResources(rest);
    } catch (e) {
      log.warn('refresh of cluster configuration failed', { error: (e as Error).message });
    }
  }, 30_000);
  refresh.unref();
  servingFiles?.onChange(() => server.refreshSecureContext());
  const stopWatchingServing = servingFiles?.watch();

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.server.listen(flags.securePort, flags.bindAddress, () => resolve());
  });
  log.info('serving', {
    address: `${flags.bindAddress}:${flags.securePort}`,
    rules: live.current.rules.length,
    externalRules: live.current.externalRules.length,
    metrics: relister.current().size,
    externalMetrics: relister.external().size,
    prometheus: flags.prometheusUrl,
  });

  return async () => {
    // Requests under way still need the caches and Prometheus clients: those stop after the server.
    const result = await server.shutdown({ delayMs: shutdownDelayMs, timeoutMs: shutdownTimeoutMs });
    clearInterval(refresh);
    stopWatchingServing?.();
    relister.stop();
    stopWatching();
    await caches.stop();
    await Promise.all(live.current.clients().map((c) => c.close()));
    await rest.close();
    return result;
  };
}
