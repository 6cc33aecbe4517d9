// Kubernetes resource.Quantity (k8s.io/apimachinery/pkg/api/resource), held exactly as
// unscaled × 10^scale in a bigint so that nothing is ever lost to floating point.
// Behaviour was checked against apimachinery v0.37.2 (quantity.go, amount.go, math.go,
// scale_int.go, suffix.go); the few deliberate deviations are marked "Deviation".

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export type Quantity = {
  readonly unscaled: bigint;
  readonly scale: number;
  readonly format: QuantityFormat;
};

// Quoted verbatim from apimachinery so error messages match what kubectl users see.
const SPLIT_RE_STRING = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
// Same language as apimachinery's hand-written scanner, with the number split into parts.
const QUANTITY_RE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[-+]?[0-9]*)$/;

const NANO = -9;
const MAX_INT64 = (1n << 63n) - 1n;
const MAX_BINARY_EXPONENT = 6; // Ei is the largest binary suffix
const MAX_DECIMAL_SI_EXPONENT = 18; // E is the largest decimal suffix
const MIN_DECIMAL_SI_EXPONENT = -9; // n is the smallest decimal suffix
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

const DECIMAL_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ['n', -9],
  ['u', -6],
  ['m', -3],
  ['', 0],
  ['k', 3],
  ['M', 6],
  ['G', 9],
  ['T', 12],
  ['P', 15],
  ['E', 18],
]);
const DECIMAL_SUFFIX_BY_EXPONENT: ReadonlyMap<number, string> = new Map(
  [...DECIMAL_SUFFIXES].map(([suffix, exponent]) => [exponent, suffix]),
);
const BINARY_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ['Ki', 10],
  ['Mi', 20],
  ['Gi', 30],
  ['Ti', 40],
  ['Pi', 50],
  ['Ei', 60],
]);
const BINARY_SUFFIX_BY_POWER_OF_1024 = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'] as const;

type Suffix = { base: 10 | 2; exponent: number; format: QuantityFormat };

function interpretSuffix(suffix: string): Suffix | undefined {
  // Table lookups first, as apimachinery does: that is why a bare "E" means exa, not an exponent.
  const decimal = DECIMAL_SUFFIXES.get(suffix);
  if (decimal !== undefined) return { base: 10, exponent: decimal, format: 'DecimalSI' };
  const binary = BINARY_SUFFIXES.get(suffix);
  if (binary !== undefined) return { base: 2, exponent: binary, format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E')) {
    const digits = suffix.slice(1);
    if (!/^[+-]?[0-9]+$/.test(digits)) return undefined;
    const exponent = Number(digits);
    // Deviation: apimachinery silently truncates the exponent to int32 (so "1e4294967296" is 1);
    // rejecting it is the only answer that is not wrong.
    if (exponent < INT32_MIN || exponent > INT32_MAX) return undefined;
    return { base: 10, exponent, format: 'DecimalExponent' };
  }
  return undefined;
}

function abs(v: bigint): bigint {
  return v < 0n ? -v : v;
}

/** Powers of ten that quantities of real values use, computed once: `10n ** x` is slow on hot paths. */
const SMALL_POWERS_OF_TEN = Array.from({ length: 64 }, (_, i) => 10n ** BigInt(i));

function pow10(n: number): bigint {
  return SMALL_POWERS_OF_TEN[n] ?? 10n ** BigInt(n);
}

function digitCount(v: bigint): number {
  return abs(v).toString().length;
}

// Rounds unscaled × 10^scale to a multiple of 10^target, away from zero: apimachinery's
// inf.RoundUp when parsing, and what negativeScaleInt64 does for Value()/MilliValue().
function roundAwayFromZero(unscaled: bigint, scale: number, target: number): bigint {
  if (scale >= target) return unscaled * pow10(scale - target);
  if (unscaled === 0n) return 0n;
  const shift = target - scale;
  const sign = unscaled < 0n ? -1n : 1n;
  const magnitude = abs(unscaled);
  // Everything finer than one unit of the target rounds to one unit; short-cutting avoids
  // building 10^shift for inputs like "1e-2000000000".
  if (shift >= digitCount(magnitude)) return sign;
  const divisor = pow10(shift);
  const quotient = magnitude / divisor;
  return sign * (magnitude % divisor === 0n ? quotient : quotient + 1n);
}

