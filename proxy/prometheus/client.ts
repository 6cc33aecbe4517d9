// Prometheus HTTP API (or Thanos, Mimir, VictoriaMetrics: same API) over one keep-alive undici
// pool per backend. Only /api/v1/query and /api/v1/series are needed; both are sent as POST forms
// so long selectors never hit URL length limits.
import { readFileSync, statSync } from 'node:fs';
import { Pool } from 'undici';
import { SeriesScanner } from './series-stream.ts';

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
  /** Sent with every request, e.g. `X-Scope-OrgID` for a Mimir or Cortex tenant. */
  headers?: Record<string, string>;
  /** Re-read when the file changes, so rotated (projected) tokens are picked up. */
  bearerTokenFile?: string;
  basicAuth?: { username: string; passwordFile: string };
  tls?: {
    caFile?: string;
    certFile?: string;
    keyFile?: string;
    insecureSkipVerify?: boolean;
    serverName?: string;
  };
}

/** A file's content, read again only when its modification time changes. */
class WatchedFile {
  private readonly path: string;
  private mtimeMs = -1;
  private content = '';

  constructor(path: string) {
    this.path = path;
  }

  read(): string {
    const mtimeMs = statSync(this.path).mtimeMs;
    if (mtimeMs !== this.mtimeMs) {
      this.content = readFileSync(this.path, 'utf8').trim();
      this.mtimeMs = mtimeMs;
    }
    return this.content;
  }
}

export class PrometheusClient {
  readonly url: string;
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly timeoutMs: number;
  private readonly fixedHeaders: Record<string, string>;
  private readonly token: WatchedFile | undefined;
  private readonly password: WatchedFile | undefined;
  private readonly username: string;
  /** Identical queries in flight share one request (the HPA and a person can ask at the same second). */
  private readonly inFlight = new Map<string, Promise<Sample[]>>();

  constructor(url: string, opts: PrometheusOptions = {}) {
    const u = new URL(url);
    this.url = url;
    this.basePath = u.pathname.replace(/\/$/, '');
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.fixedHeaders = opts.headers ?? {};
    this.token = opts.bearerTokenFile ? new WatchedFile(opts.bearerTokenFile) : undefined;
    this.password = opts.basicAuth ? new WatchedFile(opts.basicAuth.passwordFile) : undefined;
    this.username = opts.basicAuth?.username ?? '';
    const tls = opts.tls ?? {};
    this.pool = new Pool(u.origin, {
      connections: 32,
      keepAliveTimeout: 30_000,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      connect: {
        timeout: 5_000,
        ...(tls.caFile ? { ca: readFileSync(tls.caFile) } : {}),
        ...(tls.certFile ? { cert: readFileSync(tls.certFile) } : {}),
        ...(tls.keyFile ? { key: readFileSync(tls.keyFile) } : {}),
        ...(tls.serverName ? { servername: tls.serverName } : {}),
        ...(tls.insecureSkipVerify ? { rejectUnauthorized: false } : {}),
      },
    });
  }

  private headers(): Record<string, string> {
    if (this.token) return { ...this.fixedHeaders, authorization: `Bearer ${this.token.read()}` };
    if (this.password) {
      const basic = Buffer.from(`${this.username}:${this.password.read()}`).toString('base64');
      return { ...this.fixedHeaders, authorization: `Basic ${basic}` };
    }
    return this.fixedHeaders;
  }

  /** Instant query; a scalar result comes back as one sample without labels. */
  query(expr: string, timeMs: number): Promise<Sample[]> {
    const key = `${timeMs}\u0000${expr}`;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.runQuery(expr, timeMs).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async runQuery(expr: string, timeMs: number): Promise<Sample[]> {
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

  /**
   * Visits each series matching a selector seen between start and end (its labels, the name in
   * `__name__`) while the answer streams in, so memory does not grow with the number of series.
   * Returns how many there were.
   */
  async series(
    match: string,
    startMs: number,
    endMs: number,
    visit: (labels: Record<string, string>) => void,
  ): Promise<number> {
    const res = await this.send('/api/v1/series', [
      ['match[]', match],
      ['start', (startMs / 1000).toFixed(3)],
      ['end', (endMs / 1000).toFixed(3)],
    ]);
    const scanner = new SeriesScanner(visit);
    const decoder = new TextDecoder();
    for await (const chunk of res.body) scanner.push(decoder.decode(chunk as Buffer, { stream: true }));
    scanner.push(decoder.decode());
    const answer = scanner.end();
    if (answer.status !== 'success') {
      throw new PrometheusError(
        `Prometheus rejected the series request (${res.statusCode} ${answer.errorType ?? ''}): ${answer.error ?? 'no error message'}`,
        res.statusCode,
        answer.errorType ?? 'error',
      );
    }
    return answer.count;
  }

  async ready(): Promise<{ ok: boolean; detail: string }> {
    try {
      const res = await this.pool.request({
        method: 'GET',
        path: `${this.basePath}/-/ready`,
        headers: this.headers(),
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

  private async send(path: string, form: [string, string][]) {
    try {
      return await this.pool.request({
        method: 'POST',
        path: this.basePath + path,
        headers: { ...this.headers(), 'content-type': 'application/x-www-form-urlencoded' },
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
  }

  private async post(path: string, form: [string, string][]): Promise<unknown> {
    const res = await this.send(path, form);
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
