// What `explain hpa` reads for one HPA, as the HPA controller reads it: the HPA, its target's scale
// subresource, the pods the scale selects, and for each metric the very call the controller makes
// (metrics/client.go), into an HPASnapshot (docs/hpa-snapshot.md). A failed call is recorded as the
// controller would have seen it, never thrown: failures are part of the explanation.
import { CUSTOM_GROUP, EXTERNAL_GROUP, RESOURCE_GROUP } from '../../shared/api-types.ts';
import { KubeApiError } from '../../shared/kube.ts';
import { formatSelector, matches, parseSelector, selectorFromLabelSelector } from '../../shared/labels.ts';
import { closest, compareCodeUnits } from '../../shared/text.ts';
import { CliError } from '../errors.ts';
import { type Hpa, type MetricSpec, readHpa, readScale } from '../hpa/objects.ts';
import {
  type ControllerSettings,
  type Fetched,
  type HPASnapshot,
  SNAPSHOT_API_VERSION,
  SNAPSHOT_KIND,
} from '../hpa/snapshot.ts';
import {
  type ItemList,
  KubeApi,
  type NamedObject,
  type PodObject,
  type Query,
  RequestFailed,
} from './api.ts';
import { readOnce } from './read-once.ts';
import type { Session } from './session.ts';
import { SCALED_BY_LIST, type ScaledWorkload, scaleFromWorkload } from './workload-scale.ts';

/** The resource metrics version the controller asks for, whatever the cluster prefers. */
const CONTROLLER_RESOURCE_VERSION = 'v1beta1';
const FALLBACK_VERSION: Record<string, string> = { [CUSTOM_GROUP]: 'v1beta2', [EXTERNAL_GROUP]: 'v1beta1' };

/** The path with its query string, encoded as the REST client sends it. */
function withQuery(path: string, query: Query | undefined): string {
  const entries = Object.entries(query ?? {}).filter((e): e is [string, string] => e[1] !== undefined);
  return entries.length ? `${path}?${new URLSearchParams(entries).toString()}` : path;
}

/** The API's objects without metadata.managedFields, which only bloat a snapshot. */
function withoutManagedFields<T>(doc: T): T {
  const strip = (o: unknown) => {
    const meta = (o as { metadata?: Record<string, unknown> } | null)?.metadata;
    if (meta && typeof meta === 'object') delete meta.managedFields;
  };
  strip(doc);
  const items = (doc as { items?: unknown } | null)?.items;
  if (Array.isArray(items)) items.forEach(strip);
  return doc;
}

/** One call through `api`, recorded with its path and query: the body, or the error it failed with. */
export async function record<T>(api: KubeApi, call: (api: KubeApi) => Promise<T>): Promise<Fetched<T>> {
  let path = '';
  const recording = new KubeApi({
    get: (p, q) => {
      path = withQuery(p, q);
      return api.rest.get(p, q);
    },
    post: (p, body) => api.rest.post(p, body),
  });
  try {
    const body = withoutManagedFields(await call(recording));
    return { path, body };
  } catch (e) {
    if (!(e instanceof RequestFailed)) throw e;
    return { path, error: { code: e.code, message: e.status?.message ?? e.message } };
  }
}

/** A call that could not be made because resolving its URL failed: that failure, at the path that failed. */
class Unresolved extends Error {
  readonly fetched: Fetched<never>;
  constructor(fetched: Fetched<never>) {
    super(fetched.error?.message);
    this.fetched = fetched;
  }
}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');

/** Kind → resource, through discovery of the reference's group version (the controller's RESTMapper). */
class Resources {
  private readonly lists = new Map<
    string,
    ReturnType<typeof record<{ resources: { name: string; kind: string }[] }>>
  >();
  private readonly api: KubeApi;

  constructor(api: KubeApi) {
    this.api = api;
  }

