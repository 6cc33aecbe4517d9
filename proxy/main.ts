// cmetrics-proxy's wiring: the layers built from the flags, from the bottom up, and stopped in the
// reverse order.
import { existsSync } from 'node:fs';
import { EXTERNAL_GROUP, HISTORY_GROUP, RESOURCE_GROUP } from '../shared/api-types.ts';
import { KubeRest } from '../shared/kube.ts';
import { Kubeconfig } from '../shared/kubeconfig.ts';
import { HISTORY_RESOURCES } from './apis/discovery.ts';
import type { ExternalMetricsBackend } from './apis/external-metrics.ts';
import type { HistoryBackend } from './apis/history-series.ts';
import type { CustomMetricsBackend } from './apis/ports.ts';
import type { ResourceMetricsBackend } from './apis/resource-metrics.ts';
import { createRouter } from './apis/router.ts';
import type { UpstreamsBackend } from './apis/upstreams.ts';
import { compileConfig } from './config/compile.ts';
import { LiveConfig } from './config/live.ts';
import { WatchCaches } from './kube/caches.ts';
import { discoverResources } from './kube/discovery.ts';
import { createLogger, type Logger } from './log.ts';
import { createProxyMetrics } from './metrics.ts';
import { completeFlags, type ProxyFlags } from './options/options.ts';
import { evaluationTime } from './prometheus/evaluation-time.ts';
import { Relister } from './prometheus/relist.ts';
import { ResourceStore } from './prometheus/resource-store.ts';
import { NODES, PODS, type ResourceMapper } from './rules/resources.ts';
import { subjectAccessReviewAuthorizer, tokenReviewAuthenticator } from './server/delegated.ts';
import { ExtensionApiserverAuthentication } from './server/extension-apiserver-authentication.ts';
import {
  cachesCheck,
  configCheck,
  metricDiscoveryCheck,
  prometheusCheck,
  resourceMetricsCheck,
} from './server/health.ts';
import { createServer, type ShutdownResult } from './server/https.ts';
import { serviceNames } from './server/self-signed.ts';
import { ServingCertificateFiles, type ServingPair, selfSignedServingPair } from './server/serving-cert.ts';

