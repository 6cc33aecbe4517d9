// `explain hpa NAME --since 3h` for people: a chart per metric (its value against its target over
// time) and one of the replicas (actual, replayed, min/max), as wide as the terminal and of a fixed
// height, in Unicode blocks and lines on a terminal and plain ASCII otherwise; under them the replayed
// rescales with the reason at that moment (narrative.ts), the periods the count was held, and the
// summary, beside the what-if replay when there is one. For machines, every step (-o json|yaml).
import { formatGoDuration, isoTime } from '../../shared/duration.ts';
import type {
  HeldPeriod,
  Replay,
  ReplayChange,
  ReplayStep,
  ReplaySummary,
  StepMetric,
  StepState,
} from '../hpa/replay.ts';
import type { WhatIf } from '../hpa/what-if.ts';
import { table } from './explain-hpa.ts';
import { narrate } from './narrative.ts';

/** Rows of a chart's plot. */
const HEIGHT = 8;

/** How the text is drawn: the terminal's width, and Unicode or ASCII. */
interface Canvas {
  width: number;
  unicode: boolean;
}

/** The HPA a replay is of. */
interface ReplayOf {
  namespace: string;
  name: string;
  /** What the replay had to assume for the whole range (cluster/history.ts). */
  notes: string[];
}

/** The replay as text: charts, rescales, held periods, summary (and the what-if beside it). */
export function replayText(of: ReplayOf, r: Replay, canvas: Canvas, what?: WhatIf): string {
  const end = r.start + Math.max(0, r.steps.length - 1) * r.stepSeconds * 1000;
  const out: string[] = [
    `HPA ${of.namespace}/${of.name} replayed from ${isoTime(r.start)} to ${isoTime(end)}, every ${formatGoDuration(r.stepSeconds * 1000)} (${r.steps.length} steps)`,
    '',
  ];
  const metrics = r.steps[0]?.metrics ?? [];
  for (const m of metrics) {
    out.push(
      `${m.name}: ${m.targetType === 'Utilization' ? 'utilization' : 'value'} against the target ${amount(m.target, m)}`,
    );
    out.push(...metricChart(r, m.index, canvas), '');
  }
  out.push(
    `replicas: replayed${r.steps.some((s) => s.actual !== undefined) ? ', actual' : ''}, min ${r.minReplicas} and max ${r.maxReplicas}`,
  );
  out.push(...replicasChart(r, canvas), '');
  out.push(`Rescales (${r.changes.length}):`);
  if (r.changes.length === 0) out.push('  none');
  const arrow = canvas.unicode ? '→' : '->';
  for (const c of r.changes) out.push(`  ${clock(c.at)}  ${c.from}${arrow}${c.to}  ${changeReason(c)}`);
  out.push('', `Held (${r.held.length}):`);
  if (r.held.length === 0) out.push('  never');
  for (const h of r.held) out.push(`  ${heldLine(h, canvas.unicode ? '–' : '-')}`);
  out.push('', 'Summary:');
  if (what) {
    out.push(
      ...indent(
        table([
          ['', 'AS IS', `WITH --set ${what.sets.join(' --set ')}`],
          ...summaryRows(what.actual, canvas).map(([label, value], i) => [
            label,
            value,
            summaryRows(what.changed, canvas)[i]?.[1] ?? '',
          ]),
        ]),
      ),
    );
  } else out.push(...indent(table(summaryRows(r, canvas))));
  const reasons = approximations(r.steps);
  if (reasons.length) {
    out.push('', 'Approximate steps:');
    for (const [because, n] of reasons) out.push(`  ${n} step${n === 1 ? '' : 's'}: ${because}`);
  }
  if (of.notes.length) out.push('', 'Notes:', ...of.notes.map((n) => `  ${n}`));
  return `${out.join('\n')}\n`;
}

const indent = (text: string) => text.split('\n').map((l) => `  ${l}`);
/** The time of day (UTC), as the rescales are listed. */
const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/** A number for a chart or a table: three significant digits, a percent for utilization. */
function amount(v: number, m?: Pick<StepMetric, 'targetType'>): string {
  const text = String(Number(v.toPrecision(3)));
  return m?.targetType === 'Utilization' ? `${text}%` : text;
}

/**
 * Why a rescale happened at that moment: the decision's narrative, the tolerance its ratio went
 * beyond, and what the rate limit allowed when it cut the change.
 */
