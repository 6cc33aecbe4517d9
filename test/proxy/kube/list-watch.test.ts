import { describe, expect, it } from 'vitest';
import { type KubeObject, ListWatch } from '../../../proxy/kube/list-watch.ts';
import { KubeApiError, type KubeRest } from '../../../shared/kube.ts';

type Pod = KubeObject & { metadata: { labels?: Record<string, string> }; spec?: unknown };

const pod = (
  name: string,
  namespace: string,
  resourceVersion: string,
  labels?: Record<string, string>,
): Pod => ({
  metadata: { name, namespace, resourceVersion, ...(labels ? { labels } : {}) },
  spec: { big: 'x'.repeat(10) },
});

/** One scripted watch: the events it sends, then how it ends. */
interface Script {
  events: { type: string; object: unknown }[];
  end: 'close' | Error | 'hang';
}

/** KubeRest's get (pages of LISTs) and watch (scripted), recording what was asked. */
class ScriptedApi {
  lists: Pod[][][] = [];
  watches: Script[] = [];
  asked: string[] = [];
  private listing = 0;
  private waiters: (() => void)[] = [];

  async get(path: string, query: Record<string, string | undefined>) {
    this.asked.push(`LIST ${path} limit=${query.limit} continue=${query.continue ?? ''}`);
    const pages = this.lists[Math.min(this.listing, this.lists.length - 1)];
    if (!pages) throw new KubeApiError('connection refused', 0);
    const index = query.continue ? Number(query.continue) : 0;
    if (index === pages.length - 1) this.listing++;
    return {
      metadata: {
        resourceVersion: `list-${this.listing}`,
        continue: index < pages.length - 1 ? String(index + 1) : '',
      },
      items: structuredClone(pages[index]),
    };
  }

  async watch(
    path: string,
    query: Record<string, string>,
    onLine: (line: string) => void,
    opts: { signal: AbortSignal },
  ): Promise<void> {
    this.asked.push(`WATCH ${path} from ${query.resourceVersion} bookmarks=${query.allowWatchBookmarks}`);
    const script = this.watches.shift() ?? { events: [], end: 'hang' };
    for (const e of script.events) onLine(JSON.stringify(e));
    this.notify();
    if (script.end === 'close') return;
    if (script.end instanceof Error) throw script.end;
    await new Promise((_, reject) => opts.signal.addEventListener('abort', () => reject(opts.signal.reason)));
  }

  /** Resolves once `n` requests were asked. */
  async asks(n: number): Promise<void> {
    while (this.asked.length < n) await new Promise<void>((r) => this.waiters.push(r));
  }

  private notify() {
    for (const w of this.waiters.splice(0)) w();
  }

  rest(): KubeRest {
    return this as unknown as KubeRest;
  }
}

function cache(api: ScriptedApi) {
  const heard: string[] = [];
  const lw = new ListWatch<Pod>(
    api.rest(),
    '/api/v1/pods',
    (o) => {
      delete o.spec;
    },
    { failed: (e) => heard.push(`failed: ${e}`), resumed: () => heard.push('resumed') },
  );
  return { lw, heard };
}

const names = (lw: ListWatch<Pod>, ns?: string) =>
  lw
    .list(ns)
    .map((o) => `${o.metadata.namespace}/${o.metadata.name}`)
    .sort();

