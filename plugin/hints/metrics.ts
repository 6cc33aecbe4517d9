// Which metrics a discovery document advertises, and why a metric the user named is not among them,
// with the closest names. Pure: cluster/discovery.ts reads the documents.
import { type APIResourceList, CUSTOM_GROUP, EXTERNAL_GROUP } from '../../shared/api-types.ts';
import { closest } from '../../shared/text.ts';

export interface CustomMetricInfo {
  /** As discovery names it: `pods`, `services`, `deployments.apps`. */
  resource: string;
  metric: string;
  namespaced: boolean;
}

/** The (resource, metric) pairs of a custom.metrics.k8s.io discovery document. */
export function customMetricsOf(list: APIResourceList): CustomMetricInfo[] {
  return list.resources.flatMap((r) => {
    const slash = r.name.indexOf('/');
    return slash < 0
      ? []
      : [{ resource: r.name.slice(0, slash), metric: r.name.slice(slash + 1), namespaced: r.namespaced }];
  });
}

/** Why `metric` of `resource` is not in `all`, with the closest names; undefined when it is. */
export function customMetricProblem(
  all: readonly CustomMetricInfo[],
  resource: string,
  metric: string,
): string | undefined {
  if (all.some((m) => m.resource === resource && m.metric === metric)) return undefined;
  const servedFor = [...new Set(all.filter((m) => m.metric === metric).map((m) => m.resource))].sort();
  if (servedFor.length) {
    // `service` for `services`, `deployment` for `deployments.apps`: the usual slips.
    const meant = servedFor.filter((r) => r.startsWith(resource));
    return `metric "${metric}" is served for ${servedFor.join(', ')}, not for ${resource}${meant.length ? ` (did you mean ${meant.join(', ')}?)` : ''}; see: kubectl cmetrics list ${metric}`;
  }
  const names = all.filter((m) => m.resource === resource).map((m) => m.metric);
  return unknownMetric(
    metric,
    `for ${resource} by ${CUSTOM_GROUP}`,
    names.length ? names : all.map((m) => m.metric),
  );
}

/** Why external `metric` is not in `all`, with the closest names; undefined when it is. */
export function externalMetricProblem(all: readonly string[], metric: string): string | undefined {
  return all.includes(metric) ? undefined : unknownMetric(metric, `by ${EXTERNAL_GROUP}`, all);
}

function unknownMetric(metric: string, where: string, candidates: readonly string[]): string {
  const hint = closest(metric, candidates);
  return `no metric "${metric}" is served ${where}${hint.length ? ` (closest: ${hint.join(', ')})` : ''}; see what is served: kubectl cmetrics list`;
}
