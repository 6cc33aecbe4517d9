// `doctor`'s report: who serves each metrics group version, as a table, then the checklist: one line
// per check with its verdict, then what was seen and the fix, indented.
import { tabwrite } from './tabwriter.ts';

type Verdict = 'PASS' | 'FAIL' | 'SKIP';

export interface Check {
  /** What must hold, e.g. "APIService v1beta1.custom.metrics.k8s.io is Available". */
  title: string;
  verdict: Verdict;
  /** What was seen: the condition message, the server's answer, the metrics listed. */
  detail?: string | undefined;
  /** What to do when it fails. */
  fix?: string | undefined;
}

/** One metrics group version: who answers it, and who reads it. */
export interface Neighbour {
  groupVersion: string;
  /** e.g. "KEDA (keda/keda-operator-metrics-apiserver)"; undefined when no APIService registers it. */
  servedBy?: string | undefined;
  /** "True", or "False REASON"; undefined when no APIService registers it. */
  available?: string | undefined;
  /** NAMESPACE/NAME of each HPA whose metrics the controller reads from this group version. */
  hpas: string[];
}

export interface DoctorReport {
  neighbours: Neighbour[];
  checks: Check[];
}

const SHOWN_HPAS = 3;

function hpasCell(hpas: readonly string[]): string {
  if (!hpas.length) return '<none>';
  const shown = hpas.slice(0, SHOWN_HPAS).join(', ');
  return hpas.length > SHOWN_HPAS ? `${shown} and ${hpas.length - SHOWN_HPAS} more` : shown;
}

/** kubectl's table layout, without the trailing padding it keeps (no kubectl output to match here). */
function neighboursTable(neighbours: readonly Neighbour[]): string {
  const table = tabwrite([
    ['GROUP VERSION', 'SERVED BY', 'AVAILABLE', 'HPAS'],
    ...neighbours.map((n) => [
      n.groupVersion,
      n.servedBy ?? '<not registered>',
      n.available ?? '-',
      hpasCell(n.hpas),
    ]),
  ]);
  return table.replace(/ +$/gm, '');
}

export function doctorText({ neighbours, checks }: DoctorReport): string {
  const lines = checks.flatMap((c) => [
    `${c.verdict}  ${c.title}`,
    ...(c.detail ? [`      ${c.detail}`] : []),
    ...(c.fix && c.verdict === 'FAIL' ? [`      fix: ${c.fix}`] : []),
  ]);
  const failed = checks.filter((c) => c.verdict === 'FAIL').length;
  const skipped = checks.filter((c) => c.verdict === 'SKIP').length;
  const passed = checks.length - failed - skipped;
  const summary = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}.`;
  const table = neighbours.length ? `${neighboursTable(neighbours)}\n` : '';
  return `${table}${[...lines, '', summary].join('\n')}\n`;
}
