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
import type { PrometheusSample } from '../prometheus/client.ts';
import {
  buildContainerQuery,
  buildNodeQuery,
  type CompiledResourceRule,
  type CompiledResourceRules,
  USAGE_RESOURCES,
  type UsageResource,
} from '../rules/resource-rules.ts';
import { type GroupResource, NODES, PODS } from '../rules/resources.ts';
import type { CustomMetricsBackend } from './ports.ts';
import { selectorParam } from './query-params.ts';
import { ApiError } from './status.ts';

export interface ResourceMetricsRequest {
  version: ResourceVersion;
  resource: 'nodes' | 'pods';
  /** Pods only; undefined asks for every namespace. */
  namespace: string | undefined;
  /** Undefined lists the objects labelSelector matches. */
  name: string | undefined;
  labelSelector: Requirement[];
}

export interface ResourceMetricsBackend
  extends Pick<CustomMetricsBackend, 'mapper' | 'objects' | 'query' | 'now'> {
  /** Undefined when the configuration has no resourceRules: metrics.k8s.io is then not served. */
  resourceRules?: CompiledResourceRules | undefined;
}

interface ResourceMetricsAnswer {
  body: PodMetricsList | NodeMetricsList | PodMetrics | NodeMetrics;
  warnings: string[];
}

/** Namespaces queried at once for an all-namespace list; each costs one query per resource. */
const NAMESPACES_IN_FLIGHT = 8;

/** Parses the part of the path after `/apis/metrics.k8s.io/VERSION/`; undefined if it is no metrics path. */
export function parseResourceMetricsPath(
  version: ResourceVersion,
  segments: readonly string[],
  query: URLSearchParams,
): ResourceMetricsRequest | undefined {
  const [a, b, c, d, ...extra] = segments;
  if (extra.length) return undefined;
  const labelSelector = () => selectorParam(query, 'labelSelector');
  if (a === 'nodes' && c === undefined) {
    return { version, resource: 'nodes', namespace: undefined, name: b, labelSelector: labelSelector() };
  }
  if (a === 'pods' && b === undefined) {
    return {
      version,
      resource: 'pods',
      namespace: undefined,
      name: undefined,
      labelSelector: labelSelector(),
    };
  }
  if (a === 'namespaces' && b && c === 'pods') {
    return { version, resource: 'pods', namespace: b, name: d, labelSelector: labelSelector() };
  }
  return undefined;
}

export const NOT_CONFIGURED = `${RESOURCE_GROUP} is not served: the configuration has no resourceRules`;

export async function getResourceMetrics(
  req: ResourceMetricsRequest,
  backend: ResourceMetricsBackend,
  requestMs = Date.now(),
): Promise<ResourceMetricsAnswer> {
  if (!backend.resourceRules) throw new ApiError(404, NOT_CONFIGURED);
  const answer = new Answer(req, backend.resourceRules, requestMs);
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
  const namesByNamespace = new Map<string, string[]>();
  for (const pod of pods) {
    const ns = pod.metadata.namespace ?? '';
    const names = namesByNamespace.get(ns) ?? [];
    names.push(pod.metadata.name);
    namesByNamespace.set(ns, names);
  }
  // One query per resource and namespace: the containerQuery groups by pod and container only.
  const timeMs = backend.now();
  const indexes = new Map(
    await mapLimited([...namesByNamespace], NAMESPACES_IN_FLIGHT, async ([ns, names]) => {
      const samples = await answer.queryBoth(backend, timeMs, (rule) => buildContainerQuery(rule, ns, names));
      return [ns, answer.index(samples, (rule) => [rule.podLabel, rule.containerLabel])] as const;
    }),
  );
  const items: PodMetrics[] = [];
  for (const pod of pods) {
    const { name, namespace = '' } = pod.metadata;
    const index = indexes.get(namespace) as SampleIndex;
    const names = containersOf(pod);
    const usages = names.map((c) =>
      answer.usage(`pod ${namespace}/${name} container ${c}`, (r) => index[r].get(key(name, c))),
    );
    // metrics-server's rule: a pod is reported only with both usages of every container.
    if (!names.length || usages.some((u) => !u)) continue;
    const found = usages as NonNullable<(typeof usages)[number]>[];
    items.push({
      metadata: answer.metadata(pod),
      ...answer.interval(Math.min(...found.map((u) => u.timestampMs))),
      containers: found.map((u, i) => ({ name: names[i] as string, usage: u.usage })),
    });
  }
  return answer.finish(pods.length, items);
}

