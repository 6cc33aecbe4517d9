import { describe, expect, it } from 'vitest';
import {
  escapeRegex,
  isLabelName,
  matchAny,
  matcher,
  quote,
  regexForTemplate,
} from '../../../proxy/rules/promql.ts';

// Every printable ASCII character, escaped: checked against Go's regexp.QuoteMeta (Go 1.26), which is
// what RE2 (Prometheus) needs to match the text literally.
const PRINTABLE_ASCII = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join('');
const PRINTABLE_ASCII_QUOTED =
  ' !"#\\$%&\'\\(\\)\\*\\+,-\\./0123456789:;<=>\\?@ABCDEFGHIJKLMNOPQRSTUVWXYZ\\[\\\\\\]\\^_`abcdefghijklmnopqrstuvwxyz\\{\\|\\}~';

describe('quote', () => {
  it.each<[string, string]>([
    ['default', '"default"'],
    ['', '""'],
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', '"back\\\\slash"'],
    ['line\nbreak', '"line\\nbreak"'],
    ['tab\there', '"tab\\there"'],
    ['€uro', '"€uro"'],
    ['"}) or vector(1) #', '"\\"}) or vector(1) #"'],
  ])('%j → %s', (value, want) => {
    expect(quote(value)).toBe(want);
  });
});

describe('escapeRegex', () => {
  it.each<[string, string]>([
    ['web-1', 'web-1'],
    ['a.b', 'a\\.b'],
    ['x|y', 'x\\|y'],
    ['a\\b', 'a\\\\b'],
    ['(.*)', '\\(\\.\\*\\)'],
    ['^start$', '\\^start\\$'],
    ['[a-z]{2}', '\\[a-z\\]\\{2\\}'],
    ['€uro', '€uro'],
    [PRINTABLE_ASCII, PRINTABLE_ASCII_QUOTED],
  ])('%j → %j (as regexp.QuoteMeta)', (value, want) => {
    expect(escapeRegex(value)).toBe(want);
  });

  it.each(['a.b', 'x|y', '(.*)', '.+', 'a\\b', '[', PRINTABLE_ASCII])('%j matches only itself', (value) => {
    const re = new RegExp(`^(?:${escapeRegex(value)})$`);
    expect(re.test(value)).toBe(true);
    expect(re.test(`${value}x`)).toBe(false);
    expect(re.test('axb')).toBe(false);
  });
});

describe('isLabelName', () => {
  it.each<[string, boolean]>([
    ['pod', true],
    ['kube_namespace', true],
    ['_hidden', true],
    ['__name__', true],
    ['a1', true],
    ['1a', false],
    ['', false],
    ['app.kubernetes.io/name', false],
    ['with-dash', false],
    ['a b', false],
    ['ünïcode', false],
  ])('%j → %s', (name, want) => {
    expect(isLabelName(name)).toBe(want);
  });
});

describe('matcher', () => {
  it.each<[string, '=' | '!=' | '=~' | '!~', string, string]>([
    ['pod', '=', 'web-1', 'pod="web-1"'],
    ['pod', '!=', '', 'pod!=""'],
    ['pod', '=~', '.+', 'pod=~".+"'],
    ['pod', '!~', 'a|b', 'pod!~"a|b"'],
    ['namespace', '=', 'a"b', 'namespace="a\\"b"'],
  ])('%s %s %j → %s', (label, op, value, want) => {
    expect(matcher(label, op, value)).toBe(want);
  });

  it.each(['app.kubernetes.io/name', '1a', '', 'a-b', 'pod="x",evil'])('rejects label name %j', (label) => {
    expect(() => matcher(label, '=', 'x')).toThrow(/not a valid Prometheus label name/);
  });
});

describe('matchAny', () => {
  it.each<[readonly string[], boolean, string]>([
    [['web-1'], false, 'pod="web-1"'],
    [['web-1'], true, 'pod!="web-1"'],
    [['a', 'b'], false, 'pod=~"a|b"'],
    [['a', 'b'], true, 'pod!~"a|b"'],
    // Values are literal: regex metacharacters are escaped (and then the backslash quoted).
    [['a.b', 'c'], false, 'pod=~"a\\\\.b|c"'],
    [['x|y', 'z'], true, 'pod!~"x\\\\|y|z"'],
    // A single value is compared with = and needs no escaping.
    [['a.b'], false, 'pod="a.b"'],
  ])('%j (negate %s) → %s', (values, negate, want) => {
    expect(matchAny('pod', values, negate)).toBe(want);
  });
});

describe('regexForTemplate', () => {
  it.each<[readonly string[], string]>([
    [['web-1'], 'web-1'],
    [['web-1', 'web-2'], 'web-1|web-2'],
    // Metacharacters become classes, valid in any PromQL quoting (`\.` is no PromQL string escape).
    [['ip-10-0-0-1.ec2.internal'], 'ip-10-0-0-1[.]ec2[.]internal'],
    [['a|b', '(x)+'], 'a[|]b|[(]x[)][+]'],
    // What cannot sit in a class is backslash-escaped, then quoted for the string it is pasted into.
    [['^[a]\\'], '\\\\^\\\\[a\\\\]\\\\\\\\'],
    [['a"b'], 'a\\"b'],
    [['line\nbreak'], 'line\\nbreak'],
  ])('%j → %s', (values, want) => {
    expect(regexForTemplate(values)).toBe(want);
  });
});
