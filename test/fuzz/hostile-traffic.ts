// Sends hostile requests (./hostile-requests.ts) in a bounded run, half through the aggregator
// (kube-apiserver, as the cluster admin) and half straight to cmetrics-proxy (the front proxy's
// certificate and X-Remote-* headers), and checks every answer: no 5xx that the input caused (a 503
// or 504 because Prometheus is gone or slow is not), a Status with a 4xx whenever the request fails,
// a 200 for every valid request, no answer later than the deadline, the proxy alive and its RSS back
// within 10 % afterwards, and nothing in Prometheus' query log that a rule did not template.
import { existsSync, readFileSync, statSync } from 'node:fs';
import tls from 'node:tls';
import { Agent, request } from 'undici';
import type { AdapterConfig } from '../../proxy/rules/config.ts';
import { memory } from '../bench/procstat.ts';
import {
  allowedQueryShapes,
  type HostileRequest,
  hostileRequest,
  type RouteTable,
  seeded,
} from './hostile-requests.ts';

/** The proxy's Prometheus timeout (10 s by default) and a margin: an answer later than this is a hang. */
export const TRAFFIC_DEADLINE_MS = 15_000;

/**
 * One valid request of each shape, and each node by name: the run starts once all answer 200
 * (metrics discovered, pods scraped, every node's usage in the store: the generator names them).
 */
export function readyPaths(nodes: string[]): string[] {
  return [
    '/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/qps',
    '/apis/custom.metrics.k8s.io/v1beta1/namespaces/default/services/custom-metrics-app/http_requests',
    '/apis/external.metrics.k8s.io/v1beta1/namespaces/default/external_requests_per_second',
    '/apis/metrics.k8s.io/v1/namespaces/default/pods',
    ...nodes.map((node) => `/apis/metrics.k8s.io/v1beta1/nodes/${encodeURIComponent(node)}`),
  ];
}

/** What the proxy's discovery documents list: the custom resources (`pods/qps`) and external metric names. */
export async function servedMetrics(
  get: (path: string) => Promise<unknown>,
): Promise<{ custom: string[]; external: string[] }> {
  const names = async (path: string) =>
    ((await get(path)) as { resources: { name: string }[] }).resources.map((r) => r.name);
  return {
    custom: await names('/apis/custom.metrics.k8s.io/v1beta2'),
    external: await names('/apis/external.metrics.k8s.io/v1beta1'),
  };
}

export interface Channel {
  name: 'aggregator' | 'direct';
  /** https://127.0.0.1:PORT */
  origin: string;
  /** No servername: the certificate must name the origin's IP address. */
  tls: { ca: string; cert: string; key: string; servername?: string };
  /** Sent with every request (the direct channel's X-Remote-* identity). */
  headers: Record<string, string>;
}

export interface TrafficOptions {
  channels: [Channel, Channel];
  routes: RouteTable;
  config: AdapterConfig;
  proxyPid: number;
  queryLog: string;
  maxRequests: number;
  maxMs: number;
  concurrency: number;
  /** A request not answered within this is a hang (the proxy's Prometheus timeout plus a margin). */
  deadlineMs: number;
  seed: number;
  log?: (line: string) => void;
}

export interface TrafficReport {
  requests: number;
  elapsedMs: number;
  /** Answers by channel and code ('none': no answer, the connection closed or was refused). */
  codes: Record<string, Record<string, number>>;
  /** Requests by what was swapped (its first word). */
  mutations: Record<string, number>;
  overruns: number;
  /** Each check that failed: how many times, and the first few requests. */
  failures: Record<string, { count: number; first: string[] }>;
  /** 5xx that came from Prometheus being unreachable or slow (or the client's own timeout), not from the input. */
  upstreamFailures: number;
  /** Aggregator requests that kube-apiserver answered itself (paths it does not hand on, raw clients). */
  answeredByApiserver: number;
  /** Hostile requests answered 2xx (the swapped part was harmless, an unknown query parameter say). */
  hostileAccepted: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  queries: { total: number; shapes: number; untemplated: string[] };
  alive: boolean;
}

interface Answer {
  status: number | undefined;
  text: string;
  contentType: string;
  ms: number;
  error?: string;
}

