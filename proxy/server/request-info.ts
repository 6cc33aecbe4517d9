// A request's authorization attributes, as apiserver pkg/endpoints/request/requestinfo.go derives
// them: /apis/GROUP/VERSION/[namespaces/NS/]RESOURCE[/NAME[/SUBRESOURCE]] (and the core group's
// /api/VERSION/…) is a resource request, anything else (discovery, /metrics) a non-resource one.
import { isWatch } from '../apis/query-params.ts';

export type RequestAttributes =
  | {
      kind: 'resource';
      verb: string;
      group: string;
      version: string;
      resource: string;
      subresource: string;
      name: string;
      namespace: string;
    }
  | { kind: 'nonResource'; verb: string; path: string };

const VERBS: Record<string, string> = {
  GET: 'get',
  HEAD: 'get',
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

/** Namespace subresources stay on the namespace rather than naming a resource of their own. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function requestAttributes(method: string, path: string, query: URLSearchParams): RequestAttributes {
  // Go's URL.Path is decoded: clients send pods/%2A/M for pods/*/M.
  const parts = path.split('/').filter(Boolean).map(decodeSegment);
  // /api/VERSION/… is the core group's (the legacy prefix, without a group segment).
  const core = parts[0] === 'api';
  if ((parts[0] !== 'apis' && !core) || parts.length < (core ? 3 : 4)) {
    return { kind: 'nonResource', verb: method.toLowerCase(), path };
  }
  const [group = '', version = ''] = core ? ['', parts[1]] : parts.slice(1, 3);
  let rest = parts.slice(core ? 2 : 3);
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1] ?? '';
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2] ?? '')) rest = rest.slice(2);
  }
  const [resource = '', name = '', subresource = ''] = rest;
  let verb = VERBS[method.toUpperCase()] ?? method.toLowerCase();
  if (!name && verb === 'get') {
    verb = isWatch(query) ? 'watch' : 'list';
  }
  if (!name && verb === 'delete') verb = 'deletecollection';
  return { kind: 'resource', verb, group, version, resource, subresource, name, namespace };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The 403 message Kubernetes writes (apiserver pkg/endpoints/handlers/responsewriters/errors.go). */
export function forbiddenMessage(user: string, a: RequestAttributes, reason: string): string {
  const why = reason ? `: ${reason}` : '';
  if (a.kind === 'nonResource') return `forbidden: User "${user}" cannot ${a.verb} path "${a.path}"${why}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  const qualified = a.group ? `${a.resource}.${a.group}` : a.resource;
  return `${qualified}${a.name ? ` "${a.name}"` : ''} is forbidden: User "${user}" cannot ${a.verb} resource "${resource}" in API group "${a.group}" ${scope}${why}`;
}
