// The cluster's resources, from the API server's discovery documents (preferred version per group).
import type { APIGroupList, APIResourceList } from '../../shared/api-types.ts';
import type { KubeRest } from '../../shared/kube.ts';
import { type ApiResource, ResourceMapper } from '../rules/resources.ts';

export async function discoverResources(rest: KubeRest): Promise<ResourceMapper> {
  const groups = await rest.get<APIGroupList>('/apis');
  const lists: { group: string; version: string; path: string }[] = [
    { group: '', version: 'v1', path: '/api/v1' },
  ];
  for (const g of groups.groups) {
    const v = g.preferredVersion;
    lists.push({ group: g.name, version: v.version, path: `/apis/${v.groupVersion}` });
  }
  const resources: ApiResource[] = [];
  const results = await Promise.allSettled(lists.map((l) => rest.get<APIResourceList>(l.path)));
  results.forEach((r, i) => {
    // A group whose server is down (an unavailable APIService) must not hide all the others.
    if (r.status !== 'fulfilled') return;
    const { group, version } = lists[i] as (typeof lists)[number];
    for (const res of r.value.resources) {
      resources.push({
        group,
        version,
        resource: res.name,
        singular: res.singularName || res.kind.toLowerCase(),
        kind: res.kind,
        namespaced: res.namespaced,
      });
    }
  });
  return new ResourceMapper(resources);
}