/** To the nearest unit of 10^target, halves away from zero. */
function roundHalfAwayFromZero(unscaled: bigint, scale: number, target: number): bigint {
  if (scale >= target) return unscaled * pow10(scale - target);
  const shift = target - scale;
  const magnitude = abs(unscaled);
  // Below a tenth of one unit: zero, without building 10^shift.
  if (shift > digitCount(magnitude)) return 0n;
  const divisor = pow10(shift);
  const quotient = magnitude / divisor + (2n * (magnitude % divisor) >= divisor ? 1n : 0n);
  return unscaled < 0n ? -quotient : quotient;
}

function roundToNano(unscaled: bigint, scale: number): { unscaled: bigint; scale: number } {
  if (scale >= NANO) return { unscaled, scale };
  return { unscaled: roundAwayFromZero(unscaled, scale, NANO), scale: NANO };
}

/** |q| compared with a non-negative integer, without expanding huge exponents. */
function compareMagnitude(q: Quantity, n: bigint): -1 | 0 | 1 {
  return compareQuantities({ ...q, unscaled: abs(q.unscaled) }, { unscaled: n, scale: 0, format: q.format });
}

function isInteger(q: Quantity): boolean {
  return q.scale >= 0 || q.unscaled % pow10(-q.scale) === 0n;
}

/**
 * Parses `<signedNumber><suffix>` like resource.ParseQuantity.
 *
 * - Precision stops at nano: finer non-zero values round away from zero ("0.9n" → 1n, "1e-10" → 1n).
 * - Like apimachinery, a BinarySI value is silently capped at ±(2^63-1) ("8Ei" → 9223372036854775807),
 *   and a BinarySI value strictly between -1 and 1 becomes DecimalSI. Decimal values are never capped.
 * - Deviation: apimachinery's scanner accepts inputs with no digits ("Mi", "-", ".") as zero; this
 *   follows its documented grammar instead, which requires at least one digit.
 */
export function parseQuantity(s: string): Quantity {
  const match = QUANTITY_RE.exec(s);
  const [, sign = '', whole = '', fraction = '', suffixText = ''] = match ?? [];
  if (!match || whole.length + fraction.length === 0) {
    throw new Error(
      `invalid quantity ${JSON.stringify(s)}: quantities must match the regular expression '${SPLIT_RE_STRING}'`,
    );
  }
  const suffix = interpretSuffix(suffixText);
  if (!suffix) {
    throw new Error(
      `invalid quantity ${JSON.stringify(s)}: unable to parse quantity's suffix ${JSON.stringify(suffixText)} ` +
        '(expected one of n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei, or e<integer>)',
    );
  }

  let unscaled = BigInt(whole + fraction);
  if (sign === '-') unscaled = -unscaled;
  let scale = 0 - fraction.length; // not -fraction.length, which is -0 and breaks deep equality
  if (suffix.base === 10) scale += suffix.exponent;
  else unscaled <<= BigInt(suffix.exponent);

  let format = suffix.format;
  let rounded = roundToNano(unscaled, scale);
  if (format === 'BinarySI') {
    const candidate: Quantity = { ...rounded, format };
    if (compareMagnitude(candidate, MAX_INT64) > 0) {
      rounded = { unscaled: rounded.unscaled < 0n ? -MAX_INT64 : MAX_INT64, scale: 0 };
    } else if (rounded.unscaled !== 0n && compareMagnitude(candidate, 1n) < 0) {
      format = 'DecimalSI';
    }
  }
  return { ...rounded, format };
}

/**
 * The exact decimal that `String(v)` prints (the shortest round-trip form), rounded to the nearest
 * nano, e.g. 1.5e-7 → 150n and 1e-10 → 0. Not away from zero as parsing does: a float's last-digit
 * noise (0.1 + 0.2 = 0.30000000000000004) would become +1n, and the HPA's ceil to milli-units would
 * read 301m where 300m was meant. Throws on NaN and ±Infinity so that callers choose what a missing
 * value means.
 */