/** One request over undici (keep-alive, shared per channel). */
async function sendOne(
  agent: Agent,
  channel: Channel,
  req: HostileRequest,
  deadlineMs: number,
): Promise<Answer> {
  const headers = { ...channel.headers, ...req.headers };
  const identity = headers['x-fuzz-identity'];
  if (identity !== undefined) {
    delete headers['x-fuzz-identity'];
    delete headers['x-remote-user'];
    delete headers['x-remote-group'];
    Object.assign(headers, JSON.parse(identity) as Record<string, string>);
  }
  const t0 = performance.now();
  try {
    const res = await request(`${channel.origin}${req.path}`, {
      dispatcher: agent,
      method: req.method as 'GET',
      headers,
      ...(req.body !== undefined ? { body: req.body } : {}),
      headersTimeout: deadlineMs,
      bodyTimeout: deadlineMs,
    });
    const text = await res.body.text();
    return {
      status: res.statusCode,
      text,
      contentType: String(res.headers['content-type'] ?? ''),
      ms: performance.now() - t0,
    };
  } catch (e) {
    return {
      status: undefined,
      text: '',
      contentType: '',
      ms: performance.now() - t0,
      error: (e as Error).message,
    };
  }
}

/** One request over a TLS socket of its own, written slowly, cut short or as garbage. */
function sendRaw(channel: Channel, req: HostileRequest, deadlineMs: number): Promise<Answer> {
  const raw = req.raw as NonNullable<HostileRequest['raw']>;
  const url = new URL(channel.origin);
  const t0 = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let done = false;
    // When the answer began: the server may keep the connection open after it (raw garbage need not
    // say `connection: close`), which is no hang.
    let firstByteMs: number | undefined;
    const finish = (error?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('utf8');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      const head = text.slice(0, text.indexOf('\r\n\r\n'));
      const body = text.slice(head.length + 4);
      const contentType = /\r\ncontent-type: *([^\r]*)/i.exec(head)?.[1] ?? '';
      resolve({
        status: m ? Number(m[1]) : undefined,
        text: /\r\ntransfer-encoding: *chunked/i.test(head) ? dechunk(body) : body,
        contentType,
        ms: (firstByteMs ?? performance.now()) - t0,
        ...(error ? { error } : {}),
      });
    };
    const timer = setTimeout(() => finish('no answer within the deadline'), deadlineMs);
    const socket = tls.connect({
      host: url.hostname,
      port: Number(url.port),
      ca: channel.tls.ca,
      cert: channel.tls.cert,
      key: channel.tls.key,
      ...(channel.tls.servername ? { servername: channel.tls.servername } : {}),
      ALPNProtocols: ['http/1.1'],
    });
    socket.on('data', (d: Buffer) => {
      firstByteMs ??= performance.now();
      chunks.push(d);
    });
    socket.on('error', (e) => finish(e.message));
    socket.on('close', () => finish());
    socket.once('secureConnect', async () => {
      const bytes = raw.bytes;
      if (raw.kind === 'truncated') {
        // Half the request, then the write side closes: the server sees a request that never ends.
        socket.end(bytes.slice(0, Math.floor(bytes.length / 2)));
        return;
      }
      if (raw.kind === 'slow') {
        // Five pieces 150 ms apart: slow, but well inside any header timeout.
        const piece = Math.ceil(bytes.length / 5);
        for (let i = 0; i < bytes.length && !done; i += piece) {
          socket.write(bytes.slice(i, i + piece));
          await new Promise((r) => setTimeout(r, 150));
        }
        return;
      }
      socket.write(bytes);
    });
  });
}

/** A chunked body's data (RFC 9112 section 7.1), as far as it came. */
function dechunk(body: string): string {
  let out = '';
  let pos = 0;
  while (pos < body.length) {
    const eol = body.indexOf('\r\n', pos);
    const size = Number.parseInt(body.slice(pos, eol), 16);
    if (eol < 0 || !(size > 0)) break;
    out += body.slice(eol + 2, eol + 2 + size);
    pos = eol + 2 + size + 2;
  }
  return out;
}

/** The Prometheus-side causes of a 5xx: what the proxy says when Prometheus is gone, failing or slow. */
const UPSTREAM = /Prometheus|is unreachable|did not answer within/;

/** The metrics APIs' paths, which the aggregator hands to the proxy; it answers the rest itself. */
const PROXIED =
  /^\/apis\/(custom\.metrics\.k8s\.io\/v1beta[12]|external\.metrics\.k8s\.io\/v1beta1|metrics\.k8s\.io\/(v1|v1beta1))(\/|\?|$)/;

/** The path with dot segments resolved, as the aggregator routes it; unparsable paths as they are. */
function cleanPath(path: string): string {
  try {
    return new URL(`https://127.0.0.1${path}`).pathname;
  } catch {
    return path;
  }
}

