// What a failed request to the cluster means for the user, as one line that says what is wrong and
// what to do: the group is not served, its APIService is unavailable (with the condition's message),
// access is forbidden (with the verb and resource to ask for), the credentials were refused, or the
// server could not be reached. Pure: the callers read the cluster.
import { type APIService, CUSTOM_GROUP, EXTERNAL_GROUP, RESOURCE_GROUP } from '../../shared/api-types.ts';
import { oneLine } from '../errors.ts';
import { canServe, type ServerKind } from './servers.ts';

/**
 * Why `group` cannot be used, from the APIServices read (undefined: they could not be read): one that is
 * not Available (with its reason and message), or none at all.
 */
export function apiServiceProblem(all: readonly APIService[] | undefined, group: string): string {
  const check = `kubectl get apiservices | grep ${group}`;
  if (all === undefined) return `${group} is not served by this cluster; see why with: ${check}`;
  const services = all.filter((s) => s.spec.group === group);
  for (const s of services) {
    const problem = unavailable(s);
    if (problem) return problem;
  }
  if (services.length)
    return `${group} is registered but the API server does not list it yet; check: ${check}`;
  const installer =
    group === RESOURCE_GROUP ? 'cmetrics-proxy or metrics-server' : 'cmetrics-proxy or an adapter';
  return `${group} is not served by this cluster: no APIService registers it; install ${installer}, then check: ${check}`;
}

/** Why an APIService is not Available (its condition's reason and message); undefined when it is. */
export function unavailableReason(s: APIService): string | undefined {
  const condition = s.status?.conditions?.find((c) => c.type === 'Available');
  if (condition?.status === 'True') return undefined;
  return oneLine(
    condition
      ? `${condition.reason ?? 'NotAvailable'}: ${condition.message ?? 'no message'}`
      : 'no Available condition yet',
  );
}

/** What to do about an APIService that is not Available. */
export function apiServiceFix(s: APIService): string {
  const backend = s.spec.service
    ? `service ${s.spec.service.namespace}/${s.spec.service.name}`
    : 'its server';
  return `fix ${backend}, then check: kubectl get apiservice ${s.metadata.name}`;
}

/** What is wrong with an APIService that is not Available, and what to do; undefined when it is. */
export function unavailable(s: APIService): string | undefined {
  const why = unavailableReason(s);
  return why && `APIService ${s.metadata.name} is not available (${why}); ${apiServiceFix(s)}`;
}