  async resolve(ref: Hpa['target']): Promise<{ groupVersion: string; resource: string }> {
    const groupVersion = ref.apiVersion || 'v1';
    let list = this.lists.get(groupVersion);
    if (!list) {
      list = record(this.api, (a) => a.resourceList(groupVersion));
      this.lists.set(groupVersion, list);
    }
    const fetched = await list;
    if (!fetched.body) throw new Unresolved(fetched as Fetched<never>);
    const found = fetched.body.resources.find((r) => r.kind === ref.kind && !r.name.includes('/'));
    if (!found) {
      throw new Unresolved({
        path: fetched.path,
        error: { code: 404, message: `the server has no resource of kind ${ref.kind} in ${groupVersion}` },
      });
    }
    return { groupVersion, resource: found.name };
  }
}

/** The canonical string of a metric's selector; undefined when it is invalid (the controller then asks nothing). */
function metricSelectorOf(metric: MetricSpec): string | undefined {
  const selector = 'metric' in metric ? metric.metric.selector : undefined;
  try {
    return formatSelector(selectorFromLabelSelector(selector as never));
  } catch {
    return undefined;
  }
}

/** One metric's call: the group version it goes to, once discovery tells, and the call itself. */
interface MetricCall {
  /** Undefined when the controller makes no call. */
  groupVersion: Promise<string | undefined>;
  /** The call, once the scale's pod selector is known; null when the controller makes none. */
  call(podSelector: string): Promise<Fetched<unknown> | null>;
}

const NO_CALL: MetricCall = { groupVersion: Promise.resolve(undefined), call: async () => null };

/**
 * The call the controller makes for one metric of the HPA (metrics/client.go). The discovery it needs
 * is asked at once, beside the scale; the call itself once the scale gave the pods' selector.
 */
function metricCall(
  s: Session,
  resources: Resources,
  namespace: string,
  metric: MetricSpec,
  lists: NamespaceLists | undefined,
): MetricCall {
  const version = (group: string) =>
    s.discovery
      .servedVersion(group)
      .catch(() => undefined)
      .then((v) => v ?? (FALLBACK_VERSION[group] as string));
  const metricSelector = metricSelectorOf(metric);
  if (metricSelector === undefined) return NO_CALL;
  switch (metric.type) {
    case 'Resource':
    case 'ContainerResource':
      return {
        groupVersion: Promise.resolve(`${RESOURCE_GROUP}/${CONTROLLER_RESOURCE_VERSION}`),
        call: (podSelector) =>
          lists
            ? lists.podMetrics(namespace, podSelector)
            : record(s.api, (a) => a.listPodMetrics(CONTROLLER_RESOURCE_VERSION, namespace, podSelector)),
      };
    case 'Pods': {
      const spec = metric.metric;
      const v = version(CUSTOM_GROUP);
      return {
        groupVersion: v.then((custom) => `${CUSTOM_GROUP}/${custom}`),
        call: async (podSelector) => {
          const custom = await v;
          return record(s.api, (a) =>
            a.customMetric(custom, {
              namespace,
              resource: 'pods',
              name: '*',
              metric: spec.name,
              labelSelector: podSelector,
              metricSelector,
            }),
          );
        },
      };
    }
    case 'Object': {
      const ref = metric.describedObject;
      const v = version(CUSTOM_GROUP);
      const groupVersion = v.then((custom) => `${CUSTOM_GROUP}/${custom}`);
      // The controller asks about its own namespace for a Namespace, whatever name the reference gives.
      if (ref.kind === 'Namespace' && (ref.apiVersion || 'v1') === 'v1') {
        return {
          groupVersion,
          call: async () => {
            const custom = await v;
            return record(s.api, (a) =>
              a.customMetric(custom, {
                namespace: undefined,
                resource: 'namespaces',
                name: namespace,
                metric: metric.metric.name,
                metricSelector,
              }),
            );
          },
        };
      }
      const resolved = resources.resolve(ref);
      resolved.catch(() => {});
      return {
        groupVersion,
        call: async () => {
          try {
            const { groupVersion, resource } = await resolved;
            const group = groupOf(groupVersion);
            const custom = await v;
            return await record(s.api, (a) =>
              a.customMetric(custom, {
                namespace,
                resource: group ? `${resource}.${group}` : resource,
                name: ref.name,
                metric: metric.metric.name,
                metricSelector,
              }),
            );
          } catch (e) {
            if (e instanceof Unresolved) return e.fetched;
            throw e;
          }
        },
      };
    }
    case 'External': {
      const spec = metric.metric;
      const v = version(EXTERNAL_GROUP);
      return {
        groupVersion: v.then((external) => `${EXTERNAL_GROUP}/${external}`),
        call: async () => {
          const external = await v;
          return record(s.api, (a) => a.externalMetric(external, namespace, spec.name, metricSelector));
        },
      };
    }
    default:
      return NO_CALL;
  }
}

