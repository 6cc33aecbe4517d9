// Reading the answers of the metrics APIs, as the controller's metrics client reads them
// (pkg/controller/podautoscaler/metrics/client.go), and the discovery documents the failure diagnosis
// reads. Like objects.ts, every reader takes `where`, the answer's JSON path in the snapshot.

import type { APIResourceList, APIService } from '../../shared/api-types.ts';
import { parseDuration } from '../../shared/duration.ts';
import {
  at,
  bool,
  expectKind,
  GO_ZERO_TIME,
  goTime,
  InvalidField,
  int64,
  isObject,
  type Json,
  list,
  milli,
  object,
  optionalObject,
  text,
  texts,
} from './fields.ts';
import { wrapInt64 } from './go-int.ts';
import { readCondition } from './objects.ts';

// ---- Metric answers ---------------------------------------------------------------------------

/** One value the metrics client hands to the replica calculator (metricsclient.PodMetric). */
export interface PodMetricSample {
  value: bigint;
  timestamp: number;
  windowMs: number;
}

/** A metav1.Duration ("30s", "1m0s"); absent or null is none, as Go's zero value. */
function goDurationMs(v: unknown, where: string): number {
  const duration = text(v, where);
  if (duration === undefined) return 0;
  try {
    return parseDuration(duration);
  } catch {
    throw new InvalidField(where, 'a duration such as "30s"', duration);
  }
}

/** The items of a metrics API list of one of `kinds`, each with its path. */
function metricItems(body: unknown, where: string, kinds: readonly string[]): [Json, string][] {
  const answer = object(body, where);
  expectKind(answer, where, kinds);
  const itemsWhere = at(where, 'items');
  return list(answer.items, itemsWhere).map((item, i) => {
    const itemWhere = at(itemsWhere, i);
    return [object(item, itemWhere), itemWhere];
  });
}

/**
 * A PodMetricsList as getPodMetrics / getContainerMetrics read it: a pod's value is the sum of its
 * containers' usage (a pod with a container lacking the resource, or with no containers, has none),
 * or the named container's usage. Later items with the same name replace earlier ones (a Go map).
 */
export function readPodMetrics(
  body: unknown,
  where: string,
  resource: string,
  container: string,
): Map<string, PodMetricSample> {
  const samples = new Map<string, PodMetricSample>();
  for (const [m, itemWhere] of metricItems(body, where, ['PodMetricsList'])) {
    const metadataWhere = at(itemWhere, 'metadata');
    const name = text(object(m.metadata, metadataWhere).name, at(metadataWhere, 'name')) ?? '';
    const base = {
      timestamp: goTime(m.timestamp, at(itemWhere, 'timestamp')),
      windowMs: goDurationMs(m.window, at(itemWhere, 'window')),
    };
    const containersWhere = at(itemWhere, 'containers');
    const containers = list(m.containers, containersWhere).map((c, i) => {
      const containerWhere = at(containersWhere, i);
      const x = object(c, containerWhere);
      const usageWhere = at(containerWhere, 'usage');
      return {
        name: text(x.name, at(containerWhere, 'name')) ?? '',
        usage: object(x.usage, usageWhere),
        usageWhere,
      };
    });
    if (container !== '') {
      const c = containers.find((x) => x.name === container);
      const usage = c?.usage[resource];
      if (c && usage !== undefined)
        samples.set(name, { ...base, value: milli(usage, at(c.usageWhere, resource)) });
      continue;
    }
    let sum = 0n;
    let missing = containers.length === 0;
    for (const c of containers) {
      const usage = c.usage[resource];
      if (usage === undefined) {
        missing = true;
        break;
      }
      sum = wrapInt64(sum + milli(usage, at(c.usageWhere, resource)));
    }
    if (!missing) samples.set(name, { ...base, value: sum });
  }
  return samples;
}

/** custom pods/* answers by pod name (GetRawMetric); the window defaults to one minute. */
export function readPodsMetricValues(body: unknown, where: string): Map<string, PodMetricSample> {
  const samples = new Map<string, PodMetricSample>();
  for (const [m, itemWhere] of metricItems(body, where, ['MetricValueList'])) {
    const describedWhere = at(itemWhere, 'describedObject');
    const name = text(object(m.describedObject, describedWhere).name, at(describedWhere, 'name')) ?? '';
    // v1beta2 windowSeconds, v1beta1 window: both int64 seconds.
    const seconds =
      int64(m.windowSeconds, at(itemWhere, 'windowSeconds')) ?? int64(m.window, at(itemWhere, 'window'));
    samples.set(name, {
      value: milli(m.value, at(itemWhere, 'value')),
      timestamp: goTime(m.timestamp, at(itemWhere, 'timestamp')),
      windowMs: seconds === undefined ? 60_000 : seconds * 1000,
    });
  }
  return samples;
}

