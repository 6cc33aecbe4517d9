// Everything the plugin reads from the cluster, as typed calls over a REST client (shared/kube.ts's
// KubeRest; a recording fake in tests). URL forms as the upstream clients build them: kubernetes/metrics
// pkg/client/custom_metrics/versioned_client.go (namespacedMetrics, rootScopedMetrics) and
// pkg/client/external_metrics/client.go.
import {
  type APIGroupList,
  type APIResourceList,
  type APIService,
  CUSTOM_GROUP,
  EXTERNAL_GROUP,
  type ExternalMetricValueList,
  HISTORY_GROUP,
  type MetricValueList,
  type NodeMetrics,
  type NodeMetricsList,
  type PodMetrics,
  type PodMetricsList,
  RESOURCE_GROUP,
} from '../../shared/api-types.ts';
import { KubeApiError, type KubeStatus } from '../../shared/kube.ts';
import type { RequestTarget } from '../hints/failures.ts';

export type Query = Record<string, string | undefined>;

export interface RestClient {
  get<T>(path: string, query?: Query): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
}

/** A failed request, with what it asked for: cli/describe-error.ts explains it from both. */
export class RequestFailed extends Error {
  readonly path: string;
  /** The API group (and for metrics APIs the resource and namespace) asked for; undefined for the core group. */
  readonly target: RequestTarget | undefined;
  readonly code: number;
  readonly status: KubeStatus | undefined;
  constructor(path: string, cause: KubeApiError, target?: RequestTarget) {
    super(cause.message);
    this.path = path;
    this.target = target;
    this.code = cause.code;
    this.status = cause.status;
  }
}

// The fields of core objects the plugin reads.

type QuantityMap = Record<string, string>;

export interface Container {
  name: string;
  resources?: { requests?: QuantityMap; limits?: QuantityMap };
}

/** metadata.ownerReferences: who owns an object (the one with `controller` true manages it). */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
}

/** A core/v1 Pod as the API sends it: the fields `top pods` and `top deployments` read. */
export interface PodObject {
  metadata: {
    name: string;
    namespace: string;
    creationTimestamp: string;
    labels?: Record<string, string>;
    uid?: string;
    ownerReferences?: OwnerReference[];
  };
  spec: { nodeName?: string; containers: Container[] };
  status?: { phase?: string };
}

/** A core/v1 Node as the API sends it: the fields `top nodes` reads. */
export interface NodeObject {
  metadata: { name: string };
  status?: { allocatable?: QuantityMap; capacity?: QuantityMap };
}

export interface ItemList<T> {
  items: T[];
}

/** Any object as listed: what every kind has. */
export interface NamedObject {
  metadata: ObjectMeta;
}

interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

/** A SelfSubjectAccessReview or SubjectAccessReview: `user` only in the latter. */
export interface AccessReviewSpec {
  user?: string;
  resourceAttributes: {
    namespace?: string;
    verb: string;
    group: string;
    resource: string;
    subresource?: string;
    name?: string;
  };
}

interface AccessReviewStatus {
  allowed: boolean;
  denied?: boolean;
  reason?: string;
  evaluationError?: string;
}

/** Which objects of a namespace (or of all) a list asks for. */
interface ListSelection {
  /** Undefined for all namespaces. */
  namespace: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
}

/** One object (`name`), or every object matching `labelSelector` when name is `*`. */
interface CustomMetricTarget {
  /** Undefined for a cluster-scoped resource. */
  namespace: string | undefined;
  /** `pods`, `services`, `deployments.apps`, `nodes`, `namespaces`. */
  resource: string;
  name: string;
  metric: string;
  labelSelector?: string | undefined;
  metricSelector?: string | undefined;
}

const segment = encodeURIComponent;
const NODE_METRICS: RequestTarget = { group: RESOURCE_GROUP, resource: 'nodes' };
const HPA_TARGET: RequestTarget = { group: 'autoscaling' };
/** The group of a group version (`apps/v1`); the core group (`v1`) is no target of its own. */
const groupTarget = (groupVersion: string): RequestTarget | undefined =>
  groupVersion.includes('/') ? { group: groupVersion.slice(0, groupVersion.indexOf('/')) } : undefined;
