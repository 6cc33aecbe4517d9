// Kubernetes label selectors: the string syntax parser, matching and canonical printing of
// k8s.io/apimachinery/pkg/labels (selector.go), and metav1.LabelSelectorAsSelector.
// Behaviour was checked against apimachinery v0.37.2; deviations are marked "Deviation".

import { compareCodeUnits } from './text.ts';

/**
 * Operators are apimachinery's own selection.Operator strings, kept unnormalised so that
 * `a==b` prints back as `a==b`: `'!'` is DoesNotExist, `'gt'`/`'lt'` are `>`/`<`.
 */
export type Operator = 'in' | 'notin' | 'exists' | '!' | '=' | '==' | '!=' | 'gt' | 'lt';

export type Requirement = { key: string; operator: Operator; values: string[] };

export type LabelSelectorRequirement = {
  key: string;
  /** 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; typed as string to accept @kubernetes/client-node objects. */
  operator: string;
  values?: string[];
};

export type LabelSelector = {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
};

const LABEL_NAME_MAX_BYTES = 63;
const DNS1123_SUBDOMAIN_MAX_BYTES = 253;
const NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAME_RULE =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', 'my.name' or '123-abc')";
const VALUE_RULE =
  "must be empty or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', 'my_value' or '12345')";
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

const utf8 = new TextEncoder();

// apimachinery limits are in bytes, not UTF-16 code units.
function byteLength(s: string): number {
  return utf8.encode(s).length;
}

