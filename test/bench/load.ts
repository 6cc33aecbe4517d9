// The one load generator of the benchmarks: a fixed number of workers, each sending its next request
// as soon as the previous answer has been read, until a deadline or a request budget is spent. The
// same code drives cmetrics-proxy, prometheus-adapter and Prometheus itself.
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, type Dispatcher, request } from 'undici';

/** The i-th request: resolves to the bytes of the answer, rejects when it is not a success. */
export type Target = (i: number) => Promise<number>;

export interface LoadOptions {
  concurrency: number;
  durationMs: number;
  /** Stops earlier once this many requests were sent. */
  maxRequests?: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  /** The first error, for the report. */
  firstError: string | undefined;
  elapsedMs: number;
  throughput: number;
  latencyMs: { p50: number; p99: number; max: number };
  bytes: number;
}

/** What the requests of a run came to: latencies, errors and bytes; a rejected request is an error. */
class Tally {
  private readonly latencies: number[] = [];
  private errors = 0;
  private firstError: string | undefined;
  private bytes = 0;
  readonly started = performance.now();

  /** Sends request i and counts it, its latency from `sinceMs`. */
  async send(target: Target, i: number, sinceMs = performance.now()): Promise<void> {
    try {
      this.bytes += await target(i);
    } catch (e) {
      this.errors++;
      this.firstError ??= (e as Error).message;
    }
    this.latencies.push(performance.now() - sinceMs);
  }

  result(): LoadResult {
    const elapsedMs = performance.now() - this.started;
    return {
      requests: this.latencies.length,
      errors: this.errors,
      firstError: this.firstError,
      elapsedMs,
      throughput: (this.latencies.length / elapsedMs) * 1000,
      latencyMs: percentiles(this.latencies),
      bytes: this.bytes,
    };
  }
}

/** Runs the load and returns what it measured. */
export async function runLoad(target: Target, opts: LoadOptions): Promise<LoadResult> {
  const tally = new Tally();
  let sent = 0;
  const deadline = tally.started + opts.durationMs;
  const budget = opts.maxRequests ?? Number.POSITIVE_INFINITY;
  const worker = async () => {
    while (performance.now() < deadline && sent < budget) await tally.send(target, sent++);
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return tally.result();
}

export interface PacedOptions {
  /** Requests per second asked, evenly spaced. */
  rate: number;
  durationMs: number;
  /** Requests in flight at most (the HPA controller's workers); the others wait their turn. */
  maxInFlight: number;
}

export interface PacedResult extends LoadResult {
  /** Requests due before the deadline. */
  due: number;
  /** Due requests still waiting for a free worker at the deadline: never sent. */
  missed: number;
}

/**
 * Sends request i at `i / rate` seconds (an open loop, as the HPA controller asks whether the last
 * answer came or not), at most `maxInFlight` at once. Latency counts from when a request was due, so
 * the wait for a worker is in it.
 */
export async function runPaced(target: Target, opts: PacedOptions): Promise<PacedResult> {
  const tally = new Tally();
  const waiting: { i: number; dueMs: number }[] = [];
  const inFlight = new Set<Promise<void>>();
  const send = () => {
    while (inFlight.size < opts.maxInFlight && waiting.length) {
      const { i, dueMs } = waiting.shift() as { i: number; dueMs: number };
      const settled = tally.send(target, i, dueMs).then(() => {
        inFlight.delete(settled);
        send();
      });
      inFlight.add(settled);
    }
  };
  let due = 0;
  for (; ; due++) {
    const dueMs = tally.started + (due * 1000) / opts.rate;
    if (dueMs >= tally.started + opts.durationMs) break;
    // Timers round down to whole milliseconds: never early.
    await sleep(Math.max(0, Math.ceil(dueMs - performance.now())));
    waiting.push({ i: due, dueMs });
    send();
  }
  const missed = waiting.splice(0).length;
  while (inFlight.size) await Promise.all(inFlight);
  return { ...tally.result(), due, missed };
}

/** Nearest-rank percentiles of a sample (0 for an empty one). */
export function percentiles(values: readonly number[]): { p50: number; p99: number; max: number } {
  if (!values.length) return { p50: 0, p99: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
  return { p50: rank(50), p99: rank(99), max: sorted[sorted.length - 1] as number };
}

/**
 * A GET answered 200, read whole but not parsed (parsing is the client's cost, not the server's);
 * `url(i)` is the i-th request's.
 */
export function httpGet(
  url: (i: number) => string,
  headers: Record<string, string>,
  dispatcher: Dispatcher,
): Target {
  return async (i) => {
    const res = await request(url(i), { headers, dispatcher });
    let bytes = 0;
    for await (const chunk of res.body) bytes += (chunk as Buffer).length;
    if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode} from ${url(i).slice(0, 200)}`);
    return bytes;
  };
}

/** A TLS client with the front proxy's certificate: the identity kube-apiserver's aggregator uses. */
export function frontProxyAgent(tls: { ca: string; cert: string; key: string }, connections: number): Agent {
  return new Agent({ connections, connect: { ...tls, servername: 'localhost' }, keepAliveTimeout: 60_000 });
}
