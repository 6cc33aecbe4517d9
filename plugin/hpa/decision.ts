// The HPA controller's decision, recomputed from an HPASnapshot alone (kubernetes
// pkg/controller/podautoscaler/horizontal.go reconcileAutoscaler; the snapshot: docs/hpa-snapshot.md).
// Pure: no I/O, no clock ("now" is snapshot.takenAt). Metric values are milli-units in bigint, as the
// controller's int64 MilliValue() arithmetic; ratios are float64 numbers, as in Go.

import { parseSelector } from '../../shared/labels.ts';
import { goTime } from './fields.ts';
import { periodStartRange, type Range, stabilizationRange } from './history.ts';
import { computeMetric, type MetricContext } from './metric.ts';
import {
  CONTROLLER_CONSTANTS,
  type ControllerConstants,
  clampWithRules,
  type Outcome,
  type PeriodStart,
  periodStartFromEvents,
  type Recommendation,
  rateLimitWithBehavior,
  type ScaleChange,
  scaleUpLimit,
  stabilizedOutcome,
  stabilizeWithBehavior,
  stabilizeWithoutBehavior,
} from './normalize.ts';
import {
  type Hpa,
  type Pod,
  type RescaleEvent,
  readHpa,
  readPods,
  readRescaleEvents,
  readScale,
  type Scale,
} from './objects.ts';
import type { Tolerances } from './replicas.ts';
import type { HPASnapshot } from './snapshot.ts';
import type {
  AbleToScaleReason,
  Decision,
  ExpectedCondition,
  NormalizationStep,
  ScalingLimitedReason,
} from './types.ts';

/**
 * The snapshot gives no decision at all (no HPA object); the message is one actionable line. An object
 * the API server could not have sent (hpa, scale, pods, events: a field of the wrong type) throws
 * fields.ts InvalidField naming it instead; only metric answers, which come from adapters, fail
 * their metric alone, as in the controller (metric.ts).
 */
export class SnapshotUnusable extends Error {
  override name = 'SnapshotUnusable';
}

/**
 * The controller's in-memory state for this HPA, when known exactly (tests; a recorder that watched
 * the controller). Outside it, decide() reads what it can from events and reports bounds.
 */
interface ControllerMemory {
  /** Unstabilized recommendations; undefined: none yet, so this pass stores `current` first (a new or restarted controller). */
  recommendations?: Recommendation[];
  /** Remembered scale-ups and scale-downs (only kept when spec.behavior is set). */
  scaleUpEvents: ScaleChange[];
  scaleDownEvents: ScaleChange[];
}

/** Recomputes the controller's decision from the snapshot alone; the unknown memory gives bounds. */
export function decide(snapshot: HPASnapshot): Decision {
  return recompute(snapshot, undefined, CONTROLLER_CONSTANTS, {});
}

/** The decision given the controller's memory exactly (and, for tests, its non-flag constants). */
export function decideWithMemory(
  snapshot: HPASnapshot,
  memory: ControllerMemory,
  constants: ControllerConstants = CONTROLLER_CONSTANTS,
  options: DecideOptions = {},
): Decision {
  return recompute(snapshot, memory, constants, options);
}

interface DecideOptions {
  /** false: no Threshold search (MetricDecision.scaleUpAt/scaleDownAt stay unset), for many passes. */
  thresholds?: boolean;
}

/** "v1.34.2" → 34; undefined when unknown. */
function serverMinor(version: string | undefined): number | undefined {
  const match = /^v?1\.(\d+)/.exec(version ?? '');
  return match ? Number(match[1]) : undefined;
}

const SUCCEEDED_GET_SCALE: ExpectedCondition = {
  type: 'AbleToScale',
  status: 'True',
  reason: 'SucceededGetScale',
  message: "the HPA controller was able to get the target's current scale",
};

function readSnapshotHpa(snapshot: HPASnapshot): Hpa {
  const { hpa } = snapshot;
  if (hpa.error || hpa.body === undefined) {
    const error = hpa.error ?? { code: 0, message: 'no answer' };
    throw new SnapshotUnusable(
      `the snapshot has no HPA (GET ${hpa.path} answered ${error.code}: ${error.message}); take the snapshot again once the HPA can be read`,
    );
  }
  return readHpa(hpa.body, 'hpa.body', snapshot.controller.downscaleStabilizationSeconds);
}

function tolerancesFor(hpa: Hpa, snapshot: HPASnapshot): Tolerances {
  const flag = snapshot.controller.tolerance;
  const t = { down: flag, up: flag };
  if (hpa.behavior && snapshot.controller.configurableTolerance) {
    t.down = hpa.behavior.scaleDown.tolerance ?? flag;
    t.up = hpa.behavior.scaleUp.tolerance ?? flag;
  }
  return t;
}

