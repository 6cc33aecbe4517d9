// `explain hpa` for people: one row per metric (value, target, ratio, pods counted, missing and
// unready, proposal), what each failed metric needs, the deciding metric, the normalization steps to
// the final count against the HPA's own status and conditions, the narrative, the values at which the
// decision would change, and which parts are exact and which only bounded. For machines, the same
// decision as one document (-o json|yaml), milli values written as quantities.
import { formatGoDuration } from '../../shared/duration.ts';
import type { ControllerSettings } from '../hpa/snapshot.ts';
import type { Decision, ExpectedCondition, MetricDecision, Milli, Threshold } from '../hpa/types.ts';
import { formatMilli, formatRatio } from './narrative.ts';
import { tabwrite } from './tabwriter.ts';

export interface StatusCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface Explanation {
  decision: Decision;
  /** The HPA's conditions as its status shows them. */
  statusConditions: StatusCondition[];
  /** One sentence: what the HPA does and why. */
  narrative: string;
  /** By metric index, for failed metrics: what is wrong and what to do, one line. */
  fixes: Record<number, string>;
  controller: ControllerSettings;
}

const EXPLANATION_API_VERSION = 'cmetrics.io/v1alpha1';
const EXPLANATION_KIND = 'HPAExplanation';

/** Percent for Utilization targets (numbers), a quantity for milli values (bigints). */
const amount = (v: number | Milli) => (typeof v === 'bigint' ? formatMilli(v) : `${v}%`);

/** A float without float noise: 1 - 0.1 is 0.9, not 0.9000000000000001. */
const decimal = (v: number) => String(Number(v.toFixed(6)));

/** tabwrite's lines without the padding after the last cell. */
export const table = (rows: string[][]) =>
  tabwrite(rows)
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trimEnd();

/** The value the HPA status shows for a metric: `21%`, `1500m`; `<none>` without one. */
export function currentText(m: MetricDecision): string {
  const c = m.current;
  if (!c) return '<none>';
  if (m.targetType === 'Utilization' && c.averageUtilization !== undefined) return `${c.averageUtilization}%`;
  const v = m.targetType === 'Value' ? c.value : (c.averageValue ?? c.value);
  return v === undefined ? '<none>' : formatMilli(v);
}

/** The target as the HPA status shows it: `80%`, `500m/pod`, `10`. */
export function targetText(m: MetricDecision): string {
  return `${amount(m.target)}${m.targetType === 'AverageValue' ? '/pod' : ''}`;
}

function metricRow(m: MetricDecision): string[] {
  const groups = m.pods;
  const counted = groups ? String(groups.ready.length) : m.podCount !== undefined ? String(m.podCount) : '-';
  return [
    m.label,
    currentText(m),
    targetText(m),
    m.ratio === undefined ? '-' : formatRatio(m.ratio),
    counted,
    groups ? String(groups.missing.length) : '-',
    groups ? String(groups.unready.length) : '-',
    m.proposal === undefined ? 'failed' : String(m.proposal),
  ];
}

const PATHS: Record<NonNullable<MetricDecision['path']>, string> = {
  WithinTolerance: 'ratio within tolerance: keeps the current count',
  Ratio: 'ceil(ratio × pods)',
  FilledWithinTolerance:
    'with missing/unready pods filled in, the ratio is within tolerance: keeps the current count',
  FilledReversed: 'filling in missing/unready pods reverses the direction: keeps the current count',
  FilledRatio: 'ceil(ratio × pods) with missing/unready pods filled in',
  FromZero: 'from zero replicas: ceil(ratio)',
};

/** The lines under the table for one metric: how the proposal came about, its pods, its failure and fix. */
function metricDetails(m: MetricDecision, fix: string | undefined): string[] {
  const lines: string[] = [];
  const how: string[] = [];
  if (m.subject) how.push(m.subject);
  if (m.path) how.push(PATHS[m.path]);
  if (m.filledRatio !== undefined) how.push(`filled ratio ${formatRatio(m.filledRatio)}`);
  if (m.tolerance) how.push(`tolerance band ${decimal(1 - m.tolerance.down)}–${decimal(1 + m.tolerance.up)}`);
  if (m.timestamp) how.push(`sampled ${m.timestamp}`);
  if (how.length) lines.push(`${m.label}: ${how.join('; ')}`);
  const g = m.pods;
  if (g?.unready.length)
    lines.push(`  unready: ${g.unready.map((p) => `${p.pod} (${p.reason})`).join(', ')}`);
  if (g?.missing.length) lines.push(`  missing (no value): ${g.missing.join(', ')}`);
  if (g?.ignored.length)
    lines.push(`  ignored: ${g.ignored.map((p) => `${p.pod} (${p.reason})`).join(', ')}`);
  if (m.failure) {
    lines.push(`${m.label}: ${m.failure.reason}: ${m.failure.message}`);
    if (fix) lines.push(`  fix: ${fix}`);
  }
  return lines;
}

function threshold(direction: 'up' | 'down', t: Threshold | undefined): string | undefined {
  if (!t) return undefined;
  return direction === 'up'
    ? `proposes ${t.replicas} at ${amount(t.at)} or more`
    : `proposes ${t.replicas} at ${amount(t.at)} or less`;
}

