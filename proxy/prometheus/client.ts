// Prometheus HTTP API (or Thanos, Mimir, VictoriaMetrics: same API) over one keep-alive undici
// pool per backend. /api/v1/query, /api/v1/query_range (the history API) and /api/v1/series, all
// sent as POST forms so long selectors never hit URL length limits.
import type { Pool } from 'undici';
import {
  headersWith,
  isTimeout,
  type OutboundCredentials,
  type OutboundTls,
  outboundPool,
} from '../outbound.ts';
import { boundedReason, type PrometheusObserver } from './metrics.ts';
import { SeriesScanner } from './series-stream.ts';

export interface PrometheusSample {
  labels: Record<string, string>;
  value: number;
  /** Evaluation time of the sample, milliseconds since the epoch. */
  timestampMs: number;
}

/**
 * An instant query's samples, with what the server warned of beside them: Thanos Query when a store
 * under it did not answer (the samples may then be partial), Prometheus for odd PromQL.
 */
export type PrometheusAnswer = PrometheusSample[] & { warnings?: readonly string[] };

/** One series of a range query: its labels and its samples, oldest first. */
export interface PrometheusSeries {
  labels: Record<string, string>;
  /** [milliseconds since the epoch, value]; a step without a sample has no point. */
  points: [number, number][];
}

/** A range query's series, with what the server warned of beside them (as PrometheusAnswer). */
export type PrometheusMatrix = PrometheusSeries[] & { warnings?: readonly string[] };

/** A range query's bounds: evaluated at start, start + step, … up to end (all milliseconds). */
export interface QueryRange {
  startMs: number;
  endMs: number;
  stepMs: number;
}

/**
 * A failed Prometheus request. `errorType` is Prometheus' own (bad_data, execution, timeout, …) or
 * ours: `unreachable` (no connection), `timeout` (no complete answer within the deadline),
 * `bad_response` (an answer that is not the API's JSON).
 */
export class PrometheusError extends Error {
  readonly status: number;
  readonly errorType: string;
  constructor(message: string, status: number, errorType: string) {
    super(message);
    this.status = status;
    this.errorType = errorType;
  }
}

export interface PrometheusOptions extends OutboundCredentials {
  timeoutMs?: number;
  /** Sent with every request, e.g. `X-Scope-OrgID` for a Mimir or Cortex tenant. */
  headers?: Record<string, string>;
  tls?: OutboundTls;
  /** Told the duration and outcome of every request (the proxy's own metrics). */
  observer?: PrometheusObserver;
}

/** Distinct queries of one evaluation second kept (each HPA metric is one; `top pods -A` one per namespace). */
const MAX_ANSWERS_KEPT = 10_000;
/**
 * Samples kept over all answers of one second: a bound on bytes, not only on answers (10,000 answers
 * of 1,000 pods each would hold hundreds of MiB). An answer that would pass it is shared while in
 * flight, then dropped. 50,000 holds a second of 1,000 HPAs of 50 pods each.
 */
const MAX_SAMPLES_KEPT = 50_000;
/** Kept answers are dropped this long after their second began even if no newer second is asked. */
const ANSWERS_LIFETIME_MS = 2000;

export class PrometheusClient {
  readonly url: string;
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly timeoutMs: number;
  private readonly headers: () => Record<string, string>;
  private readonly observer: PrometheusObserver | undefined;
  /**
   * Answers of the newest evaluation time asked, by query, in flight or done. The proxy evaluates at
   * a settled past second (evaluationTime in evaluation-time.ts), where a query always has the same
   * answer: every request within that second shares one Prometheus call, and the answer is exact,
   * not stale. Dropped as soon as a newer time is asked; failures are not kept.
   */
  private answers = new Map<string, Promise<PrometheusAnswer>>();
  private answersTimeMs = Number.NEGATIVE_INFINITY;
  /** Samples in the done answers kept now. */
  private samplesKept = 0;

