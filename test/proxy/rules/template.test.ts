import { describe, expect, it } from 'vitest';
import { asStruct, parseTemplate, TemplateError } from '../../../proxy/rules/template.ts';

// Expected outputs were produced by Go 1.26 text/template with Delims("<<", ">>") executing the same
// source on a struct shaped like the adapter's queryTemplateArgs (plus an empty slice `Empty`).
const args = () =>
  asStruct({
    Series: 'http_requests_total',
    LabelMatchers: 'namespace="default",pod=~"a|b"',
    LabelValuesByName: { namespace: 'default', pod: 'a|b' },
    GroupBy: 'namespace,pod',
    GroupBySlice: ['namespace', 'pod'],
    Empty: [] as string[],
  });

const run = (src: string, data: Record<string, unknown> = args()) => parseTemplate(src).execute(data);

describe('parseTemplate: output matches Go text/template', () => {
  it.each<[string, string, string]>([
    // Fields, as adapter metricsQuery templates use them.
    [
      'the usual query',
      'sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)',
      'sum(rate(http_requests_total{namespace="default",pod=~"a|b"}[2m])) by (namespace,pod)',
    ],
    ['a slice prints as [a b]', '<<.GroupBySlice>>', '[namespace pod]'],
    ['a map prints sorted as map[k:v]', '<<.LabelValuesByName>>', 'map[namespace:default pod:a|b]'],
    ['a map key as a field', '<<.LabelValuesByName.namespace>>', 'default'],
    ['text without actions', 'plain {{.Series}} text', 'plain {{.Series}} text'],
    ['>> inside a string literal', '<<printf "%s>>" .Series>>', 'http_requests_total>>'],
    ['>> in text', 'a >> b', 'a >> b'],
    // index / len / slice
    ['index of a map', '<<index .LabelValuesByName "namespace">>', 'default'],
    ['index of a missing map key is the zero value', '<<index .LabelValuesByName "missing">>', ''],
    ['index of a slice', '<<index .GroupBySlice 0>>', 'namespace'],
    ['len of a slice', '<<len .GroupBySlice>>', '2'],
    ['len of a map', '<<len .LabelValuesByName>>', '2'],
    ['len of a string', '<<len .Series>>', '19'],
    ['slice of a string', '<<slice .Series 0 4>>', 'http'],
    // printf / print / println
    [
      'printf %s',
      '<<printf "%s{%s}" .Series .LabelMatchers>>',
      'http_requests_total{namespace="default",pod=~"a|b"}',
    ],
    ['printf %q', '<<printf "%q" .GroupBy>>', '"namespace,pod"'],
    ['printf %d and %%', '<<printf "%d%%" 5>>', '5%'],
    ['printf %v of a slice', '<<printf "%v" .GroupBySlice>>', '[namespace pod]'],
    ['print of strings', '<<print "a" "b">>', 'ab'],
    ['print puts spaces between non-strings', '<<print 1 2>>', '1 2'],
    ['print mixed', '<<print "a" 1 2 "b">>', 'a1 2b'],
    ['println', '<<println "a" 1>>', 'a 1\n'],
    // Comparisons and logic.
    ['eq with several candidates', '<<eq .GroupBy "a" "pod">>', 'false'],
    ['ne', '<<ne .GroupBy "x">>', 'true'],
    ['lt le gt ge', '<<lt 1 2>><<le 2 2>><<gt 1 2>><<ge 3 2>>', 'truetruefalsetrue'],
    ['gt of strings', '<<gt "a" "b">>', 'false'],
    ['not', '<<not (eq 1 2)>>', 'true'],
    ['and returns the first falsy argument', '<<and 1 0>>', '0'],
    ['or returns the first truthy argument', '<<or "" "x">>', 'x'],
    // Escaping functions.
    ['html', `<<html "<a href='x'>&\\"">>`, '&lt;a href=&#39;x&#39;&gt;&amp;&#34;'],
    ['js', '<<js "a\'b\\"c<d>=&\\\\">>', 'a\\\'b\\"c\\u003Cd\\u003E\\u003D\\u0026\\\\'],
    ['urlquery', '<<urlquery "a b&c=d/é!*()">>', 'a+b%26c%3Dd%2F%C3%A9%21%2A%28%29'],
    // Literals.
    ['literals', '<<"lit">><<`raw`>><<3>><<true>>', 'litraw3true'],
    // Pipelines and parentheses.
    [
      'pipeline appends the value as the last argument',
      '<<.Series | printf "%s_x">>',
      'http_requests_total_x',
    ],
    ['pipeline after other arguments', '<<.Series | printf "%s:%s" "a">>', 'a:http_requests_total'],
    [
      'parenthesised argument',
      '<<printf "%s-%s" (index .GroupBySlice 0) .Series>>',
      'namespace-http_requests_total',
    ],
    ['pipeline from index', '<<index .LabelValuesByName "pod" | printf "%s!">>', 'a|b!'],
    // Variables.
    ['declare', '<<$s := .Series>><<$s>>', 'http_requests_total'],
    ['assign', '<<$s := .Series>><<$s = "y">><<$s>>', 'y'],
    ['assign in an if reaches the outer variable', '<<$x := 1>><<if true>><<$x = 2>><<end>><<$x>>', '2'],
    [
      'assign in a range reaches the outer variable',
      '<<$x := 1>><<range .GroupBySlice>><<$x = 2>><<end>><<$x>>',
      '2',
    ],
    ['declare in an if shadows', '<<$x := 1>><<if true>><<$x := 2>><<$x>><<end>><<$x>>', '21'],
    [
      '$ is the data inside range',
      '<<range .GroupBySlice>><<$.Series>>:<<.>> <<end>>',
      'http_requests_total:namespace http_requests_total:pod ',
    ],
    // Control structures.
    ['range over a slice', '<<range .GroupBySlice>><<.>>,<<end>>', 'namespace,pod,'],
    [
      'range with index and element',
      '<<range $i, $l := .GroupBySlice>><<if $i>>,<<end>><<$l>><<end>>',
      'namespace,pod',
    ],
    [
      'range over a map, sorted',
      '<<range $k, $v := .LabelValuesByName>><<$k>>=<<$v>>;<<end>>',
      'namespace=default;pod=a|b;',
    ],
    [
      'range with one variable gets the element',
      '<<range $v := .LabelValuesByName>><<$v>>;<<end>>',
      'default;a|b;',
    ],
    ['range else on empty', '<<range .Empty>>x<<else>>empty<<end>>', 'empty'],
    // Go 1.24 ranges over an integer: 0…n-1 as dot or the one variable, nothing when negative.
    ['range over an integer', '<<range 3>><<.>><<end>>', '012'],
    ['range over an integer into a variable', '<<range $v := 3>><<$v>><<end>>', '012'],
    ['range over a negative integer', '<<range -2>>x<<else>>none<<end>>', 'none'],
    ['with binds dot', '<<with index .LabelValuesByName "namespace">>ns=<<.>><<end>>', 'ns=default'],
    ['with else', '<<with index .LabelValuesByName "missing">>x<<else>>none<<end>>', 'none'],
    ['with a map', '<<with .LabelValuesByName>><<.pod>><<end>>', 'a|b'],
    ['else if', '<<if eq .GroupBy "pod">>P<<else if eq .GroupBy "namespace,pod">>N<<else>>O<<end>>', 'N'],
    ['if on a non-empty slice', '<<if .GroupBySlice>>yes<<else>>no<<end>>', 'yes'],
    ['if on an empty slice', '<<if .Empty>>yes<<else>>no<<end>>', 'no'],
    [
      'nested if in range',
      '<<range .GroupBySlice>><<if eq . "pod">>[<<.>>]<<else>><<.>><<end>><<end>>',
      'namespace[pod]',
    ],
    ['unknown field in a branch not taken', '<<if false>><<.Foo>><<end>>ok', 'ok'],
    // Trim markers and comments.
    ['trim markers eat spaces', 'a  <<- .GroupBy ->>  b', 'anamespace,podb'],
    ['trim markers eat newlines and tabs', 'a\n\t<<- .GroupBy ->>\n  b', 'anamespace,podb'],
    ['a dash without a space is a number, not a trim marker', '<<-3>>', '-3'],
    ['comment', 'a<</* c */>>b', 'ab'],
    ['comment with trim markers', 'a <<- /* c */ ->> b', 'ab'],
  ])('%s', (_name, src, want) => {
    expect(run(src)).toBe(want);
  });

  it('parses once and executes with different data', () => {
    const tpl = parseTemplate('<<.Series>>{<<.LabelMatchers>>}');
    expect(tpl.source).toBe('<<.Series>>{<<.LabelMatchers>>}');
    expect(tpl.execute(asStruct({ Series: 'a', LabelMatchers: 'x="1"' }))).toBe('a{x="1"}');
    expect(tpl.execute(asStruct({ Series: 'b', LabelMatchers: '' }))).toBe('b{}');
  });
});

