// The label selectors the metrics APIs take as query parameters (labelSelector, metricLabelSelector).
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