/** Where kubelet mounts the pod's ServiceAccount token: the proxy's own identity for upstreams. */
const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export async function runProxy(
  flags: ProxyFlags,
  log: Logger = createLogger(flags.logLevel),
): Promise<() => Promise<ShutdownResult>> {
  const {
    relistMs,
    maxAgeMs,
    metricResolutionMs,
    prometheusTimeoutMs,
    shutdownDelayMs,
    shutdownTimeoutMs,
    historyMaxRangeMs,
  } = completeFlags(flags);
  const servingFiles =
    flags.tlsCertFile && flags.tlsPrivateKeyFile
      ? new ServingCertificateFiles(flags.tlsCertFile, flags.tlsPrivateKeyFile, log)
      : undefined;
  const selfSigned = servingFiles
    ? undefined
    : selfSignedServingPair(serviceNames(flags.serviceName, flags.serviceNamespace), flags.certDir, log);
  const kc = new Kubeconfig();
  if (flags.kubeconfig) kc.addFile(flags.kubeconfig);
  else if (process.env.KUBERNETES_SERVICE_HOST) kc.addInCluster();
  else throw new Error('not running in a pod (KUBERNETES_SERVICE_HOST is unset): pass --kubeconfig FILE');
  const rest = new KubeRest(kc);

  let mapper: ResourceMapper = await discoverResources(rest);
  // Sources are read at scrape time: everything they name is created just below.
  const metrics = createProxyMetrics({
    reloads: () => live.status,
    metricsListed: () => ({ custom: relister.current().size, external: relister.external().size }),
    prometheusServers: () =>
      live.current.backends().flatMap((b) => b.health().map((h) => ({ backend: b.name, ...h }))),
    resourceStore: () => {
      const snapshot = store.current();
      return snapshot && { ageSeconds: () => store.ageSeconds(), series: () => snapshot.seriesCount() };
    },
    cacheObjects: () => caches.objectCounts(),
    knownResource: (group, resource) =>
      group === RESOURCE_GROUP
        ? resource === 'pods' || resource === 'nodes'
        : group === EXTERNAL_GROUP
          ? relister.external().find(resource) !== undefined ||
            live.current.upstreams.some((u) =>
              u.resources(`${group}/v1beta1`).some((r) => r.name === resource),
            )
          : group === HISTORY_GROUP
            ? HISTORY_RESOURCES.some((r) => r.name === resource)
            : resource === 'metrics' || mapper.parse(resource) !== undefined,
  });
  const defaults = {
    urls: flags.prometheusUrl.split(','),
    timeoutMs: prometheusTimeoutMs,
    observer: metrics.prometheus,
    failover: metrics.failover,
    upstreamObserver: metrics.upstream,
    ...(existsSync(SERVICE_ACCOUNT_TOKEN) ? { upstreamTokenFile: SERVICE_ACCOUNT_TOKEN } : {}),
  };
  const live = new LiveConfig(flags.config, (config) => compileConfig(config, mapper, defaults), log);
  const relister = new Relister(() => live.current, {
    intervalMs: relistMs,
    maxAgeMs,
    log,
    observe: metrics.relisted,
  });
  // What the upstream metrics servers list, for our discovery: refreshed as often as our own metrics.
  const rediscoverUpstreams = async () => {
    const problems = await Promise.all(live.current.upstreams.map((u) => u.refreshDiscovery()));
    for (const problem of problems.flat())
      log.warn('upstream discovery failed; its last list stays', { problem });
  };
  const store = new ResourceStore(() => live.current, {
    periodMs: metricResolutionMs,
    log,
    evaluationTime,
    observe: metrics.resourceMetricsEvaluated,
  });
  live.onChange(() => {
    void relister.relist();
    void store.evaluate();
    void rediscoverUpstreams();
  });
  const upstreamDiscovery = setInterval(() => void rediscoverUpstreams(), relistMs);
  upstreamDiscovery.unref();
  const caches = new WatchCaches(rest, log);

  const clientCas = new ExtensionApiserverAuthentication((path) => rest.get(path));
  await clientCas.load();
  if (!clientCas.requestHeader)
    log.warn(
      'kube-system/extension-apiserver-authentication has no requestheader CA; only health paths will answer',
    );

  const watched = [PODS, NODES].flatMap((gr) => mapper.get(gr) ?? []);
  await Promise.all([
    relister.relist(),
    store.evaluate(),
    rediscoverUpstreams(),
    ...watched.map((r) => caches.warm(r)),
  ]);
  relister.start();
  store.start();
  const stopWatching = live.watch();

  const backend: CustomMetricsBackend &
    ResourceMetricsBackend &
    ExternalMetricsBackend &
    UpstreamsBackend &
    HistoryBackend = {
    registry: () => relister.current(),
    upstreams: () => live.current.upstreams,
    externalRegistry: () => relister.external(),
    get resourceRules() {
      return live.current.resourceRules;
    },
    mapper: () => mapper,
    objects: caches,
    resourceSnapshot: () => store.read(),
    query: (expr, timeMs, name) => live.current.backend(name).query(expr, timeMs),
    queryRange: (expr, range, name) => live.current.backend(name).queryRange(expr, range),
    historyLimits: { maxPoints: flags.historyMaxPoints, maxRangeMs: historyMaxRangeMs },
    now: evaluationTime,
  };
  const server = createServer({
    serving: () => servingFiles?.current ?? (selfSigned as ServingPair),
    router: createRouter(backend),
    requestHeader: () => clientCas.requestHeader,
    clientCa: () => clientCas.clientCa,
    authenticateToken: tokenReviewAuthenticator((path, body) => rest.post(path, body)),
    authorize: subjectAccessReviewAuthorizer((path, body) => rest.post(path, body)),
    metrics,
    readiness: [
      prometheusCheck(() => live.current.backends()),
      configCheck(() => live.status),
      cachesCheck(caches),
      metricDiscoveryCheck(relister),
      resourceMetricsCheck(store, () => live.current.resourceRules !== undefined),
    ],
    log,
  });

  // The front-proxy CA and the cluster's resources can change while we run (CA rotation, new CRDs).
  const refresh = setInterval(async () => {
    try {
      if (await clientCas.load()) {
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
    clearInterval(upstreamDiscovery);
    stopWatchingServing?.();
    relister.stop();
    store.stop();
    stopWatching();
    await caches.stop();
    await live.current.close();
    await rest.close();
    return result;
  };
}
