// PromQL matchers with every value quoted and every literal regex escaped, so that nothing a client
// sends (label values, object names) can change the shape of a query.

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function isLabelName(name: string): boolean {
  return LABEL_NAME.test(name);
}

/**
 * A PromQL double-quoted string literal; JSON's escapes are a subset of the ones PromQL accepts. A
 * lone surrogate (no UTF-8 form, so no Prometheus label value) becomes U+FFFD, as Go would make it,
 * rather than a `\udXXX` escape Prometheus refuses.
 */
export function quote(value: string): string {
  return JSON.stringify(value.toWellFormed());
}

/** Escapes RE2 metacharacters so that `value` matches only itself inside `=~`. */
export function escapeRegex(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

const CLASS_SAFE = '.+*?()|{}$';

/**
 * Values joined into one regex for `.LabelValuesByName`, which templates paste between quotes
 * (`pod=~"<<index .LabelValuesByName "pod">>"`): a metacharacter becomes a one-character class
 * (`web[.]1`), valid in "…", '…' and `…` alike, where `web\.1` would be an invalid PromQL string
 * escape (node names such as ip-10-0-0-1.ec2.internal); the rest is escaped for a quoted string.
 */
export function regexForTemplate(values: readonly string[]): string {
  return values
    .map((v) => {
      const literal = v.replace(/[.+*?()|{}$\\[\]^]/g, (c) => (CLASS_SAFE.includes(c) ? `[${c}]` : `\\${c}`));
      return quote(literal).slice(1, -1);
    })
    .join('|');
}

export type MatchOp = '=' | '!=' | '=~' | '!~';

export function matcher(label: string, op: MatchOp, value: string): string {
  if (!isLabelName(label)) throw new Error(`"${label}" is not a valid Prometheus label name`);
  return `${label}${op}${quote(value)}`;
}

/** `label="v"` for one value, `label=~"^(?:a|b)$"`-style alternation (escaped) for several. */
export function matchAny(label: string, values: readonly string[], negate = false): string {
  if (values.length === 1) return matcher(label, negate ? '!=' : '=', values[0] as string);
  return matcher(label, negate ? '!~' : '=~', values.map(escapeRegex).join('|'));
}
