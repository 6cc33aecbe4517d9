// Wire types of the metrics API groups and the meta/v1 documents around them, as the proxy sends
// them and the plugin reads them (kubernetes/metrics and apimachinery meta/v1).

export const CUSTOM_GROUP = 'custom.metrics.k8s.io';
export const EXTERNAL_GROUP = 'external.metrics.k8s.io';
export const RESOURCE_GROUP = 'metrics.k8s.io';
export const CUSTOM_VERSIONS = ['v1beta2', 'v1beta1'] as const;
export type CustomVersion = (typeof CUSTOM_VERSIONS)[number];
export const EXTERNAL_VERSIONS = ['v1beta1'] as const;
/** v1 (GA in Kubernetes 1.37) has exactly v1beta1's fields (k8s.io/metrics v0.37.2). */
export const RESOURCE_VERSIONS = ['v1', 'v1beta1'] as const;
export type ResourceVersion = (typeof RESOURCE_VERSIONS)[number];
/** cmetrics' own read-only group: the metrics above over a time range (docs/proxy.md, History). */
export const HISTORY_GROUP = 'history.cmetrics.io';
export const HISTORY_VERSIONS = ['v1alpha1'] as const;

export type { LabelSelector } from './labels.ts';

import type { LabelSelector } from './labels.ts';

export interface ObjectReference {
  kind: string;
  namespace?: string;
  name: string;
  apiVersion: string;
}

export interface MetricValueV1beta2 {
  describedObject: ObjectReference;
  metric: { name: string; selector: LabelSelector | null };
  timestamp: string;
  windowSeconds?: number;
  value: string;
}

export interface MetricValueV1beta1 {
  describedObject: ObjectReference;
  metricName: string;
  selector: LabelSelector | null;
  timestamp: string;
  window?: number;
  value: string;
}

export interface MetricValueList<T = MetricValueV1beta2 | MetricValueV1beta1> {
  kind: 'MetricValueList';
  apiVersion: string;
  metadata: Record<string, never>;
  items: T[];
}

export interface ExternalMetricValue {
  metricName: string;
  metricLabels: Record<string, string>;
  timestamp: string;
  window?: number;
  value: string;
}

export interface ExternalMetricValueList {
  kind: 'ExternalMetricValueList';
  apiVersion: string;
  metadata: Record<string, never>;
  items: ExternalMetricValue[];
}

/** Resource name (`cpu`, `memory`) → quantity. */
export type ResourceList = Record<string, string>;

interface MetricsObjectMeta {
  name: string;
  namespace?: string;
  /** The time of the request, as metrics-server writes it. */
  creationTimestamp: string;
  labels?: Record<string, string>;
}

/** `kind` and `apiVersion` are set on a single object and left out of list items. */
export interface PodMetrics {
  kind?: 'PodMetrics';
  apiVersion?: string;
  metadata: MetricsObjectMeta;
  /** The end of the interval [timestamp − window, timestamp] the usage covers. */
  timestamp: string;
  /** A Go duration string: `30s`, `1m0s`. */
  window: string;
  containers: { name: string; usage: ResourceList }[];
}

export interface NodeMetrics {
  kind?: 'NodeMetrics';
  apiVersion?: string;
  metadata: MetricsObjectMeta;
  timestamp: string;
  window: string;
  usage: ResourceList;
}

export interface PodMetricsList {
  kind: 'PodMetricsList';
  apiVersion: string;
  metadata: Record<string, never>;
  items: PodMetrics[];
}

export interface NodeMetricsList {
  kind: 'NodeMetricsList';
  apiVersion: string;
  metadata: Record<string, never>;
  items: NodeMetrics[];
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  code: number;
  details?: { name?: string; group?: string; kind?: string; retryAfterSeconds?: number };
}

interface GroupVersionForDiscovery {
  groupVersion: string;
  version: string;
}

export interface APIGroup {
  kind?: 'APIGroup';
  apiVersion?: 'v1';
  name: string;
  versions: GroupVersionForDiscovery[];
  preferredVersion: GroupVersionForDiscovery;
}

export interface APIGroupList {
  kind: 'APIGroupList';
  apiVersion: 'v1';
  groups: APIGroup[];
}

export interface APIResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  group?: string;
  version?: string;
  shortNames?: string[];
}

export interface APIResourceList {
  kind: 'APIResourceList';
  apiVersion: 'v1';
  groupVersion: string;
  resources: APIResource[];
}

/** The last second formatted: every item of an answer usually carries the same timestamp. */
let lastSecond = Number.NaN;
let lastText = '';

/** RFC 3339, UTC, whole seconds, as metav1.Time marshals. */
export function formatTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastText = `${new Date(second * 1000).toISOString().slice(0, 19)}Z`;
    lastSecond = second;
  }
  return lastText;
}

/** apiregistration.k8s.io/v1 APIService: what registers a group version with the aggregator. */
export interface APIService {
  metadata: { name: string };
  spec: {
    group: string;
    version: string;
    service?: { namespace: string; name: string; port?: number } | null;
    caBundle?: string;
    insecureSkipTLSVerify?: boolean;
    /** The aggregator lists a group's versions by it, highest first: the first is the preferred one. */
    versionPriority?: number;
  };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}
