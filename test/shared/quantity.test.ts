import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addQuantities,
  compareQuantities,
  formatDecimal,
  formatNumberAsQuantity,
  formatQuantity,
  milliValue,
  parseQuantity,
  type Quantity,
  type QuantityFormat,
  quantityFromNumber,
  toNumber,
  value,
} from '../../shared/quantity.ts';

// Expected strings were cross-checked against k8s.io/apimachinery v0.37.2 (Quantity.String(),
// MilliValue(), Value()) except where a row says "deviation".

const withFormat = (s: string, format: QuantityFormat): Quantity => ({ ...parseQuantity(s), format });

describe('reference table', () => {
  it.each<[number, QuantityFormat, string]>([
    [0.5, 'DecimalSI', '500m'],
    [0.25, 'DecimalSI', '250m'],
    [1.5, 'DecimalSI', '1500m'],
    [1500, 'DecimalSI', '1500'],
    [2000, 'DecimalSI', '2k'],
    [0.0001, 'DecimalSI', '100u'],
    [1073741824, 'BinarySI', '1Gi'],
    [1000, 'BinarySI', '1k'],
    [0, 'DecimalSI', '0'],
    [-1.5, 'DecimalSI', '-1500m'],
    [1e-10, 'DecimalSI', '0'],
  ])('quantityFromNumber(%s, %s) prints %s', (v, format, expected) => {
    expect(formatQuantity(quantityFromNumber(v, format))).toBe(expected);
  });

  it.each([
    ['1.5Gi', '1536Mi'],
    ['4581412n', '4581412n'],
    ['123456789012345678901234', '123456789012345678901234'],
    ['-123456789012345678901234', '-123456789012345678901234'],
    ['1e-10', '1e-9'],
    ['0.1n', '1n'],
  ])('parseQuantity(%s) prints %s', (s, expected) => {
    expect(formatQuantity(parseQuantity(s))).toBe(expected);
  });

  it('keeps every digit of values beyond int64', () => {
    const q = parseQuantity('123456789012345678901234');
    expect(value(q)).toBe(123456789012345678901234n);
    expect(milliValue(q)).toBe(123456789012345678901234000n);
  });
});

describe('parseQuantity representation', () => {
  it.each<[string, Quantity]>([
    ['1.5', { unscaled: 15n, scale: -1, format: 'DecimalSI' }],
    ['1Ki', { unscaled: 1024n, scale: 0, format: 'BinarySI' }],
    ['12e6', { unscaled: 12n, scale: 6, format: 'DecimalExponent' }],
    ['1E', { unscaled: 1n, scale: 18, format: 'DecimalSI' }], // bare E is exa, not an exponent
    ['1E3', { unscaled: 1n, scale: 3, format: 'DecimalExponent' }],
    ['0.9n', { unscaled: 1n, scale: -9, format: 'DecimalSI' }],
    ['-0.9n', { unscaled: -1n, scale: -9, format: 'DecimalSI' }],
    ['1.0000000001', { unscaled: 1000000001n, scale: -9, format: 'DecimalSI' }],
    ['-0', { unscaled: 0n, scale: 0, format: 'DecimalSI' }],
    ['0Mi', { unscaled: 0n, scale: 0, format: 'BinarySI' }],
    ['+.5', { unscaled: 5n, scale: -1, format: 'DecimalSI' }],
    // BinarySI is capped at int64 max, silently, like apimachinery.
    ['8Ei', { unscaled: 9223372036854775807n, scale: 0, format: 'BinarySI' }],
    ['-8Ei', { unscaled: -9223372036854775807n, scale: 0, format: 'BinarySI' }],
    // A BinarySI value strictly between -1 and 1 becomes DecimalSI.
    ['0.0001Ki', { unscaled: 1024n, scale: -4, format: 'DecimalSI' }],
    ['-0.0001Ki', { unscaled: -1024n, scale: -4, format: 'DecimalSI' }],
  ])('%s', (s, expected) => {
    expect(parseQuantity(s)).toEqual(expected);
  });

  it('rounds absurdly small exponents to 1n without expanding them', () => {
    expect(parseQuantity('1e-2000000000')).toEqual({ unscaled: 1n, scale: -9, format: 'DecimalExponent' });
    expect(parseQuantity('-1e-2000000000')).toEqual({ unscaled: -1n, scale: -9, format: 'DecimalExponent' });
  });
});

