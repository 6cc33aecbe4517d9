// metrics.k8s.io (v1 and v1beta1 carry the same fields): PodMetrics and NodeMetrics from resourceRules
// for the objects in the watch caches, selected, filtered and shaped as metrics-server answers.
import {
  formatTime,
  type NodeMetrics,
  type NodeMetricsList,
  type PodMetrics,
  type PodMetricsList,
  RESOURCE_GROUP,
  type ResourceList,
  type ResourceVersion,
} from '../../shared/api-types.ts';
import { formatGoDuration } from '../../shared/duration.ts';
import type { Requirement } from '../../shared/labels.ts';
import { formatQuantity, type Quantity, quantityFromNumber } from '../../shared/quantity.ts';
import type { CachedObject } from '../kube/caches.ts';
import type { SnapshotRead } from '../prometheus/resource-store.ts';
import { type CompiledResourceRules, USAGE_RESOURCES, type UsageResource } from '../rules/resource-rules.ts';
import type { ResourceSnapshot, UsageSample } from '../rules/resource-snapshot.ts';
import { type GroupResource, NODES, PODS } from '../rules/resources.ts';
import type { CustomMetricsBackend } from './ports.ts';
import { type FieldRequirement, fieldSelectorParam, fieldsMatch, selectorParam } from './query-params.ts';
import { ApiError } from './status.ts';

export interface ResourceMetricsRequest {
  version: ResourceVersion;
  resource: 'nodes' | 'pods';
  /** Pods only; undefined asks for every namespace. */
  namespace: string | undefined;
  /** Undefined lists the objects labelSelector matches. */
  name: string | undefined;
  labelSelector: Requirement[];
  /** Lists only; metadata.name and metadata.namespace, as metrics-server filters its lister's pods. */
  fieldSelector: FieldRequirement[];
}

export interface ResourceMetricsBackend extends Pick<CustomMetricsBackend, 'mapper' | 'objects'> {
  /** Undefined when the configuration has no resourceRules: metrics.k8s.io is then not served. */
  resourceRules?: CompiledResourceRules | undefined;
  /** The resource-metrics store's last evaluation (prometheus/resource-store.ts), if fresh. */
  resourceSnapshot(): SnapshotRead;
}

interface ResourceMetricsAnswer {
  body: PodMetricsList | NodeMetricsList | PodMetrics | NodeMetrics;
  warnings: string[];
}

/** Parses the part of the path after `/apis/metrics.k8s.io/VERSION/`; undefined if it is no metrics path. */
export function parseResourceMetricsPath(
  version: ResourceVersion,
  segments: readonly string[],
  query: URLSearchParams,
): ResourceMetricsRequest | undefined {
  const [a, b, c, d, ...extra] = segments;
  if (extra.length) return undefined;
  const request = (
    resource: 'nodes' | 'pods',
    namespace: string | undefined,
    name: string | undefined,
  ): ResourceMetricsRequest => ({
    version,
    resource,
    namespace,
    name,
    labelSelector: selectorParam(query, 'labelSelector'),
    // A get has no fieldSelector (metav1.GetOptions).
    fieldSelector: name === undefined ? fieldSelectorParam(query) : [],
  });
  if (a === 'nodes' && c === undefined) return request('nodes', undefined, b);
  if (a === 'pods' && b === undefined) return request('pods', undefined, undefined);
  if (a === 'namespaces' && b && c === 'pods') return request('pods', b, d);
  return undefined;
}

export const NOT_CONFIGURED = `${RESOURCE_GROUP} is not served: the configuration has no resourceRules`;

export async function getResourceMetrics(
  req: ResourceMetricsRequest,
  backend: ResourceMetricsBackend,
  requestMs = Date.now(),
): Promise<ResourceMetricsAnswer> {
  if (!backend.resourceRules) throw new ApiError(404, NOT_CONFIGURED);
  const read = backend.resourceSnapshot();
  if ('unavailable' in read) throw new ApiError(503, read.unavailable);
  const answer = new Answer(req, read.snapshot, requestMs);
  return req.resource === 'pods' ? podMetrics(req, backend, answer) : nodeMetrics(req, backend, answer);
}

