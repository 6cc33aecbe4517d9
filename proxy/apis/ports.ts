// What the three metrics APIs read through: the cluster's objects, the metric registry and mapper of
// the configuration in force, and Prometheus. main.ts wires the real ones; tests pass stand-ins.
import type { Requirement } from '../../shared/labels.ts';
import type { CachedObject } from '../kube/caches.ts';
import type { PrometheusAnswer } from '../prometheus/client.ts';
import type { MetricRegistry } from '../rules/registry.ts';
import type { ApiResource, ResourceMapper } from '../rules/resources.ts';

/** Objects the cluster has, from watch caches. */
interface ObjectSource {
  /** Sorted by namespace, then name: the order of a MetricValueList's items. */
  names(
    resource: ApiResource,
    namespace: string | undefined,
    selector: readonly Requirement[],
  ): Promise<string[]>;
  exists(resource: ApiResource, namespace: string | undefined, name: string): Promise<boolean>;
  /** Sorted by namespace, then name. */
  list(
    resource: ApiResource,
    namespace: string | undefined,
    selector: readonly Requirement[],
  ): Promise<CachedObject[]>;
  get(resource: ApiResource, namespace: string | undefined, name: string): Promise<CachedObject | undefined>;
}

export interface CustomMetricsBackend {
  registry(): MetricRegistry;
  mapper(): ResourceMapper;
  objects: ObjectSource;
  /** `backend` is the rule's backend name ('' for the default). */
  query(expr: string, timeMs: number, backend: string): Promise<PrometheusAnswer>;
  now(): number;
}