describe('canonical strings round-trip unchanged', () => {
  it.each([
    '100m',
    '1Ki',
    '1500Mi',
    '2Gi',
    '12e6',
    '5n',
    '-3k',
    '1',
    '-1',
    '1k',
    '1M',
    '1G',
    '1T',
    '1P',
    '1E',
    '100E',
    '1u',
    '999m',
    '1n',
    '-1n',
    '1Mi',
    '1Ti',
    '1Pi',
    '1Ei',
    '7Ei',
    '-1Ki',
    '1536Ki',
    '3000Ki',
    '1e3',
    '1e-3',
    '1e-9',
    '-1e-9',
    '12300e-3',
    '1e21',
    '1e1500000000',
    '1000E', // deviation: apimachinery v0.37.2 prints "1", newer upstream "1e21"
    '4581412n',
    '1234500u',
    '9223372036854775807',
  ])('%s', (s) => {
    const q = parseQuantity(s);
    expect(formatQuantity(q)).toBe(s);
    expect(compareQuantities(parseQuantity(formatQuantity(q)), q)).toBe(0);
  });
});

describe('non-canonical input is canonicalised', () => {
  it.each<[string, string, QuantityFormat]>([
    ['1000m', '1', 'DecimalSI'],
    ['0.5Gi', '512Mi', 'BinarySI'],
    ['1024Ki', '1Mi', 'BinarySI'],
    ['1024Mi', '1Gi', 'BinarySI'],
    ['1.5', '1500m', 'DecimalSI'],
    ['1000000n', '1m', 'DecimalSI'],
    ['1.5u', '1500n', 'DecimalSI'],
    ['1.2345', '1234500u', 'DecimalSI'],
    ['0.9n', '1n', 'DecimalSI'],
    ['1.1Ki', '1126400m', 'BinarySI'], // fractional BinarySI prints as DecimalSI
    ['0.0001Ki', '102400u', 'DecimalSI'],
    ['.5Ki', '512', 'BinarySI'],
    ['-0.5Ki', '-512', 'BinarySI'],
    ['1.Ki', '1Ki', 'BinarySI'],
    ['1.', '1', 'DecimalSI'],
    ['+.5', '500m', 'DecimalSI'],
    ['.5', '500m', 'DecimalSI'],
    ['00', '0', 'DecimalSI'],
    ['-0', '0', 'DecimalSI'],
    ['0.000', '0', 'DecimalSI'],
    ['0Mi', '0', 'BinarySI'],
    ['1E3', '1e3', 'DecimalExponent'],
    ['1e+3', '1e3', 'DecimalExponent'],
    ['1E-3', '1e-3', 'DecimalExponent'],
    ['10e2', '1e3', 'DecimalExponent'],
    ['1e0', '1', 'DecimalExponent'],
    ['100e-2', '1', 'DecimalExponent'],
    ['1.23e4', '12300', 'DecimalExponent'],
    ['123e-1', '12300e-3', 'DecimalExponent'],
    ['1.5e-7', '150e-9', 'DecimalExponent'],
    ['1e-12', '1e-9', 'DecimalExponent'],
    ['-1e-12', '-1e-9', 'DecimalExponent'],
    ['1e19', '10e18', 'DecimalExponent'],
    ['100000000000000000000', '100E', 'DecimalSI'],
    ['8Ei', '9223372036854775807', 'BinarySI'],
    ['12345678901234567890Ki', '9223372036854775807', 'BinarySI'],
    ['-1.0000000000000000001', '-1000000001n', 'DecimalSI'],
    ['999999999999999999999999.9999999999', '1000000E', 'DecimalSI'], // deviation: apimachinery prints "1"
  ])('%s → %s (%s)', (s, expected, format) => {
    const q = parseQuantity(s);
    expect(q.format).toBe(format);
    expect(formatQuantity(q)).toBe(expected);
  });
});