  constructor(url: string, opts: PrometheusOptions = {}) {
    const u = new URL(url);
    this.url = url;
    this.basePath = u.pathname.replace(/\/$/, '');
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.headers = headersWith(opts.headers ?? {}, opts);
    this.observer = opts.observer;
    this.pool = outboundPool(u.origin, this.timeoutMs, opts.tls);
  }

  /**
   * Instant query; a scalar result comes back as one sample without labels. The samples may be
   * shared with other callers of the same query and time: read them, never change them.
   * `timeoutMs` (at most the client's) bounds this call, when a caller has less time left.
   */
  query(expr: string, timeMs: number, timeoutMs = this.timeoutMs): Promise<PrometheusAnswer> {
    if (timeMs > this.answersTimeMs) this.dropAnswers(timeMs);
    const run = () =>
      this.observed('query', () => this.runQuery(expr, timeMs, Math.min(timeoutMs, this.timeoutMs)));
    // A straggler from an older second is answered, not kept.
    if (timeMs < this.answersTimeMs) return run();
    const answers = this.answers;
    let pending = answers.get(expr);
    if (!pending) {
      pending = run();
      if (answers.size < MAX_ANSWERS_KEPT) {
        answers.set(expr, pending);
        this.observer?.kept(1, 0);
        pending.then(
          (samples) => {
            if (answers !== this.answers) return;
            if (this.samplesKept + samples.length > MAX_SAMPLES_KEPT) this.forget(answers, expr);
            else {
              this.samplesKept += samples.length;
              this.observer?.kept(0, samples.length);
            }
          },
          () => this.forget(answers, expr),
        );
      }
    }
    return pending;
  }

  /**
   * Range query (/api/v1/query_range): every series with its samples at each step. Not shared
   * between callers as instant answers are: a history request asks its own range.
   */
  queryRange(expr: string, range: QueryRange, timeoutMs = this.timeoutMs): Promise<PrometheusMatrix> {
    return this.observed('query_range', async () => {
      const { data, warnings } = await this.post(
        '/api/v1/query_range',
        [
          ['query', expr],
          ['start', (range.startMs / 1000).toFixed(3)],
          ['end', (range.endMs / 1000).toFixed(3)],
          ['step', (range.stepMs / 1000).toFixed(3)],
        ],
        Math.min(timeoutMs, this.timeoutMs),
      );
      const matrix: PrometheusMatrix = this.matrixSeries(
        expr,
        data as { resultType: string; result: unknown },
      );
      if (warnings.length) matrix.warnings = warnings;
      this.observer?.rangePoints(matrix.reduce((n, s) => n + s.points.length, 0));
      return matrix;
    });
  }

  private matrixSeries(expr: string, data: { resultType: string; result: unknown }): PrometheusSeries[] {
    if (data.resultType !== 'matrix') {
      throw new PrometheusError(
        `range query returned a ${data.resultType}, not a matrix: ${expr}`,
        422,
        'bad_result',
      );
    }
    if (!Array.isArray(data.result))
      throw this.badResponse(200, `a matrix that is not a list: ${JSON.stringify(data).slice(0, 200)}`);
    return (data.result as unknown[]).map((r) => {
      const { metric, values } = (r ?? {}) as { metric?: unknown; values?: unknown };
      if (
        typeof metric !== 'object' ||
        metric === null ||
        !Array.isArray(values) ||
        !values.every(isSampleValue)
      )
        throw this.badResponse(
          200,
          `a matrix series that is not {metric, values}: ${JSON.stringify(r).slice(0, 200)}`,
        );
      return {
        labels: metric as Record<string, string>,
        points: values.map(([t, v]): [number, number] => [Math.round(t * 1000), parseFloat(v)]),
      };
    });
  }

  /** Starts the answers of a new second; the old ones go, now or at the latest after their lifetime. */
  private dropAnswers(timeMs: number): void {
    this.observer?.kept(-this.answers.size, -this.samplesKept);
    this.answers = new Map();
    this.answersTimeMs = timeMs;
    this.samplesKept = 0;
    const answers = this.answers;
    setTimeout(() => {
      if (answers === this.answers && answers.size) this.dropAnswers(timeMs);
    }, ANSWERS_LIFETIME_MS).unref();
  }

