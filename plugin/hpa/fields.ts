// JSON fields read by their path in the snapshot, so that a field that does not hold what the format
// defines is one line naming it: `scale.body.status.replicas: expected an integer, got "3"`. Readers
// follow Kubernetes' JSON decoding (sigs.k8s.io/json, as the API machinery decodes): an absent or null
// field is the Go zero value (omitempty), a field of the wrong type fails the whole object.

import { milliValue, parseQuantity, type Quantity } from '../../shared/quantity.ts';
import { wrapInt64 } from './go-int.ts';

export type Json = Record<string, unknown>;

/** A field that does not hold what the format defines. */
export class InvalidField extends Error {
  override name = 'InvalidField';
  /** The field's JSON path in the snapshot; '' for the document itself. */
  readonly path: string;
  /** What belongs there. */
  readonly expected: string;

  /** `detail` replaces the "expected …, got …" wording where it does not fit. */
  constructor(
    path: string,
    expected: string,
    value: unknown,
    detail = `expected ${expected}, ${value === undefined ? 'but it is missing' : `got ${shown(value)}`}`,
  ) {
    super(path ? `${path}: ${detail}` : detail);
    this.path = path;
    this.expected = expected;
  }
}

/** A JSON value in a few words: short scalars as written, the rest by kind. */
function shown(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return v.length <= 40 ? JSON.stringify(v) : 'a string';
  return String(v);
}

/** The path of a member: `a.b`, `a["x.y"]`, `a[3]`. */
export function at(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  const name = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
  if (name !== key) return `${path}[${name}]`;
  return path === '' ? key : `${path}.${key}`;
}

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const absent = (v: unknown): v is null | undefined => v === undefined || v === null;

/** A nested object; absent or null: none. */
export function optionalObject(v: unknown, path: string): Json | undefined {
  if (absent(v)) return undefined;
  if (!isObject(v)) throw new InvalidField(path, 'an object', v);
  return v;
}

/** A nested object; absent or null: the empty one (Go's zero struct). */
export function object(v: unknown, path: string): Json {
  return optionalObject(v, path) ?? {};
}

/** An array; absent or null: empty. */
export function list(v: unknown, path: string): unknown[] {
  if (absent(v)) return [];
  if (!Array.isArray(v)) throw new InvalidField(path, 'an array', v);
  return v;
}

export function text(v: unknown, path: string): string | undefined {
  if (absent(v)) return undefined;
  if (typeof v !== 'string') throw new InvalidField(path, 'a string', v);
  return v;
}

export function bool(v: unknown, path: string): boolean | undefined {
  if (absent(v)) return undefined;
  if (typeof v !== 'boolean') throw new InvalidField(path, 'true or false', v);
  return v;
}

/** An array of strings; absent or null: empty. */
export function texts(v: unknown, path: string): string[] {
  return list(v, path).map((s, i) => text(s, at(path, i)) ?? '');
}

const INT32 = 2 ** 31;

/** An int32 field (replicas, seconds, percentages), as Go refuses 2.5 or 1e10 for it. */
export function int32(v: unknown, path: string): number | undefined {
  if (absent(v)) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -INT32 || v >= INT32) {
    throw new InvalidField(path, 'an integer', v);
  }
  return v;
}

/** An int64 field, within the integers a JSON number holds exactly. */
export function int64(v: unknown, path: string): number | undefined {
  if (absent(v)) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new InvalidField(path, 'an integer', v);
  return v;
}

// time.RFC3339 as Go's time.Parse reads it: fractional seconds allowed, a zone required.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** A metav1.Time (RFC 3339) in epoch ms; absent or null: none. */
export function time(v: unknown, path: string): number | undefined {
  if (absent(v)) return undefined;
  const t = typeof v === 'string' && RFC3339.test(v) ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(t)) throw new InvalidField(path, 'an RFC 3339 time', v);
  return t;
}

/** `kind` checked when set: an object of another kind in its place is not read as this one. */
export function expectKind(body: Json, path: string, kinds: readonly string[]): void {
  const kind = text(body.kind, at(path, 'kind'));
  if (kind !== undefined && !kinds.includes(kind)) {
    throw new InvalidField(at(path, 'kind'), kinds.map((k) => JSON.stringify(k)).join(' or '), kind);
  }
}

/** The zero time.Time (0001-01-01T00:00:00Z) in epoch ms: what Go holds for a missing time. */
export const GO_ZERO_TIME = -62135596800000;

/** A metav1.Time as the controller holds it in epoch ms: absent or null is Go's zero time. */
export function goTime(v: unknown, where: string): number {
  return time(v, where) ?? GO_ZERO_TIME;
}

const QUANTITY = 'a quantity such as "250m", "1.5" or "2Gi"';

/** A resource.Quantity; absent or null is zero, as Go decodes it. */
export function quantity(v: unknown, where: string): Quantity {
  if (v === undefined || v === null) return parseQuantity('0');
  if (typeof v !== 'number' && typeof v !== 'string') throw new InvalidField(where, QUANTITY, v);
  try {
    return parseQuantity(String(v));
  } catch {
    throw new InvalidField(where, QUANTITY, v);
  }
}

/** Quantity.MilliValue() as the controller's int64. */
export function milli(v: unknown, where: string): bigint {
  return wrapInt64(milliValue(quantity(v, where)));
}

/** A field the object cannot be read without. */
export function required<T>(v: T | undefined, where: string, expected: string): T {
  if (v === undefined) throw new InvalidField(where, expected, undefined);
  return v;
}
