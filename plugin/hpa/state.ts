// What an HPA is doing, in one word and its data, from its recomputed decision: what `explain hpa -A`
// writes on each HPA's line, the failures first (a failed scale read, a selector problem, a metric
// that could not be read: horizontal.go reconcileAutoscaler stops or holds there), then what the
// normalization did to the proposal (normalizeDesiredReplicas[WithBehaviors]), then the direction.
import type { Decision, MetricFailureCause } from './types.ts';

export type HpaState =
  /** The target's scale subresource could not be read (AbleToScale False FailedGetScale). */
  | { kind: 'ScaleUnreadable' }
  | { kind: 'SelectorProblem'; reason: 'InvalidSelector' | 'AmbiguousSelector' }
  /** `metric` is the first failed metric's index; `failed` how many failed. */
  | { kind: 'MetricFailed'; metric: number; cause: MetricFailureCause; failed: number }
  /** The target has 0 replicas and minReplicas is not 0. */
  | { kind: 'ScalingDisabled' }
  /** The count is held back from the proposal by recommendations of the last `windowSeconds`. */
  | { kind: 'Stabilized'; windowSeconds: number }
  | { kind: 'AtMax' }
  | { kind: 'AtMin' }
  /** A behavior policy (or the scale-up limit) slows the change down. */
  | { kind: 'RateLimited' }
  /** `capped`: the proposal goes beyond maxReplicas (minReplicas), the count stops there. */
  | { kind: 'ScalingUp'; capped?: boolean }
  | { kind: 'ScalingDown'; capped?: boolean }
  /** The desired count is the current one. */
  | { kind: 'Steady' };

export function hpaState(d: Decision): HpaState {
  if (d.branch === 'FailedGetScale') return { kind: 'ScaleUnreadable' };
  if (d.selectorProblem) return { kind: 'SelectorProblem', reason: d.selectorProblem.reason };
  const failed = d.metrics.filter((m) => m.failure);
  const first = failed[0];
  if (first?.failure) {
    return { kind: 'MetricFailed', metric: first.index, cause: first.failure.cause, failed: failed.length };
  }
  if (d.branch === 'ScalingDisabled') return { kind: 'ScalingDisabled' };
  const stabilized = d.normalization.find((n) => n.step === 'Stabilize' && n.windowSeconds !== undefined);
  if (stabilized?.windowSeconds !== undefined && stabilized.output !== stabilized.input) {
    return { kind: 'Stabilized', windowSeconds: stabilized.windowSeconds };
  }
  const limit = d.normalization.find((n) => n.step !== 'Stabilize' && n.output !== n.input);
  const bound =
    d.branch === 'AboveMaxReplicas' || limit?.reason === 'TooManyReplicas'
      ? 'AtMax'
      : d.branch === 'BelowMinReplicas' || limit?.reason === 'TooFewReplicas'
        ? 'AtMin'
        : limit
          ? 'RateLimited'
          : undefined;
  if (bound === 'AtMax' && d.desiredReplicas === d.maxReplicas)
    return d.currentReplicas < d.maxReplicas ? { kind: 'ScalingUp', capped: true } : { kind: 'AtMax' };
  if (bound === 'AtMin' && d.desiredReplicas === d.minReplicas)
    return d.currentReplicas > d.minReplicas ? { kind: 'ScalingDown', capped: true } : { kind: 'AtMin' };
  if (bound === 'RateLimited') return { kind: 'RateLimited' };
  if (d.desiredReplicas > d.currentReplicas) return { kind: 'ScalingUp' };
  if (d.desiredReplicas < d.currentReplicas) return { kind: 'ScalingDown' };
  // Held at a bound it already sits at: the proposal is beyond it.
  if (d.proposal !== undefined && d.proposal > d.maxReplicas && d.currentReplicas === d.maxReplicas)
    return { kind: 'AtMax' };
  if (d.proposal !== undefined && d.proposal < d.minReplicas && d.currentReplicas === d.minReplicas)
    return { kind: 'AtMin' };
  return { kind: 'Steady' };
}

/** Whether the state is a failure the user has to act on: what `explain hpa -A` lists first. */
export function isBroken(state: HpaState): boolean {
  return (
    state.kind === 'ScaleUnreadable' || state.kind === 'SelectorProblem' || state.kind === 'MetricFailed'
  );
}