function changeReason(c: ReplayChange): string {
  const d = c.decision;
  const extra: string[] = [];
  const deciding = d.metrics.find((m) => m.index === d.decidingMetric);
  if (d.branch === 'Metrics' && deciding?.tolerance && deciding.ratio !== undefined) {
    const tolerance = c.to > c.from ? deciding.tolerance.up : deciding.tolerance.down;
    extra.push(`beyond the tolerance ${Number(tolerance.toFixed(6))}`);
  }
  const limit = d.normalization[1];
  if (
    limit &&
    limit.input !== limit.output &&
    (limit.reason === 'ScaleUpLimit' || limit.reason === 'ScaleDownLimit')
  ) {
    const change = c.to - c.from;
    extra.push(
      `${limit.step === 'RateLimit' ? 'the policies' : 'the scale-up limit'} allowed ${change > 0 ? '+' : ''}${change}`,
    );
  }
  return extra.length ? `${narrate(d)} (${extra.join('; ')})` : narrate(d);
}

const STATE_WORDS: Record<StepState, string> = {
  ScaleUp: 'scaled up',
  ScaleDown: 'scaled down',
  Stabilized: 'the stabilization window',
  RateLimited: 'the rate limit',
  AtMax: 'maxReplicas',
  AtMin: 'minReplicas',
  MetricMissing: 'a missing metric',
  MetricFailed: 'a failed metric',
  Disabled: 'zero replicas (autoscaling off)',
  Steady: 'nothing',
};

function heldLine(h: HeldPeriod, dash: string): string {
  const asked =
    h.proposal === undefined
      ? ''
      : ` (the metrics asked for ${h.proposal.min === h.proposal.max ? h.proposal.min : `${h.proposal.min}${dash}${h.proposal.max}`})`;
  return `${clock(h.from)}${dash}${clock(h.to)} (${h.steps} step${h.steps === 1 ? '' : 's'}) held at ${h.replicas} by ${STATE_WORDS[h.state]}${asked}`;
}

function summaryRows(r: Replay, canvas: Canvas): [string, string][] {
  const s: ReplaySummary = r.summary;
  const span = s.steps * r.stepSeconds;
  const rows: [string, string][] = [
    [
      'replica-seconds',
      `${s.replicaSeconds} (${Number((s.replicaSeconds / 3600).toFixed(2))} replica-hours)`,
    ],
    ['average replicas', span > 0 ? String(Number((s.replicaSeconds / span).toFixed(2))) : '-'],
    ['time above target', formatGoDuration(s.aboveTargetSeconds * 1000)],
    ['scale events', String(s.scaleEvents)],
    ['largest step', String(s.largestStep)],
    ['exact steps', `${s.exactSteps}/${s.steps}`],
  ];
  if (s.agreement) {
    const a = s.agreement;
    rows.push(
      ['equal to actual', `${a.steps ? Math.round((100 * a.equal) / a.steps) : 0}% of ${a.steps} steps`],
      [
        'actual changes matched',
        `${a.matched}/${a.actualChanges} within ${canvas.unicode ? '±' : '+/-'}1 step`,
      ],
    );
  }
  return rows;
}

/** Why steps are approximate, most frequent first. */
function approximations(steps: readonly ReplayStep[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const s of steps)
    if (s.precision.kind === 'approximate')
      for (const b of s.precision.because) counts.set(b, (counts.get(b) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]);
}

// ---- Charts -----------------------------------------------------------------------------------

const EIGHTHS = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** A series drawn as a line (one glyph where its value falls) over the filled one. */
interface Line {
  values: (number | undefined)[];
  glyph: string;
}

function metricChart(r: Replay, index: number, canvas: Canvas): string[] {
  const metric = (s: ReplayStep) => s.metrics.find((m) => m.index === index);
  const spec = metric(r.steps[0] as ReplayStep) as StepMetric;
  return chart(
    r,
    canvas,
    r.steps.map((s) => metric(s)?.value),
    [{ values: r.steps.map((s) => metric(s)?.target), glyph: canvas.unicode ? '─' : '-' }],
    (v) => amount(v, spec),
    r.steps.map((s) => metric(s)?.missing ?? true),
  );
}

function replicasChart(r: Replay, canvas: Canvas): string[] {
  const limit = (v: number) => r.steps.map(() => v);
  return chart(
    r,
    canvas,
    r.steps.map((s) => s.replicas),
    [
      { values: limit(r.maxReplicas), glyph: canvas.unicode ? '┄' : '.' },
      { values: limit(r.minReplicas), glyph: canvas.unicode ? '┄' : '.' },
      { values: r.steps.map((s) => s.actual), glyph: canvas.unicode ? '•' : 'o' },
    ],
    (v) => String(Number(v.toFixed(1))),
    r.steps.map(() => false),
  );
}