describe('ListWatch', () => {
  it('lists page by page, trims every object, and indexes them by namespace', async () => {
    const api = new ScriptedApi();
    api.lists = [[[pod('a', 'shop', '1'), pod('b', 'shop', '2')], [pod('c', 'bank', '3')]]];
    const { lw } = cache(api);
    await lw.start();
    await api.asks(3);
    lw.stop();
    expect(api.asked).toEqual([
      'LIST /api/v1/pods limit=500 continue=',
      'LIST /api/v1/pods limit=500 continue=1',
      'WATCH /api/v1/pods from list-1 bookmarks=true',
    ]);
    expect(names(lw)).toEqual(['bank/c', 'shop/a', 'shop/b']);
    expect(names(lw, 'shop')).toEqual(['shop/a', 'shop/b']);
    expect(names(lw, 'none')).toEqual([]);
    expect(lw.size).toBe(3);
    expect(lw.get('a', 'shop')).toEqual({ metadata: { name: 'a', namespace: 'shop', resourceVersion: '1' } });
    expect(lw.get('a', 'bank')).toBeUndefined();
  });

  it('applies added, modified and deleted objects, and resumes from the last version or bookmark seen', async () => {
    const api = new ScriptedApi();
    api.lists = [[[pod('a', 'shop', '1')]]];
    api.watches = [
      {
        events: [
          { type: 'ADDED', object: pod('b', 'shop', '5') },
          { type: 'MODIFIED', object: pod('a', 'shop', '6', { app: 'web' }) },
          { type: 'DELETED', object: pod('b', 'shop', '7') },
        ],
        end: 'close',
      },
      { events: [{ type: 'BOOKMARK', object: { metadata: { resourceVersion: '9' } } }], end: 'close' },
    ];
    const { lw, heard } = cache(api);
    await lw.start();
    await api.asks(4);
    lw.stop();
    expect(api.asked.slice(1)).toEqual([
      'WATCH /api/v1/pods from list-1 bookmarks=true',
      'WATCH /api/v1/pods from 7 bookmarks=true',
      'WATCH /api/v1/pods from 9 bookmarks=true',
    ]);
    expect(lw.list()).toEqual([
      { metadata: { name: 'a', namespace: 'shop', resourceVersion: '6', labels: { app: 'web' } } },
    ]);
    expect(heard).toEqual([]);
  });

  it('lists again, without calling it a failure, when the version is gone (410 as an event or a status)', async () => {
    const api = new ScriptedApi();
    api.lists = [[[pod('a', 'shop', '1')]], [[pod('z', 'shop', '20')]], [[pod('y', 'shop', '30')]]];
    api.watches = [
      {
        events: [
          { type: 'ERROR', object: { kind: 'Status', code: 410, message: 'too old resource version' } },
        ],
        end: 'hang',
      },
      { events: [], end: new KubeApiError('Gone', 410) },
    ];
    const { lw, heard } = cache(api);
    await lw.start();
    await api.asks(6);
    lw.stop();
    expect(api.asked.filter((a) => a.startsWith('WATCH'))).toEqual([
      'WATCH /api/v1/pods from list-1 bookmarks=true',
      'WATCH /api/v1/pods from list-2 bookmarks=true',
      'WATCH /api/v1/pods from list-3 bookmarks=true',
    ]);
    expect(names(lw)).toEqual(['shop/y']);
    expect(heard).toEqual([]);
  });

  it('keeps serving the last objects while the watch fails, says so once per failure, and says when it is back', async () => {
    const api = new ScriptedApi();
    api.lists = [[[pod('a', 'shop', '1')]], [[pod('a', 'shop', '1'), pod('b', 'shop', '2')]]];
    api.watches = [{ events: [], end: new Error('connection reset') }];
    const { lw, heard } = cache(api);
    await lw.start();
    expect(names(lw)).toEqual(['shop/a']);
    await api.asks(4);
    lw.stop();
    expect(heard).toEqual(['failed: connection reset', 'resumed']);
    expect(api.asked[2]).toBe('LIST /api/v1/pods limit=500 continue=');
    expect(names(lw)).toEqual(['shop/a', 'shop/b']);
  });

  it('rejects its start when the first list fails', async () => {
    const api = new ScriptedApi();
    const { lw } = cache(api);
    await expect(lw.start()).rejects.toThrow('connection refused');
  });

  it('ends the watch with an error for an error event other than 410', async () => {
    const api = new ScriptedApi();
    api.lists = [[[pod('a', 'shop', '1')]]];
    api.watches = [
      {
        events: [{ type: 'ERROR', object: { kind: 'Status', code: 500, message: 'etcd is down' } }],
        end: 'hang',
      },
    ];
    const { lw, heard } = cache(api);
    await lw.start();
    await api.asks(4);
    lw.stop();
    expect(heard).toEqual(['failed: the watch of /api/v1/pods ended with an error: etcd is down', 'resumed']);
  });
});
