// cmetrics-proxy's flags (prometheus-adapter's names where they exist), and the checks and durations
// derived from them before anything starts (as metrics-server's pkg/options: Flags, Validate).
import yargs from 'yargs';
import { parseDuration } from '../../shared/duration.ts';
import type { Level } from '../log.ts';

export interface ProxyFlags {
  prometheusUrl: string;
  config: string;
  metricsRelistInterval: string;
  metricsMaxAge: string | undefined;
  metricResolution: string | undefined;
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
  historyMaxPoints: number;
  historyMaxRange: string;
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
      describe:
        'URL of the Prometheus API; several, comma-separated, for servers holding the same data (tried in turn when one fails)',
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
    .option('metric-resolution', {
      type: 'string',
      describe:
        "how often metrics.k8s.io's usage is evaluated (resourceRules, four queries cluster-wide); answers older than two periods are refused. Default: resourceRules.window within 5s..15s: no fresher than the window moves, no staler than the HPA controller's 15s sync, and at most four queries per 5s",
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
    .option('history-max-points', {
      type: 'number',
      default: 11000,
      describe:
        'history.cmetrics.io: the most points one series may have, (end - start) / step + 1 (Prometheus refuses more than 11000)',
    })
    .option('history-max-range', {
      type: 'string',
      default: '7d',
      describe: 'history.cmetrics.io: the longest time range (end - start) a request may ask for',
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
    metricResolution: a['metric-resolution'],
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
    historyMaxPoints: a['history-max-points'],
    historyMaxRange: a['history-max-range'],
    logLevel: a['log-level'],
  };
}

/** The flags' durations in milliseconds, checked against each other. */
interface ProxyDurations {
  relistMs: number;
  maxAgeMs: number;
  /** Undefined: derived from resourceRules.window (prometheus/resource-store.ts). */
  metricResolutionMs: number | undefined;
  prometheusTimeoutMs: number;
  shutdownDelayMs: number;
  shutdownTimeoutMs: number;
  historyMaxRangeMs: number;
}

/** Throws, naming the flag, when a duration does not parse or flags do not go together. */
export function completeFlags(flags: ProxyFlags): ProxyDurations {
  const relistMs = parseDuration(flags.metricsRelistInterval);
  const maxAgeMs = flags.metricsMaxAge ? parseDuration(flags.metricsMaxAge) : relistMs;
  if (maxAgeMs < relistMs) throw new Error('--metrics-max-age must be at least --metrics-relist-interval');
  const metricResolutionMs = flags.metricResolution ? parseDuration(flags.metricResolution) : undefined;
  if (metricResolutionMs !== undefined && metricResolutionMs <= 0)
    throw new Error('--metric-resolution must be longer than 0s');
  if (!Number.isInteger(flags.historyMaxPoints) || flags.historyMaxPoints < 1)
    throw new Error('--history-max-points must be a whole number of at least 1');
  const historyMaxRangeMs = parseDuration(flags.historyMaxRange);
  if (historyMaxRangeMs <= 0) throw new Error('--history-max-range must be longer than 0s');
  if (!flags.tlsCertFile !== !flags.tlsPrivateKeyFile)
    throw new Error('--tls-cert-file and --tls-private-key-file go together: give both or neither');
  return {
    relistMs,
    maxAgeMs,
    metricResolutionMs,
    shutdownDelayMs: parseDuration(flags.shutdownDelayDuration),
    shutdownTimeoutMs: parseDuration(flags.shutdownTimeout),
    prometheusTimeoutMs: parseDuration(flags.prometheusTimeout),
    historyMaxRangeMs,
  };
}
