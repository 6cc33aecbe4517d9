// `migrate check`: one row per metric of each HPA, the value the HPA controller reads today beside
// the value cmetrics gives for the same call, the desiredReplicas each would produce, the HPA's
// verdict and the difference's class; -o json|yaml the same for scripts.
import type { HpaComparison, MetricComparison, Verdict } from '../hpa/shadow.ts';
import type { MetricDecision } from '../hpa/types.ts';
import { currentText } from './explain-hpa.ts';
import { tabwrite } from './tabwriter.ts';

export interface ComparedGroup {
  /** GROUP/VERSION, as the HPA controller asks for it. */
  groupVersion: string;
  /** Who answers it today, for a line: `prometheus-adapter (monitoring/prometheus-adapter)`. */
  server: string;
}

interface MigrationReport {
  groups: ComparedGroup[];
  /** Where cmetrics was reached. */
  cmetrics: string;
  hpas: HpaComparison[];
}

const VERDICT_TEXT: Record<Verdict, string> = {
  Same: 'same',
  DifferentValue: 'same decision, different value',
  DifferentDecision: 'DIFFERENT DECISION',
};

const valueText = (m: MetricDecision | undefined) =>
  !m ? '<none>' : m.proposal === undefined ? `failed (${currentText(m)})` : currentText(m);

function row(h: HpaComparison, m: MetricComparison | undefined): string[] {
  return [
    h.namespace,
    h.name,
    m?.serving.label ?? '<no metrics>',
    m ? valueText(m.serving) : '-',
    !m ? '-' : m.compared ? valueText(m.cmetrics) : '(not compared)',
    `${h.serving.desiredReplicas}/${h.cmetrics.desiredReplicas}`,
    VERDICT_TEXT[h.verdict],
    m?.difference ? `${m.difference.class}: ${m.difference.why}` : '-',
  ];
}

export function migrationText(r: MigrationReport): string {
  const lines = [
    `Compared: ${r.groups.map((g) => `${g.groupVersion} (served by ${g.server})`).join(', ')}; cmetrics at ${r.cmetrics}`,
  ];
  if (!r.hpas.length) return `${[...lines, 'No HorizontalPodAutoscaler in scope.'].join('\n')}\n`;
  const header = ['NAMESPACE', 'HPA', 'METRIC', 'SERVING', 'CMETRICS', 'DESIRED', 'VERDICT', 'REASON'];
  const rows = r.hpas.flatMap((h) =>
    h.metrics.length ? h.metrics.map((m) => row(h, m)) : [row(h, undefined)],
  );
  const count = (v: Verdict) => r.hpas.filter((h) => h.verdict === v).length;
  const table = tabwrite([header, ...rows])
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trimEnd();
  lines.push(
    table,
    `${r.hpas.length} HPA(s): ${count('Same')} same, ${count('DifferentValue')} same decision with a different value, ${count('DifferentDecision')} different decision (DESIRED is serving/cmetrics).`,
  );
  return `${lines.join('\n')}\n`;
}

function metricDocument(m: MetricDecision | undefined) {
  if (!m) return undefined;
  return {
    value: currentText(m),
    ...(m.proposal !== undefined ? { proposal: m.proposal } : {}),
    ...(m.failure ? { failure: m.failure.message } : {}),
  };
}

/** -o json|yaml: every HPA's verdict, the desired replicas from both sides and each metric's values. */
export function migrationDocument(r: MigrationReport): unknown {
  return {
    apiVersion: 'cmetrics.io/v1alpha1',
    kind: 'MigrationCheck',
    compared: r.groups,
    cmetrics: r.cmetrics,
    hpas: r.hpas.map((h) => ({
      namespace: h.namespace,
      name: h.name,
      currentReplicas: h.serving.currentReplicas,
      desiredReplicas: { serving: h.serving.desiredReplicas, cmetrics: h.cmetrics.desiredReplicas },
      verdict: h.verdict,
      metrics: h.metrics.map((m) => ({
        index: m.serving.index,
        metric: m.serving.label,
        compared: m.compared,
        serving: metricDocument(m.serving),
        ...(m.compared ? { cmetrics: metricDocument(m.cmetrics) } : {}),
        ...(m.difference ? { difference: m.difference } : {}),
      })),
    })),
  };
}