function recompute(
  snapshot: HPASnapshot,
  memory: ControllerMemory | undefined,
  constants: ControllerConstants,
  options: DecideOptions,
): Decision {
  const now = Date.parse(snapshot.takenAt);
  if (Number.isNaN(now)) {
    throw new SnapshotUnusable(
      `the snapshot's takenAt ${JSON.stringify(snapshot.takenAt)} is not a time; set it to RFC 3339`,
    );
  }
  const hpa = readSnapshotHpa(snapshot);
  const settings = snapshot.controller;
  const minor = serverMinor(snapshot.serverVersion);
  const notes: string[] = [];
  const events =
    snapshot.events?.body !== undefined ? readRescaleEvents(snapshot.events.body, 'events.body') : undefined;
  const decision: Decision = {
    namespace: hpa.namespace,
    name: hpa.name,
    target: `${hpa.target.kind}/${hpa.target.name}`,
    now: new Date(now).toISOString(),
    branch: 'FailedGetScale',
    currentReplicas: 0,
    minReplicas: hpa.minReplicas,
    maxReplicas: hpa.maxReplicas,
    status: statusOf(hpa),
    metrics: [],
    heldByFailures: false,
    normalization: [],
    withBehavior: hpa.behavior !== undefined,
    desiredReplicas: hpa.status.desiredReplicas ?? 0,
    precision: { kind: 'exact', because: 'no history is involved' },
    rescale: false,
    scaleEvents: (events ?? []).map((e) => ({
      time: new Date(e.last).toISOString(),
      newSize: e.newSize,
      reason: e.reason,
      count: e.count,
    })),
    conditions: [],
    notes,
  };
  if (hpa.defaultedMetrics)
    notes.push('spec.metrics is empty: the default CPU utilization target of 80% applies');

  const scaleAnswer = snapshot.scale;
  if (!scaleAnswer || scaleAnswer.error || scaleAnswer.body === undefined) {
    const message = scaleAnswer?.error?.message ?? 'the snapshot holds no scale subresource';
    decision.conditions.push({
      type: 'AbleToScale',
      status: 'False',
      reason: 'FailedGetScale',
      message: `the HPA controller was unable to get the target's current scale: ${message}`,
    });
    decision.precision = { kind: 'exact', because: 'nothing changes while the scale cannot be read' };
    return finish(decision);
  }
  const scale = readScale(scaleAnswer.body, 'scale.body');
  const current = scale.specReplicas;
  decision.currentReplicas = current;
  decision.desiredReplicas = current;
  decision.conditions.push(SUCCEEDED_GET_SCALE);

  // Which branch this pass takes (reconcileAutoscaler, scale to zero included).
  const hasObjectOrExternal = hpa.metrics.some((m) => m.type === 'Object' || m.type === 'External');
  const legacyZero = minor !== undefined && minor < 37;
  const scaleToZeroGate = settings.scaleToZero ?? true;
  const scaledToZero =
    scaleToZeroGate && hpa.status.conditions.find((c) => c.type === 'ScaledToZero')?.status === 'True';
  let computeMetrics = true;
  if (current === 0) {
    const fromZero = legacyZero
      ? hpa.minReplicas === 0
      : (hpa.minReplicas !== 0 && scaledToZero) || (scaledToZero && hasObjectOrExternal);
    if (!fromZero) {
      decision.branch = 'ScalingDisabled';
      decision.conditions.push({
        type: 'ScalingActive',
        status: 'False',
        reason: 'ScalingDisabled',
        message: 'scaling is disabled since the replica count of the target is zero',
      });
      return finish(decision);
    }
  } else if (current > hpa.maxReplicas) {
    decision.branch = 'AboveMaxReplicas';
    decision.rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
    decision.desiredReplicas = hpa.maxReplicas;
    computeMetrics = false;
  } else if (current < hpa.minReplicas) {
    decision.branch = 'BelowMinReplicas';
    decision.rescaleReason = 'Current number of replicas below Spec.MinReplicas';
    decision.desiredReplicas = hpa.minReplicas;
    computeMetrics = false;
  }
  if (computeMetrics) {
    decision.branch = 'Metrics';
    const proposal = computeReplicas(decision, hpa, scale, snapshot, now, options);
    if (proposal === undefined) return finish(decision);
    // As reconcileAutoscaler: a proposal of 0 (scale to zero) names no metric in the event.
    let desired = 0;
    let rescaleMetric = '';
    if (proposal.replicas > desired) {
      desired = proposal.replicas;
      rescaleMetric = proposal.label;
    }
    if (desired > current) decision.rescaleReason = `${rescaleMetric} above target`;
    if (desired < current) decision.rescaleReason = 'All metrics below target';
    normalizeInto(
      decision,
      hpa,
      desired,
      now,
      memory,
      constants,
      events,
      settings.downscaleStabilizationSeconds,
    );
    if (
      current === 0 &&
      hpa.minReplicas !== 0 &&
      scaledToZero &&
      decision.desiredReplicas < hpa.minReplicas
    ) {
      decision.desiredReplicas = hpa.minReplicas;
      decision.rescaleReason ??= 'Current number of replicas below Spec.MinReplicas';
    }
  }
  decision.rescale = decision.desiredReplicas !== current;
  if (decision.rescale) {
    setCondition(decision, {
      type: 'AbleToScale',
      status: 'True',
      reason: 'SucceededRescale',
      message: `the HPA controller was able to update the target scale to ${decision.desiredReplicas}`,
    });
    if (scaleToZeroGate && !legacyZero) {
      const toZero =
        current > 0 && decision.desiredReplicas === 0 && hpa.minReplicas === 0 && hasObjectOrExternal;
      setCondition(
        decision,
        toZero
          ? {
              type: 'ScaledToZero',
              status: 'True',
              reason: 'ScaledToZero',
              message: 'the HPA controller scaled the workload to zero',
            }
          : {
              type: 'ScaledToZero',
              status: 'False',
              reason: 'NotScaledToZero',
              message: 'the HPA controller did not scale the workload to zero',
            },
      );
    }
  } else delete decision.rescaleReason;
  return finish(decision);
}