const HPA_BASE = '/apis/autoscaling/v2';
const inNamespace = (namespace: string | undefined) =>
  namespace === undefined ? '' : `/namespaces/${segment(namespace)}`;

export class KubeApi {
  readonly rest: RestClient;

  constructor(rest: RestClient) {
    this.rest = rest;
  }

  private get<T>(path: string, query?: Query, target?: RequestTarget): Promise<T> {
    // An empty selector is no selector: leave the parameter out, as client-go does.
    const params = query && Object.fromEntries(Object.entries(query).filter(([, v]) => v));
    return this.send(path, () => this.rest.get<T>(path, params), target);
  }

  private async send<T>(path: string, call: () => Promise<T>, target?: RequestTarget): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (e instanceof KubeApiError) throw new RequestFailed(path, e, target);
      throw e;
    }
  }

  apiGroups(): Promise<APIGroupList> {
    return this.get('/apis');
  }

  /** The resources of a group version; `v1` is the core group. */
  resourceList(groupVersion: string): Promise<APIResourceList> {
    return this.get(
      groupVersion.includes('/') ? `/apis/${groupVersion}` : `/api/${groupVersion}`,
      undefined,
      groupTarget(groupVersion),
    );
  }

  serverVersion(): Promise<{ gitVersion?: string }> {
    return this.get('/version');
  }

  apiServices(): Promise<ItemList<APIService>> {
    return this.get('/apis/apiregistration.k8s.io/v1/apiservices', undefined, {
      group: 'apiregistration.k8s.io',
    });
  }

  listPodMetrics(version: string, namespace: string | undefined, labelSelector?: string) {
    return this.get<PodMetricsList>(
      `/apis/${RESOURCE_GROUP}/${version}${inNamespace(namespace)}/pods`,
      { labelSelector },
      { group: RESOURCE_GROUP, resource: 'pods', namespace },
    );
  }

  getPodMetrics(version: string, namespace: string, name: string) {
    return this.get<PodMetrics>(
      `/apis/${RESOURCE_GROUP}/${version}${inNamespace(namespace)}/pods/${segment(name)}`,
      undefined,
      { group: RESOURCE_GROUP, resource: 'pods', namespace },
    );
  }

  listNodeMetrics(version: string, labelSelector?: string) {
    return this.get<NodeMetricsList>(
      `/apis/${RESOURCE_GROUP}/${version}/nodes`,
      { labelSelector },
      NODE_METRICS,
    );
  }

  getNodeMetrics(version: string, name: string) {
    return this.get<NodeMetrics>(
      `/apis/${RESOURCE_GROUP}/${version}/nodes/${segment(name)}`,
      undefined,
      NODE_METRICS,
    );
  }

  podList(selection: ListSelection): Promise<ItemList<PodObject>> {
    const { namespace, labelSelector, fieldSelector } = selection;
    return this.get(`/api/v1${inNamespace(namespace)}/pods`, { labelSelector, fieldSelector });
  }

  async listPods(selection: ListSelection): Promise<PodObject[]> {
    return (await this.podList(selection)).items;
  }

  getPod(namespace: string, name: string): Promise<PodObject> {
    return this.get(`/api/v1${inNamespace(namespace)}/pods/${segment(name)}`);
  }

  async listNodes(labelSelector?: string): Promise<NodeObject[]> {
    return (await this.get<ItemList<NodeObject>>('/api/v1/nodes', { labelSelector })).items;
  }

  getNode(name: string): Promise<NodeObject> {
    return this.get(`/api/v1/nodes/${segment(name)}`);
  }

  async namespaceNames(): Promise<string[]> {
    const list = await this.get<ItemList<{ metadata: { name: string } }>>('/api/v1/namespaces');
    return list.items.map((n) => n.metadata.name);
  }

  /** An autoscaling/v2 HorizontalPodAutoscaler, as sent: hpa/objects.ts readHpa decodes it. */
  hpa(namespace: string, name: string): Promise<unknown> {
    return this.get(
      `${HPA_BASE}${inNamespace(namespace)}/horizontalpodautoscalers/${segment(name)}`,
      undefined,
      HPA_TARGET,
    );
  }

  /** The namespace's HPAs (undefined: all namespaces'): named objects to list, each decoded by readHpa where more is read. */
  hpas(namespace: string | undefined, labelSelector?: string): Promise<ItemList<NamedObject>> {
    return this.get(
      `${HPA_BASE}${inNamespace(namespace)}/horizontalpodautoscalers`,
      { labelSelector },
      HPA_TARGET,
    );
  }

  /** The scale subresource of `resource` (plural, as discovery names it) in `groupVersion`. */
  scale(groupVersion: string, resource: string, namespace: string, name: string): Promise<unknown> {
    const base = groupVersion.includes('/') ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
    return this.get(
      `${base}${inNamespace(namespace)}/${segment(resource)}/${segment(name)}/scale`,
      undefined,
      groupTarget(groupVersion),
    );
  }

  /** Objects of `resource` (plural) in `groupVersion` (`apps/v1`, `batch/v1`): their metadata is what is read. */
  objects(groupVersion: string, resource: string, selection: ListSelection): Promise<ItemList<NamedObject>> {
    const { namespace, labelSelector, fieldSelector } = selection;
    const base = groupVersion.includes('/') ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
    return this.get(
      `${base}${inNamespace(namespace)}/${segment(resource)}`,
      { labelSelector, fieldSelector },
      groupTarget(groupVersion),
    );
  }

  events(namespace: string, fieldSelector: string): Promise<ItemList<unknown>> {
    return this.get(`/api/v1${inNamespace(namespace)}/events`, { fieldSelector });
  }

  /** Whether `spec.user` (or, without it, the caller) may do what `spec` says. */
  async accessReview(spec: AccessReviewSpec): Promise<AccessReviewStatus> {
    const kind = spec.user ? 'SubjectAccessReview' : 'SelfSubjectAccessReview';
    const path = `/apis/authorization.k8s.io/v1/${kind.toLowerCase()}s`;
    const review = await this.send<{ status?: AccessReviewStatus }>(
      path,
      () => this.rest.post(path, { apiVersion: 'authorization.k8s.io/v1', kind, spec }),
      { group: 'authorization.k8s.io' },
    );
    return review.status ?? { allowed: false };
  }

  customMetric(version: string, t: CustomMetricTarget): Promise<MetricValueList> {
    const base = `/apis/${CUSTOM_GROUP}/${version}`;
    const metric = segment(t.metric);
    // A metric about a Namespace object has its own form (versioned_client.go rootScopedMetrics.getForNamespace).
    const path =
      t.resource === 'namespaces' && t.name !== '*'
        ? `${base}/namespaces/${segment(t.name)}/metrics/${metric}`
        : `${base}${inNamespace(t.namespace)}/${segment(t.resource)}/${segment(t.name)}/${metric}`;
    return this.get(
      path,
      { labelSelector: t.labelSelector, metricLabelSelector: t.metricSelector },
      { group: CUSTOM_GROUP, resource: t.resource, namespace: t.namespace },
    );
  }

  /** A metrics API call as a snapshot recorded it (`Fetched.path`, query string included), made again. */
  metricsCall(recorded: string): Promise<unknown> {
    const [path = '', query = ''] = recorded.split('?', 2);
    const group = /^\/apis\/([^/]+)\//.exec(path)?.[1];
    return this.get(path, Object.fromEntries(new URLSearchParams(query)), group ? { group } : undefined);
  }

  /** A GET of cmetrics' history API (history.cmetrics.io): `path` already encoded, as the live call's. */
  history(path: string, query: Query): Promise<unknown> {
    return this.get(path, query, { group: HISTORY_GROUP });
  }

  externalMetric(
    version: string,
    namespace: string,
    metric: string,
    labelSelector?: string,
  ): Promise<ExternalMetricValueList> {
    return this.get(
      `/apis/${EXTERNAL_GROUP}/${version}${inNamespace(namespace)}/${segment(metric)}`,
      { labelSelector },
      { group: EXTERNAL_GROUP, namespace },
    );
  }
}
