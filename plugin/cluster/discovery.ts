// What the cluster serves: which version of each metrics group to call, and which metrics the custom
// and external groups advertise (metrics-apis.md §4.6, §5, §6). Each document is read once per run.
import {
  type APIGroupList,
  type APIResourceList,
  CUSTOM_GROUP,
  CUSTOM_VERSIONS,
  EXTERNAL_GROUP,
  EXTERNAL_VERSIONS,
  RESOURCE_GROUP,
  RESOURCE_VERSIONS,
} from '../../shared/api-types.ts';
import { closest } from '../../shared/text.ts';
import { groupProblem } from '../cli/describe-error.ts';
import { CliError } from '../errors.ts';
import type { KubeApi } from './api.ts';

const SUPPORTED_VERSIONS: Record<string, readonly string[]> = {
  [RESOURCE_GROUP]: RESOURCE_VERSIONS,
  [CUSTOM_GROUP]: CUSTOM_VERSIONS,
  [EXTERNAL_GROUP]: EXTERNAL_VERSIONS,
};

export interface CustomMetricInfo {
  /** As discovery names it: `pods`, `services`, `deployments.apps`. */
  resource: string;
  metric: string;
  namespaced: boolean;
}

export class Discovery {
  private readonly api: KubeApi;
  private groups: Promise<APIGroupList> | undefined;
  private custom: Promise<CustomMetricInfo[]> | undefined;
  private external: Promise<string[]> | undefined;

  constructor(api: KubeApi) {
    this.api = api;
  }

  /**
   * The version of `group` to call, undefined when the cluster does not serve it: the first the
   * plugin knows in the order `/apis` lists them (kubectl top's rule; the aggregator lists the
   * preferred version first).
   */
  async servedVersion(group: string): Promise<string | undefined> {
    this.groups ??= this.api.apiGroups();
    const served = (await this.groups).groups.find((g) => g.name === group);
    const known = SUPPORTED_VERSIONS[group] ?? [];
    return served?.versions.map((v) => v.version).find((v) => known.includes(v));
  }

  /** Like servedVersion, but a group that is not served is an error saying why and what to do. */
  async version(group: string): Promise<string> {
    const version = await this.servedVersion(group);
    if (version === undefined) throw new CliError(await groupProblem(this.api, group));
    return version;
  }

  /** Every (resource, metric) pair custom.metrics.k8s.io advertises. */
  customMetrics(): Promise<CustomMetricInfo[]> {
    this.custom ??= this.version(CUSTOM_GROUP).then(async (version) => {
      return customMetricsOf(await this.api.resourceList(`${CUSTOM_GROUP}/${version}`));
    });
    return this.custom;
  }

  /** Every metric external.metrics.k8s.io advertises. */
  externalMetrics(): Promise<string[]> {
    this.external ??= this.version(EXTERNAL_GROUP).then(async (version) => {
      const list = await this.api.resourceList(`${EXTERNAL_GROUP}/${version}`);
      return list.resources.map((r) => r.name);
    });
    return this.external;
  }

  /** The discovery entry for `resource`/`metric`, or an error naming the closest metrics or resources. */
  async customMetric(resource: string, metric: string): Promise<CustomMetricInfo> {
    const all = await this.customMetrics();
    const found = all.find((m) => m.resource === resource && m.metric === metric);
    if (found) return found;
    throw new CliError(customMetricProblem(all, resource, metric) as string);
  }

  async requireExternalMetric(metric: string): Promise<void> {
    const problem = externalMetricProblem(await this.externalMetrics(), metric);
    if (problem) throw new CliError(problem);
  }
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
