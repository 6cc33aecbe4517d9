// The values of --metric columns: custom.metrics.k8s.io `RESOURCE/*/METRIC` (or `RESOURCE/NAME/METRIC`)
// with the same label selector as the rows, once per metric and namespace.
import { CUSTOM_GROUP } from '../../shared/api-types.ts';
import { RequestFailed } from './api.ts';
import type { Session } from './session.ts';

/** How rows and metric values find each other: namespace (empty for cluster-scoped) and name. */
export const objectKey = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;

/** objectKey → metric → value (a quantity, as served). Objects without a value are left out. */
export async function metricColumns(
  s: Session,
  metrics: readonly string[],
  resource: 'pods' | 'nodes',
  namespaces: readonly (string | undefined)[],
  target: { name?: string | undefined; labelSelector?: string | undefined },
): Promise<Map<string, Record<string, string>>> {
  const byObject = new Map<string, Record<string, string>>();
  if (metrics.length === 0) return byObject;
  const version = await s.discovery.version(CUSTOM_GROUP);
  const requests = metrics.flatMap((metric) =>
    namespaces.map(async (namespace) => {
      try {
        const list = await s.api.customMetric(version, {
          namespace,
          resource,
          name: target.name ?? '*',
          metric,
          labelSelector: target.labelSelector,
        });
        return { metric, namespace, items: list.items };
      } catch (e) {
        // Discovery lists the metric (checked before): a 404 means these objects have no value now.
        if (e instanceof RequestFailed && e.code === 404) return { metric, namespace, items: [] };
        throw e;
      }
    }),
  );
  for (const { metric, namespace, items } of await Promise.all(requests)) {
    for (const item of items) {
      const key = objectKey(item.describedObject.namespace ?? namespace, item.describedObject.name);
      byObject.set(key, { ...byObject.get(key), [metric]: item.value });
    }
  }
  return byObject;
}
