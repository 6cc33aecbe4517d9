// An adapter configuration compiled for serving: its rules against the cluster's resources, and one
// Prometheus client per backend it names.
import { parseDuration } from '../../shared/duration.ts';
import { PrometheusClient } from '../prometheus/client.ts';
import type { PrometheusObserver } from '../prometheus/metrics.ts';
import type { AdapterConfig, Backend } from '../rules/config.ts';
import { type CompiledRule, compileRule } from '../rules/naming.ts';
import { type CompiledResourceRules, compileResourceRules } from '../rules/resource-rules.ts';
import type { ResourceMapper } from '../rules/resources.ts';

export interface CompiledConfig {
  rules: CompiledRule[];
  externalRules: CompiledRule[];
  resourceRules: CompiledResourceRules | undefined;
  /** The Prometheus-compatible server a rule names ('' is --prometheus-url). */
  client(backend: string): PrometheusClient;
  clients(): PrometheusClient[];
}

interface DefaultBackend {
  url: string;
  timeoutMs: number;
  /** Told about every request to any backend (the proxy's own metrics). */
  observer?: PrometheusObserver;
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
  return {
    rules,
    externalRules,
    resourceRules,
    client: (name) => clients.get(name) ?? (clients.get('') as PrometheusClient),
    clients: () => [...clients.values()],
  };
}

function clientFor(b: Backend, defaults: DefaultBackend): PrometheusClient {
  return new PrometheusClient(b.url, {
    timeoutMs: b.timeout ? parseDuration(b.timeout) : defaults.timeoutMs,
    ...(defaults.observer ? { observer: defaults.observer } : {}),
    headers: b.headers,
    ...(b.bearerTokenFile ? { bearerTokenFile: b.bearerTokenFile } : {}),
    ...(b.basicAuth ? { basicAuth: b.basicAuth } : {}),
    tls: {
      ...(b.tls.caFile ? { caFile: b.tls.caFile } : {}),
      ...(b.tls.certFile ? { certFile: b.tls.certFile } : {}),
      ...(b.tls.keyFile ? { keyFile: b.tls.keyFile } : {}),
      ...(b.tls.serverName ? { serverName: b.tls.serverName } : {}),
      insecureSkipVerify: b.tls.insecureSkipVerify,
    },
  });
}
