// The words of the HPA core: what a decision and each metric in it are made of. Below the calculators
// (metric.ts, replicas.ts, normalize.ts) and the orchestrator (decision.ts), as Kubernetes'
// pkg/controller/podautoscaler/metrics/interfaces.go sits below replica_calculator.go. Names of reasons
// and conditions are the controller's (pkg/controller/podautoscaler/horizontal.go).

/** A value in thousandths (Quantity.MilliValue()): 1500n is "1500m" = 1.5. Printed by printers/narrative.ts formatMilli. */
export type Milli = bigint;

type MetricSourceType = 'Resource' | 'ContainerResource' | 'Pods' | 'Object' | 'External';
type MetricTargetType = 'Utilization' | 'AverageValue' | 'Value';

/** The per-metric failure reasons the controller writes to ScalingActive and events. */
export type MetricFailureReason =
  | 'FailedGetResourceMetric'
  | 'FailedGetContainerResourceMetric'
  | 'FailedGetPodsMetric'
  | 'FailedGetObjectMetric'
  | 'FailedGetExternalMetric'
  | 'InvalidMetricSourceType';

/** Why a metric produced no proposal, in a form a printer can turn into a fix. */
export type MetricFailureCause =
  /** The metrics API call failed (not served, forbidden, not found, …). */
  | { kind: 'FetchFailed'; path: string; code: number; message: string }
  /** The snapshot holds no call for this metric (e.g. no selector to ask with). */
  | { kind: 'NotFetched' }
  /** The API answered, but without any value the controller could use (empty list, no pod values). */
  | { kind: 'NoValues'; path?: string }
  /** Every pod with a value was unready or ignored: "did not receive metrics for targeted pods". */
  | { kind: 'NoReadyPodMetrics'; unready: string[]; ignored: string[] }
  /** Utilization needs requests: these pods' containers set none for the resource. */
  | { kind: 'MissingRequests'; resource: string; pods: { pod: string; containers: string[] }[] }
  /** The selector matches no pod ("no pods returned by selector while calculating replica count"). */
  | { kind: 'NoPods' }
  /**
   * The HPA spec or an answer cannot be read (bad quantity, unknown type, missing field); `path` is the
   * request whose answer could not be decoded, when it is the answer.
   */
  | { kind: 'Invalid'; message: string; path?: string };

interface MetricFailure {
  reason: MetricFailureReason;
  /** The message as the controller words it ("the HPA was unable to compute the replica count: …"). */
  message: string;
  cause: MetricFailureCause;
}

/** Why a pod's value was left out or filled in (replica_calculator.go groupPods). */
export type PodGroupReason =
  | 'Deleted' // deletionTimestamp set: ignored
  | 'Failed' // phase Failed: ignored
  | 'Pending' // phase Pending: unready
  | 'NoReadyCondition' // CPU: no Ready condition or no startTime: unready
  | 'InitializingNotReady' // CPU, within cpu-initialization-period, Ready=False
  | 'InitializingMetricBeforeReady' // CPU, within cpu-initialization-period, metric sample from before it became ready
  | 'NeverBecameReady' // CPU, after the initialization period, Ready=False since shortly after start
  | 'NoMetric'; // no value for the pod: missing

export interface PodGroups {
  /** Pods whose values count as they are. */
  ready: string[];
  /** Pending or not yet ready (CPU): their values are dropped; counted as 0 when scaling up. */
  unready: { pod: string; reason: PodGroupReason }[];
  /** No value: counted as the target when scaling down and 0 when scaling up. */
  missing: string[];
  /** Deleted or failed: left out entirely. */
  ignored: { pod: string; reason: PodGroupReason }[];
}

/** How a metric's proposal was reached (replica_calculator.go GetResourceReplicas, calcPlainMetricReplicas). */
export type ProposalPath =
  /** The ratio is inside the tolerance band: keep the current replicas. */
  | 'WithinTolerance'
  /** ceil(ratio × ready pods) (or ceil(v / target) for per-pod Object/External), no fills needed. */
  | 'Ratio'
  /** Missing/unready pods were filled in and the new ratio is inside the tolerance band: keep current. */
  | 'FilledWithinTolerance'
  /** Filling in missing/unready pods turned the direction around: keep current. */
  | 'FilledReversed'
  /** ceil(new ratio × pods) after filling in missing/unready pods. */
  | 'FilledRatio'
  /** Scale from zero (current 0): ceil(ratio). */
  | 'FromZero';

