// Watch caches of the objects metrics describe, started on first use for each resource and kept
// up to date by a watch, so that selecting pods never costs a LIST per request.
import type { KubeRest } from '../../shared/kube.ts';
import { matches, type Requirement } from '../../shared/labels.ts';
import { compareCodeUnits } from '../../shared/text.ts';
import type { Logger } from '../log.ts';
import { type ApiResource, groupResourceString } from '../rules/resources.ts';
import { ListWatch } from './list-watch.ts';

/** What the metrics APIs read of a cached object: all the cache keeps of it (see slim). */
export interface CachedObject {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string };
  spec?: { containers?: { name: string }[]; initContainers?: { name: string; restartPolicy?: string }[] };
  status?: { phase?: string };
}

export class WatchCaches {
  private readonly watches = new Map<string, Promise<ListWatch<CachedObject>>>();
  /** The caches that finished their first list, by resource (`pods`, `deployments.apps`). */
  private readonly synced = new Map<string, ListWatch<CachedObject>>();
  /** The caches warmed at start: readiness waits for them (one started by a request does not). */
  private readonly required = new Set<string>();
  /** Watches that failed and are being restarted: since when, and why. */
  private readonly down = new Map<string, { sinceMs: number; error: string }>();
  private readonly rest: KubeRest;
  private readonly log: Logger;

  constructor(rest: KubeRest, log: Logger) {
    this.rest = rest;
    this.log = log;
  }

  /** Starts watching `resource` now rather than on the first request for it; readiness waits for it. */
  async warm(resource: ApiResource): Promise<void> {
    this.required.add(groupResourceString(resource));
    await this.watch(resource);
  }

  /** Objects held in each synced cache, by resource. */
  objectCounts(): Map<string, number> {
    return new Map([...this.synced].map(([key, cache]) => [key, cache.size]));
  }

  /** For /readyz: the caches warmed at start synced; every cache's size, and any watch restarting. */
  status(): { ok: boolean; detail: string } {
    const syncing = [...this.watches.keys()].filter((k) => !this.synced.has(k));
    const sizes = [...this.objectCounts()].map(([key, n]) => `${key} ${n}`);
    const down = [...this.down].map(
      ([key, d]) =>
        `${key}: watch down since ${new Date(d.sinceMs).toISOString()}, serving the last known objects (${d.error})`,
    );
    const parts = [
      ...(syncing.length ? [`not synced yet: ${syncing.join(', ')}`] : []),
      ...(sizes.length ? [`synced: ${sizes.join(', ')}`] : []),
      ...down,
    ];
    return { ok: [...this.required].every((k) => this.synced.has(k)), detail: parts.join('; ') };
  }

  async names(resource: ApiResource, namespace: string | undefined, selector: readonly Requirement[]) {
    return (await this.list(resource, namespace, selector)).map((o) => o.metadata.name);
  }

  async exists(resource: ApiResource, namespace: string | undefined, name: string) {
    return (await this.get(resource, namespace, name)) !== undefined;
  }

  async list(resource: ApiResource, namespace: string | undefined, selector: readonly Requirement[]) {
    const cache = await this.watch(resource);
    return cache
      .list(namespace)
      .filter((o) => matches(selector, o.metadata.labels ?? {}))
      .sort(
        (a, b) =>
          compareCodeUnits(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
          compareCodeUnits(a.metadata.name, b.metadata.name),
      );
  }

  async get(resource: ApiResource, namespace: string | undefined, name: string) {
    const cache = await this.watch(resource);
    return cache.get(name, namespace);
  }

  async stop(): Promise<void> {
    for (const p of this.watches.values()) (await p).stop();
    this.synced.clear();
  }

  private watch(resource: ApiResource): Promise<ListWatch<CachedObject>> {
    const key = groupResourceString(resource);
    let p = this.watches.get(key);
    if (!p) {
      p = this.start(resource);
      this.watches.set(key, p);
      p.then(
        (cache) => this.synced.set(key, cache),
        () => this.watches.delete(key),
      );
    }
    return p;
  }

  private async start(resource: ApiResource): Promise<ListWatch<CachedObject>> {
    const key = groupResourceString(resource);
    const path = `${resource.group ? `/apis/${resource.group}` : '/api'}/${resource.version}/${resource.resource}`;
    const cache = new ListWatch<CachedObject>(this.rest, path, slim, {
      failed: (error) => {
        if (!this.down.has(key)) this.down.set(key, { sinceMs: Date.now(), error });
        this.log.warn('watch failed; restarting', { resource: key, error });
      },
      resumed: () => {
        if (this.down.delete(key)) this.log.info('watch resumed', { resource: key });
      },
    });
    try {
      await cache.start();
    } catch (e) {
      // The first list failed: no cache rather than an empty one; the next request tries again.
      throw new Error(`cannot list ${key}: ${(e as Error).message}`);
    }
    this.log.info('watch cache synced', { resource: key, objects: cache.size });
    return cache;
  }
}

/**
 * Trims a cached object, in place, to what the metrics APIs read (CachedObject) and what the cache
 * itself keys on (metadata.resourceVersion): a pod's managedFields, container specs and status
 * would otherwise hold most of the proxy's memory in a cluster of thousands of pods.
 */
export function slim(o: CachedObject): void {
  const { name, namespace, labels, resourceVersion } = o.metadata;
  o.metadata = { name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}), resourceVersion };
  if (o.spec) {
    const { containers, initContainers } = o.spec;
    o.spec = {
      ...(containers ? { containers: containers.map((c) => ({ name: c.name })) } : {}),
      ...(initContainers
        ? {
            initContainers: initContainers.map((c) => ({
              name: c.name,
              ...(c.restartPolicy ? { restartPolicy: c.restartPolicy } : {}),
            })),
          }
        : {}),
    };
  }
  if (o.status) o.status = o.status.phase ? { phase: o.status.phase } : {};
}
