// `top nodes`: kubectl top node's requests (kubectl pkg/cmd/top/top_node.go): node metrics, then the
// nodes for their allocatable (or capacity) resources, plus custom metrics for --metric columns.
import { RESOURCE_GROUP } from '../../shared/api-types.ts';
import { type OutputFlags, type Rendered, renderDocumentOr } from '../cli/render.ts';
import { checkedSortBy } from '../cli/sort-by.ts';
import { metricColumns, objectKey } from '../cluster/metric-columns.ts';
import type { Session } from '../cluster/session.ts';
import { CliError } from '../errors.ts';
import { type NodeUsage, nodesDocument, nodesTable, parseResources, type SortBy } from '../printers/top.ts';

export interface TopNodesArgs extends OutputFlags {
  name?: string | undefined;
  selector?: string | undefined;
  sortBy?: SortBy | undefined;
  noHeaders: boolean;
  showCapacity: boolean;
  metric: string[];
}

async function fetchNodeUsage(s: Session, a: TopNodesArgs): Promise<NodeUsage[]> {
  if (a.name && a.selector) {
    throw new CliError('only one of NAME or --selector can be provided: drop NAME or -l');
  }
  checkedSortBy(a.sortBy, ['cpu', 'memory'], a.metric);
  const version = await s.discovery.version(RESOURCE_GROUP);
  for (const metric of a.metric) await s.discovery.customMetric('nodes', metric);
  const items = a.name
    ? [await s.api.getNodeMetrics(version, a.name)]
    : (await s.api.listNodeMetrics(version, a.selector)).items;
  if (items.length === 0) {
    throw new CliError(
      `metrics not available yet: ${RESOURCE_GROUP} has no node${a.selector ? ` matching ${a.selector}` : ''}; if this lasts, check the metrics server behind it (kubectl get apiservice v1beta1.${RESOURCE_GROUP})`,
    );
  }
  const nodes = a.name ? [await s.api.getNode(a.name)] : await s.api.listNodes(a.selector);
  const available = new Map(
    nodes.map((n) => [
      n.metadata.name,
      parseResources(a.showCapacity ? n.status?.capacity : n.status?.allocatable),
    ]),
  );
  const values = await metricColumns(s, a.metric, 'nodes', [undefined], {
    name: a.name,
    labelSelector: a.selector,
  });
  const metricsOf = (name: string) => values.get(objectKey(undefined, name)) ?? {};
  const measured = new Set(items.map((m) => m.metadata.name));
  return [
    ...items.map((m) => ({
      name: m.metadata.name,
      usage: { resources: parseResources(m.usage), timestamp: m.timestamp, window: m.window },
      available: available.get(m.metadata.name),
      metrics: metricsOf(m.metadata.name),
    })),
    ...nodes
      .filter((n) => !measured.has(n.metadata.name))
      .map((n) => ({
        name: n.metadata.name,
        available: available.get(n.metadata.name),
        metrics: metricsOf(n.metadata.name),
      })),
  ];
}

export async function renderTopNodes(s: Session, a: TopNodesArgs): Promise<Rendered> {
  const nodes = await fetchNodeUsage(s, a);
  const options = {
    noHeaders: a.noHeaders,
    sortBy: a.sortBy,
    showCapacity: a.showCapacity,
    metrics: a.metric,
    wide: a.output === 'wide',
  };
  return renderDocumentOr(
    a.output,
    () => nodesDocument(nodes, options),
    () => nodesTable(nodes, options),
  );
}