  /** Drops one answer still pending or failed (its samples were never counted). */
  private forget(answers: Map<string, Promise<PrometheusAnswer>>, expr: string): void {
    if (answers === this.answers && answers.delete(expr)) this.observer?.kept(-1, 0);
  }

  private async runQuery(expr: string, timeMs: number, timeoutMs: number): Promise<PrometheusAnswer> {
    const { data: answer, warnings } = await this.post(
      '/api/v1/query',
      [
        ['query', expr],
        ['time', (timeMs / 1000).toFixed(3)],
      ],
      timeoutMs,
    );
    const samples: PrometheusAnswer = this.samples(expr, answer as { resultType: string; result: unknown });
    if (warnings.length) samples.warnings = warnings;
    return samples;
  }

  private samples(expr: string, data: { resultType: string; result: unknown }): PrometheusSample[] {
    if (data.resultType === 'vector' && Array.isArray(data.result)) {
      return (data.result as unknown[]).map((r) => {
        const { metric, value } = (r ?? {}) as { metric?: unknown; value?: unknown };
        if (typeof metric !== 'object' || metric === null || !isSampleValue(value))
          throw this.badResponse(
            200,
            `a vector sample that is not {metric, value}: ${JSON.stringify(r).slice(0, 200)}`,
          );
        return {
          labels: metric as Record<string, string>,
          value: parseFloat(value[1]),
          timestampMs: Math.round(value[0] * 1000),
        };
      });
    }
    if (data.resultType === 'scalar') {
      if (!isSampleValue(data.result))
        throw this.badResponse(
          200,
          `a scalar that is not [time, value]: ${JSON.stringify(data.result).slice(0, 200)}`,
        );
      const [ts, v] = data.result;
      return [{ labels: {}, value: parseFloat(v), timestampMs: Math.round(ts * 1000) }];
    }
    if (data.resultType !== 'matrix' && data.resultType !== 'string')
      throw this.badResponse(200, `an unknown result type: ${JSON.stringify(data).slice(0, 200)}`);
    throw new PrometheusError(
      `query returned a ${data.resultType}, not an instant vector or scalar: ${expr}`,
      422,
      'bad_result',
    );
  }

  /**
   * Visits each series matching a selector seen between start and end (its labels, the name in
   * `__name__`) while the answer streams in, so memory does not grow with the number of series.
   * Returns how many there were. `timeoutMs` bounds the whole answer, never below the query
   * timeout: Prometheus gathers a million series for many seconds before it sends the first byte.
   */
  async series(
    match: string,
    startMs: number,
    endMs: number,
    visit: (labels: Record<string, string>) => void,
    timeoutMs = 0,
  ): Promise<number> {
    timeoutMs = Math.max(timeoutMs, this.timeoutMs);
    return this.observed('series', async () => {
      const res = await this.send(
        '/api/v1/series',
        [
          ['match[]', match],
          ['start', (startMs / 1000).toFixed(3)],
          ['end', (endMs / 1000).toFixed(3)],
        ],
        timeoutMs,
      );
      const scanner = new SeriesScanner(visit);
      const decoder = new TextDecoder();
      try {
        for await (const chunk of res.body) scanner.push(decoder.decode(chunk as Buffer, { stream: true }));
        scanner.push(decoder.decode());
      } catch (e) {
        if (e instanceof SyntaxError)
          throw this.badResponse(res.statusCode, `a series that is not JSON: ${e.message}`);
        throw this.failure(e, `the series answer of Prometheus at ${this.url}`, timeoutMs);
      }
      const answer = scanner.end();
      if (answer.status !== 'success' && answer.errorType) {
        throw new PrometheusError(
          `Prometheus rejected the series request (${res.statusCode} ${answer.errorType}): ${answer.error ?? 'no error message'}`,
          res.statusCode,
          answer.errorType,
        );
      }
      if (answer.status !== 'success' || !answer.complete) {
        throw new PrometheusError(
          `Prometheus at ${this.url} answered ${res.statusCode} to a series request with a body that is not the API's JSON`,
          502,
          'bad_response',
        );
      }
      return answer.count;
    });
  }