/** The canonical form of the scale's selector (labels.Parse then String()), undefined when it has none or it is invalid. */
function podSelectorOf(scale: unknown, where: string): string | undefined {
  const text = readScale(scale, where).selector;
  if (!text) return undefined;
  try {
    return formatSelector(parseSelector(text));
  } catch {
    return undefined;
  }
}

/** The plural kubectl guesses for a kind (apimachinery pkg/api/meta/restmapper.go UnsafeGuessKindToResource). */
function guessedResource(kind: string): string {
  const singular = kind.toLowerCase();
  if (singular.endsWith('endpoints')) return singular;
  if (singular.endsWith('s')) return `${singular}es`;
  if (singular.endsWith('y')) return `${singular.slice(0, -1)}ies`;
  return `${singular}s`;
}

/**
 * The scale subresource of the target, at the resource discovery maps its kind to. It is asked at once
 * at the guessed resource, beside discovery, and asked again only when discovery names another one.
 */
async function fetchScale(
  api: KubeApi,
  resources: Resources,
  namespace: string,
  ref: Hpa['target'],
): Promise<Fetched<unknown>> {
  const groupVersion = ref.apiVersion || 'v1';
  const guess = guessedResource(ref.kind);
  const early = record(api, (a) => a.scale(groupVersion, guess, namespace, ref.name));
  early.catch(() => {});
  try {
    const { resource } = await resources.resolve(ref);
    if (resource === guess) return await early;
    return await record(api, (a) => a.scale(groupVersion, resource, namespace, ref.name));
  } catch (e) {
    if (e instanceof Unresolved) return e.fetched;
    throw e;
  }
}

/** An HPA of the namespace with its target's pod selector, parsed (undefined: it selects no pods). */
interface TargetSelector {
  name: string;
  requirements: ReturnType<typeof parseSelector> | undefined;
}

/** The namespace's HPAs (but `exclude`) with their targets' pod selectors. */
async function targetSelectors(
  scaleOf: ScaleReader,
  namespace: string,
  listed: readonly NamedObject[],
  downscaleWindowSeconds: number,
  exclude?: string,
): Promise<TargetSelector[]> {
  const hpas = listed
    .map((h, i) => readHpa(h, `hpaList.items[${i}]`, downscaleWindowSeconds))
    .filter((h) => h.name !== exclude);
  return Promise.all(
    hpas.map(async (other) => {
      const scale = await scaleOf(namespace, other.target);
      const selector = podSelectorOf(scale.body, `otherHPAs[${JSON.stringify(other.name)}].scale.body`);
      return { name: other.name, requirements: selector === undefined ? undefined : parseSelector(selector) };
    }),
  );
}

/** The other HPAs whose target's selector selects one of these pods (AmbiguousSelector). */
function conflictingHPAs(
  self: string,
  selectors: readonly TargetSelector[],
  podLabels: Record<string, string>[],
): string[] {
  return selectors
    .filter(({ name, requirements }) => {
      if (name === self || requirements === undefined) return false;
      return podLabels.some((labels) => matches(requirements, labels));
    })
    .map((o) => o.name)
    .sort();
}

/** How a target's scale is read: GET of its scale subresource, or built from a list of its kind (ListedScales). */
type ScaleReader = (namespace: string, ref: Hpa['target']) => Promise<Fetched<unknown>>;

