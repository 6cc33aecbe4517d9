// What each failed metric of an HPA needs, one line each: the fix, from the snapshot alone, so that
// `explain hpa --from-snapshot` prints the same as the live command.
import { CUSTOM_GROUP, EXTERNAL_GROUP, RESOURCE_GROUP } from '../../shared/api-types.ts';
import { readAPIServices, readResourceList } from '../hpa/answers.ts';
import { readScale } from '../hpa/objects.ts';
import type { HPASnapshot } from '../hpa/snapshot.ts';
import type { HpaState } from '../hpa/state.ts';
import type { Decision } from '../hpa/types.ts';
import { apiServiceProblem, forbidden, requestFailureLine, unavailable } from './failures.ts';
import { customMetricProblem, customMetricsOf, externalMetricProblem } from './metrics.ts';

/** Shell quoting for a command the user may paste. */
const quote = (word: string) => (/^[\w./=:,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);

interface MetricCall {
  group: string;
  groupVersion: string;
  namespace?: string;
  /** Custom: `pods`, `services`, `deployments.apps`, `namespaces`. */
  resource?: string;
  name?: string;
  metric?: string;
  labelSelector?: string;
  metricSelector?: string;
}

/** The parts of a metrics API path (the forms api.ts builds); undefined for any other path. */
export function parseMetricPath(path: string): MetricCall | undefined {
  // A hand-written snapshot's path may be any string (docs/hpa-snapshot.md), even one URL refuses.
  if (!URL.canParse(path, 'https://api')) return undefined;
  const url = new URL(path, 'https://api');
  const m = /^\/apis\/([^/]+)\/([^/]+)(\/.*)?$/.exec(url.pathname);
  if (!m) return undefined;
  const [, group = '', version = '', rest = ''] = m;
  const parts = rest.split('/').filter(Boolean).map(decodeURIComponent);
  const call: MetricCall = { group, groupVersion: `${group}/${version}` };
  const labelSelector = url.searchParams.get('labelSelector');
  const metricSelector = url.searchParams.get('metricLabelSelector');
  if (labelSelector) call.labelSelector = labelSelector;
  if (metricSelector) call.metricSelector = metricSelector;
  if (parts[0] === 'namespaces' && parts[1] !== undefined) call.namespace = parts[1];
  const inNamespace = parts.slice(call.namespace === undefined ? 0 : 2);
  if (group === CUSTOM_GROUP) {
    if (inNamespace[0] === 'metrics') {
      Object.assign(call, { resource: 'namespaces', name: call.namespace, metric: inNamespace[1] });
      delete call.namespace;
    } else {
      Object.assign(call, { resource: inNamespace[0], name: inNamespace[1], metric: inNamespace[2] });
    }
  } else if (group === EXTERNAL_GROUP) {
    call.metric = inNamespace[0];
  } else if (group === RESOURCE_GROUP) {
    call.resource = inNamespace[0];
  }
  return call;
}

/** The `kubectl cmetrics get …` command that repeats a metric call. */
export function reproduce(c: MetricCall): string | undefined {
  const flags = [
    ...(c.namespace ? ['-n', c.namespace] : []),
    ...(c.labelSelector ? ['-l', c.labelSelector] : []),
    ...(c.metricSelector ? ['--metric-selector', c.metricSelector] : []),
  ];
  const words =
    c.group === CUSTOM_GROUP && c.resource && c.name && c.metric
      ? ['get', 'custom', `${c.resource}/${c.name}`, c.metric, ...flags]
      : c.group === EXTERNAL_GROUP && c.metric
        ? ['get', 'external', c.metric, ...flags]
        : c.group === RESOURCE_GROUP
          ? ['get', 'resource', 'pods', ...flags]
          : undefined;
  return words && ['kubectl cmetrics', ...words.map(quote)].join(' ');
}

/** A failed metric call: requestFailureLine, with what only the snapshot can tell for 403, 404 and 5xx. */
function fetchFailed(
  snapshot: HPASnapshot,
  failure: { path: string; code: number; message: string },
): string {
  const { path, code, message } = failure;
  const call = parseMetricPath(path);
  if (code === 403) {
    return `${forbidden(message)}; the controller has its own access: check it with kubectl cmetrics doctor`;
  }
  if (call && code >= 502 && code <= 504) {
    const answer = snapshot.diagnosis?.apiServices?.body;
    const services = answer === undefined ? undefined : readAPIServices(answer, 'diagnosis.apiServices.body');
    const down = services
      ?.filter((s) => s.spec.group === call.group)
      .map(unavailable)
      .find(Boolean);
    if (down) return down;
    if (services === undefined) return apiServiceProblem(undefined, call.group);
    const again = reproduce(call);
    return `${message} (HTTP ${code}): the APIService is Available, so its server failed to answer; check it with kubectl cmetrics doctor${again ? `; see for yourself: ${again}` : ''}`;
  }
  if (code === 404) {
    const line = notServed(snapshot, call, message);
    if (line) return line;
  }
  return requestFailureLine({ code, message, target: call });
}

/** A 404: the metric is not advertised (with the closest names), or it is but has no value here. */
function notServed(snapshot: HPASnapshot, call: MetricCall | undefined, message: string): string | undefined {
  if (!call?.metric) return undefined;
  const answer = snapshot.diagnosis?.discovery?.[call.groupVersion]?.body;
  const list =
    answer === undefined
      ? undefined
      : readResourceList(answer, `diagnosis.discovery[${JSON.stringify(call.groupVersion)}].body`);
  const again = reproduce(call);
  if (list) {
    const problem =
      call.group === CUSTOM_GROUP
        ? customMetricProblem(customMetricsOf(list), call.resource ?? '', call.metric)
        : externalMetricProblem(
            list.resources.map((r) => r.name),
            call.metric,
          );
    if (problem) return problem;
  }
  return `${message}; ${list ? `${call.metric} is listed by ${call.groupVersion}, but has no value for what the HPA asks: check that Prometheus has its series` : 'see what is served: kubectl cmetrics list'}${again ? ` (repeat the call: ${again})` : ''}`;
}

function podsCommand(d: Decision, snapshot: HPASnapshot): string {
  const selector = readScale(snapshot.scale?.body, 'scale.body').selector;
  return `kubectl get pods -n ${d.namespace}${selector ? ` -l ${quote(selector)}` : ''}`;
}

/** For each failed metric (by index): what is wrong and what to do, one line. */
export function diagnose(snapshot: HPASnapshot, d: Decision): Record<number, string> {
  const fixes: Record<number, string> = {};
  for (const m of d.metrics) {
    const cause = m.failure?.cause;
    if (!cause) continue;
    switch (cause.kind) {
      case 'FetchFailed':
        fixes[m.index] = fetchFailed(snapshot, cause);
        break;
      case 'NotFetched':
        fixes[m.index] = readScale(snapshot.scale?.body, 'scale.body').selector
          ? `not requested: the metric's selector is invalid; correct the HPA's spec.metrics[${m.index}]`
          : `not requested: the target's scale has no selector; check: kubectl get --raw ${quote(snapshot.scale?.path ?? '')}`;
        break;
      case 'NoValues': {
        const call = cause.path ? parseMetricPath(cause.path) : undefined;
        const again = call && reproduce(call);
        fixes[m.index] =
          `the metrics API answered without a value the controller can use: check that Prometheus has series for ${m.name} of these objects${again ? ` (repeat the call: ${again})` : ''}`;
        break;
      }
      case 'NoReadyPodMetrics':
        fixes[m.index] =
          `every pod with a value is unready or ignored (${[...cause.unready, ...cause.ignored].join(', ') || 'none'}): the controller waits for Ready pods; check them: ${podsCommand(d, snapshot)}`;
        break;
      case 'MissingRequests':
        fixes[m.index] =
          `a Utilization target needs a ${cause.resource} request on every container; none is set in ${cause.pods
            .map((p) => `${p.pod} (${p.containers.join(', ')})`)
            .join(
              ', ',
            )}: set resources.requests.${cause.resource} in the pod template, or use an AverageValue target`;
        break;
      case 'NoPods':
        fixes[m.index] = `the target's selector matches no pod; check: ${podsCommand(d, snapshot)}`;
        break;
      case 'Invalid': {
        if (cause.path === undefined) {
          fixes[m.index] = `${cause.message}; correct the HPA's spec.metrics[${m.index}]`;
          break;
        }
        const call = parseMetricPath(cause.path);
        const again = call && reproduce(call);
        fixes[m.index] =
          `${cause.message}: the metrics API sent what its client cannot decode; check the adapter that serves ${call?.groupVersion ?? 'it'}${again ? ` (repeat the call: ${again})` : ''}`;
        break;
      }
    }
  }
  return fixes;
}

/**
 * The one line that fixes an HPA's state (hpa/state.ts), for `explain hpa -A`: the fix `explain hpa
 * NAME` gives its first failed metric, or what to do about its scale or selector; none for a working HPA.
 */
export function stateFix(
  snapshot: HPASnapshot,
  d: Decision,
  state: HpaState,
  fixes: Record<number, string>,
): string | undefined {
  switch (state.kind) {
    case 'MetricFailed':
      return fixes[state.metric];
    case 'ScaleUnreadable': {
      const error = snapshot.scale?.error;
      const group = /^\/apis\/([^/]+)\//.exec(snapshot.scale?.path ?? '')?.[1];
      return error
        ? requestFailureLine({ ...error, target: group ? { group } : undefined })
        : `check the target: kubectl get ${d.target.toLowerCase()} -n ${d.namespace}`;
    }
    case 'SelectorProblem':
      return state.reason === 'AmbiguousSelector'
        ? `several HPAs select these pods (${snapshot.conflictingHPAs?.join(', ') ?? 'another'}): keep one HPA per workload`
        : `the target's scale has no valid selector; check: kubectl get --raw ${quote(snapshot.scale?.path ?? '')}`;
    default:
      return undefined;
  }
}
