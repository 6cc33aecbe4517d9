// Stabilization, clamping and rate limits (horizontal.go normalizeDesiredReplicas and
// normalizeDesiredReplicasWithBehaviors), given the controller's in-memory history explicitly.

import { goInt32, INT32_MAX, INT32_MIN } from './go-int.ts';
import type { Behavior, ScalingRules } from './objects.ts';
import type { AbleToScaleReason, ScalingLimitedReason } from './types.ts';

/** The controller's constants that are not flags (horizontal.go). */
export interface ControllerConstants {
  /** scaleUpLimitFactor: without behavior, at most this many times the current replicas… */
  scaleUpLimitFactor: number;
  /** …or at least this many (scaleUpLimitMinimum). */
  scaleUpLimitMinimum: number;
}

export const CONTROLLER_CONSTANTS: ControllerConstants = { scaleUpLimitFactor: 2, scaleUpLimitMinimum: 4 };

export interface Recommendation {
  replicas: number;
  /** Epoch ms. */
  at: number;
}

export interface Outcome<R> {
  replicas: number;
  reason: R;
  message: string;
}

const STABILIZATION_MESSAGES: Record<
  'ReadyForNewScale' | 'ScaleUpStabilized' | 'ScaleDownStabilized',
  string
> = {
  ReadyForNewScale: 'recommended size matches current size',
  ScaleUpStabilized:
    'recent recommendations were lower than current one, applying the lowest recent recommendation',
  ScaleDownStabilized:
    'recent recommendations were higher than current one, applying the highest recent recommendation',
};

const LIMIT_MESSAGES: Record<ScalingLimitedReason, string> = {
  DesiredWithinRange: 'the desired count is within the acceptable range',
  ScaleUpLimit: 'the desired replica count is increasing faster than the maximum scale rate',
  TooManyReplicas: 'the desired replica count is more than the maximum replica count',
  ScaleDownLimit: 'the desired replica count is decreasing faster than the maximum scale rate',
  TooFewReplicas: 'the desired replica count is less than the minimum replica count',
};

function limited(replicas: number, reason: ScalingLimitedReason): Outcome<ScalingLimitedReason> {
  return { replicas, reason, message: LIMIT_MESSAGES[reason] };
}

/** stabilizeRecommendation: the highest recommendation of the window (samples at the cutoff still count). */
export function stabilizeWithoutBehavior(
  desired: number,
  recommendations: readonly Recommendation[],
  now: number,
  windowMs: number,
): Outcome<AbleToScaleReason> {
  const cutoff = now - windowMs;
  let highest = desired;
  for (const r of recommendations) if (r.at >= cutoff && r.replicas > highest) highest = r.replicas;
  const reason = highest !== desired ? 'ScaleDownStabilized' : 'ReadyForNewScale';
  return { replicas: highest, reason, message: STABILIZATION_MESSAGES[reason] };
}

/** calculateScaleUpLimit: int32(max(factor × current, minimum)). */
export function scaleUpLimit(current: number, c: ControllerConstants): number {
  return goInt32(Math.max(c.scaleUpLimitFactor * current, c.scaleUpLimitMinimum));
}

/** convertDesiredReplicasWithRules: minReplicas, then the lower of maxReplicas and the scale-up limit. */
export function clampWithRules(
  current: number,
  desired: number,
  minReplicas: number,
  maxReplicas: number,
  c: ControllerConstants,
): Outcome<ScalingLimitedReason> {
  const limit = scaleUpLimit(current, c);
  const [maxAllowed, reason]: [number, ScalingLimitedReason] =
    maxReplicas > limit ? [limit, 'ScaleUpLimit'] : [maxReplicas, 'TooManyReplicas'];
  if (desired < minReplicas) return limited(minReplicas, 'TooFewReplicas');
  if (desired > maxAllowed) return limited(maxAllowed, reason);
  return limited(desired, 'DesiredWithinRange');
}

/**
 * stabilizeRecommendationWithBehaviors: the current count moved up to the lowest recommendation of
 * the scale-up window and down to the highest of the scale-down window (samples exactly at a cutoff
 * do not count).
 */