function statusOf(hpa: Hpa): Decision['status'] {
  const status: Decision['status'] = {};
  if (hpa.status.currentReplicas !== undefined) status.currentReplicas = hpa.status.currentReplicas;
  if (hpa.status.desiredReplicas !== undefined) status.desiredReplicas = hpa.status.desiredReplicas;
  if (hpa.status.lastScaleTime !== undefined) status.lastScaleTime = hpa.status.lastScaleTime;
  return status;
}

function finish(decision: Decision): Decision {
  const { desiredReplicas } = decision.status;
  if (desiredReplicas !== undefined) {
    const range =
      decision.precision.kind === 'bounded'
        ? decision.precision
        : { min: decision.desiredReplicas, max: decision.desiredReplicas };
    decision.agreesWithStatus = desiredReplicas >= range.min && desiredReplicas <= range.max;
  }
  return decision;
}

function setCondition(decision: Decision, condition: ExpectedCondition): void {
  const index = decision.conditions.findIndex((c) => c.type === condition.type);
  if (index >= 0) decision.conditions[index] = condition;
  else decision.conditions.push(condition);
}

/** computeReplicasForMetrics: selector checks, every metric, the maximum; undefined when the pass stops on failures. */
function computeReplicas(
  decision: Decision,
  hpa: Hpa,
  scale: Scale,
  snapshot: HPASnapshot,
  now: number,
  options: DecideOptions,
): { replicas: number; label: string } | undefined {
  const stop = (reason: 'InvalidSelector' | 'AmbiguousSelector', message: string) => {
    decision.selectorProblem = { reason, message };
    decision.heldByFailures = true;
    setCondition(decision, { type: 'ScalingActive', status: 'False', reason, message });
    return undefined;
  };
  if (scale.selector === '') return stop('InvalidSelector', "the HPA target's scale is missing a selector");
  try {
    parseSelector(scale.selector);
  } catch (e) {
    return stop(
      'InvalidSelector',
      `couldn't convert selector into a corresponding internal selector object: ${(e as Error).message}`,
    );
  }
  const others = snapshot.conflictingHPAs ?? [];
  if (others.length > 0) {
    const keys = [
      `${hpa.namespace}/${hpa.name}`,
      ...others.map((o) => (o.includes('/') ? o : `${hpa.namespace}/${o}`)),
    ];
    return stop(
      'AmbiguousSelector',
      `pods by selector ${scale.selector} are controlled by more than one HPA (e.g. [${keys.slice(0, 2).join(' ')}])`,
    );
  }

  const settings = snapshot.controller;
  const minor = serverMinor(snapshot.serverVersion);
  const pods: Pod[] | { error: string } =
    snapshot.pods?.body !== undefined
      ? readPods(snapshot.pods.body, 'pods.body')
      : { error: snapshot.pods?.error?.message ?? 'the snapshot holds no pod list' };
  const ctx: MetricContext = {
    namespace: hpa.namespace,
    specReplicas: scale.specReplicas,
    statusReplicas: scale.statusReplicas,
    pods,
    tolerances: tolerancesFor(hpa, snapshot),
    readiness: {
      now,
      cpuInitializationPeriodMs: settings.cpuInitializationPeriodSeconds * 1000,
      initialReadinessDelayMs: settings.initialReadinessDelaySeconds * 1000,
    },
    podLevelResources: settings.podLevelResources ?? (minor === undefined || minor >= 34),
  };
  if (options.thresholds === false) ctx.thresholds = false;
  decision.metrics = hpa.metrics.map((spec, i) => computeMetric(spec, i, snapshot.metrics[i], ctx));

  let replicas = 0;
  let label = '';
  let decidingMetric: number | undefined;
  const failures = decision.metrics.filter((m) => m.failure);
  for (const m of decision.metrics) {
    if (m.proposal === undefined) continue;
    // As computeReplicasForMetrics: a later proposal wins ties only while the maximum is 0.
    if (replicas === 0 || m.proposal > replicas) {
      replicas = m.proposal;
      label = m.label;
      decidingMetric = m.index;
    }
  }
  const first = failures[0]?.failure;
  if (first && (failures.length >= decision.metrics.length || replicas < scale.specReplicas)) {
    decision.heldByFailures = true;
    setCondition(decision, {
      type: 'ScalingActive',
      status: 'False',
      reason: first.reason,
      message: first.message,
    });
    return undefined;
  }
  decision.proposal = replicas;
  if (decidingMetric !== undefined) decision.decidingMetric = decidingMetric;
  setCondition(decision, {
    type: 'ScalingActive',
    status: 'True',
    reason: 'ValidMetricFound',
    message: `the HPA was able to successfully calculate a replica count from ${label}`,
  });
  return { replicas, label };
}

