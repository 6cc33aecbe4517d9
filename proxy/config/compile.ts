// An adapter configuration compiled for serving: its rules against the cluster's resources, one
// Prometheus client per backend it names, and one client per upstream metrics server.
import { parseDuration } from '../../shared/duration.ts';
import { PrometheusClient } from '../prometheus/client.ts';
import type { PrometheusObserver } from '../prometheus/metrics.ts';
import type { AdapterConfig, Backend } from '../rules/config.ts';
import { type CompiledRule, compileRule } from '../rules/naming.ts';
import { type CompiledResourceRules, compileResourceRules } from '../rules/resource-rules.ts';
import type { ResourceMapper } from '../rules/resources.ts';
import { compileUpstream } from '../rules/upstreams.ts';
import { UpstreamClient } from '../upstream/client.ts';
import type { UpstreamObserver } from '../upstream/metrics.ts';

export interface CompiledConfig {
  rules: CompiledRule[];
  externalRules: CompiledRule[];
  resourceRules: CompiledResourceRules | undefined;
  /** The Prometheus-compatible server a rule names ('' is --prometheus-url). */
  client(backend: string): PrometheusClient;
  clients(): PrometheusClient[];
  /** In the configuration's order: the first that serves a metric answers it. */
  upstreams: UpstreamClient[];
  /** Closes every client, once requests under way are done with them. */
  close(): Promise<void>;
}

interface DefaultBackend {
  url: string;
  timeoutMs: number;
  /** Told about every request to any backend (the proxy's own metrics). */
  observer?: PrometheusObserver;
  upstreamObserver?: UpstreamObserver;
  /** The proxy's own ServiceAccount token, for upstreams that name no credentials of their own. */
  upstreamTokenFile?: string;
}

export function compileConfig(
  config: AdapterConfig,
  mapper: ResourceMapper,
  defaults: DefaultBackend,
): CompiledConfig {
  const rules = config.rules.map((r) => compileRule(r, mapper));
  const externalRules = config.externalRules.map((r) => compileRule(r, mapper));
  const resourceRules = config.resourceRules && compileResourceRules(config.resourceRules, mapper);
  const clients = new Map<string, PrometheusClient>([
    [
      '',
      new PrometheusClient(defaults.url, {
        timeoutMs: defaults.timeoutMs,
        ...(defaults.observer ? { observer: defaults.observer } : {}),
      }),
    ],
    ...config.backends.map((b) => [b.name, clientFor(b, defaults)] as const),
  ]);
  const upstreams = config.upstreams.map(
    (u) =>
      new UpstreamClient(compileUpstream(u), {
        timeoutMs: u.timeout ? parseDuration(u.timeout) : defaults.timeoutMs,
        ...(defaults.upstreamTokenFile ? { defaultTokenFile: defaults.upstreamTokenFile } : {}),
        ...(defaults.upstreamObserver ? { observer: defaults.upstreamObserver } : {}),
      }),
  );
  return {
    rules,
    externalRules,
    resourceRules,
    client: (name) => clients.get(name) ?? (clients.get('') as PrometheusClient),
    clients: () => [...clients.values()],
    upstreams,
    close: async () => {
      await Promise.all([...clients.values(), ...upstreams].map((c) => c.close()));
    },
  };
}

function clientFor(b: Backend, defaults: DefaultBackend): PrometheusClient {
  return new PrometheusClient(b.url, {
    timeoutMs: b.timeout ? parseDuration(b.timeout) : defaults.timeoutMs,
    ...(defaults.observer ? { observer: defaults.observer } : {}),
    headers: b.headers,
    ...(b.bearerTokenFile ? { bearerTokenFile: b.bearerTokenFile } : {}),
    ...(b.basicAuth ? { basicAuth: b.basicAuth } : {}),
    // Unset fields are '' in the config, which outboundPool reads as absent.
    tls: b.tls,
  });
}
