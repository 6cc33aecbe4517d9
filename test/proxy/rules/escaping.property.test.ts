// Property tests: whatever label values, object names, namespaces and selector values a client sends,
// the PromQL built from them has the template's structure and each matcher carries exactly the value
// given. The query is read back with a PromQL lexer that follows Prometheus' string rules
// (promql/parser/lex.go: Go escapes; any other escape is a syntax error).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildExternalQuery, buildObjectQuery } from '../../../proxy/rules/naming.ts';
import { escapeRegex, type MatchOp, matchAny, matcher, quote } from '../../../proxy/rules/promql.ts';
import type { Operator, Requirement } from '../../../shared/labels.ts';
import { gr, ruleFrom } from './fixtures.ts';

type Token =
  | { kind: 'ident'; text: string }
  | { kind: 'op'; text: string }
  | { kind: 'string'; value: string }
  | { kind: 'punct'; text: string };

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

/** PromQL's lexer, for the parts queries here are made of; throws where Prometheus would refuse. */
function lex(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (/[a-zA-Z_:]/.test(c)) {
      const m = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(query.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'ident', text: m[0] });
      i += m[0].length;
    } else if (c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= query.length) throw new Error('unterminated string');
        const d = query[i] as string;
        if (d === '\n') throw new Error('newline in string');
        if (d === '"') {
          i++;
          break;
        }
        if (d !== '\\') {
          const cp = query.codePointAt(i) as number;
          value += String.fromCodePoint(cp);
          i += cp > 0xffff ? 2 : 1;
          continue;
        }
        const e = query[i + 1] ?? '';
        if (e in SIMPLE_ESCAPES) {
          value += SIMPLE_ESCAPES[e];
          i += 2;
        } else if (e === 'u' || e === 'U' || e === 'x') {
          const n = e === 'u' ? 4 : e === 'U' ? 8 : 2;
          const hex = query.slice(i + 2, i + 2 + n);
          if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) throw new Error(`bad \\${e} escape`);
          const cp = Number.parseInt(hex, 16);
          // Go's UnquoteChar: no surrogate halves, nothing beyond U+10FFFF.
          if (e !== 'x' && ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)) throw new Error('invalid rune');
          value += String.fromCodePoint(cp);
          i += 2 + n;
        } else {
          throw new Error(`unknown escape sequence \\${e}`);
        }
      }
      tokens.push({ kind: 'string', value });
    } else if (query.startsWith('=~', i) || query.startsWith('!~', i) || query.startsWith('!=', i)) {
      tokens.push({ kind: 'op', text: query.slice(i, i + 2) });
      i += 2;
    } else if (c === '=') {
      tokens.push({ kind: 'op', text: '=' });
      i++;
    } else if ('{}(),'.includes(c)) {
      tokens.push({ kind: 'punct', text: c });
      i++;
    } else {
      throw new Error(`unexpected ${JSON.stringify(c)} at ${i}`);
    }
  }
  return tokens;
}

/** `label op "value"` triples between `{` and `}`, and the tokens around them. */
function readSelector(query: string): {
  before: Token[];
  matchers: [string, string, string][];
  after: Token[];
} {
  const tokens = lex(query);
  const open = tokens.findIndex((t) => t.kind === 'punct' && t.text === '{');
  const close = tokens.findIndex((t) => t.kind === 'punct' && t.text === '}');
  if (open < 0 || close < open) throw new Error('no selector');
  const inside = tokens.slice(open + 1, close);
  const matchers: [string, string, string][] = [];
  for (let k = 0; k < inside.length; k += 4) {
    const [name, op, value, comma] = inside.slice(k, k + 4);
    if (name?.kind !== 'ident' || op?.kind !== 'op' || value?.kind !== 'string')
      throw new Error(`not a matcher at ${k}: ${JSON.stringify(inside.slice(k, k + 3))}`);
    if (comma && !(comma.kind === 'punct' && comma.text === ','))
      throw new Error('matchers not separated by ,');
    matchers.push([name.text, op.text, value.value]);
  }
  return { before: tokens.slice(0, open + 1), matchers, after: tokens.slice(close) };
}

/** Whether the RE2 pattern, anchored as Prometheus anchors it, matches `text` (escaped literals only). */
function fullMatch(pattern: string, text: string): boolean {
  return new RegExp(`^(?:${pattern})$`, 'su').test(text);
}

// Anything a client could send: every code point, quotes, backslashes, newlines, regex metacharacters.
const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom(...'"\\\n\r\t`\'{}()[]|.*+?^$,=~!#'), maxLength: 20 }),
  fc.constantFrom('"}) or vector(1) #', '\\"', '\\', 'a"b', '\u2028', '\u0000', '.+', ''),
);
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const labelName = fc.stringMatching(LABEL).filter((s) => s.length <= 30);
// A lone surrogate cannot be a Prometheus label value (Go strings are UTF-8); it becomes U+FFFD.
const asPrometheusSees = (s: string) => s.toWellFormed();
const RUNS = { numRuns: 500, seed: 20260701 };

