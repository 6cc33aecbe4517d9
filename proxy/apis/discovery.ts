// Discovery documents for the groups this proxy serves, shaped as k8s.io/apiserver writes them
// (pkg/endpoints/discovery: group.go, root.go) with the resources custom-metrics-apiserver lists
// (pkg/provider/resource_lister.go, NewCustomMetricResourceLister, NewExternalMetricResourceLister).
import {
  type APIGroup,
  type APIGroupList,
  type APIResourceList,
  CUSTOM_GROUP,
  CUSTOM_VERSIONS,
  EXTERNAL_GROUP,
  EXTERNAL_VERSIONS,
  HISTORY_GROUP,
  HISTORY_VERSIONS,
  RESOURCE_GROUP,
  RESOURCE_VERSIONS,
} from '../../shared/api-types.ts';
import type { MetricInfo } from '../rules/registry.ts';
import { groupResourceString } from '../rules/resources.ts';

interface ServedGroup {
  name: string;
  /** Preferred first. */
  versions: readonly string[];
}

export const SERVED_GROUPS: readonly ServedGroup[] = [
  { name: CUSTOM_GROUP, versions: CUSTOM_VERSIONS },
  // v1 first: it is GA and kubectl top takes the first version listed; the HPA asks for v1beta1
  // whatever is preferred, and both versions carry the same fields.
  { name: RESOURCE_GROUP, versions: RESOURCE_VERSIONS },
  { name: EXTERNAL_GROUP, versions: EXTERNAL_VERSIONS },
  { name: HISTORY_GROUP, versions: HISTORY_VERSIONS },
];

export function apiGroup(group: ServedGroup): APIGroup {
  const versions = group.versions.map((version) => ({ groupVersion: `${group.name}/${version}`, version }));
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    name: group.name,
    versions,
    preferredVersion: versions[0] as APIGroup['preferredVersion'],
  };
}

export function apiGroupList(groups: readonly ServedGroup[]): APIGroupList {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups.map((g) => {
      const { kind: _k, apiVersion: _a, ...rest } = apiGroup(g);
      return rest;
    }),
  };
}

/** One resource per (resource, metric) pair, named `RESOURCE/METRIC`, as custom-metrics-apiserver lists them. */
export function customMetricsResourceList(version: string, metrics: readonly MetricInfo[]): APIResourceList {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: `${CUSTOM_GROUP}/${version}`,
    resources: metrics.map((m) => ({
      name: `${groupResourceString(m.resource)}/${m.metric}`,
      singularName: '',
      namespaced: m.namespaced,
      kind: 'MetricValueList',
      verbs: ['get'],
    })),
  };
}

/** Pods and nodes, as metrics-server lists them. */
export function resourceMetricsResourceList(version: string): APIResourceList {
  const resource = (name: string, singularName: string, namespaced: boolean, kind: string) => ({
    name,
    singularName,
    namespaced,
    kind,
    verbs: ['get', 'list'],
  });
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: `${RESOURCE_GROUP}/${version}`,
    resources: [resource('nodes', 'node', false, 'NodeMetrics'), resource('pods', 'pod', true, 'PodMetrics')],
  };
}

/** One resource per metric name, as custom-metrics-apiserver lists external metrics. */
export function externalMetricsResourceList(metrics: readonly string[]): APIResourceList {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: `${EXTERNAL_GROUP}/${EXTERNAL_VERSIONS[0]}`,
    resources: metrics.map((name) => ({
      name,
      singularName: '',
      namespaced: true,
      kind: 'ExternalMetricValueList',
      verbs: ['get'],
    })),
  };
}

/** The history API's resources: what RBAC grants on history.cmetrics.io, and the kind each answers. */
export const HISTORY_RESOURCES = [
  { name: 'custommetrics', namespaced: true, kind: 'MetricHistory' },
  { name: 'externalmetrics', namespaced: true, kind: 'MetricHistory' },
  { name: 'podmetrics', namespaced: true, kind: 'MetricHistory' },
  { name: 'nodemetrics', namespaced: false, kind: 'MetricHistory' },
  { name: 'horizontalpodautoscalers', namespaced: true, kind: 'HorizontalPodAutoscalerHistory' },
  { name: 'pods', namespaced: true, kind: 'PodHistory' },
] as const;

export function historyResourceList(): APIResourceList {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: `${HISTORY_GROUP}/${HISTORY_VERSIONS[0]}`,
    resources: HISTORY_RESOURCES.map((r) => ({ ...r, singularName: '', verbs: ['get', 'list'] })),
  };
}