function check(
  channel: Channel,
  req: HostileRequest,
  a: Answer,
  deadlineMs: number,
): { failed: string[]; upstream: boolean; apiserver: boolean } {
  const failed: string[] = [];
  // kube-apiserver answers itself what it does not hand to the proxy, and what its own HTTP server
  // (Go's) refuses before any handler: its bare answers are its own, not the proxy's.
  // Go's URL parser refuses a `%` without two hex digits (net/url unescape) with a bare 400.
  const apiserver =
    channel.name === 'aggregator' &&
    (req.raw !== undefined ||
      // Dot segments (`..`, `%2e%2e`) are resolved first: the aggregator routes the clean path.
      // (Appended to the origin, not resolved against it: `//x` would name a host.)
      !PROXIED.test(cleanPath(req.path)) ||
      /%(?![0-9a-fA-F]{2})/.test(req.path));
  if (a.ms > deadlineMs) failed.push('answered after the deadline');
  if (a.status === undefined) {
    // A truncated request may go unanswered (the server waits for the rest, then closes); a garbage
    // one may be refused before HTTP (TLS, an immediate close).
    // The aggregator may also just close the connection when the client's own `timeout` runs out.
    const askedTimeout = channel.name === 'aggregator' && /[?&]timeout=/.test(req.path);
    if ((!req.raw || req.raw.kind === 'slow') && !askedTimeout) failed.push(`no answer (${a.error})`);
    return { failed, upstream: false, apiserver };
  }
  let status: { kind?: string; code?: number; message?: string } | undefined;
  // HEAD answers have no body.
  if (req.method !== 'HEAD' && a.contentType.startsWith('application/json')) {
    try {
      status = JSON.parse(a.text);
    } catch {
      failed.push('a JSON content type with a body that is not JSON');
    }
  }
  const isStatus = status?.kind === 'Status' && status.code === a.status;
  const message = status?.message ?? '';
  const upstream = a.status >= 500 && a.status !== 500 && isStatus && UPSTREAM.test(message);
  // The aggregator ends a request when the client's own `timeout` parameter runs out: asked for.
  const clientTimeout = channel.name === 'aggregator' && a.status === 504 && /[?&]timeout=/.test(req.path);
  // Go's HTTP server refuses a protocol version it does not speak with a 505.
  const unknownVersion = apiserver && a.status === 505;
  if (a.status >= 500 && !upstream && !clientTimeout && !unknownVersion)
    failed.push('5xx caused by the input');
  // A valid request for an object without data (a pod not scraped yet) is a 404 saying so.
  const noData = a.status === 404 && isStatus && /Prometheus has no /.test(message);
  if (req.valid && a.status !== 200 && !upstream && !noData) failed.push('a valid request not answered 200');
  if (a.status >= 400 && !isStatus && req.method !== 'HEAD' && !apiserver && !clientTimeout)
    failed.push('a failure that is not a Status');
  return { failed, upstream: upstream || clientTimeout, apiserver };
}

/** Every query in Prometheus' query log from byte `from` on. */
function loggedQueries(file: string, from: number): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file)
    .subarray(from)
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      try {
        const q = (JSON.parse(line) as { params?: { query?: string } }).params?.query;
        return q === undefined ? [] : [q];
      } catch {
        return [];
      }
    });
}

const rss = (pid: number) => memory(pid).rssMiB;

