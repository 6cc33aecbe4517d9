// Maps a request path to its answer. No HTTP here: the server layer turns answers into responses.
import { CUSTOM_GROUP, type CustomVersion } from '../../shared/api-types.ts';
import { type CustomMetricsBackend, getCustomMetric, parseCustomMetricPath } from './custom-metrics.ts';
import { apiGroup, apiGroupList, customMetricsResourceList, SERVED_GROUPS } from './discovery.ts';
import { ApiError } from './status.ts';

export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
}

export interface ApiAnswer {
  code: number;
  body: unknown;
  warnings?: string[];
}

export type Router = (req: ApiRequest) => Promise<ApiAnswer>;

export function createRouter(backend: CustomMetricsBackend): Router {
  return async (req) => {
    if (req.method !== 'GET')
      throw new ApiError(405, `${req.method} is not allowed: the metrics APIs are read-only (use GET)`);
    const segments = req.path.split('/').filter(Boolean).map(decodeSegment);
    const [root, group, version, ...rest] = segments;
    if (root === 'openapi') throw new ApiError(404, 'this server publishes no OpenAPI document');
    if (root !== 'apis') throw notFound(req.path);
    if (group === undefined) return { code: 200, body: apiGroupList(SERVED_GROUPS) };
    const served = SERVED_GROUPS.find((g) => g.name === group);
    if (!served) throw notFound(req.path);
    if (version === undefined) return { code: 200, body: apiGroup(served) };
    if (!served.versions.includes(version)) {
      throw new ApiError(
        404,
        `${group} has no version ${version}; served versions: ${served.versions.join(', ')}`,
      );
    }
    if (group === CUSTOM_GROUP) {
      const v = version as CustomVersion;
      if (!rest.length) return { code: 200, body: customMetricsResourceList(v, backend.registry().list()) };
      const parsed = parseCustomMetricPath(v, rest, req.query);
      if (!parsed) throw notFound(req.path);
      const { body, warnings } = await getCustomMetric(parsed, backend);
      return { code: 200, body, warnings };
    }
    throw notFound(req.path);
  };
}

/** A path segment without its percent-encoding; a malformed escape is the client's error, not ours. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError(400, `malformed percent-encoding in the path: ${segment}`);
  }
}

function notFound(path: string): ApiError {
  return new ApiError(404, `the server could not find the requested resource ${path}`);
}
