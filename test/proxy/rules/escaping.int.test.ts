// The real Prometheus parser and matcher on hostile label values: series whose label values hold
// quotes, backslashes, newlines, regex metacharacters and any Unicode are backfilled, and the matchers
// built for each value select exactly the series that carry it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusClient } from '../../../proxy/prometheus/client.ts';
import { matchAny, matcher, regexForTemplate } from '../../../proxy/rules/promql.ts';
import { startPrometheusWithData } from '../../harness/prometheus.ts';

// Node names carry dots; the look-alike is what an unescaped dot would also match.
const DOTTED = 'ip-10-0-0-1.ec2.internal';
const FIXED = [
  DOTTED,
  'ip-10-0-0-1Xec2Xinternal',
  '"}) or vector(1) #',
  'a"b',
  '\\',
  '\\"',
  'line\nbreak',
  'tab\there',
  '.+',
  '.*',
  'a|b',
  '(x)',
  '[a-z]',
  '^$',
  '{1,2}',
  'größe ✓ 日本 🎉',
  '\u2028',
  ' ',
];
// Generated values, reproducible: printable and control characters, metacharacters, any code point.
const GENERATED = fc.sample(
  fc.oneof(
    fc.string({ unit: fc.constantFrom(...'"\\\n\t{}()[]|.*+?^$,=~!#a'), minLength: 1, maxLength: 12 }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
  ),
  { numRuns: 60, seed: 4242 },
);
// A label value Prometheus stores is UTF-8 without NUL; the empty value means no label at all.
const VALUES = [...new Set([...FIXED, ...GENERATED])].filter((v) => v && !v.includes('\0'));

/** OpenMetrics label value escaping: backslash, double quote and newline. */
const omEscape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

describe('matchers on hostile values against the real Prometheus', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cmetrics-escaping-'));
  const nowS = Math.floor(Date.now() / 1000);
  let server: Awaited<ReturnType<typeof startPrometheusWithData>>;
  let client: PrometheusClient;

  beforeAll(async () => {
    const lines = ['# TYPE hostile gauge'];
    for (const [i, v] of VALUES.entries())
      for (let t = nowS - 600; t <= nowS + 600; t += 60)
        lines.push(`hostile{v="${omEscape(v)}",i="${i}"} ${i} ${t}`);
    server = await startPrometheusWithData(dir, `${lines.join('\n')}\n# EOF\n`);
    client = new PrometheusClient(server.url, { timeoutMs: 10_000 });
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const indexes = async (selector: string) =>
    (await client.query(`hostile{${selector}}`, nowS * 1000))
      .map((s) => Number(s.labels.i))
      .sort((a, b) => a - b);

  it(`stores all ${VALUES.length} values as given`, async () => {
    const stored = await client.query('hostile', nowS * 1000);
    expect(stored.map((s) => s.labels.v).sort()).toEqual([...VALUES].sort());
  });

  it('v="…" selects exactly the series with that value, v!="…" every other one', async () => {
    for (const [i, v] of VALUES.entries()) {
      expect(await indexes(matcher('v', '=', v)), JSON.stringify(v)).toEqual([i]);
      expect(await indexes(matcher('v', '!=', v))).toHaveLength(VALUES.length - 1);
    }
  });

  it('an alternation of values selects exactly those series', async () => {
    const pairs = fc.sample(fc.uniqueArray(fc.nat(VALUES.length - 1), { minLength: 2, maxLength: 4 }), {
      numRuns: 40,
      seed: 7,
    });
    for (const pick of pairs) {
      const values = pick.map((k) => VALUES[k] as string);
      expect(await indexes(matchAny('v', values)), JSON.stringify(values)).toEqual(
        [...pick].sort((a, b) => a - b),
      );
      expect(await indexes(matchAny('v', values, true))).toHaveLength(VALUES.length - pick.length);
    }
  });

  // A template pastes .LabelValuesByName between quotes of its own choosing: a dotted node name must
  // read the same in every PromQL string form, and must not match its look-alike.
  it.each(['"', "'", '`'])(
    '.LabelValuesByName pasted between %s quotes selects exactly the dotted name',
    async (q) => {
      const dotted = VALUES.indexOf(DOTTED);
      expect(await indexes(`v=~${q}${regexForTemplate([DOTTED])}${q}`)).toEqual([dotted]);
      expect(await indexes(`v=~${q}${regexForTemplate([DOTTED, 'a|b'])}${q}`)).toEqual(
        [dotted, VALUES.indexOf('a|b')].sort((a, b) => a - b),
      );
    },
  );

  it('.LabelValuesByName between double quotes selects exactly any hostile values', async () => {
    const pairs = fc.sample(fc.uniqueArray(fc.nat(VALUES.length - 1), { minLength: 1, maxLength: 4 }), {
      numRuns: 40,
      seed: 11,
    });
    for (const pick of pairs) {
      const values = pick.map((k) => VALUES[k] as string);
      expect(await indexes(`v=~"${regexForTemplate(values)}"`), JSON.stringify(values)).toEqual(
        [...pick].sort((a, b) => a - b),
      );
    }
  });
});
