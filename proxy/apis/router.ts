// Maps a request path to its answer. No HTTP here: the server layer turns answers into responses.
import {
  CUSTOM_GROUP,
  type CustomVersion,
  EXTERNAL_GROUP,
  HISTORY_GROUP,
  RESOURCE_GROUP,
  type ResourceVersion,
} from '../../shared/api-types.ts';
import { routeFor } from '../rules/upstreams.ts';
import { getCustomMetric, parseCustomMetricPath } from './custom-metrics.ts';
import {
  apiGroup,
  apiGroupList,
  customMetricsResourceList,
  externalMetricsResourceList,
  historyResourceList,
  resourceMetricsResourceList,
  SERVED_GROUPS,
} from './discovery.ts';
import {
  type ExternalMetricsBackend,
  getExternalMetric,
  parseExternalMetricPath,
} from './external-metrics.ts';
import { getHistory, type LiveAuthorizer, parseHistoryPath } from './history.ts';
import type { HistoryBackend } from './history-series.ts';
import type { CustomMetricsBackend } from './ports.ts';
import { isWatch } from './query-params.ts';
import {
  getResourceMetrics,
  NOT_CONFIGURED,
  parseResourceMetricsPath,
  type ResourceMetricsBackend,
} from './resource-metrics.ts';
import { ApiError } from './status.ts';
import { type UpstreamsBackend, withUpstreamResources } from './upstreams.ts';

export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Checks the caller's access to a live request (the history API asks it for the one it stands for). */
  authorizeLive: LiveAuthorizer;
}

export interface ApiAnswer {
  code: number;
  body: unknown;
  warnings?: string[];
}

export type Router = (req: ApiRequest) => Promise<ApiAnswer>;

export function createRouter(
  backend: CustomMetricsBackend &
    ResourceMetricsBackend &
    ExternalMetricsBackend &
    UpstreamsBackend &
    HistoryBackend,
): Router {
  return async (req) => {
    if (req.method !== 'GET')
      throw new ApiError(405, `${req.method} is not allowed: the metrics APIs are read-only (use GET)`);
    // Per request: a reloaded configuration can add or drop resourceRules.
    const groups = SERVED_GROUPS.filter((g) => g.name !== RESOURCE_GROUP || backend.resourceRules);
    // An empty segment (`/apis//g`) names nothing, as in Kubernetes; only a trailing slash is allowed.
    if (req.path.replace(/\/$/, '').slice(1).split('/').includes('')) throw notFound(req.path);
    const segments = req.path.split('/').filter(Boolean).map(decodeSegment);
    const [root, group, version, ...rest] = segments;
    if (root === 'openapi') throw new ApiError(404, 'this server publishes no OpenAPI document');
    if (root !== 'apis') throw notFound(req.path);
    if (group === undefined) return { code: 200, body: apiGroupList(groups) };
    const served = groups.find((g) => g.name === group);
    if (!served) throw group === RESOURCE_GROUP ? new ApiError(404, NOT_CONFIGURED) : notFound(req.path);
    if (version === undefined) return { code: 200, body: apiGroup(served) };
    if (!served.versions.includes(version)) {
      throw new ApiError(
        404,
        `${group} has no version ${version}; served versions: ${served.versions.join(', ')}`,
      );
    }
    if (rest[0] === 'namespaces' && rest[1] !== undefined) checkNamespace(rest[1]);
    if (group === CUSTOM_GROUP) {
      const v = version as CustomVersion;
      if (!rest.length) {
        const list = customMetricsResourceList(v, backend.registry().list());
        list.resources = withUpstreamResources(list.resources, backend, list.groupVersion);
        return { code: 200, body: list };
      }
      const parsed = parseCustomMetricPath(v, rest, req.query);
      if (!parsed) throw notFound(req.path);
      const upstream = servesCustom(backend, parsed.resourceText, parsed.metric)
        ? undefined
        : routeFor(backend.upstreams(), CUSTOM_GROUP, parsed.metric);
      const { body, warnings } = upstream
        ? await upstream.get(req.path, req.query.toString())
        : await getCustomMetric(parsed, backend);
      return { code: 200, body, warnings };
    }
    if (group === RESOURCE_GROUP) {
      if (!rest.length) return { code: 200, body: resourceMetricsResourceList(version) };
      const parsed = parseResourceMetricsPath(version as ResourceVersion, rest, req.query);
      if (!parsed) throw notFound(req.path);
      // metrics-server's storage is no rest.Watcher: the apiserver answers a watch 405
      // (k8s.io/apiserver pkg/endpoints/handlers/get.go ListResource, errors.NewMethodNotSupported).
      if (parsed.name === undefined && isWatch(req.query)) {
        throw new ApiError(
          405,
          `watch is not supported on resources of kind "${parsed.resource}.${RESOURCE_GROUP}"`,
          {
            group: RESOURCE_GROUP,
            kind: parsed.resource,
          },
        );
      }
      const { body, warnings } = await getResourceMetrics(parsed, backend);
      return { code: 200, body, warnings };
    }
    if (group === EXTERNAL_GROUP) {
      if (!rest.length) {
        const list = externalMetricsResourceList(backend.externalRegistry().names());
        list.resources = withUpstreamResources(list.resources, backend, list.groupVersion);
        return { code: 200, body: list };
      }
      const parsed = parseExternalMetricPath(rest, req.query);
      if (!parsed) throw notFound(req.path);
      const upstream = backend.externalRegistry().find(parsed.metric)
        ? undefined
        : routeFor(backend.upstreams(), EXTERNAL_GROUP, parsed.metric);
      const { body, warnings } = upstream
        ? await upstream.get(req.path, req.query.toString())
        : await getExternalMetric(parsed, backend);
      return { code: 200, body, warnings };
    }
    if (group === HISTORY_GROUP) {
      if (!rest.length) return { code: 200, body: historyResourceList() };
      // A namespace's own metric names the namespace after the resource: checked as one in the path's place.
      if (rest[0] === 'custommetrics' && rest[1] === 'namespaces' && rest[2] !== undefined)
        checkNamespace(rest[2]);
      const parsed = parseHistoryPath(rest, req.query);
      if (!parsed) throw notFound(req.path);
      const { body, warnings } = await getHistory(parsed, req.query, backend, req.authorizeLive);
      return { code: 200, body, warnings };
    }
    throw notFound(req.path);
  };
}

/** Whether a rule serves `metric` for the resource, in either scope: then no upstream is asked. */
function servesCustom(backend: CustomMetricsBackend, resourceText: string, metric: string): boolean {
  const resource = backend.mapper().parse(resourceText);
  if (!resource) return false;
  const registry = backend.registry();
  return (
    registry.find(resource, true, metric) !== undefined ||
    registry.find(resource, false, metric) !== undefined
  );
}

/** A path segment without its percent-encoding; a malformed escape is the client's error, not ours. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError(400, `malformed percent-encoding in the path: ${segment}`);
  }
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * A namespace is a DNS-1123 label: anything else names none, and is refused before it reaches a
 * query (the adapter's `.LabelValuesByName` puts it in PromQL unquoted).
 */
function checkNamespace(namespace: string): void {
  if (namespace.length <= 63 && DNS1123_LABEL.test(namespace)) return;
  const shown = namespace.length > 70 ? `${namespace.slice(0, 70)}…` : namespace;
  throw new ApiError(
    400,
    `namespace ${JSON.stringify(shown)} is not a valid namespace name: a lowercase RFC 1123 label of at most 63 characters must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name')`,
  );
}

function notFound(path: string): ApiError {
  return new ApiError(404, `the server could not find the requested resource ${path}`);
}