/** The single object value GetForObject insists on; undefined with the client's error otherwise. */
export function readObjectMetricValue(
  body: unknown,
  where: string,
): { value: bigint; timestamp: number } | { error: string } {
  const items: [Json, string][] =
    isObject(body) && body.kind === 'MetricValue'
      ? [[body, where]]
      : metricItems(body, where, ['MetricValueList']);
  if (items.length !== 1) {
    return {
      error: `the custom metrics API server returned ${items.length} results when we asked for exactly one`,
    };
  }
  const [item, itemWhere] = items[0] as [Json, string];
  return {
    value: milli(item.value, at(itemWhere, 'value')),
    timestamp: goTime(item.timestamp, at(itemWhere, 'timestamp')),
  };
}

/** External values in answer order, with the first item's timestamp. */
export function readExternalValues(body: unknown, where: string): { values: bigint[]; timestamp: number } {
  const items = metricItems(body, where, ['ExternalMetricValueList']);
  const timestamps = items.map(([m, itemWhere]) => goTime(m.timestamp, at(itemWhere, 'timestamp')));
  return {
    values: items.map(([m, itemWhere]) => milli(m.value, at(itemWhere, 'value'))),
    timestamp: timestamps[0] ?? GO_ZERO_TIME,
  };
}

// ---- Diagnosis documents ----------------------------------------------------------------------

/** The items of an APIServiceList, with the fields the failure diagnosis reads. */
export function readAPIServices(body: unknown, where: string): APIService[] {
  const services = object(body, where);
  expectKind(services, where, ['APIServiceList']);
  const itemsWhere = at(where, 'items');
  return list(services.items, itemsWhere).map((item, i) => {
    const serviceWhere = at(itemsWhere, i);
    const s = object(item, serviceWhere);
    const metadataWhere = at(serviceWhere, 'metadata');
    const specWhere = at(serviceWhere, 'spec');
    const spec = object(s.spec, specWhere);
    const backendWhere = at(specWhere, 'service');
    const backend = optionalObject(spec.service, backendWhere);
    const statusWhere = at(serviceWhere, 'status');
    const conditionsWhere = at(statusWhere, 'conditions');
    return {
      metadata: { name: text(object(s.metadata, metadataWhere).name, at(metadataWhere, 'name')) ?? '' },
      spec: {
        group: text(spec.group, at(specWhere, 'group')) ?? '',
        version: text(spec.version, at(specWhere, 'version')) ?? '',
        ...(backend && {
          service: {
            namespace: text(backend.namespace, at(backendWhere, 'namespace')) ?? '',
            name: text(backend.name, at(backendWhere, 'name')) ?? '',
          },
        }),
      },
      status: {
        conditions: list(object(s.status, statusWhere).conditions, conditionsWhere).map((c, j) =>
          readCondition(c, at(conditionsWhere, j)),
        ),
      },
    };
  });
}

/** A discovery document (APIResourceList), with the fields the failure diagnosis reads. */
export function readResourceList(body: unknown, where: string): APIResourceList {
  const resources = object(body, where);
  expectKind(resources, where, ['APIResourceList']);
  const resourcesWhere = at(where, 'resources');
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: text(resources.groupVersion, at(where, 'groupVersion')) ?? '',
    resources: list(resources.resources, resourcesWhere).map((item, i) => {
      const resourceWhere = at(resourcesWhere, i);
      const r = object(item, resourceWhere);
      return {
        name: text(r.name, at(resourceWhere, 'name')) ?? '',
        singularName: text(r.singularName, at(resourceWhere, 'singularName')) ?? '',
        namespaced: bool(r.namespaced, at(resourceWhere, 'namespaced')) ?? false,
        kind: text(r.kind, at(resourceWhere, 'kind')) ?? '',
        verbs: texts(r.verbs, at(resourceWhere, 'verbs')),
      };
    }),
  };
}