async function nodeMetrics(
  req: ResourceMetricsRequest,
  backend: ResourceMetricsBackend,
  answer: Answer,
): Promise<ResourceMetricsAnswer> {
  const nodes = await selectObjects(req, backend, NODES);
  const names = nodes.map((n) => n.metadata.name);
  const samples = names.length
    ? await answer.queryBoth(backend, backend.now(), (rule) => buildNodeQuery(rule, names))
    : { cpu: [], memory: [] };
  const index = answer.index(samples, (rule) => [rule.nodeLabel]);
  const items: NodeMetrics[] = [];
  for (const node of nodes) {
    const name = node.metadata.name;
    const usage = answer.usage(`node ${name}`, (r) => index[r].get(key(name)));
    if (!usage) continue;
    items.push({
      metadata: answer.metadata(node),
      ...answer.interval(usage.timestampMs),
      usage: usage.usage,
    });
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
  if (req.name === undefined) return backend.objects.list(resource, req.namespace, req.labelSelector);
  const object = await backend.objects.get(resource, req.namespace, req.name);
  return object ? [object] : [];
}

/** The pod's long-running containers: its containers and its sidecars (restartable init containers). */
function containersOf(pod: CachedObject): string[] {
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  return [...(pod.spec?.containers ?? []), ...sidecars].map((c) => c.name);
}

type SampleIndex = Record<UsageResource, Map<string, PrometheusSample>>;

const key = (...parts: string[]) => JSON.stringify(parts);

/** The pieces every item shares, and the warnings gathered on the way. */
class Answer {
  private readonly req: ResourceMetricsRequest;
  private readonly rules: CompiledResourceRules;
  readonly warnings: string[] = [];
  private readonly creationTimestamp: string;
  /** The same for every item: formatted once. */
  private readonly window: string;
  private readonly queries: string[] = [];

  constructor(req: ResourceMetricsRequest, rules: CompiledResourceRules, requestMs: number) {
    this.req = req;
    this.rules = rules;
    this.creationTimestamp = formatTime(requestMs);
    this.window = formatGoDuration(rules.windowMs);
  }

  async queryBoth(
    backend: ResourceMetricsBackend,
    timeMs: number,
    build: (rule: CompiledResourceRule) => string,
  ): Promise<Record<UsageResource, PrometheusSample[]>> {
    const exprs = USAGE_RESOURCES.map((r) => build(this.rules[r]));
    this.queries.push(...exprs);
    const [cpu = [], memory = []] = await Promise.all(
      exprs.map((e) => backend.query(e, timeMs, this.rules.backend)),
    );
    return { cpu, memory };
  }

  /** Samples by the values of the labels that name their object (`labelsOf` each rule); the first wins. */
  index(
    samples: Record<UsageResource, readonly PrometheusSample[]>,
    labelsOf: (rule: CompiledResourceRule) => string[],
  ) {
    const byKey = (r: UsageResource) => {
      const labels = labelsOf(this.rules[r]);
      const out = new Map<string, PrometheusSample>();
      for (const s of samples[r]) {
        const values = labels.map((l) => s.labels[l]);
        if (values.some((v) => v === undefined)) continue;
        const k = key(...(values as string[]));
        if (!out.has(k)) out.set(k, s);
      }
      return out;
    };
    return { cpu: byKey('cpu'), memory: byKey('memory') } satisfies SampleIndex;
  }

  /** Both usages of one container or node, or undefined (with a warning when a value is unusable). */
  usage(
    what: string,
    sampleOf: (r: UsageResource) => PrometheusSample | undefined,
  ): { usage: ResourceList; timestampMs: number } | undefined {
    const usage: ResourceList = {};
    let timestampMs = Number.POSITIVE_INFINITY;
    for (const r of USAGE_RESOURCES) {
      const s = sampleOf(r);
      if (!s) return undefined;
      // NaN, ±Inf and negative usage mean nothing; never report them as 0.
      if (!Number.isFinite(s.value) || s.value < 0) {
        this.warnings.push(`${what}: ${r} usage is ${s.value}, left out`);
        return undefined;
      }
      usage[r] = formatQuantity(r === 'cpu' ? nanocores(s.value) : bytes(s.value));
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

  finish(selected: number, items: (PodMetrics | NodeMetrics)[]): ResourceMetricsAnswer {
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
      this.warnings.push(
        `Prometheus has no cpu and memory usage for any of the ${selected} selected ${req.resource}; queries: ${this.queries.slice(0, 2).join(' ; ')}`,
      );
    }
    const body = { kind: `${kind}List`, apiVersion, metadata: {}, items } as PodMetricsList | NodeMetricsList;
    return { body, warnings: this.warnings };
  }
}

/** CPU cores as whole nanocores, like metrics-server; nearest, so float noise never adds a nanocore. */
function nanocores(cores: number): Quantity {
  return { unscaled: BigInt(Math.round(cores * 1e9)), scale: -9, format: 'DecimalSI' };
}

function bytes(value: number): Quantity {
  return quantityFromNumber(Math.round(value), 'BinarySI');
}

/** Like Promise.all over `items`, with at most `limit` calls of `fn` running at once. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