/** What the snapshots of several HPAs share, each read once: the server's version, discovery, the targets' scales, the diagnosis' documents. */
interface SharedReads {
  serverVersion: Promise<string | undefined>;
  resources: Resources;
  scale: ScaleReader;
  reads: DiagnosisReads;
}

/** With `listed`, the scales of apps/v1 targets come from one list of their kind in `listed.namespace` (undefined: all). */
function sharedReads(api: KubeApi, listed?: { namespace: string | undefined }): SharedReads {
  const serverVersion = api.serverVersion().then(
    (v) => v.gitVersion,
    () => undefined,
  );
  const resources = new Resources(api);
  const asked: ScaleReader = (namespace, ref) => fetchScale(api, resources, namespace, ref);
  const lists = listed && new ListedScales(api, listed.namespace);
  const scale: ScaleReader = lists
    ? async (namespace, ref) => (await lists.scale(namespace, ref)) ?? asked(namespace, ref)
    : asked;
  return { serverVersion, resources, scale, reads: new DiagnosisReads(api) };
}

/**
 * The scales of Deployments, StatefulSets and ReplicaSets built from one list of each kind, as the API
 * server builds them (workload-scale.ts): with hundreds of HPAs, three lists instead of a GET each. The
 * recorded path is the list's, the call actually made.
 */
class ListedScales {
  private readonly lists = new Map<
    string,
    Promise<{ path: string; byName: Map<string, ScaledWorkload> } | undefined>
  >();
  private readonly api: KubeApi;
  private readonly namespace: string | undefined;

  constructor(api: KubeApi, namespace: string | undefined) {
    this.api = api;
    this.namespace = namespace;
  }

  /** Undefined when the scale must be asked for: another kind, a list that failed (forbidden, …), a target not listed or with an invalid selector. */
  async scale(namespace: string, ref: Hpa['target']): Promise<Fetched<unknown> | undefined> {
    const resource = ref.apiVersion === 'apps/v1' ? SCALED_BY_LIST[ref.kind] : undefined;
    if (resource === undefined) return undefined;
    let list = this.lists.get(resource);
    if (!list) {
      list = record(this.api, (a) => a.objects('apps/v1', resource, { namespace: this.namespace })).then(
        (fetched) => {
          if (!fetched.body) return undefined;
          const items = fetched.body.items as ScaledWorkload[];
          return { path: fetched.path, byName: new Map(items.map((w) => [keyOf(w.metadata), w])) };
        },
      );
      this.lists.set(resource, list);
    }
    const listed = await list;
    const workload = listed?.byName.get(keyOf({ namespace, name: ref.name }));
    const body = workload && scaleFromWorkload(workload);
    return listed && body ? { path: listed.path, body } : undefined;
  }
}

const keyOf = (meta: { namespace?: string | undefined; name: string }) =>
  `${meta.namespace ?? ''}/${meta.name}`;

/** What one HPA's snapshot reads beside its own calls: its namespace's HPAs' selectors and its events. */
interface HpaReads {
  selectors: Promise<TargetSelector[]>;
  events: Promise<Fetched<ItemList<unknown>>>;
  /** With several HPAs: their pods and pod metrics out of one list per namespace. */
  lists?: NamespaceLists;
}

/**
 * The pods and the pods' resource metrics of a namespace, each listed once and cut down to one HPA's
 * selector here as the API server would (shared/labels.ts matches; metrics.k8s.io objects carry their
 * pod's labels, as metrics-server's do): with hundreds of HPAs, two lists instead of two per HPA. The
 * recorded path is the namespace's list, the call actually made.
 */
class NamespaceLists {
  private readonly lists = new Map<string, Promise<Fetched<ItemList<Labelled>>>>();
  private readonly api: KubeApi;

  constructor(api: KubeApi) {
    this.api = api;
  }

  private selected<T extends Labelled>(
    key: string,
    list: (a: KubeApi) => Promise<ItemList<T>>,
    selector: string,
  ): Promise<Fetched<ItemList<T>>> {
    let all = this.lists.get(key);
    if (!all) {
      all = record(this.api, list);
      this.lists.set(key, all);
    }
    return (all as Promise<Fetched<ItemList<T>>>).then((fetched) => {
      if (!fetched.body) return fetched;
      const requirements = parseSelector(selector);
      const items = fetched.body.items.filter((i) => matches(requirements, i.metadata.labels ?? {}));
      return { path: fetched.path, body: { ...fetched.body, items } };
    });
  }