/**
 * `filled` as columns of blocks (eighths on a terminal, `#` otherwise) with `lines` drawn over them,
 * each column the steps it covers (their highest value), a y axis from 0 and a time axis.
 */
function chart(
  r: Replay,
  canvas: Canvas,
  filled: (number | undefined)[],
  lines: Line[],
  label: (v: number) => string,
  missing: boolean[],
): string[] {
  const all = [...filled, ...lines.flatMap((l) => l.values)].filter((v): v is number => v !== undefined);
  const top = Math.max(0, ...all) || 1;
  const labels = [label(top), label(0)];
  const axisWidth = Math.max(...labels.map((l) => l.length));
  const columns = Math.max(1, canvas.width - axisWidth - 2);
  const bucket = (values: (number | undefined)[], c: number) => {
    const from = Math.floor((c * values.length) / columns);
    const to = Math.max(from + 1, Math.floor(((c + 1) * values.length) / columns));
    const seen = values.slice(from, to).filter((v): v is number => v !== undefined);
    return seen.length ? Math.max(...seen) : undefined;
  };
  const gap = (c: number) => {
    const from = Math.floor((c * missing.length) / columns);
    const to = Math.max(from + 1, Math.floor(((c + 1) * missing.length) / columns));
    return missing.slice(from, to).every(Boolean);
  };
  const grid = Array.from({ length: HEIGHT }, () => Array<string>(columns).fill(' '));
  const rowOf = (v: number) => HEIGHT - 1 - Math.min(HEIGHT - 1, Math.floor((v / top) * HEIGHT - 1e-9));
  for (let c = 0; c < columns; c++) {
    const v = bucket(filled, c);
    if (v === undefined) {
      if (gap(c)) (grid[HEIGHT - 1] as string[])[c] = canvas.unicode ? '░' : '?';
      continue;
    }
    const level = (v / top) * HEIGHT;
    for (let row = 0; row < HEIGHT; row++) {
      const fill = Math.max(0, Math.min(1, level - (HEIGHT - 1 - row)));
      const cell = canvas.unicode ? (EIGHTHS[Math.round(fill * 8)] as string) : fill >= 0.5 ? '#' : ' ';
      (grid[row] as string[])[c] = cell;
    }
  }
  for (const line of lines) {
    for (let c = 0; c < columns; c++) {
      const v = bucket(line.values, c);
      if (v !== undefined) (grid[rowOf(v)] as string[])[c] = line.glyph;
    }
  }
  const out = grid.map((row, i) => {
    const tick = i === 0 ? (labels[0] as string) : i === HEIGHT - 1 ? (labels[1] as string) : '';
    return `${tick.padStart(axisWidth)} ${canvas.unicode ? '│' : '|'}${row.join('').trimEnd()}`;
  });
  out.push(
    `${' '.repeat(axisWidth)} ${canvas.unicode ? '└' : '+'}${(canvas.unicode ? '─' : '-').repeat(columns)}`,
  );
  const first = clock(r.start);
  const last = clock(r.start + (r.steps.length - 1) * r.stepSeconds * 1000);
  const room = columns + 1 - first.length - last.length;
  out.push(`${' '.repeat(axisWidth + 1)}${room > 0 ? `${first}${' '.repeat(room)}${last}` : first}`);
  return out;
}

// ---- Documents --------------------------------------------------------------------------------

const REPLAY_API_VERSION = 'cmetrics.io/v1alpha1';

/** Every step of the replay, for -o json|yaml (the what-if replay beside it when there is one). */
export function replayDocument(of: ReplayOf, r: Replay, what?: WhatIf): unknown {
  const doc = {
    apiVersion: REPLAY_API_VERSION,
    kind: 'HPAReplay',
    metadata: { namespace: of.namespace, name: of.name },
    notes: of.notes,
    ...replayBody(r),
  };
  if (!what) return doc;
  const spec = (what.hpa as { spec?: unknown } | undefined)?.spec;
  return { ...doc, whatIf: { sets: what.sets, spec, ...replayBody(what.changed) } };
}

function replayBody(r: Replay) {
  return {
    start: isoTime(r.start),
    step: formatGoDuration(r.stepSeconds * 1000),
    minReplicas: r.minReplicas,
    maxReplicas: r.maxReplicas,
    summary: r.summary,
    changes: r.changes.map((c) => ({ time: isoTime(c.at), from: c.from, to: c.to, reason: changeReason(c) })),
    held: r.held.map((h) => ({ ...h, from: isoTime(h.from), to: isoTime(h.to) })),
    steps: r.steps.map(({ at, ...s }) => ({ time: isoTime(at), ...s })),
  };
}
