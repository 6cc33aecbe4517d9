import { describe, expect, it } from 'vitest';
import {
  formatSelector,
  type LabelSelector,
  matches,
  parseSelector,
  type Requirement,
  selectorFromLabelSelector,
} from '../../shared/labels.ts';

// Parse results, canonical strings and match results were cross-checked against
// k8s.io/apimachinery v0.37.2 labels.Parse / Selector.String() / Selector.Matches.

describe('matches', () => {
  it.each<[string, Record<string, string>, boolean]>([
    ['', {}, true],
    ['', { a: 'b' }, true],
    // = and ==
    ['a=b', { a: 'b' }, true],
    ['a=b', { a: 'c' }, false],
    ['a=b', {}, false],
    ['a==b', { a: 'b' }, true],
    ['a==b', {}, false],
    ['a=', { a: '' }, true],
    ['a=', {}, false],
    // != matches when the key is absent
    ['a!=b', {}, true],
    ['a!=b', { a: 'c' }, true],
    ['a!=b', { a: 'b' }, false],
    ['a!=', {}, true],
    ['a!=', { a: '' }, false],
    // in
    ['a in (b,c)', { a: 'c' }, true],
    ['a in (b,c)', { a: 'd' }, false],
    ['a in (b)', {}, false],
    ['a in ()', { a: '' }, true],
    ['a in (,x)', { a: '' }, true],
    ['a in (in)', { a: 'in' }, true],
    // notin matches when the key is absent
    ['a notin (b,c)', {}, true],
    ['a notin (b,c)', { a: 'd' }, true],
    ['a notin (b,c)', { a: 'b' }, false],
    // exists / does not exist
    ['a', { a: '' }, true],
    ['a', { a: 'x' }, true],
    ['a', {}, false],
    ['!a', {}, true],
    ['!a', { a: '' }, false],
    ['!a', { b: 'x' }, true],
    // > and < need the key present with an int64 value
    ['a>1', { a: '2' }, true],
    ['a>1', { a: '1' }, false],
    ['a>1', {}, false],
    ['a>1', { a: 'x' }, false],
    ['a>1', { a: '-2' }, false],
    ['a>1', { a: '1.5' }, false],
    ['a>1', { a: '99999999999999999999' }, false],
    ['a>1', { a: '9223372036854775807' }, true],
    ['a<1', { a: '-2' }, true],
    ['a<1', { a: '+0' }, true],
    ['a<1', { a: '1' }, false],
    ['a<1', {}, false],
    ['a<5', { a: ' 3' }, false],
    ['a>0', { a: '1_0' }, false],
    ['a>007', { a: '8' }, true],
    // AND of requirements
    ['a in (x),b', { a: 'x', b: '1' }, true],
    ['a in (x),b', { a: 'x' }, false],
    ['a=1,a!=2', { a: '1' }, true],
    ['a=1,a=2', { a: '1' }, false],
    ['env in (prod, staging), tier notin (db), !canary', { env: 'prod', tier: 'web' }, true],
    ['env in (prod, staging), tier notin (db), !canary', { env: 'prod', tier: 'web', canary: 'y' }, false],
    ['example.com/role=web', { 'example.com/role': 'web' }, true],
    // inherited Object properties are not labels
    ['constructor', {}, false],
    ['!toString', {}, true],
    ['constructor!=x', {}, true],
  ])('%j with %j → %s', (selector, labels, expected) => {
    expect(matches(parseSelector(selector), labels)).toBe(expected);
  });

  it('treats hand-built gt/lt requirements with bad values as non-matching', () => {
    const reqs: Requirement[] = [{ key: 'a', operator: 'gt', values: ['x'] }];
    expect(matches(reqs, { a: '5' })).toBe(false);
    expect(matches([{ key: 'a', operator: 'lt', values: ['1', '2'] }], { a: '0' })).toBe(false);
  });
});

