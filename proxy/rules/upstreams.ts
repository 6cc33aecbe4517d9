// Which upstream metrics server answers a metric no rule serves: the first in the configuration's
// order that takes the metric's group and whose `metrics` patterns match its name.
import { ConfigError, type Upstream } from './config.ts';
import { goRegex } from './naming.ts';

export interface UpstreamRoute {
  upstream: Upstream;
  serves(group: string, metric: string): boolean;
}

export function compileUpstream(upstream: Upstream): UpstreamRoute {
  const where = `${upstream.origin.path} (line ${upstream.origin.line})`;
  const patterns = upstream.metrics.map((source) => {
    try {
      return new RegExp(goRegex(source));
    } catch (e) {
      throw new ConfigError(
        `${where}: metrics "${source}" is not a valid regular expression: ${(e as Error).message}`,
      );
    }
  });
  const groups = new Set<string>(upstream.groups);
  return {
    upstream,
    serves: (group, metric) =>
      groups.has(group) && (!patterns.length || patterns.some((p) => p.test(metric))),
  };
}

/** The route of the first upstream that serves `metric` of `group`. */
export function routeFor<R extends UpstreamRoute>(
  routes: readonly R[],
  group: string,
  metric: string,
): R | undefined {
  return routes.find((r) => r.serves(group, metric));
}