async function podMetrics(
  req: ResourceMetricsRequest,
  backend: ResourceMetricsBackend,
  answer: Answer,
): Promise<ResourceMetricsAnswer> {
  const objects = await selectObjects(req, backend, PODS);
  // metrics-server's rule: only Running pods have usage.
  const pods = objects.filter((p) => p.status?.phase === 'Running');
  const items: PodMetrics[] = [];
  for (const pod of pods) {
    const item = answer.item<PodMetrics>(pod, (warnings) => {
      const { name, namespace = '' } = pod.metadata;
      const names = containersOf(pod);
      const usages = names.map((c) =>
        answer.usage(`pod ${namespace}/${name} container ${c}`, warnings, (r, s) =>
          s.container(namespace, name, c, r),
        ),
      );
      // A pod is reported only with both usages of every container of its spec: with one missing, an
      // HPA would undercount the pod (docs/proxy.md, Completeness).
      if (!names.length || usages.some((u) => !u)) return undefined;
      const found = usages as NonNullable<(typeof usages)[number]>[];
      return {
        metadata: answer.metadata(pod),
        ...answer.interval(Math.min(...found.map((u) => u.timestampMs))),
        containers: found.map((u, i) => ({ name: names[i] as string, usage: u.usage })),
      };
    });
    if (item) items.push(item);
  }
  return answer.finish(pods.length, items);
}

async function nodeMetrics(
  req: ResourceMetricsRequest,
  backend: ResourceMetricsBackend,
  answer: Answer,
): Promise<ResourceMetricsAnswer> {
  const nodes = await selectObjects(req, backend, NODES);
  const items: NodeMetrics[] = [];
  for (const node of nodes) {
    const item = answer.item<NodeMetrics>(node, (warnings) => {
      const name = node.metadata.name;
      const usage = answer.usage(`node ${name}`, warnings, (r, s) => s.node(name, r));
      if (!usage) return undefined;
      return { metadata: answer.metadata(node), ...answer.interval(usage.timestampMs), usage: usage.usage };
    });
    if (item) items.push(item);
  }
  return answer.finish(nodes.length, items);
}

async function selectObjects(
  req: ResourceMetricsRequest,
  backend: ResourceMetricsBackend,
  gr: GroupResource,
): Promise<CachedObject[]> {
  const resource = backend.mapper().get(gr);
  if (!resource) throw new ApiError(503, `the cluster's discovery lists no ${gr.resource} resource`);
  if (req.name === undefined) {
    const objects = await backend.objects.list(resource, req.namespace, req.labelSelector);
    if (!req.fieldSelector.length) return objects;
    // metrics-server's fields: generic.AddObjectMetaFieldsSet (metadata.namespace for pods only).
    return objects.filter(({ metadata }) =>
      fieldsMatch(req.fieldSelector, {
        'metadata.name': metadata.name,
        ...(req.resource === 'pods' ? { 'metadata.namespace': metadata.namespace ?? '' } : {}),
      }),
    );
  }
  const object = await backend.objects.get(resource, req.namespace, req.name);
  return object ? [object] : [];
}

/** The pod's long-running containers: its containers and its sidecars (restartable init containers). */
function containersOf(pod: CachedObject): string[] {
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  return [...(pod.spec?.containers ?? []), ...sidecars].map((c) => c.name);
}

type Item = PodMetrics | NodeMetrics;

/** An object's item as built from one snapshot in one second (undefined: left out), and its warnings. */
interface BuiltItem {
  item: Item | undefined;
  warnings: readonly string[];
}

/**
 * Items already built from a snapshot in the second they carry as creationTimestamp, by object:
 * the requests of one second (kubectl top, the HPAs of a namespace, every metrics.k8s.io client)
 * select the same pods, and building 1,000 items costs more than encoding them. Only the newest
 * second is kept, and it goes with its snapshot (weakly held, as the objects are).
 */
const builtItems = new WeakMap<
  ResourceSnapshot,
  { creationTimestamp: string; items: WeakMap<CachedObject, BuiltItem> }
>();

function itemsBuilt(snapshot: ResourceSnapshot, creationTimestamp: string): WeakMap<CachedObject, BuiltItem> {
  let built = builtItems.get(snapshot);
  if (built?.creationTimestamp !== creationTimestamp) {
    built = { creationTimestamp, items: new WeakMap() };
    builtItems.set(snapshot, built);
  }
  return built.items;
}

/** The pieces every item shares, and the warnings gathered on the way. */
class Answer {
  private readonly req: ResourceMetricsRequest;
  private readonly snapshot: ResourceSnapshot;
  readonly warnings: string[];
  private readonly creationTimestamp: string;
  /** The same for every item: formatted once. */
  private readonly window: string;
  private readonly built: WeakMap<CachedObject, BuiltItem>;

