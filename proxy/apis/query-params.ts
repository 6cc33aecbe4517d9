// The query parameters the metrics APIs read: label selectors (labelSelector, metricLabelSelector)
// and watch.
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