export function stabilizeWithBehavior(
  current: number,
  desired: number,
  recommendations: readonly Recommendation[],
  now: number,
  behavior: Behavior,
): Outcome<AbleToScaleReason> {
  const upCutoff = now - behavior.scaleUp.stabilizationWindowSeconds * 1000;
  const downCutoff = now - behavior.scaleDown.stabilizationWindowSeconds * 1000;
  let up = desired;
  let down = desired;
  for (const r of recommendations) {
    if (r.at > upCutoff) up = Math.min(up, r.replicas);
    if (r.at > downCutoff) down = Math.max(down, r.replicas);
  }
  let replicas = current;
  if (replicas < up) replicas = up;
  if (replicas > down) replicas = down;
  return stabilizedOutcome(replicas, desired, current);
}

/** stabilizeRecommendationWithBehaviors' reason for landing on `replicas` when `desired` was proposed. */
export function stabilizedOutcome(
  replicas: number,
  desired: number,
  current: number,
): Outcome<AbleToScaleReason> {
  const reason =
    replicas === desired
      ? 'ReadyForNewScale'
      : desired >= current
        ? 'ScaleUpStabilized'
        : 'ScaleDownStabilized';
  return { replicas, reason, message: STABILIZATION_MESSAGES[reason] };
}

/** The replica count at the start of a policy period: current − added + removed within it. */
export type PeriodStart = (periodSeconds: number) => number;

/** calculateScaleUpLimitWithScalingRules. */
export function scaleUpLimitWithRules(
  current: number,
  rules: ScalingRules,
  periodStart: PeriodStart,
): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let result = rules.selectPolicy === 'Min' ? INT32_MAX : INT32_MIN;
  for (const policy of rules.policies) {
    const start = periodStart(policy.periodSeconds);
    const proposed =
      policy.type === 'Pods' ? start + policy.value : goInt32(Math.ceil(start * (1 + policy.value / 100)));
    result = pick(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors. */
export function scaleDownLimitWithRules(
  current: number,
  rules: ScalingRules,
  periodStart: PeriodStart,
): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let result = rules.selectPolicy === 'Min' ? INT32_MIN : INT32_MAX;
  for (const policy of rules.policies) {
    const start = periodStart(policy.periodSeconds);
    const proposed =
      policy.type === 'Pods' ? start - policy.value : goInt32(start * (1 - policy.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** convertDesiredReplicasWithBehaviorRate: the policies' limit for the direction, and min/maxReplicas. */
export function rateLimitWithBehavior(
  current: number,
  desired: number,
  minReplicas: number,
  maxReplicas: number,
  behavior: Behavior,
  periodStart: PeriodStart,
): Outcome<ScalingLimitedReason> & { limit?: number } {
  if (desired > current) {
    // A limit below current means earlier scale-ups used the period up: no further scale-up yet.
    const limit = Math.max(scaleUpLimitWithRules(current, behavior.scaleUp, periodStart), current);
    const [maxAllowed, reason]: [number, ScalingLimitedReason] =
      maxReplicas > limit ? [limit, 'ScaleUpLimit'] : [maxReplicas, 'TooManyReplicas'];
    if (desired > maxAllowed) return { ...limited(maxAllowed, reason), limit };
    return { ...limited(desired, 'DesiredWithinRange'), limit };
  }
  if (desired < current) {
    const limit = Math.min(scaleDownLimitWithRules(current, behavior.scaleDown, periodStart), current);
    const [minAllowed, reason]: [number, ScalingLimitedReason] =
      minReplicas < limit ? [limit, 'ScaleDownLimit'] : [minReplicas, 'TooFewReplicas'];
    if (desired < minAllowed) return { ...limited(minAllowed, reason), limit };
    return { ...limited(desired, 'DesiredWithinRange'), limit };
  }
  return limited(desired, 'DesiredWithinRange');
}

/** A recorded rescale (timestampedScaleEvent): the size change, always positive. */
export interface ScaleChange {
  change: number;
  at: number;
}

/** getReplicasChangePerPeriod and the period start it gives (events strictly after the cutoff count). */
export function periodStartFromEvents(
  current: number,
  now: number,
  scaleUps: readonly ScaleChange[],
  scaleDowns: readonly ScaleChange[],
): PeriodStart {
  return (periodSeconds) => {
    const cutoff = now - periodSeconds * 1000;
    const sum = (events: readonly ScaleChange[]) =>
      events.filter((e) => e.at > cutoff).reduce((total, e) => total + e.change, 0);
    return current - sum(scaleUps) + sum(scaleDowns);
  };
}
