// The HPA snapshot: everything `explain hpa` reads from the cluster, as one JSON document. The
// decision is computed from it alone (decision.ts), so `--from-snapshot` explains offline with the same
// output as the live command, and Kubernetes' own controller test cases can be written as snapshots.
// Objects are kept as the API sent them (minus managedFields): the format follows Kubernetes, not us.
// Documented for users in docs/hpa-snapshot.md.

export const SNAPSHOT_API_VERSION = 'cmetrics.io/v1alpha1';
export const SNAPSHOT_KIND = 'HPASnapshot';

/** A failed API call, as the controller would have seen it. */
export interface FetchError {
  /** HTTP status; 0 when the server could not be reached. */
  code: number;
  /** The Status message (or the transport error). */
  message: string;
}

/** One API call and its answer: `body` on success, `error` otherwise. */
export interface Fetched<T> {
  /** The request path with its query string, e.g. `/apis/custom.metrics.k8s.io/v1beta2/namespaces/ns/pods/%2A/qps?labelSelector=app%3Dweb`. */
  path: string;
  body?: T;
  error?: FetchError;
}

/**
 * The controller's flags and feature gates that a client cannot read: the defaults of
 * kube-controller-manager unless the user says otherwise (`--tolerance`, …).
 */
export interface ControllerSettings {
  /** --horizontal-pod-autoscaler-tolerance (default 0.1). */
  tolerance: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period in seconds (default 300). */
  cpuInitializationPeriodSeconds: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay in seconds (default 30). */
  initialReadinessDelaySeconds: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization in seconds (default 300). */
  downscaleStabilizationSeconds: number;
  /** --horizontal-pod-autoscaler-sync-period in seconds (default 15). */
  syncPeriodSeconds: number;
  /** HPAConfigurableTolerance gate: behavior.scaleUp/scaleDown.tolerance are honoured (on since 1.35). */
  configurableTolerance: boolean;
  /** PodLevelResources gate: pod-level requests stand in for containers' (absent: on from 1.34, by serverVersion). */
  podLevelResources?: boolean;
  /** HPAScaleToZero gate (1.37 controller; absent: on from 1.37, by serverVersion). */
  scaleToZero?: boolean;
}

export const DEFAULT_CONTROLLER_SETTINGS: ControllerSettings = {
  tolerance: 0.1,
  cpuInitializationPeriodSeconds: 300,
  initialReadinessDelaySeconds: 30,
  downscaleStabilizationSeconds: 300,
  syncPeriodSeconds: 15,
  configurableTolerance: true,
};

export interface HPASnapshot {
  apiVersion: typeof SNAPSHOT_API_VERSION;
  kind: typeof SNAPSHOT_KIND;
  /** The client's clock when the snapshot was taken (RFC 3339): "now" for readiness and windows. */
  takenAt: string;
  /** The server version (`/version` gitVersion), when known. */
  serverVersion?: string;
  controller: ControllerSettings;
  /** GET /apis/autoscaling/v2/namespaces/NS/horizontalpodautoscalers/NAME */
  hpa: Fetched<unknown>;
  /** GET the target's scale subresource (autoscaling/v1 Scale). */
  scale?: Fetched<unknown>;
  /** GET /api/v1/namespaces/NS/pods?labelSelector=<scale.status.selector> (a PodList). */
  pods?: Fetched<unknown>;
  /**
   * One entry per `hpa.spec.metrics[i]`, same order: the call the controller makes for it
   * (metrics.k8s.io PodMetricsList; custom pods/* MetricValueList; custom Object MetricValue(List);
   * external ExternalMetricValueList). Absent when the metric could not be requested (e.g. no selector).
   */
  metrics: (Fetched<unknown> | null)[];
  /** Events whose involvedObject is the HPA (an EventList), for recent rescales. */
  events?: Fetched<unknown>;
  /** Other HPAs in the namespace whose target selects some of the same pods (AmbiguousSelector). */
  conflictingHPAs?: string[];
  /**
   * The documents the failure diagnosis reads (docs/hpa-snapshot.md), fetched only when a metric call
   * failed; the decision does not read them.
   */
  diagnosis?: {
    /** GET /apis/apiregistration.k8s.io/v1/apiservices, the metrics groups' items only. */
    apiServices?: Fetched<unknown>;
    /** The discovery document (APIResourceList) of each metrics group version a failed call used. */
    discovery?: Record<string, Fetched<unknown>>;
  };
}