interface Normalized {
  stabilized: Outcome<AbleToScaleReason>;
  limited: Outcome<ScalingLimitedReason>;
  limitDetail: string;
}

/**
 * normalizeDesiredReplicas / normalizeDesiredReplicasWithBehaviors for one assumed history: the
 * stabilized value and the clamp/rate limit applied to it.
 */
function normalizeOnce(
  hpa: Hpa,
  current: number,
  stabilize: () => Outcome<AbleToScaleReason>,
  periodStart: PeriodStart,
  constants: ControllerConstants,
): Normalized {
  const stabilized = stabilize();
  if (!hpa.behavior) {
    const limited = clampWithRules(current, stabilized.replicas, hpa.minReplicas, hpa.maxReplicas, constants);
    const limit = scaleUpLimit(current, constants);
    return {
      stabilized,
      limited,
      limitDetail: `between minReplicas ${hpa.minReplicas} and min(maxReplicas ${hpa.maxReplicas}, scale-up limit max(${constants.scaleUpLimitFactor}×${current}, ${constants.scaleUpLimitMinimum}) = ${limit})`,
    };
  }
  const limited = rateLimitWithBehavior(
    current,
    stabilized.replicas,
    hpa.minReplicas,
    hpa.maxReplicas,
    hpa.behavior,
    periodStart,
  );
  const direction = stabilized.replicas > current ? 'scaleUp' : 'scaleDown';
  const policies = hpa.behavior[direction].policies
    .map((p) => `${p.type} ${p.value} per ${p.periodSeconds}s (from ${periodStart(p.periodSeconds)})`)
    .join(', ');
  return {
    stabilized,
    limited,
    limitDetail:
      stabilized.replicas === current
        ? 'no change, no rate limit applies'
        : `${direction} policies (selectPolicy ${hpa.behavior[direction].selectPolicy}): ${policies}${limited.limit !== undefined ? ` → limit ${limited.limit}` : ''}; minReplicas ${hpa.minReplicas}, maxReplicas ${hpa.maxReplicas}`,
  };
}

