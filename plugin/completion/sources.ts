// Values for shell completion, read from the cluster with the connection flags typed so far.
// Anything that fails (no kubeconfig, no access, group not served) simply completes nothing.
import { loadKubeConfig } from '../../shared/kubeconfig.ts';
import type { CompletionSource } from '../cli/command-spec.ts';
import { openSession, type Session } from '../cluster/session.ts';
import type { Walked } from './engine.ts';

async function values(s: Session, source: CompletionSource, w: Walked): Promise<string[]> {
  const names = (items: { metadata: { name: string } }[]) => items.map((i) => i.metadata.name);
  const customFor = async (resource: string | undefined) =>
    (await s.discovery.customMetrics()).filter((m) => m.resource === resource).map((m) => m.metric);
  switch (source) {
    case 'namespaces':
      return s.api.namespaceNames();
    case 'pods':
      return names(await s.api.listPods({ namespace: s.namespace }));
    case 'nodes':
      return names(await s.api.listNodes());
    case 'resource-names':
      return w.positionals[0] === 'nodes'
        ? names(await s.api.listNodes())
        : names(await s.api.listPods({ namespace: s.namespace }));
    case 'pod-metrics':
      return customFor('pods');
    case 'node-metrics':
      return customFor('nodes');
    case 'custom-targets': {
      const resources = new Set((await s.discovery.customMetrics()).map((m) => m.resource));
      return [...resources].map((r) => (r === 'pods' ? 'pods/*' : `${r}/`));
    }
    case 'custom-target-metrics':
      return customFor(w.positionals[0]?.split('/')[0]);
    case 'external-metrics':
      return s.discovery.externalMetrics();
    case 'hpas':
      return names((await s.api.hpas(s.namespace)).items);
    case 'all-metrics': {
      // Either group may be missing; complete from the other.
      const [custom, external] = await Promise.all([
        s.discovery.customMetrics().then(
          (ms) => ms.map((m) => m.metric),
          () => [],
        ),
        s.discovery.externalMetrics().catch(() => []),
      ]);
      return [...custom, ...external];
    }
    default:
      return [];
  }
}

/** What --sort-by takes: the columns, then the --metric names typed so far (`NAME:avg` sorts as NAME). */
function sortColumns(source: 'sort-columns' | 'workload-sort-columns', w: Walked): string[] {
  const metrics = (w.flags.get('metric') ?? []).map((m) => m.replace(/:(sum|avg)$/, ''));
  return [...(source === 'workload-sort-columns' ? ['name', 'pods'] : []), 'cpu', 'memory', ...metrics];
}

export async function completionSources(source: CompletionSource, w: Walked): Promise<string[]> {
  const flag = (name: string) => w.flags.get(name)?.at(-1);
  if (source === 'sort-columns' || source === 'workload-sort-columns') return sortColumns(source, w);
  try {
    if (source === 'contexts') {
      return loadKubeConfig({ kubeconfig: flag('kubeconfig') })
        .getContexts()
        .map((c) => c.name);
    }
    const s = openSession({
      kubeconfig: flag('kubeconfig'),
      context: flag('context'),
      namespace: flag('namespace'),
      // Completion must never hang the shell.
      requestTimeout: '5s',
    });
    try {
      return [...new Set(await values(s, source, w))].sort();
    } finally {
      await s.close();
    }
  } catch {
    return [];
  }
}