function labelKeyErrors(key: string): string[] {
  const parts = key.split('/');
  const errors: string[] = [];
  if (parts.length > 2) {
    return [
      `a label key ${NAME_RULE}, with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  const name = parts.length === 2 ? (parts[1] ?? '') : key;
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    if (prefix === '') errors.push('prefix part must be non-empty');
    else {
      if (byteLength(prefix) > DNS1123_SUBDOMAIN_MAX_BYTES) {
        errors.push(`prefix part must be no more than ${DNS1123_SUBDOMAIN_MAX_BYTES} bytes`);
      }
      if (!DNS1123_SUBDOMAIN_RE.test(prefix)) {
        errors.push(
          "prefix part must be a lowercase RFC 1123 subdomain: lower case alphanumeric characters, '-' or '.', starting and ending with an alphanumeric character (e.g. 'example.com')",
        );
      }
    }
  }
  if (name === '') errors.push('name part must be non-empty');
  else {
    if (byteLength(name) > LABEL_NAME_MAX_BYTES) {
      errors.push(`name part must be no more than ${LABEL_NAME_MAX_BYTES} bytes`);
    }
    if (!NAME_RE.test(name)) errors.push(`name part ${NAME_RULE}`);
  }
  return errors;
}

function labelValueErrors(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > LABEL_NAME_MAX_BYTES)
    errors.push(`must be no more than ${LABEL_NAME_MAX_BYTES} bytes`);
  if (value !== '' && !NAME_RE.test(value)) errors.push(VALUE_RULE);
  return errors;
}

/** strconv.ParseInt(s, 10, 64): optional sign, decimal digits only, int64 range. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/** labels.NewRequirement's validation; returns human-readable problems, empty when valid. */
function requirementErrors(key: string, operator: Operator, values: readonly string[]): string[] {
  const errors = labelKeyErrors(key).map((e) => `invalid label key ${JSON.stringify(key)}: ${e}`);
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) errors.push(`operator '${operator}' needs at least one value`);
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errors.push(`operator '${operator}' needs exactly one value`);
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errors.push('operators exists and does-not-exist take no values');
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errors.push(`operator '${operator}' needs exactly one value`);
      for (const v of values) {
        if (parseInt64(v) === undefined) {
          errors.push(`value ${JSON.stringify(v)} for '${operator === 'gt' ? '>' : '<'}' must be an integer`);
        }
      }
      break;
  }
  for (const v of values) {
    for (const e of labelValueErrors(v))
      errors.push(`invalid value ${JSON.stringify(v)} for label ${key}: ${e}`);
  }
  return errors;
}

function byKey(a: Requirement, b: Requirement): number {
  return compareCodeUnits(a.key, b.key);
}

type TokenKind = 'eos' | 'ident' | 'in' | 'notin' | '(' | ')' | ',' | '!' | '=' | '==' | '!=' | '>' | '<';

type Token = { kind: TokenKind; text: string; offset: number };

const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);
const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

// Deviation: apimachinery's lexer reads a NUL byte as end of input (so "a\0junk" parses as "a");
// here NUL is an ordinary character and fails key/value validation.
function lex(s: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && WHITESPACE.has(s.charAt(i))) i++;
    if (i >= s.length) {
      tokens.push({ kind: 'eos', text: '', offset: i });
      return tokens;
    }
    const start = i;
    const ch = s.charAt(i);
    if (SPECIAL.has(ch)) {
      // Only "!=" and "==" are two characters long; everything else is a single symbol.
      const pair = s.slice(i, i + 2);
      const text = pair === '!=' || pair === '==' ? pair : ch;
      i += text.length;
      tokens.push({ kind: text as TokenKind, text, offset: start });
      continue;
    }
    while (i < s.length && !SPECIAL.has(s.charAt(i)) && !WHITESPACE.has(s.charAt(i))) i++;
    const text = s.slice(start, i);
    tokens.push({ kind: text === 'in' || text === 'notin' ? text : 'ident', text, offset: start });
  }
}

const BINARY_OPERATORS: Partial<Record<TokenKind, Operator>> = {
  in: 'in',
  notin: 'notin',
  '=': '=',
  '==': '==',
  '!=': '!=',
  '>': 'gt',
  '<': 'lt',
};

function describe(t: Token): string {
  return t.kind === 'eos' ? 'end of string' : `'${t.text}' at position ${t.offset}`;
}

/**
 * Parses the label selector string syntax (labels.Parse):
 * `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x,y)`, `a`, `!a`, `a>1`, `a<1`, comma-separated (AND).
 * The empty string selects everything. Like apimachinery, the result is sorted by key, and
 * in/notin values are sorted and de-duplicated; `a in ()` and `a=` mean the empty value.
 * Throws an Error saying what was found and what was expected.
 */
export function parseSelector(selector: string): Requirement[] {
  const tokens = lex(selector);
  let pos = 0;
  const fail = (message: string): never => {
    throw new Error(`invalid label selector ${JSON.stringify(selector)}: ${message}`);
  };
  // "in" and "notin" are keywords only where an operator may stand; elsewhere they are plain words.
  const asWord = (t: Token): Token => (t.kind === 'in' || t.kind === 'notin' ? { ...t, kind: 'ident' } : t);
  const last = tokens[tokens.length - 1] as Token;
  const peek = (): Token => asWord(tokens[pos] ?? last);
  const take = (): Token => asWord(tokens[pos++] ?? last);
  const takeOperatorToken = (): Token => tokens[pos++] ?? last;

  const parseValueSet = (): string[] => {
    const open = take();
    if (open.kind !== '(') fail(`found ${describe(open)}, expected '('`);
    const first = peek();
    if (first.kind === ')') {
      take();
      return [''];
    }
    if (first.kind !== 'ident' && first.kind !== ',') {
      fail(`found ${describe(first)}, expected ',', ')' or a value`);
    }
    // Empty items are the empty value: "(a,,b)", "(,a)" and "(a,)" all include "".
    const values = new Set<string>();
    for (;;) {
      const t = take();
      if (t.kind === 'ident') {
        values.add(t.text);
        const after = peek();
        if (after.kind === ')') break;
        if (after.kind !== ',') fail(`found ${describe(after)}, expected ',' or ')'`);
      } else if (t.kind === ',') {
        if (values.size === 0) values.add('');
        const after = peek();
        if (after.kind === ')') {
          values.add('');
          break;
        }
        if (after.kind === ',') values.add('');
      } else {
        fail(`found ${describe(t)}, expected ',' or a value`);
      }
    }
    take(); // the ')' seen above
    return [...values];
  };

  const parseExactValue = (): string[] => {
    const next = peek();
    if (next.kind === 'eos' || next.kind === ',') return [''];
    const t = take();
    if (t.kind !== 'ident') fail(`found ${describe(t)}, expected a value`);
    return [t.text];
  };

  const parseRequirement = (): Requirement => {
    let operator: Operator | undefined;
    let keyToken = take();
    if (keyToken.kind === '!') {
      operator = '!';
      keyToken = take();
    }
    if (keyToken.kind !== 'ident') fail(`found ${describe(keyToken)}, expected a label key`);
    const key = keyToken.text;
    const keyErrors = labelKeyErrors(key);
    if (keyErrors.length > 0) fail(`invalid label key ${JSON.stringify(key)}: ${keyErrors.join('; ')}`);
    const next = peek();
    if (operator === '!' || next.kind === 'eos' || next.kind === ',') {
      return { key, operator: operator ?? 'exists', values: [] };
    }

    const opToken = takeOperatorToken();
    const op = BINARY_OPERATORS[opToken.kind];
    if (op === undefined) {
      return fail(`found ${describe(opToken)}, expected an operator: in, notin, =, ==, !=, >, <`);
    }
    const values = op === 'in' || op === 'notin' ? parseValueSet().sort() : parseExactValue();
    const errors = requirementErrors(key, op, values);
    if (errors.length > 0) fail(errors.join('; '));
    return { key, operator: op, values };
  };

  const requirements: Requirement[] = [];
  for (;;) {
    const t = peek();
    if (t.kind === 'eos') break;
    if (t.kind !== 'ident' && t.kind !== '!')
      fail(`found ${describe(t)}, expected '!', a label key, or end of string`);
    requirements.push(parseRequirement());
    const after = take();
    if (after.kind === 'eos') break;
    if (after.kind !== ',') fail(`found ${describe(after)}, expected ',' or end of string`);
    const following = peek();
    if (following.kind !== 'ident' && following.kind !== '!') {
      fail(`found ${describe(following)}, expected a label key or '!' after ','`);
    }
  }
  // Stable, so repeated keys keep their written order (apimachinery's small-slice sort is stable too).
  return requirements.sort(byKey);
}

function matchesRequirement(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  // hasOwn, so that keys such as "constructor" are not found on Object.prototype.
  const present = Object.hasOwn(labels, r.key);
  const actual = present ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return present && r.values.includes(actual as string);
    case 'notin':
    case '!=':
      return !present || !r.values.includes(actual as string);
    case 'exists':
      return present;
    case '!':
      return !present;
    case 'gt':
    case 'lt': {
      if (!present || r.values.length !== 1) return false;
      const have = parseInt64(actual as string);
      const want = parseInt64(r.values[0] as string);
      if (have === undefined || want === undefined) return false;
      return r.operator === 'gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

/**
 * True when every requirement matches (an empty list matches everything). As in apimachinery,
 * `!=` and `notin` also match when the key is absent; `>`/`<` need the key present with an
 * integer value.
 */
export function matches(reqs: readonly Requirement[], labels: Readonly<Record<string, string>>): boolean {
  return reqs.every((r) => matchesRequirement(r, labels));
}

/**
 * metav1.LabelSelectorAsSelector: matchLabels become `key=value`, matchExpressions map
 * In/NotIn/Exists/DoesNotExist to in/notin/exists/!, and the result is sorted by key.
 * An empty selector ({}) selects everything. Throws on an unknown operator or invalid key/values.
 *
 * Deviation (as requested by the brief): null/undefined also return [] (everything). apimachinery
 * returns labels.Nothing() for a nil selector — "a null label selector matches no objects" — so
 * callers that need that semantics (e.g. PodDisruptionBudget) must test for null themselves.
 */
export function selectorFromLabelSelector(ls: LabelSelector | null | undefined): Requirement[] {
  if (!ls) return [];
  const requirements: Requirement[] = [];
  const check = (where: string, r: Requirement): void => {
    const errors = requirementErrors(r.key, r.operator, r.values);
    if (errors.length > 0) throw new Error(`invalid label selector: ${where}: ${errors.join('; ')}`);
    requirements.push(r);
  };
  for (const [key, v] of Object.entries(ls.matchLabels ?? {})) {
    check(`matchLabels[${JSON.stringify(key)}]`, { key, operator: '=', values: [v] });
  }
  const operators: Record<string, Operator> = {
    In: 'in',
    NotIn: 'notin',
    Exists: 'exists',
    DoesNotExist: '!',
  };
  (ls.matchExpressions ?? []).forEach((expr, i) => {
    const operator = Object.hasOwn(operators, expr.operator) ? operators[expr.operator] : undefined;
    if (operator === undefined) {
      throw new Error(
        `invalid label selector: matchExpressions[${i}]: ${JSON.stringify(expr.operator)} is not a valid label selector operator (expected In, NotIn, Exists or DoesNotExist)`,
      );
    }
    check(`matchExpressions[${i}]`, { key: expr.key, operator, values: [...(expr.values ?? [])] });
  });
  return requirements.sort(byKey);
}

function formatRequirement(r: Requirement): string {
  if (r.operator === '!') return `!${r.key}`;
  if (r.operator === 'exists') return r.key;
  // Sorted copy: output is canonical without mutating the caller's requirement.
  const values = r.values.length === 1 ? (r.values[0] as string) : [...r.values].sort().join(',');
  switch (r.operator) {
    case 'in':
    case 'notin':
      return `${r.key} ${r.operator} (${values})`;
    case 'gt':
      return `${r.key}>${values}`;
    case 'lt':
      return `${r.key}<${values}`;
    default:
      return `${r.key}${r.operator}${values}`;
  }
}

/**
 * Canonical string form (Selector.String()): requirements sorted by key and joined with ",",
 * in/notin values sorted, e.g. `a in (x,y),!b,c=d,e>1`. Parses back to the same requirements.
 */
export function formatSelector(reqs: readonly Requirement[]): string {
  return [...reqs].sort(byKey).map(formatRequirement).join(',');
}
