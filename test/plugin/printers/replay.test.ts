import { describe, expect, it } from 'vitest';
import { replay, type StepInput } from '../../../plugin/hpa/replay.ts';
import { DEFAULT_CONTROLLER_SETTINGS } from '../../../plugin/hpa/snapshot.ts';
import { whatIf } from '../../../plugin/hpa/what-if.ts';
import { replayDocument, replayText } from '../../../plugin/printers/replay.ts';
import { hpaBody } from '../hpa/builder.ts';

const START = Date.parse('2026-12-07T03:00:00Z');
const hpa = hpaBody({ maxReplicas: 6, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } });
/** The total qps (milli) shared by the pods that ran. */
const level = (milli: number | undefined, actual: number): StepInput => ({
  metrics: [
    milli === undefined
      ? undefined
      : {
          kind: 'pods',
          values: Array.from({ length: actual }, (_, i) => ({
            pod: `web-${i}`,
            value: `${Math.round(milli / actual)}m`,
          })),
        },
  ],
  actualReplicas: actual,
});
const LEVELS = [1000, 1000, 4200, 4200, 4200, undefined, 1000, 1000, 1000, 1000, 1000, 1000];
const ACTUAL = [1, 1, 1, 5, 5, 5, 5, 5, 5, 5, 1, 1];
const input = {
  hpa,
  controller: DEFAULT_CONTROLLER_SETTINGS,
  selector: 'app=web',
  start: START,
  stepMs: 15_000,
  steps: LEVELS.map((l, i) => level(l, ACTUAL[i] as number)),
  initialReplicas: 1,
};
const OF = { namespace: 'shop', name: 'web', notes: ['no pod history (kube-state-metrics)'] };

describe('replayText', () => {
  const r = replay(input);
  it.each([
    [40, false],
    [40, true],
    [80, true],
    [120, false],
  ])('width %i, tty %s: every line fits, charts of a fixed height', (width, unicode) => {
    const text = replayText(OF, r, { width, unicode });
    const lines = text.split('\n');
    for (const l of lines.filter((l) => /[│|]/.test(l))) expect([...l].length).toBeLessThanOrEqual(width);
    // Two charts (qps, replicas) of 8 rows each.
    expect(lines.filter((l) => / [│|]/.test(l))).toHaveLength(16);
    if (!unicode) expect(text).toMatch(/^[\x20-\x7e\n×]*$/);
    else expect(text).toMatch(/[▁▂▃▄▅▆▇█]/);
    expect(text).not.toContain('\x1b');
  });

  it('ASCII at width 40', () => {
    const text = replayText(OF, r, { width: 40, unicode: false });
    expect(text).toContain('qps: value against the target 1');
    expect(text).toContain(`    |${'-'.repeat(34)}`);
    expect(text).toContain(`    +${'-'.repeat(34)}`);
    expect(text).toContain('03:00:00');
    expect(text).toMatch(/03:00:00 +03:02:45\n/);
    expect(text).toContain('?'); // the missing step
  });

  it('lists the rescales with their reason, the held periods and the summary', () => {
    const text = replayText(OF, r, { width: 80, unicode: true });
    expect(text).toContain('Rescales (2):');
    expect(text).toMatch(/03:00:30 {2}1→5 {2}scales to 5 because average qps 4200m is 4\.2× the 1 target/);
    expect(text).toMatch(/Held \(\d\):/);
    expect(text).toMatch(/held at 5 by the stabilization window \(the metrics asked for 1\)/);
    expect(text).toMatch(/held at 5 by a missing metric/);
    expect(text).toMatch(/replica-seconds +540 \(0\.15 replica-hours\)/);
    expect(text).toMatch(/actual changes matched +2\/2 within ±1 step/);
    expect(text).toContain('Approximate steps:');
    expect(text).toMatch(/Notes:\n {2}no pod history \(kube-state-metrics\)\n$/);
  });

  it('the what-if summary beside the actual one', () => {
    const w = whatIf(input, ['maxReplicas=3']);
    const text = replayText(OF, w.actual, { width: 80, unicode: false }, w);
    expect(text).toMatch(/AS IS +WITH --set maxReplicas=3/);
    expect(text).toMatch(/largest step +4 +2/);
  });
});

describe('replayDocument', () => {
  it('every step with its time, and the what-if', () => {
    const w = whatIf(input, ['maxReplicas=3']);
    const doc = replayDocument(OF, w.actual, w) as Record<string, unknown> & {
      steps: Record<string, unknown>[];
      whatIf: { sets: string[]; steps: unknown[] };
    };
    expect(doc).toMatchObject({
      kind: 'HPAReplay',
      metadata: { namespace: 'shop', name: 'web' },
      notes: OF.notes,
      start: '2026-12-07T03:00:00Z',
      step: '15s',
    });
    expect(doc.steps).toHaveLength(LEVELS.length);
    expect(doc.steps[0]).toMatchObject({
      time: '2026-12-07T03:00:00Z',
      replicas: 1,
      actual: 1,
      state: 'Steady',
    });
    expect(doc.steps[0]).not.toHaveProperty('at');
    expect(doc.whatIf.sets).toEqual(['maxReplicas=3']);
    expect(doc.whatIf).toMatchObject({ spec: { maxReplicas: 3, minReplicas: 1 } });
    expect(() => JSON.stringify(doc)).not.toThrow();
  });
});