  pods(namespace: string, selector: string): Promise<Fetched<ItemList<PodObject>>> {
    return this.selected(`pods ${namespace}`, (a) => a.podList({ namespace }), selector);
  }

  podMetrics(namespace: string, selector: string): Promise<Fetched<unknown>> {
    return this.selected(
      `metrics ${namespace}`,
      (a) => a.listPodMetrics(CONTROLLER_RESOURCE_VERSION, namespace),
      selector,
    );
  }
}

interface Labelled {
  metadata: { labels?: Record<string, string> | undefined };
}

/**
 * Everything `explain hpa` reads for one HPA, as an HPASnapshot. Each request starts as soon as what
 * it needs is known: the server's version and the namespace's HPAs beside the HPA; its events, its
 * target's discovery and scale, and the metrics' discovery once it is read; the pods and the metric
 * calls once the scale gave their selector.
 */
export async function fetchSnapshot(
  s: Session,
  name: string,
  controller: ControllerSettings,
  clock: () => Date = () => new Date(),
): Promise<HPASnapshot> {
  const namespace = s.namespace;
  const shared = sharedReads(s.api);
  // For the HPAs in conflict, or the closest names when there is no such HPA.
  const listed = s.api.hpas(namespace).catch(() => ({ items: [] }));
  const hpa = await record(s.api, (a) => a.hpa(namespace, name));
  if (!hpa.body) throw await hpaProblem(s, name, hpa, listed);
  const model = readHpa(hpa.body, 'hpa.body', controller.downscaleStabilizationSeconds);
  const { uid } = model;
  const selectors = listed.then((l) =>
    targetSelectors(shared.scale, namespace, l.items, controller.downscaleStabilizationSeconds, name),
  );
  const events = record(s.api, (a) =>
    a.events(
      namespace,
      `involvedObject.kind=HorizontalPodAutoscaler,involvedObject.name=${name}${uid ? `,involvedObject.uid=${uid}` : ''}`,
    ),
  );
  return snapshotOf(s, shared, { selectors, events }, hpa, controller, clock);
}

/** The HPAs a label selector picks in one namespace (undefined: all namespaces). */
export interface HpaScope {
  namespace: string | undefined;
  labelSelector?: string | undefined;
}

/** How many HPAs are read at once: enough to keep the connection busy, few enough not to flood the API server. */
const HPAS_AT_ONCE = 32;

/**
 * The snapshot of every HPA in scope, as fetchSnapshot takes each, sorted by namespace and name. Every
 * request is sent once however many HPAs share it (read-once.ts); the HPAs come from one list, and
 * each namespace's events, pods and pod metrics from one list each, split by HPA (NamespaceLists), and
 * the scales of apps/v1 targets from one list of each kind in scope (ListedScales).
 */
