// `top deployments|statefulsets|daemonsets|jobs`: the pods' usage (metrics.k8s.io, as `top pods`
// reads it) rolled up to the workload that owns them (cluster/workloads.ts), with the pods' specs for
// --requests/--limits and their custom metrics, summed or averaged, for --metric columns.
import { RESOURCE_GROUP } from '../../shared/api-types.ts';
import { noResourcesFound, type OutputFlags, type Rendered, renderDocumentOr } from '../cli/render.ts';
import { checkedSortBy } from '../cli/sort-by.ts';
import { metricColumns, objectKey } from '../cluster/metric-columns.ts';
import type { Session } from '../cluster/session.ts';
import { fetchWorkloads, type WorkloadKind } from '../cluster/workloads.ts';
import { CliError } from '../errors.ts';
import {
  type AggregatedMetric,
  type SortBy,
  type WorkloadUsage,
  workloadsDocument,
  workloadsTable,
} from '../printers/top.ts';
import { podUsage } from './top-pods.ts';

export interface TopWorkloadsArgs extends OutputFlags {
  name?: string | undefined;
  allNamespaces: boolean;
  selector?: string | undefined;
  sortBy?: SortBy | undefined;
  noHeaders: boolean;
  /** NAME, NAME:sum or NAME:avg. */
  metric: string[];
  requests: boolean;
  limits: boolean;
}

/** --metric NAME[:sum|:avg]. */
function aggregatedMetric(flag: string): AggregatedMetric {
  const m = /^(.+?)(?::(sum|avg))?$/.exec(flag);
  if (!m?.[1] || m[1].includes(':')) {
    throw new CliError(`invalid --metric "${flag}": use NAME, NAME:sum or NAME:avg`);
  }
  return { name: m[1], average: m[2] === 'avg' };
}

async function fetchWorkloadUsage(s: Session, kind: WorkloadKind, a: TopWorkloadsArgs) {
  const metrics = a.metric.map(aggregatedMetric);
  const names = metrics.map((m) => m.name);
  const sortBy = checkedSortBy(a.sortBy, ['name', 'pods', 'cpu', 'memory'], names);
  const version = await s.discovery.version(RESOURCE_GROUP);
  for (const metric of names) await s.discovery.customMetric('pods', metric);
  const namespace = a.allNamespaces ? undefined : s.namespace;
  const [workloads, measured] = await Promise.all([
    fetchWorkloads(s.api, kind, { namespace, labelSelector: a.selector, name: a.name }),
    s.api.listPodMetrics(version, namespace),
  ]);
  if (a.name && workloads.length === 0) {
    throw new CliError(
      `no ${kind} "${a.name}" in namespace ${s.namespace}; list them with: kubectl get ${kind.toLowerCase()}s -n ${s.namespace}`,
    );
  }
  const usage = new Map(measured.items.map((m) => [objectKey(m.metadata.namespace, m.metadata.name), m]));
  const values = await metricColumns(
    s,
    names,
    'pods',
    [...new Set(workloads.filter((w) => w.pods.length).map((w) => w.namespace))],
    {},
  );
  const rows: WorkloadUsage[] = workloads.map((w) => ({
    namespace: w.namespace,
    name: w.name,
    podCount: w.pods.length,
    pods: w.pods.flatMap((pod) => {
      const key = objectKey(pod.metadata.namespace, pod.metadata.name);
      const m = usage.get(key);
      return m ? [podUsage(m, pod, values.get(key) ?? {})] : [];
    }),
  }));
  return { rows, options: { ...a, sortBy, metrics } };
}

export async function renderTopWorkloads(
  s: Session,
  kind: WorkloadKind,
  a: TopWorkloadsArgs,
): Promise<Rendered> {
  const { rows, options } = await fetchWorkloadUsage(s, kind, a);
  const notice = rows.length ? '' : noResourcesFound(a.allNamespaces ? undefined : s.namespace);
  return renderDocumentOr(
    a.output,
    () => workloadsDocument(rows, options),
    () => workloadsTable(rows, options),
    notice,
  );
}