describe('formatQuantity per format', () => {
  it.each<[string, QuantityFormat, string]>([
    ['1073741824', 'BinarySI', '1Gi'],
    ['1000', 'BinarySI', '1k'], // below 1024 prints as DecimalSI
    ['2000', 'BinarySI', '2000'], // no factor of 1024 and no decimal suffix either
    ['2048', 'BinarySI', '2Ki'],
    ['1025', 'BinarySI', '1025'],
    ['0.5', 'BinarySI', '500m'],
    ['1.5', 'BinarySI', '1500m'],
    ['1023.5', 'BinarySI', '1023500m'],
    ['1024.5', 'BinarySI', '1024500m'],
    ['-1024', 'BinarySI', '-1Ki'],
    ['-1023', 'BinarySI', '-1023'],
    ['1e21', 'BinarySI', '953674316406250Mi'],
    ['1500', 'DecimalExponent', '1500'],
    ['1e-3', 'DecimalExponent', '1e-3'],
    ['0.5', 'DecimalExponent', '500e-3'],
    ['123', 'DecimalExponent', '123'],
    ['1Ki', 'DecimalSI', '1024'],
    ['1Mi', 'DecimalSI', '1048576'],
    ['1e21', 'DecimalSI', '1000E'], // deviation: apimachinery v0.37.2 prints "1"
  ])('%s as %s → %s', (s, format, expected) => {
    expect(formatQuantity(withFormat(s, format))).toBe(expected);
  });

  it.each<[Quantity, string]>([
    // deviation: apimachinery has no suffix beyond Ei and prints a wrong number here
    [{ unscaled: 1n << 70n, scale: 0, format: 'BinarySI' }, '1024Ei'],
    // only reachable by building a sub-nano quantity by hand; same fallback as upstream
    [{ unscaled: 1n, scale: -12, format: 'DecimalSI' }, '1e-12'],
    [{ unscaled: 0n, scale: 5, format: 'BinarySI' }, '0'],
    [{ unscaled: 1500n, scale: -3, format: 'DecimalSI' }, '1500m'],
    [{ unscaled: 30n, scale: 2, format: 'DecimalSI' }, '3k'],
  ])('hand-built %o → %s', (q, expected) => {
    expect(formatQuantity(q)).toBe(expected);
  });
});