export async function fetchSnapshots(
  s: Session,
  scope: HpaScope,
  controller: ControllerSettings,
  clock: () => Date = () => new Date(),
): Promise<HPASnapshot[]> {
  const api = new KubeApi(readOnce(s.api.rest));
  const shared = sharedReads(api, { namespace: scope.namespace });
  const window = controller.downscaleStabilizationSeconds;
  const [selected, all] = await Promise.all([
    record(api, (a) => a.hpas(scope.namespace, scope.labelSelector)),
    api.hpas(scope.namespace),
  ]);
  if (!selected.body) throw failedHpaRead(selected);
  const byNamespace = new Map<string, NamedObject[]>();
  for (const h of all.items) {
    const ns = h.metadata.namespace ?? s.namespace;
    byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), h]);
  }
  const lists = new NamespaceLists(api);
  const namespaces = new Map<string, HpaReads>();
  const readsOf = (ns: string) => {
    let reads = namespaces.get(ns);
    if (!reads) {
      const selectors = targetSelectors(shared.scale, ns, byNamespace.get(ns) ?? [], window);
      selectors.catch(() => {});
      const events = record(api, (a) => a.events(ns, 'involvedObject.kind=HorizontalPodAutoscaler'));
      reads = { selectors, events, lists };
      namespaces.set(ns, reads);
    }
    return reads;
  };
  const items = [...selected.body.items].sort(
    (a, b) =>
      compareCodeUnits(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
      compareCodeUnits(a.metadata.name, b.metadata.name),
  );
  const snapshots: HPASnapshot[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      const item = items[i] as NamedObject;
      const ns = item.metadata.namespace ?? s.namespace;
      const reads = readsOf(ns);
      const own = reads.events.then((e) => eventsOf(e, item.metadata));
      snapshots[i] = await snapshotOf(
        { ...s, api, namespace: ns },
        shared,
        { ...reads, events: own },
        { path: selected.path, body: item },
        controller,
        clock,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(HPAS_AT_ONCE, items.length) }, worker));
  return snapshots;
}

/** One HPA's events out of its namespace's HPA events, as its own field selector would have picked them. */
function eventsOf(
  namespaceEvents: Fetched<ItemList<unknown>>,
  hpa: NamedObject['metadata'],
): Fetched<ItemList<unknown>> {
  if (!namespaceEvents.body) return namespaceEvents;
  const items = namespaceEvents.body.items.filter((e) => {
    const involved = (e as { involvedObject?: { name?: string; uid?: string } }).involvedObject;
    return involved?.name === hpa.name && (!hpa.uid || involved.uid === hpa.uid);
  });
  return { path: namespaceEvents.path, body: { ...namespaceEvents.body, items } };
}

/** The snapshot of one HPA already read: its target's scale, pods and metric calls, then the diagnosis. */
async function snapshotOf(
  s: Session,
  shared: SharedReads,
  around: HpaReads,
  hpa: Fetched<unknown>,
  controller: ControllerSettings,
  clock: () => Date,
): Promise<HPASnapshot> {
  const namespace = s.namespace;
  const model = readHpa(hpa.body, 'hpa.body', controller.downscaleStabilizationSeconds);
  const { resources, reads } = shared;
  const scale = shared.scale(namespace, model.target);
  around.selectors.catch(() => {});
  // readHpa gives an HPA without metrics the API's default (CPU at 80% utilization).
  const { metrics } = model;
  const calls = metrics.map((m) => metricCall(s, resources, namespace, m, around.lists));
  if (readFailedLastTime(model)) {
    reads.apiServices().catch(() => {});
    for (const c of calls)
      c.groupVersion.then((gv) => (gv ? reads.discovery(gv) : undefined)).catch(() => {});
  }
  const podSelector = podSelectorOf((await scale).body, 'scale.body');
  let pods: Fetched<ItemList<PodObject>> | undefined;
  let fetchedMetrics: (Fetched<unknown> | null)[] = metrics.map(() => null);
  let conflicting: string[] | undefined;
  if (podSelector !== undefined) {
    const [podList, answers] = await Promise.all([
      around.lists
        ? around.lists.pods(namespace, podSelector)
        : record(s.api, (a) => a.podList({ namespace, labelSelector: podSelector })),
      Promise.all(calls.map((c) => c.call(podSelector))),
    ]);
    pods = podList;
    fetchedMetrics = answers;
    const labels = (podList.body?.items ?? []).map((p) => p.metadata.labels ?? {});
    conflicting = conflictingHPAs(model.name, await around.selectors, labels);
  }
  const [gitVersion, scaleFetched, eventsFetched] = await Promise.all([
    shared.serverVersion,
    scale,
    around.events,
  ]);
  const snapshot: HPASnapshot = {
    apiVersion: SNAPSHOT_API_VERSION,
    kind: SNAPSHOT_KIND,
    takenAt: clock().toISOString(),
    ...(gitVersion ? { serverVersion: gitVersion } : {}),
    controller,
    hpa,
    scale: scaleFetched,
    ...(pods ? { pods } : {}),
    metrics: fetchedMetrics,
    events: eventsFetched,
    ...(conflicting ? { conflictingHPAs: conflicting } : {}),
  };
  const diagnosis = await fetchDiagnosis(reads, fetchedMetrics);
  return diagnosis ? { ...snapshot, diagnosis } : snapshot;
}

