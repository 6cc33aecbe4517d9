// One sentence that says what the controller does and why, from a Decision, e.g.
// "scales to 4 because average qps 812m is 1.62× the 500m target".

import { formatQuantity } from '../../shared/quantity.ts';
import type { Decision, MetricDecision, MetricFailureCause, Milli } from '../hpa/types.ts';

/**
 * Milli → the canonical quantity string, as the HPA status shows it (horizontal.go buildQuantity):
 * 812n → "812m", 2000n → "2"; memory is BinarySI, as metrics-server serves it (1073741824000n → "1Gi").
 */
export function formatMilli(m: Milli, resource?: string): string {
  return formatQuantity({ unscaled: m, scale: -3, format: resource === 'memory' ? 'BinarySI' : 'DecimalSI' });
}

/** A ratio the way people read it: 1.62×, 0.5×, 3×. */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return `${ratio}×`;
  return `${Number(ratio.toFixed(2))}×`;
}

/** "average qps 812m is 1.62× the 500m target" — the value the target is compared with. */
function describeMetricValue(m: MetricDecision): string {
  const ratio = m.ratio === undefined ? '' : ` is ${formatRatio(m.ratio)}`;
  const current = m.current ?? {};
  switch (m.targetType) {
    case 'Utilization':
      return `average ${m.name} utilization ${current.averageUtilization}%${ratio} the ${m.target}% target`;
    case 'AverageValue': {
      const perPod = m.type === 'Object' || m.type === 'External' ? ' per pod' : '';
      const average = current.averageValue === undefined ? '' : ` ${formatMilli(current.averageValue)}`;
      return `${perPod ? '' : 'average '}${m.name}${average}${perPod}${ratio} the ${formatMilli(m.target as bigint)} target`;
    }
    default: {
      const of = m.subject ? ` of ${m.subject}` : '';
      const value = current.value === undefined ? '' : ` ${formatMilli(current.value)}`;
      return `${m.name}${of}${value}${ratio} the ${formatMilli(m.target as bigint)} target`;
    }
  }
}

/** What to do about a failed metric, in a few words. */
export function describeCause(cause: MetricFailureCause): string {
  switch (cause.kind) {
    case 'FetchFailed':
      return `the metrics API answered ${cause.code}: ${cause.message}`;
    case 'NotFetched':
      return 'it was not fetched';
    case 'NoValues':
      return 'the metrics API returned no values';
    case 'NoReadyPodMetrics':
      return 'only unready or ignored pods have values';
    case 'MissingRequests':
      return `pods without a ${cause.resource} request: ${cause.pods
        .map((p) => (p.containers.length > 0 ? `${p.pod} (${p.containers.join(', ')})` : p.pod))
        .join(', ')}`;
    case 'NoPods':
      return 'the selector matches no pods';
    case 'Invalid':
      return cause.message;
  }
}

const LIMITS: Record<string, string> = {
  ScaleUpLimit: 'the scale-up rate limit',
  ScaleDownLimit: 'the scale-down rate limit',
  TooManyReplicas: 'maxReplicas',
  TooFewReplicas: 'minReplicas',
};

/** What moved the proposal: stabilization and/or the limit that bound it. */
function heldBy(d: Decision, proposal: number): string {
  const direction = proposal > d.currentReplicas ? 'scale-up' : 'scale-down';
  const reasons: string[] = [];
  for (const step of d.normalization) {
    if (step.input === step.output) continue;
    reasons.push(
      step.step === 'Stabilize'
        ? `the ${direction} stabilization window`
        : (LIMITS[step.reason] ?? step.reason),
    );
  }
  return reasons.join(' and ') || 'the controller';
}

/** ", or N if …" when the controller's memory leaves the result open. */
function otherwise(d: Decision): string {
  if (d.precision.kind !== 'bounded') return '';
  const other = d.precision.min === d.desiredReplicas ? d.precision.max : d.precision.min;
  return ` (or ${other}: ${d.precision.because})`;
}

/** The decision in one sentence. */
export function narrate(d: Decision): string {
  const current = d.currentReplicas;
  switch (d.branch) {
    case 'FailedGetScale':
      return `does not scale: the controller cannot read the scale of ${d.target}`;
    case 'ScalingDisabled':
      return `does not scale: ${d.target} has 0 replicas, which turns autoscaling off until it is scaled up by hand`;
    case 'AboveMaxReplicas':
      return `scales to ${d.desiredReplicas} because the current ${current} replicas are above maxReplicas`;
    case 'BelowMinReplicas':
      return `scales to ${d.desiredReplicas} because the current ${current} replicas are below minReplicas`;
    case 'Metrics':
      break;
  }
  if (d.selectorProblem) return `stays at ${current}: ${d.selectorProblem.message}`;
  const failed = d.metrics.filter((m) => m.failure);
  if (d.heldByFailures) {
    const first = failed[0] as MetricDecision;
    const why = `${first.label} failed (${describeCause(first.failure?.cause as MetricFailureCause)})`;
    return failed.length === d.metrics.length
      ? `stays at ${current} because no metric could be computed: ${why}`
      : `stays at ${current}: the metrics want fewer replicas, but the controller does not scale down while ${why}`;
  }
  const deciding = d.metrics.find((m) => m.index === d.decidingMetric);
  const value = deciding ? describeMetricValue(deciding) : 'the metrics';
  const proposal = d.proposal ?? current;
  if (d.desiredReplicas === current) {
    if (proposal === current) {
      return deciding?.path === 'WithinTolerance' || deciding?.path === 'FilledWithinTolerance'
        ? `stays at ${current} because ${value}, within the tolerance`
        : `stays at ${current} because ${value}`;
    }
    return `stays at ${current}${otherwise(d)}: ${value}, which asks for ${proposal}, but ${heldBy(d, proposal)} holds it`;
  }
  const limitedFrom =
    d.desiredReplicas !== proposal ? `, limited from ${proposal} by ${heldBy(d, proposal)}` : '';
  return `scales to ${d.desiredReplicas}${otherwise(d)} because ${value}${limitedFrom}`;
}