describe('quantityFromNumber', () => {
  it.each<[number, QuantityFormat, string]>([
    [0.5, 'DecimalSI', '500m'],
    [1.5e-7, 'DecimalSI', '150n'],
    // The nearest nano, halves away from zero: float noise in the last digits does not become 1n.
    [1e-10, 'DecimalSI', '0'],
    [-1e-10, 'DecimalSI', '0'],
    [5e-324, 'DecimalSI', '0'],
    [5e-10, 'DecimalSI', '1n'],
    [-5e-10, 'DecimalSI', '-1n'],
    [4.9e-10, 'DecimalSI', '0'],
    [1.4999999999e-9, 'DecimalSI', '1n'],
    [0.1, 'DecimalSI', '100m'],
    [0.1 + 0.2, 'DecimalSI', '300m'], // 0.30000000000000004
    [1.2500000000000002, 'DecimalSI', '1250m'], // a rate() result the benchmark met as 1250000001n
    [2.9999999999999996, 'DecimalSI', '3'],
    [1.0000000015, 'DecimalSI', '1000000002n'],
    [1e21, 'DecimalSI', '1000E'], // String(1e21) is "1e+21"
    [-0, 'DecimalSI', '0'],
    [1536, 'BinarySI', '1536'],
    [1073741824, 'BinarySI', '1Gi'],
    [0.3, 'BinarySI', '300m'],
    [-2.5, 'DecimalExponent', '-2500e-3'],
    [123456789, 'DecimalExponent', '123456789'],
    [4.581412e-3, 'DecimalSI', '4581412n'],
  ])('%s as %s → %s', (v, format, expected) => {
    expect(formatQuantity(quantityFromNumber(v, format))).toBe(expected);
  });

  it.each<[number, Quantity]>([
    [1.5, { unscaled: 15n, scale: -1, format: 'DecimalSI' }],
    [1e21, { unscaled: 1n, scale: 21, format: 'DecimalSI' }],
    [1.5e-7, { unscaled: 15n, scale: -8, format: 'DecimalSI' }],
    [-1.5e-9, { unscaled: -2n, scale: -9, format: 'DecimalSI' }],
  ])('%s is exact: %o', (v, expected) => {
    expect(quantityFromNumber(v)).toEqual(expected);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('throws on %s', (v) => {
    expect(() => quantityFromNumber(v)).toThrow(/cannot represent/);
  });
});

describe('milliValue and value round away from zero', () => {
  it.each<[string, bigint, bigint]>([
    ['4581412n', 5n, 1n],
    ['1n', 1n, 1n],
    ['-1n', -1n, -1n],
    ['0', 0n, 0n],
    ['1', 1000n, 1n],
    ['1.5', 1500n, 2n],
    ['-1.5', -1500n, -2n],
    ['100m', 100n, 1n],
    ['999m', 999n, 1n],
    ['1001m', 1001n, 2n],
    ['1.2345', 1235n, 2n],
    ['1Ki', 1024000n, 1024n],
    ['1.1Ki', 1126400n, 1127n],
    ['0.0001Ki', 103n, 1n],
    ['123e-1', 12300n, 13n],
    ['1E', 1000000000000000000000n, 1000000000000000000n], // int64 MilliValue would overflow
    // apimachinery's inf.Dec path gives -101/+1, -999/0 and +1/+1 for these three (truncate, then +1);
    // its int64 path and its documentation round away from zero, which is what we do everywhere.
    ['-0.0001Ki', -103n, -1n],
    ['-1.0000000001', -1001n, -2n],
    ['-1e-12', -1n, -1n],
  ])('%s: milli %s, value %s', (s, milli, whole) => {
    const q = parseQuantity(s);
    expect(milliValue(q)).toBe(milli);
    expect(value(q)).toBe(whole);
  });
});

describe('toNumber', () => {
  it.each<[string, number]>([
    ['1.5Gi', 1610612736],
    ['100m', 0.1],
    ['1.2345', 1.2345],
    ['-1n', -1e-9],
    ['0', 0],
    ['12e6', 12e6],
    ['1e400', Number.POSITIVE_INFINITY],
    ['-1e400', Number.NEGATIVE_INFINITY],
  ])('%s → %s', (s, expected) => {
    expect(toNumber(parseQuantity(s))).toBe(expected);
  });
});

describe('compareQuantities', () => {
  it.each<[string, string, -1 | 0 | 1]>([
    ['1', '1000m', 0],
    ['1Ki', '1k', 1],
    ['1Ki', '1024', 0],
    ['1Gi', '1G', 1],
    ['1e-9', '1n', 0],
    ['-1', '1n', -1],
    ['-2', '-1', -1],
    ['0', '-0', 0],
    ['0', '1n', -1],
    ['0', '-1n', 1],
    ['999m', '1', -1],
    ['1001m', '1', 1],
    ['12e6', '12M', 0],
    ['99', '1k', -1],
    ['-99', '-1k', 1],
    ['1e2000000000', '1', 1],
    ['-1e2000000000', '-1', -1],
    ['1e2000000000', '10e1999999999', 0],
    ['123456789012345678901234', '123456789012345678901235', -1],
  ])('%s vs %s → %s', (a, b, expected) => {
    expect(compareQuantities(parseQuantity(a), parseQuantity(b))).toBe(expected);
    expect(compareQuantities(parseQuantity(b), parseQuantity(a))).toBe(-expected || 0);
  });
});

describe('invalid quantities', () => {
  const FORMAT = /must match the regular expression/;
  const SUFFIX = /unable to parse quantity's suffix/;
  it.each<[string, RegExp]>([
    ['', FORMAT],
    ['1.2.3', FORMAT],
    ['Mi', FORMAT], // deviation: apimachinery's scanner returns 0 for inputs with no digits
    ['-', FORMAT],
    ['+', FORMAT],
    ['.', FORMAT],
    ['1Qi', FORMAT],
    [' 1', FORMAT],
    ['1 ', FORMAT],
    ['1 Mi', FORMAT],
    ['ten', FORMAT],
    ['0x10', FORMAT],
    ['++1', FORMAT],
    ['1e3e', FORMAT],
    ['1e3.5', FORMAT],
    ['1,5', FORMAT],
    ['1ki', SUFFIX],
    ['1K', SUFFIX],
    ['1i', SUFFIX],
    ['1e', SUFFIX],
    ['1e+', SUFFIX],
    ['1Ki5', SUFFIX],
    ['1ee3', SUFFIX],
    ['1me3', SUFFIX],
    ['1m3', SUFFIX],
    ['1-', SUFFIX],
    ['1e4294967296', SUFFIX], // deviation: apimachinery truncates the exponent to int32
  ])('%j', (s, message) => {
    expect(() => parseQuantity(s)).toThrow(message);
    expect(() => parseQuantity(s)).toThrow(`invalid quantity ${JSON.stringify(s)}`);
  });
});

describe('addQuantities', () => {
  it.each([
    ['20500u', '20500u', '41m'],
    ['0', '48Mi', '48Mi'],
    ['1Ki', '1k', '2024'],
    ['1500m', '-2', '-500m'],
    ['4581412n', '1', '1004581412n'],
  ])('%s + %s = %s', (a, b, sum) => {
    expect(formatQuantity(addQuantities(parseQuantity(a), parseQuantity(b)))).toBe(sum);
  });

  it('keeps the first format, or the second when the first is zero (Quantity.Add)', () => {
    expect(addQuantities(parseQuantity('1Ki'), parseQuantity('1k')).format).toBe('BinarySI');
    expect(addQuantities(parseQuantity('0'), parseQuantity('1Ki')).format).toBe('BinarySI');
  });
});

describe('formatDecimal', () => {
  it.each([
    ['0', '0'],
    ['500m', '0.5'],
    ['20500u', '0.0205'],
    ['4581412n', '0.004581412'],
    ['48Mi', '50331648'],
    ['2k', '2000'],
    ['1500m', '1.5'],
    ['-250m', '-0.25'],
    ['12e6', '12000000'],
    ['1n', '0.000000001'],
  ])('%s is %s', (q, text) => {
    expect(formatDecimal(parseQuantity(q))).toBe(text);
  });
});

describe('formatNumberAsQuantity', () => {
  const slow = (v: number) => formatQuantity(quantityFromNumber(v));

  it('writes what formatQuantity(quantityFromNumber(v)) writes', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e5, max: 1e5 }), (v) => {
        expect(formatNumberAsQuantity(v)).toBe(slow(v));
      }),
      { numRuns: 20_000 },
    );
    // Metric values: rates on quarters, float noise, halves of a nano, tiny, near the fast path's edge.
    for (const v of [
      0,
      -0,
      1,
      1.25,
      1.2500000000000002,
      0.30000000000000004,
      0.1 + 0.2,
      5e-10,
      -5e-10,
      1.5e-9,
      2.5e-9,
      1e-10,
      1234.5678901235,
      8796.09302,
      8796.1,
      1e20,
      -3.75,
      999.9999999995,
      0.0000000015,
    ])
      expect(formatNumberAsQuantity(v), String(v)).toBe(slow(v));
  });

  it('throws on values that are no quantity, as quantityFromNumber does', () => {
    expect(() => formatNumberAsQuantity(Number.NaN)).toThrow(RangeError);
    expect(() => formatNumberAsQuantity(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