  async ready(): Promise<{ ok: boolean; detail: string }> {
    try {
      return await this.observed('ready', async () => {
        let res: Awaited<ReturnType<Pool['request']>>;
        let text: string;
        try {
          res = await this.pool.request({
            method: 'GET',
            path: `${this.basePath}/-/ready`,
            headers: this.headers(),
            signal: AbortSignal.timeout(this.timeoutMs),
          });
          text = await res.body.text();
        } catch (e) {
          throw this.failure(e, `Prometheus at ${this.url}`);
        }
        if (res.statusCode !== 200)
          throw new PrometheusError(
            `${res.statusCode} ${text.trim().slice(0, 200)}`,
            res.statusCode,
            'not_ready',
          );
        return { ok: true, detail: `${res.statusCode} ${text.trim()}` };
      });
    } catch (e) {
      return { ok: false, detail: (e as Error).message };
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /** Times `run` and reports it, with the error type when it fails. */
  private async observed<T>(endpoint: string, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const value = await run();
      this.observer?.observe(endpoint, (performance.now() - started) / 1000);
      return value;
    } catch (e) {
      const reason = e instanceof PrometheusError ? boundedReason(e.errorType) : 'error';
      this.observer?.observe(endpoint, (performance.now() - started) / 1000, reason);
      throw e;
    }
  }

  /** A transport failure as the error a caller can act on: no answer in time, or no connection. */
  private failure(e: unknown, what: string, timeoutMs = this.timeoutMs): PrometheusError {
    if (isTimeout(e))
      return new PrometheusError(`${what} did not answer within ${timeoutMs / 1000} s`, 504, 'timeout');
    return new PrometheusError(`${what} is unreachable: ${(e as Error).message}`, 503, 'unreachable');
  }

  private async send(path: string, form: [string, string][], timeoutMs = this.timeoutMs) {
    try {
      return await this.pool.request({
        method: 'POST',
        path: this.basePath + path,
        headers: { ...this.headers(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(timeoutMs),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
    } catch (e) {
      throw this.failure(e, `Prometheus at ${this.url}`, timeoutMs);
    }
  }

  /** The answer's data, and its warnings (strings only). */
  private async post(
    path: string,
    form: [string, string][],
    timeoutMs: number,
  ): Promise<{ data: unknown; warnings: string[] }> {
    const res = await this.send(path, form, timeoutMs);
    let text: string;
    try {
      text = await res.body.text();
    } catch (e) {
      throw this.failure(e, `the answer of Prometheus at ${this.url}`, timeoutMs);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw this.badResponse(res.statusCode, `a body that is not JSON: ${text.slice(0, 200)}`);
    }
    const body = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as {
      status?: unknown;
      data?: unknown;
      errorType?: unknown;
      error?: unknown;
      warnings?: unknown;
    };
    if (body.status === 'error' && typeof body.errorType === 'string') {
      throw new PrometheusError(
        `Prometheus rejected the request (${res.statusCode} ${body.errorType}): ${typeof body.error === 'string' ? body.error : text.slice(0, 200)}`,
        res.statusCode,
        body.errorType,
      );
    }
    if (body.status !== 'success' || typeof body.data !== 'object' || body.data === null) {
      throw this.badResponse(res.statusCode, `JSON that is not an API answer: ${text.slice(0, 200)}`);
    }
    const warnings = Array.isArray(body.warnings)
      ? body.warnings.filter((w): w is string => typeof w === 'string')
      : [];
    return { data: body.data, warnings };
  }

  private badResponse(status: number, what: string): PrometheusError {
    return new PrometheusError(
      `Prometheus at ${this.url} answered ${status} with ${what}`,
      502,
      'bad_response',
    );
  }
}

function isSampleValue(v: unknown): v is [number, string] {
  return Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'string';
}
