// An adapter configuration compiled for serving: its rules against the cluster's resources, one
// Prometheus backend per backend it names, and one client per upstream metrics server.
import { parseDuration } from '../../shared/duration.ts';
import { PrometheusBackend } from '../prometheus/failover.ts';
import type { FailoverObserver, PrometheusObserver } from '../prometheus/metrics.ts';
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
  /** The Prometheus-compatible servers a rule names ('' is --prometheus-url). */
  backend(name: string): PrometheusBackend;
  backends(): PrometheusBackend[];
  /** In the configuration's order: the first that serves a metric answers it. */
  upstreams: UpstreamClient[];
  /** Closes every client, once requests under way are done with them. */
  close(): Promise<void>;
}

interface DefaultBackend {
  /** --prometheus-url: one server, or several holding the same data. */
  urls: string[];
  timeoutMs: number;
  /** Told about every request to any backend (the proxy's own metrics). */
  observer?: PrometheusObserver;
  failover?: FailoverObserver;
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
  const backends = new Map<string, PrometheusBackend>([
    [
      '',
      new PrometheusBackend('', defaults.urls, {
        timeoutMs: defaults.timeoutMs,
        ...observers(defaults),
      }),
    ],
    ...config.backends.map((b) => [b.name, backendFor(b, defaults)] as const),
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
    backend: (name) => backends.get(name) ?? (backends.get('') as PrometheusBackend),
    backends: () => [...backends.values()],
    upstreams,
    close: async () => {
      await Promise.all([...backends.values(), ...upstreams].map((c) => c.close()));
    },
  };
}

function observers(defaults: DefaultBackend) {
  return {
    ...(defaults.observer ? { observer: defaults.observer } : {}),
    ...(defaults.failover ? { failover: defaults.failover } : {}),
  };
}

function backendFor(b: Backend, defaults: DefaultBackend): PrometheusBackend {
  return new PrometheusBackend(b.name, b.urls, {
    timeoutMs: b.timeout ? parseDuration(b.timeout) : defaults.timeoutMs,
    ...observers(defaults),
    headers: b.headers,
    ...(b.bearerTokenFile ? { bearerTokenFile: b.bearerTokenFile } : {}),
    ...(b.basicAuth ? { basicAuth: b.basicAuth } : {}),
    // Unset fields are '' in the config, which outboundPool reads as absent.
    tls: b.tls,
  });
}