export async function runHostileTraffic(opts: TrafficOptions): Promise<TrafficReport> {
  const log = opts.log ?? (() => undefined);
  const agents = opts.channels.map(
    (c) =>
      new Agent({
        connections: opts.concurrency,
        keepAliveTimeout: 30_000,
        connect: c.tls,
        // HTTP/1.1 on both channels: the same framing for every hostile request.
        allowH2: false,
      }),
  );
  const report: TrafficReport = {
    requests: 0,
    elapsedMs: 0,
    codes: Object.fromEntries(opts.channels.map((c) => [c.name, {}])),
    mutations: {},
    overruns: 0,
    failures: {},
    upstreamFailures: 0,
    answeredByApiserver: 0,
    hostileAccepted: 0,
    rssBeforeMiB: 0,
    rssAfterMiB: 0,
    queries: { total: 0, shapes: 0, untemplated: [] },
    alive: false,
  };
  const rng = seeded(opts.seed);
  const fail = (what: string, line: string) => {
    report.failures[what] ??= { count: 0, first: [] };
    const f = report.failures[what];
    f.count++;
    if (f.first.length < 10) f.first.push(line);
  };

  const drive = async (count: number, until: number) => {
    let next = 0;
    const worker = async () => {
      while (next < count && performance.now() < until) {
        const index = next++;
        const channelIndex = index % 2;
        const channel = opts.channels[channelIndex] as Channel;
        const req = hostileRequest(rng, opts.routes, { direct: channel.name === 'direct' });
        const answer = req.raw
          ? await sendRaw(channel, req, opts.deadlineMs)
          : await sendOne(agents[channelIndex] as Agent, channel, req, opts.deadlineMs);
        report.requests++;
        const codes = report.codes[channel.name] as Record<string, number>;
        const code = String(answer.status ?? 'none');
        codes[code] = (codes[code] ?? 0) + 1;
        const kind = req.mutation.split(/[ =[;]/)[0] as string;
        report.mutations[kind] = (report.mutations[kind] ?? 0) + 1;
        if (answer.ms > opts.deadlineMs) report.overruns++;
        const { failed, upstream, apiserver } = check(channel, req, answer, opts.deadlineMs);
        if (upstream) report.upstreamFailures++;
        if (apiserver) report.answeredByApiserver++;
        if (!req.valid && answer.status !== undefined && answer.status < 300) report.hostileAccepted++;
        for (const what of failed)
          fail(
            what,
            `${channel.name} ${req.method} ${req.path.slice(0, 200)} [${req.mutation.slice(0, 80)}] → ${answer.status ?? answer.error} ${answer.text.slice(0, 200)}`,
          );
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency * 2 }, worker));
  };

  // Warm-up (JIT, caches, connection pools) before the RSS baseline: valid requests only would
  // understate the baseline, so the same mix.
  const warmup = Math.min(1000, Math.floor(opts.maxRequests / 10));
  await drive(warmup, performance.now() + opts.maxMs);
  report.rssBeforeMiB = rss(opts.proxyPid);
  const logFrom = existsSync(opts.queryLog) ? statSync(opts.queryLog).size : 0;
  const t0 = performance.now();
  const progress = setInterval(
    () =>
      log(
        `  ${report.requests} requests in ${((performance.now() - t0) / 1000).toFixed(0)} s; RSS ${rss(opts.proxyPid).toFixed(1)} MiB`,
      ),
    15_000,
  );
  try {
    await drive(opts.maxRequests - warmup, t0 + opts.maxMs);
  } finally {
    clearInterval(progress);
    await Promise.all(agents.map((a) => a.close()));
  }
  report.elapsedMs = performance.now() - t0;

  report.alive = existsSync(`/proc/${opts.proxyPid}`);
  if (!report.alive) fail('the proxy died', `pid ${opts.proxyPid}`);
  else {
    // Back within 10 %: the garbage of the run is collected once the load is gone (V8 gives pages
    // back at idle-time collections: up to two minutes).
    const deadline = performance.now() + 120_000;
    do {
      await new Promise((r) => setTimeout(r, 2000));
      report.rssAfterMiB = rss(opts.proxyPid);
    } while (report.rssAfterMiB > report.rssBeforeMiB * 1.1 && performance.now() < deadline);
    if (report.rssAfterMiB > report.rssBeforeMiB * 1.1)
      fail(
        'RSS not back within 10 %',
        `${report.rssBeforeMiB.toFixed(1)} → ${report.rssAfterMiB.toFixed(1)} MiB`,
      );
  }

  // Prometheus writes its query log as queries finish.
  await new Promise((r) => setTimeout(r, 1000));
  const shapes = allowedQueryShapes(opts.config);
  const queries = loggedQueries(opts.queryLog, logFrom);
  report.queries.total = queries.length;
  report.queries.shapes = shapes.length;
  for (const q of new Set(queries)) {
    if (shapes.some((s) => s.test(q))) continue;
    report.queries.untemplated.push(q);
    fail('PromQL that no rule templated', q.slice(0, 300));
  }
  return report;
}

/** The report in a few lines. */
export function trafficSummary(r: TrafficReport): string {
  const byCode = (c: Record<string, number>) =>
    Object.entries(c)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ');
  const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
  return [
    `${r.requests} requests in ${(r.elapsedMs / 1000).toFixed(1)} s (warm-up not timed; ${((r.requests * 1000) / r.elapsedMs).toFixed(0)} req/s)`,
    ...Object.entries(r.codes).map(([name, c]) => `  ${name} (${total(c)}): ${byCode(c)}`),
    `  by part swapped: ${byCode(r.mutations)}`,
    `deadline overruns: ${r.overruns}; 5xx from Prometheus or the client's own timeout (not the input): ${r.upstreamFailures}; answered by kube-apiserver itself: ${r.answeredByApiserver}; hostile requests answered 2xx: ${r.hostileAccepted}`,
    `proxy alive: ${r.alive}; RSS before ${r.rssBeforeMiB.toFixed(1)} MiB, after ${r.rssAfterMiB.toFixed(1)} MiB`,
    `PromQL: ${r.queries.total} queries reached Prometheus, ${r.queries.untemplated.length} distinct ones fit none of the ${r.queries.shapes} templates`,
    ...Object.entries(r.failures).map(
      ([what, f]) => `FAILED ${what}: ${f.count}\n    ${f.first.join('\n    ')}`,
    ),
  ].join('\n');
}
