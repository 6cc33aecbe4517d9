// `doctor`'s checklist: one line per check with its verdict, then what was seen and the fix, indented.

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

export function doctorText(checks: readonly Check[]): string {
  const lines = checks.flatMap((c) => [
    `${c.verdict}  ${c.title}`,
    ...(c.detail ? [`      ${c.detail}`] : []),
    ...(c.fix && c.verdict === 'FAIL' ? [`      fix: ${c.fix}`] : []),
  ]);
  const failed = checks.filter((c) => c.verdict === 'FAIL').length;
  const skipped = checks.filter((c) => c.verdict === 'SKIP').length;
  const passed = checks.length - failed - skipped;
  const summary = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}.`;
  return `${[...lines, '', summary].join('\n')}\n`;
}