describe('parseSelector', () => {
  it.each<[string, Requirement[]]>([
    ['', []],
    ['   ', []],
    ['a=b', [{ key: 'a', operator: '=', values: ['b'] }]],
    ['a==b', [{ key: 'a', operator: '==', values: ['b'] }]],
    ['a!=b', [{ key: 'a', operator: '!=', values: ['b'] }]],
    ['a=', [{ key: 'a', operator: '=', values: [''] }]],
    ['a', [{ key: 'a', operator: 'exists', values: [] }]],
    ['!a', [{ key: 'a', operator: '!', values: [] }]],
    ['! a', [{ key: 'a', operator: '!', values: [] }]],
    ['a>1', [{ key: 'a', operator: 'gt', values: ['1'] }]],
    ['a<10', [{ key: 'a', operator: 'lt', values: ['10'] }]],
    ['a in (b, a, a)', [{ key: 'a', operator: 'in', values: ['a', 'b'] }]],
    ['a notin(x)', [{ key: 'a', operator: 'notin', values: ['x'] }]],
    ['a in ()', [{ key: 'a', operator: 'in', values: [''] }]],
    ['a in (,)', [{ key: 'a', operator: 'in', values: [''] }]],
    ['a in (b,,c)', [{ key: 'a', operator: 'in', values: ['', 'b', 'c'] }]],
    ['a in (b,)', [{ key: 'a', operator: 'in', values: ['', 'b'] }]],
    ['in in (in, notin)', [{ key: 'in', operator: 'in', values: ['in', 'notin'] }]],
    ['notin=in', [{ key: 'notin', operator: '=', values: ['in'] }]],
    ['a\t=\tb', [{ key: 'a', operator: '=', values: ['b'] }]],
    [' a == b ', [{ key: 'a', operator: '==', values: ['b'] }]],
    [
      'b=1,a=2',
      [
        { key: 'a', operator: '=', values: ['2'] },
        { key: 'b', operator: '=', values: ['1'] },
      ],
    ],
    [
      'x=b,x=a', // same key twice: both kept, in written order
      [
        { key: 'x', operator: '=', values: ['b'] },
        { key: 'x', operator: '=', values: ['a'] },
      ],
    ],
    [
      'z notin (), y, x in (foo,,baz)',
      [
        { key: 'x', operator: 'in', values: ['', 'baz', 'foo'] },
        { key: 'y', operator: 'exists', values: [] },
        { key: 'z', operator: 'notin', values: [''] },
      ],
    ],
    [
      'example.com/my-App_1.x=V_1.0-rc',
      [{ key: 'example.com/my-App_1.x', operator: '=', values: ['V_1.0-rc'] }],
    ],
    [
      `${'k'.repeat(63)}=${'v'.repeat(63)}`,
      [{ key: 'k'.repeat(63), operator: '=', values: ['v'.repeat(63)] }],
    ],
  ])('%j', (selector, expected) => {
    expect(parseSelector(selector)).toEqual(expected);
  });
});