/** The value the HPA's status.currentMetrics would show for this metric (raw, before fills). */
export interface CurrentMetricValue {
  /** Resource/ContainerResource: average utilization in percent of requests (int32, floor). */
  averageUtilization?: number;
  /** Average per pod (Resource, Pods, Object/External AverageValue). */
  averageValue?: Milli;
  /** Object/External Value: the value (External: sum of the series). */
  value?: Milli;
}

/** The metric value at which this metric's proposal would change (the ceil and tolerance edges). */
export interface Threshold {
  /** Utilization percent (Utilization targets) or milli value (the statistic the target compares). */
  at: number | Milli;
  /** The proposal this metric would make at that value. */
  replicas: number;
}

export interface MetricDecision {
  /** Position in hpa.spec.metrics (after defaulting: the default CPU metric is index 0). */
  index: number;
  /** 'Unknown' for a type the controller does not know (InvalidMetricSourceType). */
  type: MetricSourceType | 'Unknown';
  /** The metric as the controller names it in messages: "cpu resource utilization (percentage of request)", "pods metric qps", "Service metric rps", "external metric queue(&LabelSelector{…})". */
  label: string;
  /** Metric name (resource name for Resource/ContainerResource). */
  name: string;
  /** ContainerResource: the container; Object: "Kind/name". */
  subject?: string;
  targetType: MetricTargetType;
  /** Utilization percent for Utilization targets, else the target in milli. */
  target: number | Milli;
  /** The raw value, as status.currentMetrics would show it; absent when the metric failed before computing. */
  current?: CurrentMetricValue;
  /** When the values were sampled (the newest timestamp among the answers), RFC 3339. */
  timestamp?: string;
  /** The raw usage ratio (value / target), before fills. */
  ratio?: number;
  /** Ratio after filling in missing/unready pods, when that path was taken. */
  filledRatio?: number;
  /** The tolerance band [1 - down, 1 + up] applied to the ratio. */
  tolerance?: { down: number; up: number };
  /** Pods sorted into groups (pod-based metrics only). */
  pods?: PodGroups;
  /** Ready pod count the ratio was multiplied by (running and Ready pods for Object/External Value). */
  podCount?: number;
  path?: ProposalPath;
  /** The replica count this metric proposes; absent when it failed. */
  proposal?: number;
  failure?: MetricFailure;
  /** Where this metric's proposal would move up / down by at least one replica (absent: unreachable). */
  scaleUpAt?: Threshold;
  scaleDownAt?: Threshold;
}

/** Which branch the pass takes (horizontal.go reconcileAutoscaler). */
type DecisionBranch =
  /** The scale subresource could not be read: nothing else happens (AbleToScale=False FailedGetScale). */
  | 'FailedGetScale'
  /** current == 0 and minReplicas != 0: ScalingActive=False ScalingDisabled. */
  | 'ScalingDisabled'
  /** current > maxReplicas: desired = maxReplicas, no metrics. */
  | 'AboveMaxReplicas'
  /** current < minReplicas: desired = minReplicas, no metrics. */
  | 'BelowMinReplicas'
  /** Metrics computed (computeReplicasForMetrics) and normalized (normalizeDesiredReplicas[WithBehaviors]). */
  | 'Metrics';

export type AbleToScaleReason =
  | 'SucceededGetScale'
  | 'FailedGetScale'
  | 'ReadyForNewScale'
  | 'ScaleUpStabilized'
  | 'ScaleDownStabilized'
  | 'SucceededRescale';
type ScalingActiveReason =
  | 'ValidMetricFound'
  | 'ScalingDisabled'
  | 'InvalidSelector'
  | 'AmbiguousSelector'
  | MetricFailureReason;