describe('matcher and matchAny, read back', () => {
  it('a single value comes back exactly, whatever it holds', () => {
    fc.assert(
      fc.property(labelName, fc.constantFrom<MatchOp>('=', '!=', '=~', '!~'), hostile, (label, op, value) => {
        const { matchers } = readSelector(`m{${matcher(label, op, value)}}`);
        expect(matchers).toEqual([[label, op, asPrometheusSees(value)]]);
      }),
      RUNS,
    );
  });

  it('several values become one anchored alternation that matches each value and nothing else', () => {
    fc.assert(
      fc.property(
        labelName,
        fc.uniqueArray(hostile, { minLength: 2, maxLength: 6 }),
        hostile,
        (label, values, other) => {
          const wellFormed = values.map(asPrometheusSees);
          fc.pre(new Set(wellFormed).size === wellFormed.length);
          const { matchers } = readSelector(`m{${matchAny(label, values)}}`);
          expect(matchers).toHaveLength(1);
          const [name, op, pattern] = matchers[0] as [string, string, string];
          expect([name, op]).toEqual([label, '=~']);
          for (const v of wellFormed) expect(fullMatch(pattern, v)).toBe(true);
          const o = asPrometheusSees(other);
          expect(fullMatch(pattern, o)).toBe(wellFormed.includes(o));
        },
      ),
      RUNS,
    );
  });

  it('escapeRegex text matches only itself', () => {
    fc.assert(
      fc.property(hostile, hostile, (value, other) => {
        const v = asPrometheusSees(value);
        expect(fullMatch(escapeRegex(v), v)).toBe(true);
        expect(fullMatch(escapeRegex(v), asPrometheusSees(other))).toBe(asPrometheusSees(other) === v);
      }),
      RUNS,
    );
  });

  it('quote never leaves a raw newline or an unescaped quote', () => {
    fc.assert(
      fc.property(hostile, (value) => {
        const [token, ...rest] = lex(quote(value));
        expect(rest).toEqual([]);
        expect(token).toEqual({ kind: 'string', value: asPrometheusSees(value) });
      }),
      RUNS,
    );
  });
});

describe('rule queries built from hostile requests keep the template structure', () => {
  const rule = ruleFrom({
    metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)',
    resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
  });
  const structure = (q: string) => {
    const { before, after } = readSelector(q);
    return [...before, ...after].map((t) => ('text' in t ? t.text : `"${t.value}"`)).join(' ');
  };
  const ops = fc.constantFrom<Operator>('=', '==', '!=', 'in', 'notin', 'exists', '!');
  const requirement = fc
    .record({ key: labelName, operator: ops, values: fc.array(hostile, { minLength: 1, maxLength: 4 }) })
    .map(
      (r): Requirement => ({
        key: r.key,
        operator: r.operator,
        values:
          r.operator === 'exists' || r.operator === '!'
            ? []
            : r.operator === 'in' || r.operator === 'notin'
              ? [...new Set(r.values.map(asPrometheusSees))]
              : [r.values[0] as string],
      }),
    )
    .filter((r) => r.key !== 'namespace' && r.key !== 'pod');
  const selector = fc.uniqueArray(requirement, { maxLength: 4, selector: (r) => r.key });

  it('object queries: namespace, pod names and metric selector each land in their own matcher', () => {
    fc.assert(
      fc.property(
        hostile,
        fc.uniqueArray(hostile, { minLength: 1, maxLength: 5 }),
        selector,
        (ns, names, reqs) => {
          fc.pre(new Set(names.map(asPrometheusSees)).size === names.length);
          const q = buildObjectQuery(rule, {
            seriesName: 'http_requests_total',
            resource: gr('pods'),
            namespace: ns,
            names,
            metricSelector: reqs,
          });
          expect(structure(q)).toBe('sum ( http_requests_total { } ) by ( pod )');
          const { matchers } = readSelector(q);
          expect(matchers[0]).toEqual(['namespace', '=', asPrometheusSees(ns)]);
          const [podLabel, podOp, podValue] = matchers[1] as [string, string, string];
          expect(podLabel).toBe('pod');
          if (names.length === 1)
            expect([podOp, podValue]).toEqual(['=', asPrometheusSees(names[0] as string)]);
          else for (const n of names) expect(fullMatch(podValue, asPrometheusSees(n))).toBe(true);
          expect(matchers.slice(2).map((m) => m[0])).toEqual(reqs.map((r) => r.key).sort());
          expect(matchers).toHaveLength(2 + reqs.length);
        },
      ),
      { ...RUNS, numRuns: 300 },
    );
  });

  it('external queries: the namespace and selector values cannot add matchers or operators', () => {
    fc.assert(
      fc.property(hostile, selector, (ns, reqs) => {
        const q = buildExternalQuery(rule, 'queue_depth', ns, reqs);
        const { matchers } = readSelector(q);
        expect(matchers[0]).toEqual(['namespace', '=', asPrometheusSees(ns)]);
        expect(matchers).toHaveLength(1 + reqs.length);
        const sorted = [...reqs].sort((a, b) => (a.key < b.key ? -1 : 1));
        for (const [k, r] of sorted.entries()) {
          const [name, op, value] = matchers[k + 1] as [string, string, string];
          expect(name).toBe(r.key);
          const values = r.values.map(asPrometheusSees);
          if (r.operator === 'exists' || r.operator === '!') {
            expect([op, value]).toEqual([r.operator === 'exists' ? '!=' : '=', '']);
          } else if (values.length === 1) {
            const single: Record<string, string> = { '=': '=', '==': '=', in: '=', '!=': '!=', notin: '!=' };
            expect([op, value]).toEqual([single[r.operator], values[0]]);
          } else {
            expect(op).toBe(r.operator === 'in' ? '=~' : '!~');
            for (const v of values) expect(fullMatch(value, v)).toBe(true);
          }
        }
      }),
      { ...RUNS, numRuns: 300 },
    );
  });
});