const METRICS_GROUPS = [RESOURCE_GROUP, CUSTOM_GROUP, EXTERNAL_GROUP];

/** What the diagnosis of failed metric calls reads, each document once: the metrics groups' APIServices and a group version's discovery. */
class DiagnosisReads {
  private services: Promise<Fetched<unknown>> | undefined;
  private readonly lists = new Map<string, Promise<Fetched<unknown>>>();
  private readonly api: KubeApi;

  constructor(api: KubeApi) {
    this.api = api;
  }

  apiServices(): Promise<Fetched<unknown>> {
    this.services ??= record(this.api, async (a) => {
      const list = await a.apiServices();
      return { ...list, items: list.items.filter((i) => METRICS_GROUPS.includes(i.spec.group)) };
    });
    return this.services;
  }

  discovery(groupVersion: string): Promise<Fetched<unknown>> {
    let list = this.lists.get(groupVersion);
    if (!list) {
      list = record(this.api, (a) => a.resourceList(groupVersion));
      this.lists.set(groupVersion, list);
    }
    return list;
  }
}

/**
 * Whether the controller's last reconcile could not read a metric: ScalingActive False with a
 * FailedGet*Metric reason (pkg/controller/podautoscaler/horizontal.go computeStatusForPodsMetric and
 * its siblings). Then the diagnosis is likely needed, and its reads start beside the metric calls.
 */
function readFailedLastTime(hpa: Hpa): boolean {
  return hpa.status.conditions.some(
    (c) => c.type === 'ScalingActive' && c.status === 'False' && /^FailedGet\w*Metric$/.test(c.reason ?? ''),
  );
}

/** For failed metric calls: the APIServices of the metrics groups and the discovery of each group version used. */
async function fetchDiagnosis(
  reads: DiagnosisReads,
  metrics: readonly (Fetched<unknown> | null)[],
): Promise<HPASnapshot['diagnosis']> {
  const failed = metrics.filter((m): m is Fetched<unknown> => !!m?.error);
  if (!failed.length) return undefined;
  const groupVersions = [
    ...new Set(
      failed.flatMap((m) => {
        const gv = /^\/apis\/([^/]+\/[^/]+)\//.exec(m.path)?.[1];
        return gv && METRICS_GROUPS.includes(gv.split('/')[0] as string) ? [gv] : [];
      }),
    ),
  ].sort();
  const [apiServices, ...lists] = await Promise.all([
    reads.apiServices(),
    ...groupVersions.map((gv) => reads.discovery(gv)),
  ]);
  return {
    apiServices,
    discovery: Object.fromEntries(groupVersions.map((gv, i) => [gv, lists[i] as Fetched<unknown>])),
  };
}

/** The HPA could not be read: one line, with the closest names when it does not exist. */
async function hpaProblem(
  s: Session,
  name: string,
  hpa: Fetched<unknown>,
  listed: Promise<ItemList<NamedObject>>,
): Promise<Error> {
  if (hpa.error?.code !== 404) return failedHpaRead(hpa);
  const names = (await listed).items.map((h) => h.metadata.name);
  const hint = closest(name, names);
  return new CliError(
    `no HorizontalPodAutoscaler "${name}" in namespace ${s.namespace}${hint.length ? ` (did you mean ${hint.join(', ')}?)` : ''}; list them with: kubectl get hpa -n ${s.namespace}`,
  );
}

/** A failed read of HPAs, thrown as the request that failed. */
function failedHpaRead(fetched: Fetched<unknown>): RequestFailed {
  const error = fetched.error as { code: number; message: string };
  return new RequestFailed(fetched.path, new KubeApiError(error.message, error.code), {
    group: 'autoscaling',
  });
}