export function quantityFromNumber(v: number, format: QuantityFormat = 'DecimalSI'): Quantity {
  if (!Number.isFinite(v)) {
    throw new RangeError(`cannot represent ${v} as a quantity`);
  }
  const match = /^(-?)([0-9]+)(?:\.([0-9]+))?(?:e([+-][0-9]+))?$/.exec(String(v));
  if (!match) throw new Error(`unexpected number text ${JSON.stringify(String(v))}`);
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  const unscaled = BigInt(whole + fraction);
  const scale = Number(exponent) - fraction.length;
  const signed = sign === '-' ? -unscaled : unscaled;
  if (scale >= NANO) return { unscaled: signed, scale, format };
  return { unscaled: roundHalfAwayFromZero(signed, scale, NANO), scale: NANO, format };
}

/** Mantissa and base-10 exponent with the exponent lowered to a multiple of 3 (AsCanonicalBytes). */
function canonicalBase10(q: Quantity): { mantissa: bigint; exponent: number } {
  let mantissa = q.unscaled;
  let exponent = q.scale;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  const excess = ((exponent % 3) + 3) % 3;
  return { mantissa: mantissa * pow10(excess), exponent: exponent - excess };
}

function exponentSuffix(exponent: number): string {
  return exponent === 0 ? '' : `e${exponent}`;
}

/**
 * Canonical string form, as Quantity.String() / CanonicalizeBytes produces it: the largest
 * exponent (suffix) that loses no precision and needs no fractional digits.
 *
 * - DecimalSI / DecimalExponent: exponent is a multiple of 3 ("1500m", "2k", "12e6").
 * - BinarySI: values with |v| < 1024 or a fractional part are printed as DecimalSI ("1k", "1500m");
 *   otherwise as many factors of 1024 as divide exactly become the suffix ("1536Mi", "2000").
 * - Deviation, DecimalSI above 10^18: apimachinery v0.37.2 drops the exponent there ("1000E" prints
 *   as "1", a bug) and newer upstream falls back to "1e21"; here the mantissa keeps growing under
 *   the E suffix ("1000E"), which is lossless and still DecimalSI when parsed back.
 * - Deviation, BinarySI above 1024^6: apimachinery has no suffix past Ei and prints a wrong value;
 *   here the mantissa keeps growing under Ei.
 */
export function formatQuantity(q: Quantity): string {
  if (q.unscaled === 0n) return '0';

  if (q.format === 'BinarySI' && compareMagnitude(q, 1024n) >= 0 && isInteger(q)) {
    let mantissa = q.scale >= 0 ? q.unscaled * pow10(q.scale) : q.unscaled / pow10(-q.scale);
    let power = 0;
    while (power < MAX_BINARY_EXPONENT && mantissa % 1024n === 0n) {
      mantissa /= 1024n;
      power++;
    }
    return `${mantissa}${BINARY_SUFFIX_BY_POWER_OF_1024[power]}`;
  }

  const { mantissa, exponent } = canonicalBase10(q);
  if (q.format === 'DecimalExponent') return `${mantissa}${exponentSuffix(exponent)}`;
  if (exponent > MAX_DECIMAL_SI_EXPONENT) {
    return `${mantissa * pow10(exponent - MAX_DECIMAL_SI_EXPONENT)}E`;
  }
  if (exponent < MIN_DECIMAL_SI_EXPONENT) {
    // Only reachable for hand-built sub-nano quantities; upstream falls back to exponent notation too.
    return `${mantissa}${exponentSuffix(exponent)}`;
  }
  return `${mantissa}${DECIMAL_SUFFIX_BY_EXPONENT.get(exponent) ?? ''}`;
}

/** Nanos below which `v * 1e9` is within a thousandth of a nano of the exact nanos of String(v). */
const FLOAT_NANOS_LIMIT = 2 ** 43;
/** How close to a half nano the float product must not be for its rounding to be the exact one. */
const HALF_MARGIN = 0.01;

/**
 * formatQuantity(quantityFromNumber(v)) in DecimalSI, without bigints for the values metrics carry.
 * Below 2^43 nanos (8,796 units) String(v) differs from v by at most |v|·2^-53 and the product
 * v·1e9 is rounded by at most half its ulp (2^-10): together under 0.002 nano, so unless the product
 * lies within HALF_MARGIN of a half, its nearest integer is quantityFromNumber's. Every item of an
 * answer has one value: with a thousand pods this is most of the formatting the proxy does.
 */
