// `top pods`: kubectl top pod's requests and its checks when nothing comes back (kubectl
// pkg/cmd/top/top_pod.go), plus the pods' specs for --requests/--limits/-o wide/--node and custom
// metrics for --metric columns.
import { type PodMetrics, RESOURCE_GROUP } from '../../shared/api-types.ts';
import { formatGoDuration } from '../../shared/duration.ts';
import { noResourcesFound, type OutputFlags, type Rendered, renderDocumentOr } from '../cli/render.ts';
import { checkedSortBy } from '../cli/sort-by.ts';
import type { PodObject } from '../cluster/api.ts';
import { metricColumns, objectKey } from '../cluster/metric-columns.ts';
import type { Session } from '../cluster/session.ts';
import { CliError } from '../errors.ts';
import {
  type ContainerUsage,
  type PodUsage,
  parseResources,
  podsDocument,
  podsTable,
  type SortBy,
} from '../printers/top.ts';

export interface TopPodsArgs extends OutputFlags {
  name?: string | undefined;
  allNamespaces: boolean;
  selector?: string | undefined;
  fieldSelector?: string | undefined;
  /** --node: only the pods on these nodes. */
  node?: string[] | undefined;
  containers: boolean;
  sortBy?: SortBy | undefined;
  noHeaders: boolean;
  sum: boolean;
  metric: string[];
  requests: boolean;
  limits: boolean;
}

/** kubectl's pipeline delay: younger pods without metrics are "not available yet". */
const METRICS_CREATION_DELAY_MS = 2 * 60 * 1000;

/** A pod's usage row: its metrics, with the requests and limits of its spec when it was read. */
export function podUsage(
  m: PodMetrics,
  pod: PodObject | undefined,
  metrics: Record<string, string>,
): PodUsage {
  const specs = new Map(pod?.spec.containers.map((c) => [c.name, c.resources]) ?? []);
  const containers: ContainerUsage[] = m.containers.map((c) => ({
    name: c.name,
    usage: parseResources(c.usage),
    requests: parseResources(specs.get(c.name)?.requests),
    limits: parseResources(specs.get(c.name)?.limits),
  }));
  return {
    namespace: m.metadata.namespace ?? '',
    name: m.metadata.name,
    timestamp: m.timestamp,
    window: m.window,
    containers,
    node: pod?.spec.nodeName,
    metrics,
  };
}

/**
 * The pods NAME, -l, --field-selector and --node pick: one list per node, as a field selector cannot
 * say "on one of these nodes".
 */
async function selectedPods(s: Session, a: TopPodsArgs, namespace: string | undefined): Promise<PodObject[]> {
  if (a.name) return [await s.api.getPod(s.namespace, a.name)];
  const nodes = a.node ?? [];
  const fieldSelectors = nodes.length
    ? nodes.map((n) => [a.fieldSelector, `spec.nodeName=${n}`].filter(Boolean).join(','))
    : [a.fieldSelector];
  const lists = await Promise.all(
    fieldSelectors.map((fieldSelector) =>
      s.api.listPods({ namespace, labelSelector: a.selector, fieldSelector }),
    ),
  );
  return lists.flat();
}

/** kubectl's verifyEmptyMetrics: an error when pods exist but have no metrics, else the notice it prints. */
async function explainEmpty(s: Session, a: TopPodsArgs, now: number): Promise<string> {
  const pods = await selectedPods(s, a, s.namespace);
  if (pods.length > 0) {
    for (const pod of pods) {
      const age = now - Date.parse(pod.metadata.creationTimestamp);
      if (age > METRICS_CREATION_DELAY_MS) {
        throw new CliError(
          `Metrics not available for pod ${pod.metadata.namespace}/${pod.metadata.name}, age: ${formatGoDuration(age)}; check that the metrics server scrapes its node (kubectl get apiservice v1beta1.metrics.k8s.io)`,
        );
      }
    }
    throw new CliError(
      'metrics not available yet: the pods are less than 2 minutes old; try again in a minute',
    );
  }
  return noResourcesFound(a.allNamespaces ? undefined : s.namespace);
}

export async function fetchPodUsage(
  s: Session,
  a: TopPodsArgs,
  now = Date.now(),
): Promise<{ pods: PodUsage[]; notice: string }> {
  const filtered = !!a.fieldSelector || !!a.node?.length;
  if (a.name && (a.selector || filtered)) {
    throw new CliError(
      'only one of NAME or selector can be provided: drop NAME or -l/--field-selector/--node',
    );
  }
  checkedSortBy(a.sortBy, ['cpu', 'memory'], a.metric);
  const version = await s.discovery.version(RESOURCE_GROUP);
  for (const metric of a.metric) await s.discovery.customMetric('pods', metric);
  const namespace = a.allNamespaces ? undefined : s.namespace;
  let items = a.name
    ? [await s.api.getPodMetrics(version, s.namespace, a.name)]
    : (await s.api.listPodMetrics(version, namespace, a.selector)).items;

  const needSpecs = a.requests || a.limits || a.output === 'wide';
  let specs: Map<string, PodObject> | undefined;
  if (items.length > 0 && (filtered || needSpecs)) {
    const pods = await selectedPods(s, a, namespace);
    specs = new Map(pods.map((p) => [objectKey(p.metadata.namespace, p.metadata.name), p]));
    // Like kubectl: --field-selector (and --node) filter through the Pods API, the metrics API knows no fields.
    if (filtered) {
      items = items.filter((m) => specs?.has(objectKey(m.metadata.namespace, m.metadata.name)));
    }
  }
  if (items.length === 0) return { pods: [], notice: await explainEmpty(s, a, now) };

  const values = await metricColumns(
    s,
    a.metric,
    'pods',
    [...new Set(items.map((m) => m.metadata.namespace))],
    { name: a.name, labelSelector: a.selector },
  );
  const pods = items.map((m) =>
    podUsage(
      m,
      specs?.get(objectKey(m.metadata.namespace, m.metadata.name)),
      values.get(objectKey(m.metadata.namespace, m.metadata.name)) ?? {},
    ),
  );
  return { pods, notice: '' };
}

export async function renderTopPods(s: Session, a: TopPodsArgs): Promise<Rendered> {
  const { pods, notice } = await fetchPodUsage(s, a);
  const options = {
    allNamespaces: a.allNamespaces,
    containers: a.containers,
    noHeaders: a.noHeaders,
    sortBy: a.sortBy,
    sum: a.sum,
    requests: a.requests,
    limits: a.limits,
    metrics: a.metric,
    wide: a.output === 'wide',
  };
  return renderDocumentOr(
    a.output,
    () => podsDocument(pods, options),
    () => podsTable(pods, options),
    notice,
  );
}
