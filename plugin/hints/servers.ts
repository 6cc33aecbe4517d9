// Which server answers a metrics group version, and which group versions an HPA's metrics are read
// from. Pure: the callers read the APIServices, the discovery documents and the HPAs.
import {
  type APIService,
  CUSTOM_GROUP,
  CUSTOM_VERSIONS,
  EXTERNAL_GROUP,
  RESOURCE_GROUP,
} from '../../shared/api-types.ts';
import type { MetricSpec } from '../hpa/objects.ts';

export type ServerKind = 'cmetrics' | 'metrics-server' | 'KEDA' | 'prometheus-adapter' | 'other';

export interface Server {
  kind: ServerKind;
  /** NAMESPACE/NAME of the APIService's Service; undefined for kube-apiserver's own (local) APIService. */
  service: string | undefined;
}

/**
 * Names each project's own manifests give the Service its APIServices point at: cmetrics' deploy/
 * (cmetrics, or RELEASE-cmetrics); metrics-server's (kubernetes-sigs/metrics-server manifests/base:
 * kube-system/metrics-server, which the clouds' managed add-ons keep); KEDA's (kedacore/charts
 * keda/templates/metrics-server: keda-operator-metrics-apiserver, namespace keda); prometheus-adapter's
 * (kubernetes-sigs/prometheus-adapter deploy/manifests: prometheus-adapter, older releases
 * custom-metrics-apiserver; kube-prometheus: monitoring/prometheus-adapter).
 */
const BY_NAME: [RegExp, ServerKind][] = [
  [/cmetrics/, 'cmetrics'],
  [/metrics-server/, 'metrics-server'],
  [/keda/, 'KEDA'],
  [/prometheus-adapter|custom-metrics-apiserver/, 'prometheus-adapter'],
];

/**
 * KEDA names every external metric s<trigger index>-<scaler>-…
 * (kedacore/keda pkg/scalers/scaler.go GenerateMetricNameWithIndex).
 */
const KEDA_METRIC = /^s\d+-/;

/**
 * Whether an external metric name is KEDA's: one of its ScaledObjects' metrics, which KEDA answers
 * only with that ScaledObject's labelSelector, or `externalmetrics`, the one resource its discovery
 * lists whatever its ScaledObjects (kedacore/keda pkg/provider/provider.go ListAllExternalMetrics).
 */
export function isKedaMetric(name: string): boolean {
  return name === 'externalmetrics' || KEDA_METRIC.test(name);
}

/**
 * The server behind `a`, by its Service's name and namespace; a Service renamed past recognition is
 * KEDA when every external metric its discovery lists (`discovered`) is named as KEDA names them.
 * Discovery tells nothing more: cmetrics serves the adapter's very documents, and metrics.k8s.io's
 * is the same for every server.
 */
export function serverOf(a: APIService, discovered: readonly string[] = []): Server {
  const service = a.spec.service;
  if (!service) return { kind: 'other', service: undefined };
  const text = `${service.namespace}/${service.name}`;
  const named = BY_NAME.find(([re]) => re.test(text));
  if (named) return { kind: named[1], service: text };
  const keda =
    a.spec.group === EXTERNAL_GROUP && discovered.length > 0 && discovered.every((m) => KEDA_METRIC.test(m));
  return { kind: keda ? 'KEDA' : 'other', service: text };
}

/**
 * The group versions each peer serves; a version it does not serve cannot be pointed at it:
 * metrics-server v0.8 registers metrics.k8s.io v1beta1 (kubernetes-sigs/metrics-server
 * manifests/base/apiservice.yaml), KEDA external.metrics.k8s.io v1beta1 (kedacore/charts
 * keda/templates/metrics-server/apiservice.yaml), prometheus-adapter v0.12 custom v1beta1 and
 * v1beta2, external v1beta1 and metrics v1beta1 (deploy/manifests/api-service.yaml).
 */
const PEER_VERSIONS: Partial<Record<ServerKind, readonly string[]>> = {
  'metrics-server': [`${RESOURCE_GROUP}/v1beta1`],
  KEDA: [`${EXTERNAL_GROUP}/v1beta1`],
  'prometheus-adapter': [
    `${CUSTOM_GROUP}/v1beta1`,
    `${CUSTOM_GROUP}/v1beta2`,
    `${EXTERNAL_GROUP}/v1beta1`,
    `${RESOURCE_GROUP}/v1beta1`,
  ],
};

/** Whether `kind` can serve `groupVersion`: a peer only its own versions, cmetrics and others any. */
export function canServe(kind: ServerKind, groupVersion: string): boolean {
  return PEER_VERSIONS[kind]?.includes(groupVersion) ?? true;
}

export const serverText = (s: Server): string =>
  s.service ? `${s.kind} (${s.service})` : 'kube-apiserver itself (a local APIService)';

/** The group an HPA metric is read from; undefined for a type the plugin does not know. */
export function groupOf(metric: MetricSpec): string | undefined {
  switch (metric.type) {
    case 'Resource':
    case 'ContainerResource':
      return RESOURCE_GROUP;
    case 'Pods':
    case 'Object':
      return CUSTOM_GROUP;
    case 'External':
      return EXTERNAL_GROUP;
    default:
      return undefined;
  }
}

/**
 * The version of `group` the HPA controller reads, given the group's APIServices: metrics.k8s.io and
 * external.metrics.k8s.io always v1beta1 (kubernetes cmd/kube-controller-manager/app/autoscaling.go
 * builds resourceclient and external_metrics clients of those versions), custom.metrics.k8s.io the
 * preferred version (k8s.io/metrics pkg/client/custom_metrics/multi_client.go asks discovery), which
 * the aggregator lists first: the highest versionPriority, then Kubernetes' version order
 * (kube-aggregator pkg/apis/apiregistration/helpers.go SortedByGroupAndVersion).
 */
export function controllerVersion(group: string, services: readonly APIService[]): string {
  if (group !== CUSTOM_GROUP) return 'v1beta1';
  const known = CUSTOM_VERSIONS as readonly string[];
  const rank = (v: string) => (known.includes(v) ? known.indexOf(v) : known.length);
  const [preferred] = [...services].sort(
    (a, b) =>
      (b.spec.versionPriority ?? 0) - (a.spec.versionPriority ?? 0) ||
      rank(a.spec.version) - rank(b.spec.version),
  );
  return preferred?.spec.version ?? CUSTOM_VERSIONS[0];
}

/** What an HPA's metric reads, for a line: `Resource cpu`, `Pods qps`, `External queue_depth`. */
export function metricText(metric: MetricSpec): string {
  switch (metric.type) {
    case 'Resource':
    case 'ContainerResource':
      return `${metric.type} ${metric.resource}`;
    case 'Unknown':
      return metric.typeName;
    default:
      return `${metric.type} ${metric.metric.name}`;
  }
}