function normalizeInto(
  decision: Decision,
  hpa: Hpa,
  desired: number,
  now: number,
  memory: ControllerMemory | undefined,
  constants: ControllerConstants,
  events: RescaleEvent[] | undefined,
  withoutWindowSeconds: number,
): void {
  const current = decision.currentReplicas;

  let low: Normalized;
  let high: Normalized;
  let stabilizeBecause: string | undefined;
  let rateBecause: string | undefined;
  let exactBecause = 'the controller memory was given';
  if (memory) {
    const recommendations = memory.recommendations ?? [{ replicas: current, at: now }];
    const stabilize = () =>
      hpa.behavior
        ? stabilizeWithBehavior(current, desired, recommendations, now, hpa.behavior)
        : stabilizeWithoutBehavior(desired, recommendations, now, withoutWindowSeconds * 1000);
    const start = periodStartFromEvents(current, now, memory.scaleUpEvents, memory.scaleDownEvents);
    low = normalizeOnce(hpa, current, stabilize, start, constants);
    high = low;
  } else {
    const { range, because } = stabilizationRange(hpa, current, desired, now, withoutWindowSeconds, events);
    if (range.min !== range.max) stabilizeBecause = because;
    exactBecause = hpa.behavior ? `${because}; rate limits start from the scale events read back` : because;
    const lastScaleTime =
      hpa.status.lastScaleTime !== undefined
        ? goTime(hpa.status.lastScaleTime, 'hpa.body.status.lastScaleTime')
        : undefined;
    const widest = { min: Math.min(hpa.minReplicas, current), max: Math.max(hpa.maxReplicas, current) };
    const starts = new Map<number, Range>();
    const startRange = (periodSeconds: number): Range => {
      let r = starts.get(periodSeconds);
      if (!r) {
        r = periodStartRange(periodSeconds, now, current, lastScaleTime, events, widest);
        starts.set(periodSeconds, r);
      }
      return r;
    };
    const outcome = (replicas: number) => stabilizedOutcome(replicas, desired, current);
    low = normalizeOnce(
      hpa,
      current,
      () => outcome(range.min),
      (p) => startRange(p).min,
      constants,
    );
    high = normalizeOnce(
      hpa,
      current,
      () => outcome(range.max),
      (p) => startRange(p).max,
      constants,
    );
    if (hpa.behavior && [...starts.values()].some((r) => r.min !== r.max)) {
      rateBecause = `scale events within the policy periods cannot all be read back from the events (status.lastScaleTime ${hpa.status.lastScaleTime})`;
    }
  }
  // The end nearest the current count: what the controller does while its history holds it back.
  const chosen =
    Math.abs(high.limited.replicas - current) < Math.abs(low.limited.replicas - current) ? high : low;
  const other = chosen === low ? high : low;
  const stabilizeStep: NormalizationStep = {
    step: 'Stabilize',
    input: desired,
    output: chosen.stabilized.replicas,
    reason: chosen.stabilized.reason,
    detail: hpa.behavior
      ? `scaleUp window ${hpa.behavior.scaleUp.stabilizationWindowSeconds}s, scaleDown window ${hpa.behavior.scaleDown.stabilizationWindowSeconds}s`
      : `downscale stabilization window ${withoutWindowSeconds}s (controller flag)`,
  };
  const held = chosen.stabilized.reason;
  if (held === 'ScaleUpStabilized' || held === 'ScaleDownStabilized') {
    stabilizeStep.windowSeconds = !hpa.behavior
      ? withoutWindowSeconds
      : held === 'ScaleUpStabilized'
        ? hpa.behavior.scaleUp.stabilizationWindowSeconds
        : hpa.behavior.scaleDown.stabilizationWindowSeconds;
  }
  if (stabilizeBecause) {
    stabilizeStep.bounded = {
      min: Math.min(low.stabilized.replicas, high.stabilized.replicas),
      max: Math.max(low.stabilized.replicas, high.stabilized.replicas),
      because: stabilizeBecause,
    };
  }
  const limitStep: NormalizationStep = {
    step: hpa.behavior ? 'RateLimit' : 'Clamp',
    input: chosen.stabilized.replicas,
    output: chosen.limited.replicas,
    reason: chosen.limited.reason,
    detail: chosen.limitDetail,
  };
  if (rateBecause) {
    limitStep.bounded = {
      min: Math.min(low.limited.replicas, high.limited.replicas),
      max: Math.max(low.limited.replicas, high.limited.replicas),
      because: rateBecause,
    };
  }
  decision.normalization = [stabilizeStep, limitStep];
  decision.desiredReplicas = chosen.limited.replicas;
  const min = Math.min(chosen.limited.replicas, other.limited.replicas);
  const max = Math.max(chosen.limited.replicas, other.limited.replicas);
  if (min !== max) {
    decision.precision = {
      kind: 'bounded',
      min,
      max,
      because: [stabilizeBecause, rateBecause].filter(Boolean).join('; '),
    };
  } else {
    decision.precision = { kind: 'exact', because: exactBecause };
  }
  setCondition(decision, {
    type: 'AbleToScale',
    status: 'True',
    reason: chosen.stabilized.reason,
    message: chosen.stabilized.message,
  });
  setCondition(decision, {
    type: 'ScalingLimited',
    status: chosen.limited.replicas === chosen.stabilized.replicas ? 'False' : 'True',
    reason: chosen.limited.reason,
    message: chosen.limited.message,
  });
}
