// The server's own metrics: API requests by group, resource and code, on the registry served at
// /metrics. Every label value is from a bounded set: API groups, resources the cluster or the
// configuration knows.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { CUSTOM_GROUP, EXTERNAL_GROUP, HISTORY_GROUP, RESOURCE_GROUP } from '../../shared/api-types.ts';
import type { RequestAttributes } from './request-info.ts';

export interface ServerMetrics {
  registry: Registry;
  /** Times one API request; call the result with the answer's code. */
  startRequest(attributes: RequestAttributes): (code: number) => void;
}

/** The API group and resource a request is counted under. */
export function requestLabels(
  a: RequestAttributes,
  knownResource: (group: string, resource: string) => boolean,
): { group: string; resource: string } {
  if (a.kind === 'nonResource') {
    const [root, group] = a.path.split('/').filter(Boolean);
    // Discovery (/apis/GROUP[/VERSION]) is counted under its group; other paths are not groups.
    return { group: root === 'apis' && group && knownGroup(group) ? group : '', resource: '' };
  }
  if (!knownGroup(a.group)) return { group: 'unknown', resource: 'unknown' };
  return { group: a.group, resource: knownResource(a.group, a.resource) ? a.resource : 'unknown' };
}

const GROUPS = new Set([RESOURCE_GROUP, CUSTOM_GROUP, EXTERNAL_GROUP, HISTORY_GROUP]);
function knownGroup(group: string): boolean {
  return GROUPS.has(group);
}

/** Seconds, from a cached answer to a slow Prometheus query. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * A registry with the process' metrics and the server's own request metrics. `knownResource`: whether
 * `resource` of `group` names something served (a cluster resource, an external metric); anything
 * else is counted as `unknown`, so clients cannot make up label values.
 */
export function createServerMetrics(
  knownResource: (group: string, resource: string) => boolean = () => false,
): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'cmetrics_proxy_' });
  const requests = new Counter({
    name: 'cmetrics_proxy_requests_total',
    help: 'API requests answered, by API group, resource and status code.',
    labelNames: ['group', 'resource', 'code'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'cmetrics_proxy_request_duration_seconds',
    help: 'Time to answer an API request, by API group, resource and status code.',
    labelNames: ['group', 'resource', 'code'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'cmetrics_proxy_requests_in_flight',
    help: 'API requests being answered now.',
    registers: [registry],
  });
  return {
    registry,
    startRequest: (attributes) => {
      const labels = requestLabels(attributes, knownResource);
      const end = latency.startTimer(labels);
      inFlight.inc();
      return (code) => {
        inFlight.dec();
        end({ code: String(code) });
        requests.inc({ ...labels, code: String(code) });
      };
    },
  };
}
