// A REST client answering from a table of `path?query` → body (or error), recording what was asked.

import { KubeApi, type Query, type RestClient } from '../../../plugin/cluster/api.ts';
import { Discovery } from '../../../plugin/cluster/discovery.ts';
import type { Session } from '../../../plugin/cluster/session.ts';
import type { APIGroupList, APIResourceList } from '../../../shared/api-types.ts';
import { KubeApiError } from '../../../shared/kube.ts';

export type Routes = Record<string, unknown>;

export class FakeRest implements RestClient {
  readonly requests: string[] = [];
  private readonly routes: Routes;

  constructor(routes: Routes) {
    this.routes = routes;
  }

  async get<T>(path: string, query?: Query): Promise<T> {
    const params = new URLSearchParams(query as Record<string, string>).toString();
    const key = params ? `${path}?${params}` : path;
    this.requests.push(key);
    const answer = this.routes[key];
    if (answer instanceof KubeApiError) throw answer;
    if (answer === undefined) throw status(404, `the server could not find the requested resource (${key})`);
    return structuredClone(answer) as T;
  }

  /** Answers from the route `POST path`: a body, an error, or a function of the request body. */
  async post<T>(path: string, body: unknown): Promise<T> {
    const key = `POST ${path}`;
    this.requests.push(key);
    const route = this.routes[key];
    const answer = typeof route === 'function' ? route(body) : route;
    if (answer instanceof KubeApiError) throw answer;
    if (answer === undefined) throw status(404, `the server could not find the requested resource (${key})`);
    return structuredClone(answer) as T;
  }
}

export function status(code: number, message: string): KubeApiError {
  const reason = { 403: 'Forbidden', 404: 'NotFound', 503: 'ServiceUnavailable' }[code] ?? 'BadRequest';
  return new KubeApiError(message, code, { kind: 'Status', status: 'Failure', message, reason, code });
}

export function fakeSession(routes: Routes, namespace = 'default'): { session: Session; rest: FakeRest } {
  const rest = new FakeRest(routes);
  const api = new KubeApi(rest);
  return { rest, session: { api, discovery: new Discovery(api), namespace, close: async () => {} } };
}

/** `/apis` listing each group's versions in the given (priority) order. */
export function apis(groups: Record<string, string[]>): Routes {
  const body: APIGroupList = {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: Object.entries(groups).map(([name, versions]) => ({
      name,
      versions: versions.map((version) => ({ groupVersion: `${name}/${version}`, version })),
      preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] as string },
    })),
  };
  return { '/apis': body };
}

export const ALL_GROUPS = apis({
  'metrics.k8s.io': ['v1', 'v1beta1'],
  'custom.metrics.k8s.io': ['v1beta2', 'v1beta1'],
  'external.metrics.k8s.io': ['v1beta1'],
});

/** A discovery document for `group/version` listing `names` (custom: RESOURCE/METRIC). */
export function resourceList(groupVersion: string, names: string[], clusterScoped: string[] = []): Routes {
  const body: APIResourceList = {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion,
    resources: names.map((name) => ({
      name,
      singularName: '',
      namespaced: !clusterScoped.some((r) => name.startsWith(`${r}/`)),
      kind: groupVersion.startsWith('external') ? 'ExternalMetricValueList' : 'MetricValueList',
      verbs: ['get'],
    })),
  };
  return { [`/apis/${groupVersion}`]: body };
}

export const AT = '2026-07-01T10:00:00Z';

/** A custom.metrics.k8s.io value of metric qps for one pod, as a MetricValueList item. */
export const qpsOfPod = (namespace: string, pod: string, value: string) => ({
  describedObject: { kind: 'Pod', namespace, name: pod, apiVersion: 'v1' },
  metric: { name: 'qps', selector: null },
  timestamp: AT,
  windowSeconds: 30,
  value,
});
