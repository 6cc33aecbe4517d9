// Prometheus HTTP API over one keep-alive undici pool. Only /api/v1/query and /api/v1/series are
// needed; both are sent as POST forms so long selectors never hit URL length limits.
import { Pool } from 'undici';

export interface Sample {
  labels: Record<string, string>;
  value: number;
  /** Evaluation time of the sample, milliseconds since the epoch. */
  timestampMs: number;
}

export class PrometheusError extends Error {
  readonly status: number;
  readonly errorType: string;
  constructor(message: string, status: number, errorType: string) {
    super(message);
    this.status = status;
    this.errorType = errorType;
  }
}

export interface PrometheusOptions {
  timeoutMs?: number;
  headers?: Record<string, string>;
}

export class PrometheusClient {
  readonly url: string;
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;

  constructor(url: string, opts: PrometheusOptions = {}) {
    const u = new URL(url);
    this.url = url;
    this.basePath = u.pathname.replace(/\/$/, '');
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.headers = opts.headers ?? {};
    this.pool = new Pool(u.origin, {
      connections: 32,
      keepAliveTimeout: 30_000,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      connect: { timeout: 5_000 },
    });
  }

  /** Instant query; a scalar result comes back as one sample without labels. */
  async query(expr: string, timeMs: number): Promise<Sample[]> {
    const data = (await this.post('/api/v1/query', [
      ['query', expr],
      ['time', (timeMs / 1000).toFixed(3)],
    ])) as { resultType: string; result: unknown };
    if (data.resultType === 'vector') {
      return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({
        labels: r.metric,
        value: parseFloat(r.value[1]),
        timestampMs: Math.round(r.value[0] * 1000),
      }));
    }
    if (data.resultType === 'scalar') {
      const [ts, v] = data.result as [number, string];
      return [{ labels: {}, value: parseFloat(v), timestampMs: Math.round(ts * 1000) }];
    }
    throw new PrometheusError(
      `query returned a ${data.resultType}, not an instant vector or scalar: ${expr}`,
      422,
      'bad_result',
    );
  }

  /** Series matching a selector seen between start and end (label sets, name in `__name__`). */
  async series(match: string, startMs: number, endMs: number): Promise<Record<string, string>[]> {
    return (await this.post('/api/v1/series', [
      ['match[]', match],
      ['start', (startMs / 1000).toFixed(3)],
      ['end', (endMs / 1000).toFixed(3)],
    ])) as Record<string, string>[];
  }

  async ready(): Promise<{ ok: boolean; detail: string }> {
    try {
      const res = await this.pool.request({
        method: 'GET',
        path: `${this.basePath}/-/ready`,
        headers: this.headers,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.body.text();
      return { ok: res.statusCode === 200, detail: `${res.statusCode} ${text.trim()}` };
    } catch (e) {
      return { ok: false, detail: (e as Error).message };
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async post(path: string, form: [string, string][]): Promise<unknown> {
    let res: Awaited<ReturnType<Pool['request']>>;
    try {
      res = await this.pool.request({
        method: 'POST',
        path: this.basePath + path,
        headers: { ...this.headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new PrometheusError(
        `Prometheus at ${this.url} is unreachable: ${(e as Error).message}`,
        503,
        'unreachable',
      );
    }
    const text = await res.body.text();
    let body: { status?: string; data?: unknown; errorType?: string; error?: string };
    try {
      body = JSON.parse(text);
    } catch {
      throw new PrometheusError(
        `Prometheus at ${this.url} answered ${res.statusCode} with a body that is not JSON: ${text.slice(0, 200)}`,
        502,
        'bad_response',
      );
    }
    if (body.status !== 'success') {
      throw new PrometheusError(
        `Prometheus rejected the request (${res.statusCode} ${body.errorType ?? ''}): ${body.error ?? text.slice(0, 200)}`,
        res.statusCode,
        body.errorType ?? 'error',
      );
    }
    return body.data;
  }
}
