// `list`: the metrics the custom and external APIs advertise, one row per metric and API.
import { tabwrite } from './tabwriter.ts';

export interface ListedMetric {
  metric: string;
  api: 'custom' | 'external';
  /** The resources a custom metric describes (`pods`, `services`, `deployments.apps`); none for external ones. */
  resources: string[];
}

export function metricsTable(metrics: readonly ListedMetric[]): string {
  const rows = metrics.map((m) => [m.metric, m.api, m.resources.length ? m.resources.join(',') : '<none>']);
  return tabwrite([['METRIC', 'API', 'RESOURCES'], ...rows]);
}