export type ScalingLimitedReason =
  | 'DesiredWithinRange'
  | 'TooManyReplicas'
  | 'TooFewReplicas'
  | 'ScaleUpLimit'
  | 'ScaleDownLimit';

type ScaledToZeroReason = 'ScaledToZero' | 'NotScaledToZero';

export interface ExpectedCondition {
  /** ScaledToZero is written on every rescale while the HPAScaleToZero gate is on (1.37). */
  type: 'AbleToScale' | 'ScalingActive' | 'ScalingLimited' | 'ScaledToZero';
  status: 'True' | 'False';
  reason: AbleToScaleReason | ScalingActiveReason | ScalingLimitedReason | ScaledToZeroReason;
  message: string;
}

/** How sure the final count is: exact, or a range because the controller's memory is not visible. */
type Precision =
  | { kind: 'exact'; because: string }
  | {
      kind: 'bounded';
      /** The lowest and highest desired replica count consistent with the snapshot. */
      min: number;
      max: number;
      because: string;
    };

/** One normalization step (normalizeDesiredReplicas[WithBehaviors]): stabilization, then the clamp or rate limit. */
export interface NormalizationStep {
  step: 'Stabilize' | 'Clamp' | 'RateLimit';
  input: number;
  output: number;
  reason: AbleToScaleReason | ScalingLimitedReason;
  /** Human-readable detail: the window or limits used, e.g. "scaleUpLimit = max(2×3, 4) = 6". */
  detail: string;
  /** The range the output can take when the step depends on the controller's memory. */
  bounded?: { min: number; max: number; because: string };
  /** Stabilize steps that held the count back: the window of recommendations that held it. */
  windowSeconds?: number;
}

/** A rescale the snapshot's events show (SuccessfulRescale "New size: N; reason: R"). */
interface ScaleEvent {
  time: string;
  newSize: number;
  reason: string;
  /** The event was seen this many times (aggregated); >1 makes the history ambiguous. */
  count: number;
}

export interface Decision {
  namespace: string;
  name: string;
  /** The scale target, "Kind/name". */
  target: string;
  now: string;
  branch: DecisionBranch;
  /** scale.spec.replicas (0 when the scale could not be read). */
  currentReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  /** The HPA's own verdict from its status, to compare with. */
  status: { currentReplicas?: number; desiredReplicas?: number; lastScaleTime?: string };
  /** Per metric, in spec order (after defaulting); empty outside the Metrics branch. */
  metrics: MetricDecision[];
  /** Invalid or ambiguous selector, which stops all metrics. */
  selectorProblem?: { reason: 'InvalidSelector' | 'AmbiguousSelector'; message: string };
  /** The max over metric proposals; absent when no metric produced one. */
  proposal?: number;
  /** Index into `metrics` of the metric that set the proposal. */
  decidingMetric?: number;
  /** The controller keeps the current count because metrics failed (all, or some while scaling down). */
  heldByFailures: boolean;
  /** The rescale reason the event would carry: "<label> above target" or "All metrics below target". */
  rescaleReason?: string;
  /** Normalization steps applied to the proposal (empty when no normalization ran). */
  normalization: NormalizationStep[];
  /** Whether spec.behavior was set (normalizeDesiredReplicasWithBehaviors) or not (normalizeDesiredReplicas). */
  withBehavior: boolean;
  /** The replica count this pass would set. */
  desiredReplicas: number;
  precision: Precision;
  /** desiredReplicas !== currentReplicas. */
  rescale: boolean;
  /** Recent rescales from events, oldest first, used for rate limits. */
  scaleEvents: ScaleEvent[];
  /** The conditions this pass would write (last write wins, as the controller). */
  conditions: ExpectedCondition[];
  /**
   * status.desiredReplicas (the controller's last pass) lies within what this pass computes
   * (desiredReplicas, or the precision range); false means the metrics moved since, or the
   * controller sees something the snapshot does not. Undefined when the status has none.
   */
  agreesWithStatus?: boolean;
  /** Notes on assumptions (controller flags, feature gates, unknown history). */
  notes: string[];
}
