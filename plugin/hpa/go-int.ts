// Go's integer conversions as the HPA controller's arithmetic relies on them: integers wrap to their
// width; on amd64 an out-of-range or NaN float converts to the minimum value.

export const INT32_MAX = 2 ** 31 - 1;
export const INT32_MIN = -(2 ** 31);
export const INT64_MAX = (1n << 63n) - 1n;

/** Go's wrapInt32(f) for a float64 (amd64: out of range and NaN give math.MinInt32). */
export function goInt32(f: number): number {
  const t = Math.trunc(f);
  return Number.isFinite(t) && t >= INT32_MIN && t <= INT32_MAX ? t : INT32_MIN;
}

/** Go's wrapInt64(f) for a float64 (amd64: out of range and NaN give math.MinInt64). */
export function goInt64(f: number): bigint {
  const t = Math.trunc(f);
  return Number.isFinite(t) && t >= -(2 ** 63) && t < 2 ** 63 ? BigInt(t) : -(1n << 63n);
}

/** Go's int64 arithmetic on a bigint: wrapped to 64 bits, as an overflowing sum in Go. */
export function wrapInt64(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}

/** Go's int32(v) for an int64: the low 32 bits. */
export function wrapInt32(v: bigint): number {
  return Number(BigInt.asIntN(32, v));
}