export function formatNumberAsQuantity(v: number): string {
  const exact = Math.abs(v * 1e9);
  if (!(exact < FLOAT_NANOS_LIMIT) || Math.abs(exact - Math.floor(exact) - 0.5) < HALF_MARGIN)
    return formatQuantity(quantityFromNumber(v));
  let mantissa = Math.round(exact);
  if (mantissa === 0) return '0';
  // canonicalBase10 on a Number: trailing zeros into the exponent, which is then a multiple of 3.
  let exponent = NANO;
  while (mantissa % 10 === 0) {
    mantissa /= 10;
    exponent++;
  }
  const excess = ((exponent % 3) + 3) % 3;
  mantissa *= 10 ** excess;
  exponent -= excess;
  return `${v < 0 ? '-' : ''}${mantissa}${DECIMAL_SUFFIX_BY_EXPONENT.get(exponent) ?? ''}`;
}

/**
 * The value in thousandths, rounded away from zero (Quantity.MilliValue): 4581412n → 5, -1n → -1.
 * apimachinery's int64 path (negativeScaleInt64) rounds away from zero and its doc says so; its
 * inf.Dec path truncates and adds one, which is wrong for negatives (-1.0000000001 gives -999 milli,
 * -1e-12 gives +1). We follow the int64 path everywhere. Being a bigint, the result never overflows,
 * unlike the int64 original.
 */
export function milliValue(q: Quantity): bigint {
  return roundAwayFromZero(q.unscaled, q.scale, -3);
}

/**
 * The integer value, rounded away from zero (Quantity.Value): 1.5 → 2, -1.5 → -2, 1n → 1.
 * Like milliValue, throws RangeError only for absurd exponents ("1e1500000000") that exceed BigInt.
 */
export function value(q: Quantity): bigint {
  return roundAwayFromZero(q.unscaled, q.scale, 0);
}

/**
 * Exact sum (Quantity.Add): the format is a's, or b's when a is zero (so summing from a "0" start
 * takes the first addend's format, as apimachinery does).
 */
export function addQuantities(a: Quantity, b: Quantity): Quantity {
  const scale = Math.min(a.scale, b.scale);
  const unscaled = a.unscaled * pow10(a.scale - scale) + b.unscaled * pow10(b.scale - scale);
  return { unscaled, scale, format: a.unscaled === 0n ? b.format : a.format };
}

/** The exact value as a plain decimal number, without suffix or exponent: 500m → "0.5", 1Ki → "1024". */
export function formatDecimal(q: Quantity): string {
  const sign = q.unscaled < 0n ? '-' : '';
  const digits = abs(q.unscaled).toString();
  if (q.scale >= 0) return q.unscaled === 0n ? '0' : `${sign}${digits}${'0'.repeat(q.scale)}`;
  const padded = digits.padStart(-q.scale + 1, '0');
  const whole = padded.slice(0, q.scale);
  const fraction = padded.slice(q.scale).replace(/0+$/, '');
  return `${sign}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** Nearest float64 (correctly rounded, unlike AsApproximateFloat64); ±Infinity when out of range. */
export function toNumber(q: Quantity): number {
  return Number(`${q.unscaled}e${q.scale}`);
}

/** Numeric order, ignoring format: compareQuantities(1Ki, 1k) === 1, (1, 1000m) === 0. */
export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  const signA = a.unscaled < 0n ? -1 : a.unscaled > 0n ? 1 : 0;
  const signB = b.unscaled < 0n ? -1 : b.unscaled > 0n ? 1 : 0;
  if (signA !== signB) return signA < signB ? -1 : 1;
  if (signA === 0) return 0;
  // Order of magnitude first, so "1e2000000000" vs "1" never materialises 10^2000000000;
  // when magnitudes tie, the scales differ by at most the digit counts and aligning is cheap.
  const magnitudeA = digitCount(a.unscaled) + a.scale;
  const magnitudeB = digitCount(b.unscaled) + b.scale;
  if (magnitudeA !== magnitudeB) {
    const bigger = magnitudeA > magnitudeB ? 1 : -1;
    return signA > 0 ? bigger : bigger === 1 ? -1 : 1;
  }
  const scale = Math.min(a.scale, b.scale);
  const alignedA = a.unscaled * pow10(a.scale - scale);
  const alignedB = b.unscaled * pow10(b.scale - scale);
  return alignedA < alignedB ? -1 : alignedA > alignedB ? 1 : 0;
}
