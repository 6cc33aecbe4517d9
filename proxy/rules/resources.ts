// Kubernetes resource names as the API server's discovery describes them: a pure lookup that stands
// in for client-go's RESTMapper when rules name resources as "pod", "pods" or "Pod".

export interface GroupResource {
  group: string;
  resource: string;
}

export interface ApiResource extends GroupResource {
  version: string;
  singular: string;
  kind: string;
  namespaced: boolean;
}

export const NAMESPACES: GroupResource = { group: '', resource: 'namespaces' };
export const NODES: GroupResource = { group: '', resource: 'nodes' };
export const PERSISTENT_VOLUMES: GroupResource = { group: '', resource: 'persistentvolumes' };
export const PODS: GroupResource = { group: '', resource: 'pods' };

/** `pods`, `deployments.apps`: the form used in URLs and discovery (GroupResource.String()). */
export function groupResourceString(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

export function sameGroupResource(a: GroupResource, b: GroupResource): boolean {
  return a.group === b.group && a.resource === b.resource;
}

export class ResourceMapper {
  readonly resources: readonly ApiResource[];
  private readonly byKey = new Map<string, ApiResource>();

  constructor(resources: ApiResource[]) {
    this.resources = resources.filter((r) => !r.resource.includes('/'));
    for (const r of this.resources) {
      const key = groupResourceString(r);
      if (!this.byKey.has(key)) this.byKey.set(key, r);
    }
  }

  /** The resource named `name` (plural, singular or kind, any case) in `group`, or in any group
   * when `group` is empty, preferring the core group as the API server's RESTMapper does. */
  resolve(group: string, name: string): ApiResource | undefined {
    const lower = name.toLowerCase();
    const hits = this.resources.filter(
      (r) =>
        (!group || r.group === group) &&
        (r.resource === lower || r.singular === lower || r.kind.toLowerCase() === lower),
    );
    return hits.find((r) => r.group === '') ?? hits[0];
  }

  /** Parses the URL form `deployments.apps` (also `deployment.apps`, `pods`). */
  parse(text: string): ApiResource | undefined {
    const exact = this.byKey.get(text);
    if (exact) return exact;
    const dot = text.indexOf('.');
    return dot < 0 ? this.resolve('', text) : this.resolve(text.slice(dot + 1), text.slice(0, dot));
  }

  get(gr: GroupResource): ApiResource | undefined {
    return this.byKey.get(groupResourceString(gr));
  }

  singular(gr: GroupResource): string {
    const r = this.get(gr);
    if (r?.singular) return r.singular;
    if (r?.kind) return r.kind.toLowerCase();
    return gr.resource.replace(/s$/, '');
  }
}