// apiserver's forbidden message (endpoints/handlers/responsewriters/errors.go).
const FORBIDDEN_RE =
  /User "([^"]*)" cannot (\S+) resource "([^"/]+)(?:\/([^"]+))?" in API group "([^"]*)"(?: in the namespace "([^"]+)")?/;

/** A 403's message as who may not do what, and how to check. */
export function forbidden(message: string): string {
  const m = FORBIDDEN_RE.exec(message);
  if (!m) return `${message}; ask a cluster administrator for access`;
  const [, user, verb, resource, subresource, group, namespace] = m;
  const what = group ? `${resource}.${group}` : resource;
  const check = [
    'kubectl auth can-i',
    verb,
    what,
    ...(subresource ? [`--subresource=${subresource}`] : []),
    ...(namespace ? ['-n', namespace] : []),
  ].join(' ');
  const where = namespace ? ` in namespace ${namespace}` : '';
  return `forbidden: user "${user}" may not ${verb} ${what}${subresource ? `/${subresource}` : ''}${where}; ask a cluster administrator for a role that allows it (check: ${check})`;
}

/** What a request under /apis asked for: its group and, for the metrics APIs, resource and namespace. */
export interface RequestTarget {
  group: string;
  /** `pods`, `nodes`, or custom's `services`, `deployments.apps`…; undefined for external metrics. */
  resource?: string | undefined;
  /** Undefined for all namespaces or a cluster-scoped resource. */
  namespace?: string | undefined;
}

function notFoundHint(target: RequestTarget | undefined): string {
  if (target?.group === RESOURCE_GROUP) {
    if (target.resource === 'nodes') return 'nodes that have metrics: kubectl cmetrics top nodes';
    return `pods that have metrics: kubectl cmetrics top pods ${target.namespace ? `-n ${target.namespace}` : '-A'}`;
  }
  return target ? 'see what is served: kubectl cmetrics list' : 'check the name and the namespace (-n)';
}

/** A request answered with `code` (0: no answer), as one line; a 503 without the APIServices to look at. */
export function requestFailureLine(failure: {
  code: number;
  message: string;
  target?: RequestTarget | undefined;
}): string {
  const message = oneLine(failure.message);
  switch (failure.code) {
    case 0:
      return `${message}; check the cluster address in the kubeconfig (--kubeconfig, --context), or raise --request-timeout if it timed out`;
    case 401:
      return `the API server did not accept the kubeconfig's credentials (Unauthorized: ${message}); renew them or choose another --context`;
    case 403:
      return forbidden(message);
    case 503:
      return `${message} (service unavailable); try again, or check the API server`;
    case 404:
      return `${message}; ${notFoundHint(failure.target)}`;
    default:
      return `${message} (HTTP ${failure.code})`;
  }
}

/** How cmetrics registers each group: the chart's apiServices key, the kustomize component (docs/deploy.md). */
const REGISTRATION: Record<string, { key: string; component: string }> = {
  [RESOURCE_GROUP]: { key: 'resource', component: 'resource-metrics' },
  [CUSTOM_GROUP]: { key: 'custom', component: 'custom-metrics' },
  [EXTERNAL_GROUP]: { key: 'external', component: 'external-metrics' },
};

/** How to have cmetrics register `group`, replacing whoever holds it. */
function registerWithCmetrics(group: string): string {
  const r = REGISTRATION[group];
  return r
    ? `Helm --set apiServices.${r.key}.enabled=true,apiServices.${r.key}.takeOver=true --take-ownership, or kustomize components/${r.component}`
    : 'its APIServices';
}

/** What to do when HPAs read `groupVersion` and no APIService registers it. */
export function unregisteredFix(groupVersion: string): string {
  const group = groupVersion.split('/')[0] as string;
  const other = {
    [RESOURCE_GROUP]: 'metrics-server',
    [CUSTOM_GROUP]: 'prometheus-adapter',
    [EXTERNAL_GROUP]: 'KEDA (for ScaledObjects)',
  }[group];
  return `register ${groupVersion} with cmetrics (${registerWithCmetrics(group)}) or install ${other ?? 'its server'}, then check: kubectl get apiservices | grep ${group}`;
}

/**
 * What to do when the versions of `group` point at different servers: finish the switch to the
 * server the HPA controller reads (`to`): point the other versions at it too, or remove those it
 * does not serve (metrics-server has no v1); or point that version back at the other one (`from`).
 */
export function halfMigratedFix(
  group: string,
  to: { name: string; server: string; kind: ServerKind },
  from: { names: string[]; server: string },
): string {
  const unserved = from.names.filter((n) => !canServe(to.kind, groupVersionOf(n)));
  const finish =
    to.kind === 'cmetrics'
      ? `register ${from.names.join(' and ')} with cmetrics too (${registerWithCmetrics(group)})`
      : unserved.length
        ? `remove ${unserved.join(' and ')}, which ${to.server} does not serve (kubectl delete apiservice ${unserved.join(' ')}; where cmetrics' chart registered it, helm upgrade with --set apiServices.${REGISTRATION[group]?.key ?? 'GROUP'}.enabled=false)`
        : `point ${from.names.join(' and ')} at ${to.server} too (kubectl edit apiservice ${from.names[0]}: spec.service and spec.caBundle as in ${to.name})`;
  return `${finish}; or go back: point ${to.name} at ${from.server} again (its spec.service and spec.caBundle)`;
}

/** `v1beta1.metrics.k8s.io` → `metrics.k8s.io/v1beta1`. */
function groupVersionOf(apiServiceName: string): string {
  const dot = apiServiceName.indexOf('.');
  return `${apiServiceName.slice(dot + 1)}/${apiServiceName.slice(0, dot)}`;
}

/** What to do when KEDA's HPAs read external.metrics.k8s.io from a server other than KEDA's. */
export function kedaFix(): string {
  return "give v1beta1.external.metrics.k8s.io back to KEDA, which serves its ScaledObjects' metrics: upgrade KEDA's release (it registers the APIService again), and where cmetrics took it, helm upgrade cmetrics --set apiServices.external.enabled=false";
}
