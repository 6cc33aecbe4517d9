// Everything the plugin reads from the cluster, as typed calls over a REST client (shared/kube.ts's
// KubeRest; a recording fake in tests). URL forms: metrics-apis.md §3.3, §4.2, §5.
import {
  type APIGroupList,
  type APIResourceList,
  CUSTOM_GROUP,
  EXTERNAL_GROUP,
  type ExternalMetricValueList,
  type MetricValueList,
  type NodeMetrics,
  type NodeMetricsList,
  type PodMetrics,
  type PodMetricsList,
  RESOURCE_GROUP,
} from '../../shared/api-types.ts';
import { KubeApiError, type KubeStatus } from '../../shared/kube.ts';

export type Query = Record<string, string | undefined>;

export interface RestClient {
  get<T>(path: string, query?: Query): Promise<T>;
}

/** A failed request, with the path it was for (errors.ts explains it from both). */
export class RequestFailed extends Error {
  readonly path: string;
  readonly code: number;
  readonly status: KubeStatus | undefined;
  constructor(path: string, cause: KubeApiError) {
    super(cause.message);
    this.path = path;
    this.code = cause.code;
    this.status = cause.status;
  }
}

// The fields of core objects the plugin reads.

export type QuantityMap = Record<string, string>;

export interface Container {
  name: string;
  resources?: { requests?: QuantityMap; limits?: QuantityMap };
}

export interface Pod {
  metadata: { name: string; namespace: string; creationTimestamp: string };
  spec: { nodeName?: string; containers: Container[] };
}

export interface Node {
  metadata: { name: string };
  status?: { allocatable?: QuantityMap; capacity?: QuantityMap };
}

export interface APIService {
  metadata: { name: string };
  spec: { group: string; version: string; service?: { namespace: string; name: string } | null };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

interface ItemList<T> {
  items: T[];
}

export interface PodSelection {
  /** Undefined for all namespaces. */
  namespace: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
}

/** One object (`name`), or every object matching `labelSelector` when name is `*`. */
export interface CustomMetricTarget {
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
const inNamespace = (namespace: string | undefined) =>
  namespace === undefined ? '' : `/namespaces/${segment(namespace)}`;

export class KubeApi {
  private readonly rest: RestClient;

  constructor(rest: RestClient) {
    this.rest = rest;
  }

  private async get<T>(path: string, query?: Query): Promise<T> {
    // An empty selector is no selector: leave the parameter out, as client-go does.
    const params = query && Object.fromEntries(Object.entries(query).filter(([, v]) => v));
    try {
      return await this.rest.get<T>(path, params);
    } catch (e) {
      if (e instanceof KubeApiError) throw new RequestFailed(path, e);
      throw e;
    }
  }

  apiGroups(): Promise<APIGroupList> {
    return this.get('/apis');
  }

  resourceList(groupVersion: string): Promise<APIResourceList> {
    return this.get(`/apis/${groupVersion}`);
  }

  apiServices(): Promise<ItemList<APIService>> {
    return this.get('/apis/apiregistration.k8s.io/v1/apiservices');
  }

  listPodMetrics(version: string, namespace: string | undefined, labelSelector?: string) {
    return this.get<PodMetricsList>(`/apis/${RESOURCE_GROUP}/${version}${inNamespace(namespace)}/pods`, {
      labelSelector,
    });
  }

  getPodMetrics(version: string, namespace: string, name: string) {
    return this.get<PodMetrics>(
      `/apis/${RESOURCE_GROUP}/${version}${inNamespace(namespace)}/pods/${segment(name)}`,
    );
  }

  listNodeMetrics(version: string, labelSelector?: string) {
    return this.get<NodeMetricsList>(`/apis/${RESOURCE_GROUP}/${version}/nodes`, { labelSelector });
  }

  getNodeMetrics(version: string, name: string) {
    return this.get<NodeMetrics>(`/apis/${RESOURCE_GROUP}/${version}/nodes/${segment(name)}`);
  }

  async listPods(selection: PodSelection): Promise<Pod[]> {
    const { namespace, labelSelector, fieldSelector } = selection;
    const list = await this.get<ItemList<Pod>>(`/api/v1${inNamespace(namespace)}/pods`, {
      labelSelector,
      fieldSelector,
    });
    return list.items;
  }

  getPod(namespace: string, name: string): Promise<Pod> {
    return this.get(`/api/v1${inNamespace(namespace)}/pods/${segment(name)}`);
  }

  async listNodes(labelSelector?: string): Promise<Node[]> {
    return (await this.get<ItemList<Node>>('/api/v1/nodes', { labelSelector })).items;
  }

  getNode(name: string): Promise<Node> {
    return this.get(`/api/v1/nodes/${segment(name)}`);
  }

  async namespaceNames(): Promise<string[]> {
    const list = await this.get<ItemList<{ metadata: { name: string } }>>('/api/v1/namespaces');
    return list.items.map((n) => n.metadata.name);
  }

  customMetric(version: string, t: CustomMetricTarget): Promise<MetricValueList> {
    const base = `/apis/${CUSTOM_GROUP}/${version}`;
    const metric = segment(t.metric);
    // A metric about a Namespace object has its own form (§4.2).
    const path =
      t.resource === 'namespaces' && t.name !== '*'
        ? `${base}/namespaces/${segment(t.name)}/metrics/${metric}`
        : `${base}${inNamespace(t.namespace)}/${segment(t.resource)}/${segment(t.name)}/${metric}`;
    return this.get(path, { labelSelector: t.labelSelector, metricLabelSelector: t.metricSelector });
  }

  externalMetric(
    version: string,
    namespace: string,
    metric: string,
    labelSelector?: string,
  ): Promise<ExternalMetricValueList> {
    return this.get(`/apis/${EXTERNAL_GROUP}/${version}${inNamespace(namespace)}/${segment(metric)}`, {
      labelSelector,
    });
  }
}
