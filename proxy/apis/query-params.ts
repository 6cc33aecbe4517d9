// The query parameters the metrics APIs read: label selectors (labelSelector, metricLabelSelector),
// metrics.k8s.io's fieldSelector, and watch.
import { parseSelector, type Requirement } from '../../shared/labels.ts';
import { ApiError } from './status.ts';

/** The selector in `key`, none when absent; one that does not parse is the client's error (400). */
export function selectorParam(query: URLSearchParams, key: string): Requirement[] {
  const raw = query.get(key);
  if (!raw) return [];
  try {
    return parseSelector(raw);
  } catch (e) {
    throw new ApiError(400, `${key}: ${(e as Error).message}`);
  }
}

/** `?watch=` as the apiserver reads it: any value but false and 0 asks for a watch (request/requestinfo.go). */
export function isWatch(query: URLSearchParams): boolean {
  const watch = query.get('watch')?.toLowerCase();
  return watch !== undefined && watch !== 'false' && watch !== '0';
}

/** One term of a field selector: `field=value` (or `==`), or `field!=value`. */
export interface FieldRequirement {
  field: string;
  value: string;
  equal: boolean;
}

/** The only fields a metrics.k8s.io object has (apimachinery runtime DefaultMetaV1FieldSelectorConversion). */
const META_FIELDS = ['metadata.name', 'metadata.namespace'];

/**
 * `?fieldSelector=` in apimachinery's grammar (pkg/fields/selector.go parseSelector: terms split at
 * unescaped commas, the first `!=`, `==` or `=` splits a term, `\\` `\,` `\=` escape the value),
 * over the fields metrics-server's storage offers; anything else is the client's error (400), as
 * the apiserver's field label conversion answers.
 */
export function fieldSelectorParam(query: URLSearchParams): FieldRequirement[] {
  const raw = query.get('fieldSelector');
  if (!raw) return [];
  const bad = (why: string) => new ApiError(400, `fieldSelector: ${why}`);
  const terms: string[] = [];
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '\\') i++;
    else if (raw[i] === ',') {
      terms.push(raw.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(raw.slice(start));
  return terms
    .filter((t) => t !== '')
    .map((term) => {
      const at = /!=|==|=/.exec(term);
      if (!at) throw bad(`invalid selector: '${raw}'; can't understand '${term}'`);
      const field = term.slice(0, at.index);
      if (!META_FIELDS.includes(field)) {
        throw bad(`"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`);
      }
      return { field, value: unescapeValue(term.slice(at.index + at[0].length), bad), equal: at[0] !== '!=' };
    });
}

function unescapeValue(s: string, bad: (why: string) => ApiError): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '\\') {
      const next = s[++i];
      if (next !== '\\' && next !== ',' && next !== '=') throw bad(`invalid escape sequence: ${s}`);
      out += next;
    } else if (c === ',' || c === '=') {
      throw bad(`unescaped character in value: ${c}`);
    } else out += c;
  }
  return out;
}

/** Whether every term holds for the object's fields (a field it lacks reads as ''). */
export function fieldsMatch(
  reqs: readonly FieldRequirement[],
  fields: Readonly<Record<string, string>>,
): boolean {
  return reqs.every((r) => ((fields[r.field] ?? '') === r.value) === r.equal);
}
