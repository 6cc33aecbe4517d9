// What the cluster serves: which version of each metrics group to call, and which metrics the custom
// and external groups advertise (their APIResourceLists, as kubernetes-sigs/custom-metrics-apiserver
// pkg/apiserver/cmhandlers serves them). Each document is read once per run.
import {
  type APIGroupList,
  CUSTOM_GROUP,
  CUSTOM_VERSIONS,
  EXTERNAL_GROUP,
  EXTERNAL_VERSIONS,
  RESOURCE_GROUP,
  RESOURCE_VERSIONS,
} from '../../shared/api-types.ts';
import { CliError } from '../errors.ts';
import { apiServiceProblem } from '../hints/failures.ts';
import {
  type CustomMetricInfo,
  customMetricProblem,
  customMetricsOf,
  externalMetricProblem,
} from '../hints/metrics.ts';
import type { KubeApi } from './api.ts';

const SUPPORTED_VERSIONS: Record<string, readonly string[]> = {
  [RESOURCE_GROUP]: RESOURCE_VERSIONS,
  [CUSTOM_GROUP]: CUSTOM_VERSIONS,
  [EXTERNAL_GROUP]: EXTERNAL_VERSIONS,
};

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

/**
 * Why `group` cannot be used: an APIService that is not Available (with its reason and message), or no
 * APIService at all. Reading APIServices may itself be forbidden; then only the hint is left.
 */
export async function groupProblem(api: KubeApi, group: string): Promise<string> {
  const services = await api.apiServices().then(
    (list) => list.items,
    () => undefined,
  );
  return apiServiceProblem(services, group);
}
