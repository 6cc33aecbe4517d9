// One sentence that says what the controller does and why, from a Decision, e.g.
// "scales to 4 because average qps 812m is 1.62× the 500m target".

import { type Decision, formatMilli, type MetricDecision, type MetricFailureCause } from './decision.ts';

/** A ratio the way people read it: 1.62×, 0.5×, 3×. */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return `${ratio}×`;
  return `${Number(ratio.toFixed(2))}×`;
}

/** "average qps 812m is 1.62× the 500m target" — the value the target is compared with. */
export function describeMetricValue(m: MetricDecision): string {
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

function heldBy(d: Decision): string {
  const steps = d.normalization.filter((s) => s.input !== s.output || s.bounded);
  const reasons = steps.map((s) => {
    if (s.step === 'Stabilize') return s.bounded ? `stabilization (${s.bounded.because})` : 'stabilization';
    return s.reason === 'ScaleUpLimit' || s.reason === 'ScaleDownLimit' ? 'the scale rate limit' : s.reason;
  });
  return reasons.join(' and ');
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
  const range = d.precision.kind === 'bounded' ? ` (between ${d.precision.min} and ${d.precision.max})` : '';
  if (d.desiredReplicas === current) {
    if (proposal === current) {
      return deciding?.path === 'WithinTolerance' || deciding?.path === 'FilledWithinTolerance'
        ? `stays at ${current} because ${value}, within the tolerance`
        : `stays at ${current} because ${value}`;
    }
    return `stays at ${current}${range}: ${value}, which asks for ${proposal}, but ${heldBy(d)} holds it`;
  }
  const limitedFrom = d.desiredReplicas !== proposal ? `, limited from ${proposal} by ${heldBy(d)}` : '';
  return `scales to ${d.desiredReplicas}${range} because ${value}${limitedFrom}`;
}
