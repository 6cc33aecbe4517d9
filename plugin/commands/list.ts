// `list`: the metrics custom.metrics.k8s.io and external.metrics.k8s.io advertise in discovery,
// grouped by metric with the resources each describes.

import { describeError } from '../cli/describe-error.ts';
import type { Rendered } from '../cli/render.ts';
import type { Session } from '../cluster/session.ts';
import { type ListedMetric, metricsTable } from '../printers/list.ts';

interface ListArgs {
  api?: 'custom' | 'external' | undefined;
  /** Only metrics whose name contains it (case-insensitive). */
  filter?: string | undefined;
}

export async function renderList(s: Session, a: ListArgs): Promise<Rendered> {
  const apis = a.api ? [a.api] : (['custom', 'external'] as const);
  const settled = await Promise.allSettled(
    apis.map(async (api): Promise<ListedMetric[]> => {
      if (api === 'external') {
        return (await s.discovery.externalMetrics()).map((metric) => ({ metric, api, resources: [] }));
      }
      const byMetric = new Map<string, Set<string>>();
      for (const m of await s.discovery.customMetrics()) {
        byMetric.set(m.metric, (byMetric.get(m.metric) ?? new Set()).add(m.resource));
      }
      return [...byMetric].map(([metric, resources]) => ({ metric, api, resources: [...resources].sort() }));
    }),
  );
  const failures = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  // One group missing is worth a note; nothing to list at all is the error.
  if (failures.length === settled.length) throw failures[0];
  const notes = await Promise.all(failures.map(async (e) => `warning: ${await describeError(e, s.api)}\n`));
  const needle = a.filter?.toLowerCase() ?? '';
  const metrics = settled
    .flatMap((r) => (r.status === 'fulfilled' ? r.value : []))
    .filter((m) => m.metric.toLowerCase().includes(needle))
    .sort((x, y) => (x.metric < y.metric ? -1 : x.metric > y.metric ? 1 : x.api < y.api ? -1 : 1));
  if (metrics.length === 0) {
    notes.push(a.filter ? `No metric matches "${a.filter}".\n` : 'No metrics are served.\n');
  }
  return { out: metrics.length ? metricsTable(metrics) : '', err: notes.join('') };
}