describe('invalid selectors', () => {
  it.each<[string, string]>([
    ['a in (b', "found end of string, expected ',' or ')'"],
    ['a in (a b)', "found 'b' at position 8, expected ',' or ')'"],
    ['a in (a,=)', "found '=' at position 8, expected ',' or a value"],
    ['a in (a,', "found end of string, expected ',' or a value"],
    ['a in (', "expected ',', ')' or a value"],
    ['a in', "found end of string, expected '('"],
    ['a in b', "found 'b' at position 5, expected '('"],
    ['a in (b))', "found ')' at position 8, expected ',' or end of string"],
    ['a in (b)c', "found 'c' at position 8, expected ',' or end of string"],
    ['a b', "found 'b' at position 2, expected an operator"],
    ['a!b', "found '!' at position 1, expected an operator"],
    ['a!', "found '!' at position 1, expected an operator"],
    ['a>=1', "found '=' at position 2, expected a value"],
    ['a!==b', "found '=' at position 3, expected a value"],
    ['a=!b', "found '!' at position 2, expected a value"],
    ['a<>b', "found '>' at position 2, expected a value"],
    ['a=(b)', "found '(' at position 2, expected a value"],
    ['a=b=c', "found '=' at position 3, expected ',' or end of string"],
    ['a=b c', "found 'c' at position 4, expected ',' or end of string"],
    ['!a=b', "found '=' at position 2, expected ',' or end of string"],
    ['a,,b', "found ',' at position 2, expected a label key or '!' after ','"],
    ['a,', "found end of string, expected a label key or '!' after ','"],
    ['a=b,', "found end of string, expected a label key or '!' after ','"],
    [',a', "found ',' at position 0, expected '!', a label key, or end of string"],
    ['(', "found '(' at position 0, expected '!', a label key, or end of string"],
    ['!', 'found end of string, expected a label key'],
    ['!=a', "found '!=' at position 0, expected '!', a label key"],
    ['a>', `value "" for '>' must be an integer`],
    ['a>1.5', `value "1.5" for '>' must be an integer`],
    ['a<abc', `value "abc" for '<' must be an integer`],
    ['a>99999999999999999999', 'must be an integer'],
    ['a>-1', 'invalid value "-1" for label a: must be empty or consist of alphanumeric characters'],
    ['a<+5', 'invalid value "+5" for label a'],
    ['a=-b', 'invalid value "-b" for label a'],
    ['a in (ok, bad!)', "found '!' at position 13"],
    ['a in (ok, b@d)', 'invalid value "b@d" for label a'],
    [`a=${'v'.repeat(64)}`, 'must be no more than 63 bytes'],
    ['-a', 'invalid label key "-a": name part must consist of alphanumeric characters'],
    ['a-', 'invalid label key "a-"'],
    ['a_b.c-d/', 'invalid label key "a_b.c-d/": prefix part must be a lowercase RFC 1123 subdomain'],
    ['a/b/c=d', 'invalid label key "a/b/c": a label key must consist of'],
    ['/a', 'invalid label key "/a": prefix part must be non-empty'],
    ['a/', 'invalid label key "a/": name part must be non-empty'],
    ['Example.com/a=b', 'prefix part must be a lowercase RFC 1123 subdomain'],
    [`${'k'.repeat(64)}=b`, 'name part must be no more than 63 bytes'],
    [`${'p'.repeat(254)}/a`, 'prefix part must be no more than 253 bytes'],
    ['é=b', 'invalid label key "é"'],
    ['a\0b', 'invalid label key'], // deviation: apimachinery stops at NUL and accepts "a"
  ])('%j', (selector, fragment) => {
    expect(() => parseSelector(selector)).toThrow(fragment);
    expect(() => parseSelector(selector)).toThrow(`invalid label selector ${JSON.stringify(selector)}: `);
  });
});

describe('formatSelector', () => {
  it.each<[string, string]>([
    ['', ''],
    ['a=b', 'a=b'],
    ['a==b', 'a==b'],
    ['a!=b', 'a!=b'],
    ['a', 'a'],
    ['!a', '!a'],
    ['a>1', 'a>1'],
    ['a<1', 'a<1'],
    ['a=', 'a='],
    ['a in ()', 'a in ()'],
    ['a in (,)', 'a in ()'],
    ['a in (b, a, a)', 'a in (a,b)'],
    ['a notin(b)', 'a notin (b)'],
    ['x in (foo,,baz),y,z notin ()', 'x in (,baz,foo),y,z notin ()'],
    [' a , b ', 'a,b'],
    ['a == b', 'a==b'],
    ['b=1,a=2', 'a=2,b=1'],
    ['x=a,x=b', 'x=a,x=b'],
    ['a,!b,c=d', 'a,!b,c=d'],
    ['in in (in, notin)', 'in in (in,notin)'],
    [
      'tier notin (db, cache), env in (staging, prod), !canary, gen>3',
      '!canary,env in (prod,staging),gen>3,tier notin (cache,db)',
    ],
  ])('%j → %j', (selector, canonical) => {
    const parsed = parseSelector(selector);
    expect(formatSelector(parsed)).toBe(canonical);
    expect(parseSelector(canonical)).toEqual(parsed);
    expect(formatSelector(parseSelector(canonical))).toBe(canonical);
  });

  it.each<[Requirement[], string]>([
    [[], ''],
    [
      [
        { key: 'b', operator: 'in', values: ['z', 'y'] },
        { key: 'a', operator: 'exists', values: [] },
      ],
      'a,b in (y,z)',
    ],
    [[{ key: 'a', operator: 'notin', values: ['b', 'a'] }], 'a notin (a,b)'],
    [[{ key: 'a', operator: '!', values: [] }], '!a'],
    [[{ key: 'a', operator: 'gt', values: ['5'] }], 'a>5'],
    [[{ key: 'a', operator: 'lt', values: ['5'] }], 'a<5'],
  ])('hand-built %o → %j', (reqs, expected) => {
    const before = structuredClone(reqs);
    expect(formatSelector(reqs)).toBe(expected);
    expect(reqs).toEqual(before); // sorting must not mutate the caller's data
  });
});

