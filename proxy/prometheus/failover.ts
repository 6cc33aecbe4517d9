// A backend: one or more Prometheus-compatible servers holding the same data (an HA pair without a
// query layer over it). Each request goes to the servers in turn, healthy ones first, and moves on
// from one that cannot be reached, does not answer in time or fails on its side (5xx, a body that is
// not the API's), within the request's deadline: each try gets an equal share of the time left, so
// a slow server cannot use up the time of the next. A query Prometheus refuses (4xx: bad PromQL)
// would be refused by every server and is not retried.
import {
  type PrometheusAnswer,
  PrometheusClient,
  PrometheusError,
  type PrometheusMatrix,
  type PrometheusOptions,
  type QueryRange,
} from './client.ts';
import type { FailoverObserver } from './metrics.ts';

/** Where one server of a backend stands, for /readyz and /metrics. */
export interface ServerHealth {
  url: string;
  healthy: boolean;
  /** Why its last request failed, while it is unhealthy. */
  lastError: string;
}

interface Server {
  client: PrometheusClient;
  healthy: boolean;
  lastError: string;
  /** When it last failed: the unhealthy are tried oldest failure first. */
  failedAtMs: number;
}

export class PrometheusBackend {
  readonly name: string;
  private readonly servers: Server[];
  private readonly timeoutMs: number;
  private readonly observer: FailoverObserver | undefined;

  constructor(
    name: string,
    urls: readonly string[],
    opts: PrometheusOptions & { timeoutMs: number; failover?: FailoverObserver },
  ) {
    this.name = name;
    this.timeoutMs = opts.timeoutMs;
    this.observer = opts.failover;
    this.servers = urls.map((url) => ({
      client: new PrometheusClient(url, opts),
      healthy: true,
      lastError: '',
      failedAtMs: 0,
    }));
  }

  /** PrometheusClient.query on the first server that answers. */
  query(expr: string, timeMs: number): Promise<PrometheusAnswer> {
    return this.tryInTurn((server, timeoutMs) => server.client.query(expr, timeMs, timeoutMs));
  }

  /** PrometheusClient.queryRange on the first server that answers. */
  queryRange(expr: string, range: QueryRange): Promise<PrometheusMatrix> {
    return this.tryInTurn((server, timeoutMs) => server.client.queryRange(expr, range, timeoutMs));
  }

  /**
   * PrometheusClient.series on the first server that answers; a server that fails after it has
   * sent series is not left for another, which would visit them twice.
   */
  series(
    match: string,
    startMs: number,
    endMs: number,
    visit: (labels: Record<string, string>) => void,
    timeoutMs = 0,
  ): Promise<number> {
    let visited = false;
    const counting = (labels: Record<string, string>) => {
      visited = true;
      visit(labels);
    };
    return this.tryInTurn(
      (server) => server.client.series(match, startMs, endMs, counting, timeoutMs),
      () => !visited,
    );
  }

  /**
   * Ready when one server is (requests go there); each server's readiness is asked, so that one
   * back after a failure is healthy again, and the detail names every one that is not.
   */
  async ready(): Promise<{ ok: boolean; detail: string }> {
    const results = await Promise.all(
      this.servers.map(async (s) => {
        const r = await s.client.ready();
        if (r.ok) this.succeeded(s);
        else this.failed(s, r.detail);
        return { url: s.client.url, ...r };
      }),
    );
    const down = results.filter((r) => !r.ok);
    const detail = down.map((r) => `${r.url}: ${r.detail}`).join('; ');
    const ok = down.length < results.length;
    return { ok, detail: ok && down.length ? `serving from the others; down: ${detail}` : detail };
  }

  health(): ServerHealth[] {
    return this.servers.map((s) => ({ url: s.client.url, healthy: s.healthy, lastError: s.lastError }));
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.client.close()));
  }

  private async tryInTurn<T>(
    run: (server: Server, timeoutMs: number) => Promise<T>,
    mayRetry: () => boolean = () => true,
  ): Promise<T> {
    if (this.servers.length === 1) return run(this.servers[0] as Server, this.timeoutMs);
    const order = [
      ...this.servers.filter((s) => s.healthy),
      ...this.servers.filter((s) => !s.healthy).sort((a, b) => a.failedAtMs - b.failedAtMs),
    ];
    const deadline = performance.now() + this.timeoutMs;
    let last: PrometheusError | undefined;
    for (const [i, server] of order.entries()) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      try {
        const value = await run(server, Math.ceil(left / (order.length - i)));
        this.succeeded(server);
        return value;
      } catch (e) {
        if (!(e instanceof PrometheusError) || !isServerSide(e) || !mayRetry()) throw e;
        this.failed(server, e.message);
        last = e;
        if (i < order.length - 1) this.observer?.failedOver(this.name, server.client.url, e.errorType);
      }
    }
    throw last ?? new PrometheusError(`no server of backend ${this.name} answered in time`, 504, 'timeout');
  }

  private succeeded(server: Server) {
    server.healthy = true;
    server.lastError = '';
  }

  private failed(server: Server, reason: string) {
    server.healthy = false;
    server.lastError = reason;
    server.failedAtMs = Date.now();
  }
}

/** A failure of the server, not of the query: another server holding the same data may answer. */
function isServerSide(e: PrometheusError): boolean {
  return e.status >= 500 || e.errorType === 'unreachable' || e.errorType === 'timeout';
}
