// The HTTPS front door: TLS that asks for (but does not demand) client certificates, health paths,
// front-proxy authentication, then the router; every error leaves as a Status document.
import { X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { Router } from '../apis/router.ts';
import { ApiError, statusBody } from '../apis/status.ts';
import type { Logger } from '../log.ts';
import { PrometheusError } from '../prometheus/client.ts';
import {
  frontProxyRejection,
  type RequestHeaderConfig,
  type UserInfo,
  userFromHeaders,
} from './front-proxy.ts';
import type { ProxyMetrics } from './metrics.ts';

export interface HealthCheck {
  name: string;
  check(): Promise<{ ok: boolean; detail: string }>;
}

export interface ServerOptions {
  cert: string;
  key: string;
  router: Router;
  requestHeader: () => RequestHeaderConfig | undefined;
  readiness: HealthCheck[];
  metrics: ProxyMetrics;
  log: Logger;
}

export interface RunningServer {
  server: https.Server;
  /** Re-reads the CA bundle used to ask for client certificates (after a rotation). */
  refreshClientCAs(): void;
  close(): Promise<void>;
}

export function createServer(opts: ServerOptions): RunningServer {
  const tlsOptions = () => ({
    cert: opts.cert,
    key: opts.key,
    minVersion: 'TLSv1.2' as const,
    // Clients pick a certificate by the CA names we send, so the requestheader CA must be among them.
    ...(opts.requestHeader()?.caPem ? { ca: opts.requestHeader()?.caPem } : {}),
    requestCert: true,
    rejectUnauthorized: false,
  });
  const server = https.createServer(tlsOptions(), (req, res) => {
    handle(req, res, opts).catch((e) => {
      opts.log.error('request failed', { path: req.url, error: String(e) });
      if (!res.headersSent) send(res, 500, statusBody(500, 'internal error'));
    });
  });
  return {
    server,
    refreshClientCAs: () => server.setSecureContext(tlsOptions()),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: ServerOptions): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://localhost');
  const started = performance.now();
  if (url.pathname === '/healthz' || url.pathname === '/livez') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    return;
  }
  if (url.pathname === '/readyz') {
    const results = await Promise.all(
      opts.readiness.map(async (h) => ({ name: h.name, ...(await h.check()) })),
    );
    const ok = results.every((r) => r.ok);
    const text = results
      .map(
        (r) =>
          `[${r.ok ? '+' : '-'}]${r.name} ${r.ok ? `ok${r.detail ? ` (${r.detail})` : ''}` : `failed: ${r.detail}`}`,
      )
      .join('\n');
    res
      .writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' })
      .end(`${text}\nreadyz check ${ok ? 'passed' : 'failed'}\n`);
    return;
  }
  const auth = authenticate(req, opts.requestHeader());
  if ('rejection' in auth) {
    opts.log.debug('unauthenticated request', { path: url.pathname, reason: auth.rejection });
    send(res, 401, statusBody(401, `Unauthorized: ${auth.rejection}`));
    return;
  }
  if (url.pathname === '/metrics') {
    const text = await opts.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': opts.metrics.registry.contentType }).end(text);
    return;
  }
  const done = opts.metrics.startRequest(url.pathname);
  let code: number;
  try {
    const answer = await opts.router({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
    });
    code = answer.code;
    const headers = (answer.warnings ?? []).map((w) => `299 - ${JSON.stringify(w)}`);
    send(res, code, answer.body, headers.length ? { warning: headers } : {});
  } catch (e) {
    const { status, message } = toStatus(e);
    code = status;
    send(res, status, statusBody(status, message));
  }
  done(code);
  opts.log.debug('request', {
    method: req.method,
    path: url.pathname,
    user: auth.user.name,
    code,
    ms: Math.round((performance.now() - started) * 100) / 100,
  });
}

/** A connection's certificate never changes: its verdict is kept for a minute (expiry) per CA config. */
const peerVerdicts = new WeakMap<
  TLSSocket,
  { config: RequestHeaderConfig; atMs: number; rejection: string | undefined }
>();

function peerRejection(socket: TLSSocket, config: RequestHeaderConfig): string | undefined {
  const now = Date.now();
  const cached = peerVerdicts.get(socket);
  if (cached && cached.config === config && now - cached.atMs < 60_000) return cached.rejection;
  const chain: X509Certificate[] = [];
  let peer = socket.getPeerCertificate(true);
  // The peer certificate, then any intermediates it sent (a self-issued root points at itself).
  while (peer?.raw && chain.length < 5) {
    chain.push(new X509Certificate(peer.raw));
    if (!peer.issuerCertificate || peer.issuerCertificate === peer) break;
    peer = peer.issuerCertificate;
  }
  const rejection = frontProxyRejection(chain, socket.authorized, config, now);
  peerVerdicts.set(socket, { config, atMs: now, rejection });
  return rejection;
}

function authenticate(
  req: IncomingMessage,
  config: RequestHeaderConfig | undefined,
): { user: UserInfo } | { rejection: string } {
  if (!config) return { rejection: 'the requestheader CA is not known yet' };
  const rejection = peerRejection(req.socket as TLSSocket, config);
  if (rejection)
    return { rejection: `${rejection} (only the API server's front proxy may call this server)` };
  const user = userFromHeaders(req.headersDistinct as Record<string, string[]>, config);
  if (!user) return { rejection: 'the front proxy named no user' };
  return { user };
}

function toStatus(e: unknown): { status: number; message: string } {
  if (e instanceof ApiError) return { status: e.code, message: e.message };
  if (e instanceof PrometheusError) {
    return { status: e.errorType === 'unreachable' ? 503 : 500, message: e.message };
  }
  return { status: 500, message: `internal error: ${(e as Error).message}` };
}

function send(
  res: ServerResponse,
  code: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