  constructor(req: ResourceMetricsRequest, snapshot: ResourceSnapshot, requestMs: number) {
    this.req = req;
    this.snapshot = snapshot;
    // The problems are the container queries' (the refused series).
    this.warnings = req.resource === 'pods' ? [...snapshot.info.problems] : [];
    this.creationTimestamp = formatTime(requestMs);
    this.window = formatGoDuration(snapshot.info.windowMs);
    this.built = itemsBuilt(snapshot, this.creationTimestamp);
  }

  /**
   * The object's item (undefined when it is left out), built once per snapshot and second; its
   * warnings are this answer's too. Items are shared between answers: read them, never change them.
   */
  item<T extends Item>(object: CachedObject, build: (warnings: string[]) => T | undefined): T | undefined {
    let built = this.built.get(object);
    if (!built) {
      const warnings: string[] = [];
      built = { item: build(warnings), warnings };
      this.built.set(object, built);
    }
    this.warnings.push(...built.warnings);
    // An object is a pod or a node, never both: its item is the T it was built as.
    return built.item as T | undefined;
  }

  /** Both usages of one container or node, or undefined (with a warning when a value is unusable). */
  usage(
    what: string,
    warnings: string[],
    sampleOf: (r: UsageResource, snapshot: ResourceSnapshot) => UsageSample | undefined,
  ): { usage: ResourceList; timestampMs: number } | undefined {
    const usage: ResourceList = {};
    let timestampMs = Number.POSITIVE_INFINITY;
    for (const r of USAGE_RESOURCES) {
      const s = sampleOf(r, this.snapshot);
      if (!s) return undefined;
      // NaN, ±Inf and negative usage mean nothing; never report them as 0.
      if (!Number.isFinite(s.value) || s.value < 0) {
        warnings.push(`${what}: ${r} usage is ${s.value}, left out`);
        return undefined;
      }
      usage[r] = usageQuantity(r, s.value);
      timestampMs = Math.min(timestampMs, s.timestampMs);
    }
    return { usage, timestampMs };
  }

  metadata(object: CachedObject): PodMetrics['metadata'] {
    const { name, namespace, labels } = object.metadata;
    return {
      name,
      ...(namespace ? { namespace } : {}),
      creationTimestamp: this.creationTimestamp,
      ...(labels && Object.keys(labels).length ? { labels: { ...labels } } : {}),
    };
  }

  interval(timestampMs: number): { timestamp: string; window: string } {
    return { timestamp: formatTime(timestampMs), window: this.window };
  }

  finish(selected: number, items: Item[]): ResourceMetricsAnswer {
    const { req } = this;
    const apiVersion = `${RESOURCE_GROUP}/${req.version}`;
    const kind = req.resource === 'pods' ? 'PodMetrics' : 'NodeMetrics';
    if (req.name !== undefined) {
      const item = items[0];
      if (!item) {
        // metrics-server's NotFound, whether the object or its usage is missing.
        const name = req.namespace ? `${req.namespace}/${req.name}` : req.name;
        const resource = kind.toLowerCase();
        throw new ApiError(404, `${resource}.${RESOURCE_GROUP} "${name}" not found`, {
          name,
          group: RESOURCE_GROUP,
          kind: resource,
        });
      }
      return { body: { kind, apiVersion, ...item } as PodMetrics | NodeMetrics, warnings: this.warnings };
    }
    if (selected && !items.length && !this.warnings.length) {
      const { queries } = this.snapshot.info;
      const sent = req.resource === 'pods' ? queries.slice(0, 2) : queries.slice(2);
      this.warnings.push(
        `Prometheus has no cpu and memory usage for any of the ${selected} selected ${req.resource}; queries: ${sent.join(' ; ')}`,
      );
    }
    const body = { kind: `${kind}List`, apiVersion, metadata: {}, items } as PodMetricsList | NodeMetricsList;
    return { body, warnings: this.warnings };
  }
}

/** A usage as metrics-server writes it: cpu in whole nanocores, memory in whole bytes (canonical quantities). */
export function usageQuantity(r: UsageResource, value: number): string {
  return formatQuantity(r === 'cpu' ? nanocores(value) : bytes(value));
}

/** CPU cores as whole nanocores, like metrics-server; nearest, so float noise never adds a nanocore. */
function nanocores(cores: number): Quantity {
  return { unscaled: BigInt(Math.round(cores * 1e9)), scale: -9, format: 'DecimalSI' };
}

function bytes(value: number): Quantity {
  return quantityFromNumber(Math.round(value), 'BinarySI');
}