describe('selectorFromLabelSelector', () => {
  it.each<[string, LabelSelector | null | undefined, Requirement[]]>([
    // deviation requested by the brief: apimachinery maps a nil selector to Nothing()
    ['null', null, []],
    ['undefined', undefined, []],
    ['empty', {}, []],
    ['empty lists', { matchLabels: {}, matchExpressions: [] }, []],
    [
      'matchLabels, sorted by key',
      { matchLabels: { b: '2', a: '1' } },
      [
        { key: 'a', operator: '=', values: ['1'] },
        { key: 'b', operator: '=', values: ['2'] },
      ],
    ],
    [
      'all four expression operators',
      {
        matchExpressions: [
          { key: 'd', operator: 'DoesNotExist' },
          { key: 'c', operator: 'Exists', values: [] },
          { key: 'b', operator: 'NotIn', values: ['y', 'x'] },
          { key: 'a', operator: 'In', values: ['2', '1'] },
        ],
      },
      [
        { key: 'a', operator: 'in', values: ['2', '1'] },
        { key: 'b', operator: 'notin', values: ['y', 'x'] },
        { key: 'c', operator: 'exists', values: [] },
        { key: 'd', operator: '!', values: [] },
      ],
    ],
    [
      'matchLabels and matchExpressions together',
      {
        matchLabels: { app: 'web' },
        matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }],
      },
      [
        { key: 'app', operator: '=', values: ['web'] },
        { key: 'app', operator: 'in', values: ['web', 'api'] },
      ],
    ],
    ['empty label value', { matchLabels: { a: '' } }, [{ key: 'a', operator: '=', values: [''] }]],
  ])('%s', (_name, ls, expected) => {
    expect(selectorFromLabelSelector(ls)).toEqual(expected);
  });

  it.each<[LabelSelector | null, Record<string, string>, boolean]>([
    [null, {}, true],
    [{}, { any: 'thing' }, true],
    [{ matchLabels: { app: 'web' } }, { app: 'web', tier: 'x' }, true],
    [{ matchLabels: { app: 'web' } }, { app: 'api' }, false],
    [
      { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'staging'] }] },
      { env: 'staging' },
      true,
    ],
    [{ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, {}, true],
    [{ matchExpressions: [{ key: 'env', operator: 'Exists' }] }, {}, false],
    [{ matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, {}, true],
    [
      { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'canary', operator: 'DoesNotExist' }] },
      { app: 'web', canary: 'true' },
      false,
    ],
  ])('%j matches %j → %s', (ls, labels, expected) => {
    expect(matches(selectorFromLabelSelector(ls), labels)).toBe(expected);
  });

  it('formats like apimachinery', () => {
    const reqs = selectorFromLabelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['staging', 'prod'] },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    });
    expect(formatSelector(reqs)).toBe('app=web,!canary,env in (prod,staging)');
  });

  it.each<[LabelSelector, string]>([
    [
      { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] },
      '"Gt" is not a valid label selector operator',
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'in', values: ['1'] }] },
      '"in" is not a valid label selector operator',
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] },
      "operator 'in' needs at least one value",
    ],
    [{ matchExpressions: [{ key: 'a', operator: 'NotIn' }] }, "operator 'notin' needs at least one value"],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, 'take no values'],
    [{ matchExpressions: [{ key: 'a', operator: 'DoesNotExist', values: ['x'] }] }, 'take no values'],
    [{ matchExpressions: [{ key: 'bad key', operator: 'Exists' }] }, 'invalid label key "bad key"'],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: ['ok', '-bad'] }] }, 'invalid value "-bad"'],
    [{ matchLabels: { 'a/b/c': 'x' } }, 'matchLabels["a/b/c"]: invalid label key'],
    [{ matchLabels: { a: 'x y' } }, 'invalid value "x y" for label a'],
    [
      {
        matchExpressions: [
          { key: 'ok', operator: 'Exists' },
          { key: '', operator: 'Exists' },
        ],
      },
      'matchExpressions[1]',
    ],
  ])('%j throws %j', (ls, fragment) => {
    expect(() => selectorFromLabelSelector(ls)).toThrow(fragment);
  });
});