describe('parseTemplate: struct and map fields', () => {
  it.each<[string, string, Record<string, unknown>, string]>([
    // Deliberate difference: Go prints "<no value>" for a missing map key read as a field; here it is
    // "" (as `index` gives), so that no "<no value>" ever lands inside a PromQL query.
    ['missing key of a nested map', '<<.LabelValuesByName.missing>>', args(), ''],
    ['missing key of plain (non-struct) data', '<<.Nope>>', { Series: 'x' }, ''],
    ['present key of plain data', '<<.Series>>', { Series: 'x' }, 'x'],
  ])('%s', (_name, src, data, want) => {
    expect(run(src, data)).toBe(want);
  });
});

describe('parseTemplate: errors', () => {
  // [source, error (a fragment), when Go reports it]
  it.each<[string, RegExp, 'parse' | 'execute']>([
    ['<<foo .Series>>', /function "foo" not defined/, 'parse'],
    ['a<<end>>', /unexpected <<end>>/, 'parse'],
    ['<<else>>', /unexpected <<else>>/, 'parse'],
    ['<<if .Series>>x', /missing <<end>>/, 'parse'],
    ['<<range .GroupBySlice>>x<<else>>', /missing <<end>>/, 'parse'],
    ['<<.Series', /unclosed action/, 'parse'],
    ['<<printf "%s" (.Series>>', /unclosed "\("/, 'parse'],
    // Go rejects these at parse time; here they fail on execution, which compileRule does once.
    ['<<$x>>', /undefined variable "\$x"/, 'execute'],
    // Execution errors in Go too.
    ['<<$x = 1>>', /undefined variable "\$x"/, 'execute'],
    ['<<.Foo>>', /can't evaluate field Foo/, 'execute'],
    ['<<.Series.Foo>>', /can't evaluate field Foo in a string/, 'execute'],
    ['<<index .GroupBySlice 5>>', /index 5 out of range/, 'execute'],
    ['<<len 3>>', /len of a number/, 'execute'],
    ['<<.Series 1>>', /can only pass arguments to functions/, 'execute'],
    // Found by fuzzing (a SyntaxError of JSON.parse before): escapes Go has and JSON has not.
    ['<<"\\x41">>', /malformed string literal/, 'parse'],
    ['<<"a\nb">>', /unterminated quoted string/, 'parse'],
    // Found by fuzzing (a TypeError on execution before): a pipeline without a command, Go's
    // checkPipeline message; an empty command after "|" inside parentheses too.
    // Found by fuzzing (a RangeError of Array.from before): a huge integer, and what Go refuses
    // to range over.
    ['<<range 1777777777777777777777777777777777777777>>x<<end>>', /^integer overflow: "1777/, 'parse'],
    ['<<9223372036854775808>>', /^integer overflow: "9223372036854775808"$/, 'parse'],
    ['<<range 1.5>>x<<end>>', /^range can't iterate over 1.5$/, 'execute'],
    ['<<range $i, $v := 3>>x<<end>>', /^can't use 3 to iterate over more than one variable$/, 'execute'],
    ['<<(())>>', /^missing value for parenthesized pipeline$/, 'parse'],
    ['<<printf "%s" ()>>', /^missing value for parenthesized pipeline$/, 'parse'],
    ['<<(.Series|)>>', /empty command in "\(\.Series\|\)"/, 'parse'],
    ['<<>>', /^missing value for command$/, 'parse'],
    ['<<if>>x<<end>>', /^missing value for if$/, 'parse'],
  ])('%j fails (%s)', (src, message, _when) => {
    expect(() => run(src)).toThrow(TemplateError);
    expect(() => run(src)).toThrow(message);
  });

  it('takes raw control characters in a string literal as they are, as Go does (a fuzzing finding)', () => {
    expect(run('<<"a\u0000\u0001b">>')).toBe('a\u0000\u0001b');
    expect(run('<<index .LabelValuesByName "\u0000pod">>')).toBe('');
  });

  it.each([['<<foo>>'], ['a<<end>>'], ['<<if 1>>'], ['<<.Series'], ['<<(())>>']])(
    '%j fails without executing',
    (src) => {
      expect(() => parseTemplate(src)).toThrow(TemplateError);
    },
  );
});
