// `explain hpa -A` for people: one line per HPA (replicas now → recomputed, each metric's current
// value against its target as `explain hpa NAME` shows them, the state in a few words, and the fix
// for a failure), the broken ones first. For machines, each HPA's whole explanation
// (explain-hpa.ts explanationDocument) with its state and fix.
import { shortDuration } from '../../shared/duration.ts';
import { type HpaState, isBroken } from '../hpa/state.ts';
import type { MetricFailureCause } from '../hpa/types.ts';
import { currentText, type Explanation, explanationDocument, table, targetText } from './explain-hpa.ts';

export interface HpaLine {
  namespace: string;
  name: string;
  /** Absent when the HPA could not be explained: `problem` says why. */
  explanation?: Explanation | undefined;
  state?: HpaState | undefined;
  problem?: string | undefined;
  /** The one-line fix for a failure. */
  fix?: string | undefined;
}

const LIST_KIND = 'HPAExplanationList';
const LIST_API_VERSION = 'cmetrics.io/v1alpha1';

function failureWords(cause: MetricFailureCause): string {
  switch (cause.kind) {
    case 'FetchFailed':
      return cause.code === 404
        ? 'metric not served'
        : cause.code === 403
          ? 'forbidden'
          : cause.code === 0
            ? 'metrics API unreachable'
            : cause.code >= 502 && cause.code <= 504
              ? 'metrics API unavailable'
              : `metric read failed (HTTP ${cause.code})`;
    case 'NotFetched':
      return 'metric not requested';
    case 'NoValues':
      return 'no metric value';
    case 'NoReadyPodMetrics':
      return 'no ready pod has a value';
    case 'MissingRequests':
      return `no ${cause.resource} requests`;
    case 'NoPods':
      return 'no pods';
    case 'Invalid':
      return 'unreadable metric';
  }
}

/** The state in a few words: `scaling up`, `held by stabilization for 5m`, `metric not served`, … */
export function stateWords(state: HpaState): string {
  switch (state.kind) {
    case 'ScaleUnreadable':
      return 'scale not readable';
    case 'SelectorProblem':
      return state.reason === 'AmbiguousSelector' ? 'ambiguous selector' : 'invalid selector';
    case 'MetricFailed':
      return `${failureWords(state.cause)}${state.failed > 1 ? ` (+${state.failed - 1} more failed)` : ''}`;
    case 'ScalingDisabled':
      return 'scaling disabled (0 replicas)';
    case 'Stabilized':
      return `held by stabilization for ${shortDuration(state.windowSeconds * 1000)}`;
    case 'AtMax':
      return 'at max';
    case 'AtMin':
      return 'at min';
    case 'RateLimited':
      return 'rate limited';
    case 'ScalingUp':
      return state.capped ? 'scaling up to max' : 'scaling up';
    case 'ScalingDown':
      return state.capped ? 'scaling down to min' : 'scaling down';
    case 'Steady':
      return 'steady';
  }
}

const broken = (l: HpaLine) => !l.state || isBroken(l.state);

/** The broken ones first, each group in the order given (namespace, then name). */
export function brokenFirst(lines: readonly HpaLine[]): HpaLine[] {
  return [...lines.filter(broken), ...lines.filter((l) => !broken(l))];
}

function metricsCell(e: Explanation | undefined): string {
  if (!e?.decision.metrics.length) return '<none>';
  return e.decision.metrics.map((m) => `${m.name} ${currentText(m)}/${targetText(m)}`).join(', ');
}

export function hpaListTable(lines: readonly HpaLine[], allNamespaces: boolean): string {
  if (!lines.length) return '';
  const rows = brokenFirst(lines).map((l) => {
    const d = l.explanation?.decision;
    return [
      ...(allNamespaces ? [l.namespace] : []),
      l.name,
      d ? `${d.currentReplicas} → ${d.desiredReplicas}` : '-',
      metricsCell(l.explanation),
      l.state ? stateWords(l.state) : (l.problem ?? ''),
      l.fix ?? '',
    ];
  });
  const header = [...(allNamespaces ? ['NAMESPACE'] : []), 'NAME', 'REPLICAS', 'METRICS', 'STATE', 'FIX'];
  return `${table([header, ...rows])}\n`;
}

export function hpaListDocument(lines: readonly HpaLine[]): unknown {
  return {
    apiVersion: LIST_API_VERSION,
    kind: LIST_KIND,
    items: brokenFirst(lines).map((l) => ({
      namespace: l.namespace,
      name: l.name,
      broken: broken(l),
      ...(l.state ? { state: stateWords(l.state) } : {}),
      ...(l.problem ? { problem: l.problem } : {}),
      ...(l.fix ? { fix: l.fix } : {}),
      ...(l.explanation ? { explanation: explanationDocument(l.explanation) } : {}),
    })),
  };
}
