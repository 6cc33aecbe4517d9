// One resource's objects kept as client-go's reflector keeps them (k8s.io/client-go
// tools/cache/reflector.go ListAndWatch): a paged LIST, then a WATCH from its resourceVersion with
// bookmarks, again from the last version seen each time the server ends it, and a new LIST once that
// version is gone (410) or the watch failed. Written here rather than taken from
// @kubernetes/client-node, whose informer alone added about 36 MiB to the proxy's RSS.
import { setTimeout as delay } from 'node:timers/promises';
import { KubeApiError, type KubeRest, type KubeStatus } from '../../shared/kube.ts';

/** What the cache keys an object by, and the version the watch resumes from. */
export interface KubeObject {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
}

/** What the owner hears of the watch: it failed (the cache serves the last objects), and it is back. */
export interface WatchEvents {
  failed(error: string): void;
  resumed(): void;
}

/** client-go's pager (tools/pager/pager.go defaultPageSize): a LIST's answer stays small. */
const PAGE_SIZE = 500;
/** reflector.go minWatchTimeout: each watch asks to end after 5 to 10 minutes, at random. */
const MIN_WATCH_SECONDS = 300;
/** Between a failure and the next LIST. */
const RETRY_MS = 1000;

/** The watch's resourceVersion is too old for the server: list again (not a failure). */
class Expired extends Error {}

export class ListWatch<T extends KubeObject> {
  private byNamespace = new Map<string, Map<string, T>>();
  private resourceVersion = '';
  private readonly abort = new AbortController();
  private readonly rest: KubeRest;
  private readonly path: string;
  private readonly trim: (object: T) => void;
  private readonly events: WatchEvents;

  /** `trim` cuts each object, in place, to what the cache must keep of it. */
  constructor(rest: KubeRest, path: string, trim: (object: T) => void, events: WatchEvents) {
    this.rest = rest;
    this.path = path;
    this.trim = trim;
    this.events = events;
  }

  /** The first LIST, then the watch in the background; rejects when that LIST fails. */
  async start(): Promise<void> {
    await this.relist();
    void this.follow();
  }

  stop(): void {
    this.abort.abort();
  }

  /** The objects of one namespace (all of them without one), in no particular order. */
  list(namespace?: string): T[] {
    if (namespace !== undefined) return [...(this.byNamespace.get(namespace)?.values() ?? [])];
    return [...this.byNamespace.values()].flatMap((objects) => [...objects.values()]);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.byNamespace.get(namespace ?? '')?.get(name);
  }

  get size(): number {
    let n = 0;
    for (const objects of this.byNamespace.values()) n += objects.size;
    return n;
  }

  private async follow(): Promise<void> {
    let failing = false;
    while (!this.abort.signal.aborted) {
      try {
        if (!this.resourceVersion) await this.relist();
        if (failing) {
          failing = false;
          this.events.resumed();
        }
        await this.watch();
      } catch (e) {
        if (this.abort.signal.aborted) return;
        this.resourceVersion = '';
        if (e instanceof Expired || (e instanceof KubeApiError && e.code === 410)) continue;
        failing = true;
        this.events.failed((e as Error).message);
        await delay(RETRY_MS, undefined, { signal: this.abort.signal, ref: false }).catch(() => undefined);
      }
    }
  }

  private async relist(): Promise<void> {
    const objects = new Map<string, Map<string, T>>();
    let next: string | undefined;
    let version = '';
    do {
      const page = await this.rest.get<{
        metadata?: { resourceVersion?: string; continue?: string };
        items?: T[];
      }>(this.path, { limit: String(PAGE_SIZE), continue: next });
      for (const object of page.items ?? []) {
        this.trim(object);
        put(objects, object);
      }
      next = page.metadata?.continue || undefined;
      version = page.metadata?.resourceVersion ?? '';
    } while (next);
    this.byNamespace = objects;
    this.resourceVersion = version;
  }

  /** One watch, until the server ends it; events change the objects as they arrive. */
  private async watch(): Promise<void> {
    const seconds = Math.floor(MIN_WATCH_SECONDS * (1 + Math.random()));
    await this.rest.watch(
      this.path,
      {
        watch: '1',
        allowWatchBookmarks: 'true',
        resourceVersion: this.resourceVersion,
        timeoutSeconds: String(seconds),
      },
      (line) => this.apply(JSON.parse(line) as { type: string; object: T | KubeStatus }),
      // A connection that sends nothing, bookmarks included, past the watch's own end is dead.
      { signal: this.abort.signal, idleMs: (seconds + 30) * 1000 },
    );
  }

  private apply(event: { type: string; object: T | KubeStatus }): void {
    if (event.type === 'ERROR') {
      const status = event.object as KubeStatus;
      if (status.code === 410) throw new Expired(status.message);
      throw new Error(
        `the watch of ${this.path} ended with an error: ${status.message ?? JSON.stringify(status)}`,
      );
    }
    const object = event.object as T;
    if (event.type === 'ADDED' || event.type === 'MODIFIED') {
      this.trim(object);
      put(this.byNamespace, object);
    } else if (event.type === 'DELETED') {
      const { name, namespace = '' } = object.metadata;
      const inNamespace = this.byNamespace.get(namespace);
      if (inNamespace?.delete(name) && !inNamespace.size) this.byNamespace.delete(namespace);
    }
    if (object.metadata?.resourceVersion) this.resourceVersion = object.metadata.resourceVersion;
  }
}

function put<T extends KubeObject>(objects: Map<string, Map<string, T>>, object: T): void {
  const namespace = object.metadata.namespace ?? '';
  const inNamespace = objects.get(namespace) ?? new Map<string, T>();
  objects.set(namespace, inNamespace);
  inNamespace.set(object.metadata.name, object);
}
