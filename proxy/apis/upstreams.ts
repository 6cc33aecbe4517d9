// The metrics no rule serves, answered by an upstream metrics server (docs/configuration.md
// "upstreams"): the request goes on as the client sent it, once the proxy has authorized the
// client for it, and the upstream's answer, warnings and Status errors come back unchanged.
import type { APIResource } from '../../shared/api-types.ts';
import type { MetricsUpstream } from '../upstream/client.ts';

export interface UpstreamsBackend {
  /** In the configuration's order. */
  upstreams(): readonly MetricsUpstream[];
}

/** Our resources first, then each upstream's that we do not list: one name, one server. */
export function withUpstreamResources(
  own: APIResource[],
  backend: UpstreamsBackend,
  groupVersion: string,
): APIResource[] {
  const names = new Set(own.map((r) => r.name));
  const merged = [...own];
  for (const upstream of backend.upstreams()) {
    for (const r of upstream.resources(groupVersion)) {
      if (names.has(r.name)) continue;
      names.add(r.name);
      merged.push(r);
    }
  }
  return merged;
}