function conditionsTable(expected: readonly ExpectedCondition[], status: readonly StatusCondition[]): string {
  const types = [...new Set([...expected.map((c) => c.type), ...status.map((c) => c.type)])];
  const cell = (c: { status: string; reason?: string } | undefined) =>
    c ? `${c.status} ${c.reason ?? ''}`.trim() : '-';
  return table([
    ['CONDITION', 'THIS PASS', 'HPA STATUS'],
    ...types.map((t) => [
      t,
      cell(expected.find((c) => c.type === t)),
      cell(status.find((c) => c.type === t)),
    ]),
  ]);
}

function settingsLine(c: ControllerSettings): string {
  const d = (s: number) => formatGoDuration(s * 1000);
  return `controller settings assumed: tolerance ${c.tolerance}, cpu-initialization-period ${d(c.cpuInitializationPeriodSeconds)}, initial-readiness-delay ${d(c.initialReadinessDelaySeconds)}, downscale-stabilization ${d(c.downscaleStabilizationSeconds)} (kube-controller-manager flags a client cannot read; override with --tolerance, --cpu-initialization-period, --initial-readiness-delay, --downscale-stabilization)`;
}

const BRANCHES: Record<Exclude<Decision['branch'], 'Metrics'>, string> = {
  FailedGetScale: 'the scale subresource could not be read: nothing else is computed',
  ScalingDisabled: 'the target has 0 replicas and minReplicas is not 0: scaling is disabled',
  AboveMaxReplicas:
    'the current count is above maxReplicas: desired is maxReplicas, metrics are not consulted',
  BelowMinReplicas:
    'the current count is below minReplicas: desired is minReplicas, metrics are not consulted',
};

export function explanationText(e: Explanation): string {
  const d = e.decision;
  const out: string[] = [];
  out.push(`HorizontalPodAutoscaler ${d.namespace}/${d.name} → ${d.target}, at ${d.now}`);
  out.push(`${d.name} ${e.narrative}.`, '');
  if (d.branch !== 'Metrics') out.push(`Branch: ${BRANCHES[d.branch]}.`, '');
  if (d.metrics.length) {
    out.push(
      table([
        ['METRIC', 'CURRENT', 'TARGET', 'RATIO', 'PODS', 'MISSING', 'UNREADY', 'PROPOSAL'],
        ...d.metrics.map(metricRow),
      ]),
    );
    const details = d.metrics.flatMap((m) => metricDetails(m, e.fixes[m.index]));
    if (details.length) out.push('', ...details);
    out.push('');
  }
  if (d.selectorProblem) out.push(`${d.selectorProblem.reason}: ${d.selectorProblem.message}`, '');
  const deciding = d.decidingMetric === undefined ? undefined : d.metrics[d.decidingMetric];
  if (deciding && d.proposal !== undefined) {
    out.push(
      `Deciding metric: ${deciding.label}, proposing ${d.proposal}${d.metrics.length > 1 ? ' (the highest proposal)' : ''}.`,
    );
  } else if (d.branch === 'Metrics') {
    out.push('No metric produced a proposal.');
  }
  if (d.heldByFailures)
    out.push(
      `Held at ${d.currentReplicas}: metrics failed (all of them, or some while the rest ask for fewer replicas), so the controller keeps the count.`,
    );
  out.push(
    `Replicas: current ${d.currentReplicas} → desired ${d.desiredReplicas} (min ${d.minReplicas}, max ${d.maxReplicas}).`,
  );
  if (d.normalization.length) {
    out.push(
      table(
        d.normalization.map((n) => [
          `  ${n.step}`,
          `${n.input} → ${n.output}`,
          n.reason,
          n.bounded
            ? `${n.detail} (between ${n.bounded.min} and ${n.bounded.max}: ${n.bounded.because})`
            : n.detail,
        ]),
      ),
    );
  }
  const said = d.status.desiredReplicas;
  out.push(
    said === undefined
      ? "The HPA's status has no desiredReplicas yet."
      : d.agreesWithStatus === false
        ? `The HPA's status says desiredReplicas ${said}: it differs from this recomputation (see the notes below).`
        : `The HPA's status says desiredReplicas ${said}: it agrees.`,
  );
  out.push('', conditionsTable(d.conditions, e.statusConditions));
  const changes = d.metrics.flatMap((m) => {
    const parts = [threshold('up', m.scaleUpAt), threshold('down', m.scaleDownAt)].filter(Boolean);
    return parts.length ? [`  ${m.label}: ${parts.join('; ')}`] : [];
  });
  if (changes.length) out.push('', 'What would change the decision:', ...changes);
  out.push('');
  out.push(
    "Exact: each metric's value, ratio and proposal and their maximum: the same API answers and integer arithmetic as the controller.",
  );
  out.push(
    d.precision.kind === 'exact'
      ? `Exact too: the final count (${d.precision.because}).`
      : `Bounded: the final count lies between ${d.precision.min} and ${d.precision.max} (${d.precision.because}).`,
  );
  out.push(settingsLine(e.controller));
  if (d.notes.length) out.push('Notes:', ...d.notes.map((n) => `  - ${n}`));
  return `${out.join('\n')}\n`;
}

/** Milli bigints as quantity strings, so that the document is plain JSON. */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return formatMilli(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** -o json|yaml: the decision with its inputs' settings and the fixes, for machines. */
export function explanationDocument(e: Explanation): unknown {
  return {
    apiVersion: EXPLANATION_API_VERSION,
    kind: EXPLANATION_KIND,
    narrative: e.narrative,
    controller: e.controller,
    decision: plain(e.decision),
    fixes: Object.entries(e.fixes).map(([metric, fix]) => ({ metric: Number(metric), fix })),
  };
}
