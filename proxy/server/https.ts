// The HTTPS front door: TLS that asks for (but does not demand) client certificates, health paths,
// authentication (front proxy, x509, bearer token), authorization, then the router; every error
// leaves as a Status document.
import { X509Certificate } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Router } from '../apis/router.ts';
import { ApiError, statusBody, toStatus } from '../apis/status.ts';
import type { Logger } from '../log.ts';
import type { AuthorizationDecision, TokenVerdict } from './delegated.ts';
import {
  type ClientCaConfig,
  clientCertUser,
  frontProxyRejection,
  type RequestHeaderConfig,
  type UserInfo,
  userFromHeaders,
} from './front-proxy.ts';
import { type HealthCheck, readinessReport } from './health.ts';
import type { ServerMetrics } from './metrics.ts';
import { forbiddenMessage, type RequestAttributes, requestAttributes } from './request-info.ts';
import { type ServingPair, TLS_SETTINGS } from './serving-cert.ts';

interface ServerOptions {
  /** The serving certificate and key in force (read at each secure-context refresh). */
  serving: () => ServingPair;
  router: Router;
  requestHeader: () => RequestHeaderConfig | undefined;
  clientCa: () => ClientCaConfig | undefined;
  authenticateToken: (token: string) => Promise<TokenVerdict>;
  authorize: (user: UserInfo, attributes: RequestAttributes) => Promise<AuthorizationDecision>;
  readiness: HealthCheck[];
  metrics: ServerMetrics;
  log: Logger;
}

export interface ShutdownResult {
  /** Requests the server took, over its life. */
  accepted: number;
  /** Requests whose answer was handed over in full. */
  answered: number;
  /** Requests still unanswered when the wait ran out (their connections were then closed). */
  unfinished: number;
}

export interface RunningServer {
  server: https.Server;
  /** Rebuilds the TLS context from the serving pair and client CAs in force (after a rotation). */
  refreshSecureContext(): void;
  /**
   * Graceful stop: /readyz fails at once, new connections are still taken for `delayMs` (so load
   * balancers see the failing readiness first), then the listener closes, idle connections close and
   * answers carry `Connection: close`; requests under way get up to `timeoutMs` to finish.
   */
  shutdown(opts: { delayMs: number; timeoutMs: number }): Promise<ShutdownResult>;
  close(): Promise<void>;
}

export function createServer(opts: ServerOptions): RunningServer {
  const tlsOptions = () => {
    // Clients pick a certificate by the CA names we send, so both client CAs must be among them.
    const cas = [opts.requestHeader()?.caPem, opts.clientCa()?.caPem].filter((pem) => pem !== undefined);
    const { cert, key } = opts.serving();
    return {
      cert,
      key,
      ...TLS_SETTINGS,
      ...(cas.length ? { ca: cas } : {}),
      requestCert: true,
      rejectUnauthorized: false,
    };
  };
  let shuttingDown = false;
  const counts = { accepted: 0, answered: 0, aborted: 0 };
  let settled: (() => void) | undefined;
  const handled: ServerOptions = {
    ...opts,
    readiness: [
      ...opts.readiness,
      {
        name: 'shutdown',
        check: async () => ({ ok: !shuttingDown, detail: shuttingDown ? 'shutting down' : '' }),
      },
    ],
  };
  const open = new Set<ServerResponse>();
  let closing = false;
  const server = https.createServer(tlsOptions(), (req, res) => {
    counts.accepted++;
    open.add(res);
    res.once('close', () => {
      open.delete(res);
      if (res.writableFinished) counts.answered++;
      else counts.aborted++;
      if (counts.accepted === counts.answered + counts.aborted) settled?.();
    });
    // Keep-alive connections would outlive the listener: each answer from now on closes its connection.
    if (closing) res.setHeader('connection', 'close');
    handle(req, res, handled).catch((e) => {
      opts.log.error('request failed', { path: req.url, error: String(e) });
      if (!res.headersSent) send(res, 500, statusBody(500, 'internal error'));
    });
  });
  server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => answerMalformed(err, socket));
  const inFlight = () => counts.accepted - counts.answered - counts.aborted;
  const close = () =>
    new Promise<void>((resolve) => {
      closing = true;
      for (const res of open) if (!res.headersSent) res.setHeader('connection', 'close');
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  return {
    server,
    refreshSecureContext: () => server.setSecureContext(tlsOptions()),
    shutdown: async ({ delayMs, timeoutMs }) => {
      shuttingDown = true;
      opts.log.info('shutting down: readiness fails now', { delayMs, timeoutMs, inFlight: inFlight() });
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      const closed = close();
      const drained = new Promise<void>((resolve) => {
        settled = resolve;
        if (!inFlight()) resolve();
      });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const outcome = await Promise.race([drained, timedOut]);
      clearTimeout(timer);
      const unfinished = inFlight();
      if (outcome === 'timeout')
        opts.log.warn('shutdown wait ran out; closing connections with requests under way', { unfinished });
      server.closeAllConnections();
      await closed;
      const result = { accepted: counts.accepted, answered: counts.answered, unfinished };
      opts.log.info('server stopped', result);
      return result;
    },
    close,
  };
}

/** kube-apiserver's own cap on a request body (k8s.io/apiserver pkg/server/config.go MaxRequestBodyBytes, 3 MiB). */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

/**
 * Reads and drops the body of a request (these APIs take none) before it is answered. Node would
 * otherwise read an unread body to its end after the answer, however long; this stops at
 * MAX_BODY_BYTES (false).
 */
async function discardBody(req: IncomingMessage): Promise<boolean> {
  if (!req.headers['transfer-encoding'] && Number(req.headers['content-length'] ?? 0) === 0) return true;
  let bytes = 0;
  for await (const chunk of req) {
    bytes += (chunk as Buffer).length;
    if (bytes > MAX_BODY_BYTES) return false;
  }
  return true;
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: ServerOptions): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://localhost');
  const started = performance.now();
  if (!(await discardBody(req))) {
    res.setHeader('connection', 'close');
    send(
      res,
      413,
      statusBody(
        413,
        'the request body exceeds 3 MiB, and these APIs read none: send the request without a body',
      ),
    );
    return;
  }
  if (url.pathname === '/healthz' || url.pathname === '/livez') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    return;
  }
  if (url.pathname === '/readyz') {
    const { ok, text } = await readinessReport(opts.readiness);
    res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(text);
    return;
  }
  const attributes = requestAttributes(req.method ?? 'GET', url.pathname, url.searchParams);
  const done = opts.metrics.startRequest(attributes);
  let code = 500;
  let user = '';
  try {
    const auth = await authenticate(req, opts);
    if ('rejection' in auth) {
      opts.log.debug('unauthenticated request', { path: url.pathname, reason: auth.rejection });
      code = send(res, 401, statusBody(401, `Unauthorized: ${auth.rejection}`));
      return;
    }
    user = auth.user.name;
    let decision: AuthorizationDecision;
    try {
      decision = await opts.authorize(auth.user, attributes);
    } catch (e) {
      opts.log.warn('authorization failed', { path: url.pathname, error: (e as Error).message });
      code = send(res, 500, statusBody(500, `authorization failed: ${(e as Error).message}`));
      return;
    }
    if (!decision.allowed) {
      opts.log.debug('forbidden request', { path: url.pathname, user, reason: decision.reason });
      code = send(res, 403, statusBody(403, forbiddenMessage(user, attributes, decision.reason)));
      return;
    }
    if (url.pathname === '/metrics') {
      const text = await opts.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': opts.metrics.registry.contentType }).end(text);
      code = 200;
      return;
    }
    try {
      const answer = await opts.router({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        authorizeLive: (path) => authorizeLive(opts, auth.user, path),
      });
      const headers = (answer.warnings ?? []).map((w) => `299 - ${JSON.stringify(w)}`);
      code = send(res, answer.code, answer.body, headers.length ? { warning: headers } : {});
    } catch (e) {
      const { status, message, details, headers } = toStatus(e);
      if (status >= 500)
        opts.log.warn('request failed', { path: url.pathname, code: status, error: message });
      code = send(res, status, statusBody(status, message, details), headers);
    }
    opts.log.debug('request', {
      method: req.method,
      path: url.pathname,
      user,
      code,
      ms: Math.round((performance.now() - started) * 100) / 100,
    });
  } finally {
    done(code);
  }
}

/**
 * The caller's access to a live request, decided as the proxy decides its own requests: its
 * attributes derived from the path, then the same authorizer.
 */
async function authorizeLive(opts: ServerOptions, user: UserInfo, path: string): Promise<void> {
  const attributes = requestAttributes('GET', path, new URLSearchParams());
  let decision: AuthorizationDecision;
  try {
    decision = await opts.authorize(user, attributes);
  } catch (e) {
    throw new ApiError(500, `authorization of the live request ${path} failed: ${(e as Error).message}`);
  }
  if (!decision.allowed) {
    throw new ApiError(
      403,
      `${forbiddenMessage(user.name, attributes, decision.reason)} (the history answers only what the live request ${path} would)`,
    );
  }
}

interface PeerVerdict {
  /** Why the peer may not speak for users, or undefined if it is the front proxy. */
  frontProxy: string | undefined;
  x509: { user: UserInfo } | { rejection: string };
}

/** A connection's certificate never changes: its verdict is kept for a minute (expiry) per CA config. */
const peerVerdicts = new WeakMap<
  TLSSocket,
  {
    requestHeader: RequestHeaderConfig | undefined;
    clientCa: ClientCaConfig | undefined;
    atMs: number;
    verdict: PeerVerdict;
  }
>();

function peerVerdict(
  socket: TLSSocket,
  requestHeader: RequestHeaderConfig | undefined,
  clientCa: ClientCaConfig | undefined,
): PeerVerdict {
  const now = Date.now();
  const cached = peerVerdicts.get(socket);
  if (
    cached &&
    cached.requestHeader === requestHeader &&
    cached.clientCa === clientCa &&
    now - cached.atMs < 60_000
  )
    return cached.verdict;
  const chain: X509Certificate[] = [];
  let peer = socket.getPeerCertificate(true);
  // The peer certificate, then any intermediates it sent (a self-issued root points at itself).
  while (peer?.raw && chain.length < 5) {
    chain.push(new X509Certificate(peer.raw));
    if (!peer.issuerCertificate || peer.issuerCertificate === peer) break;
    peer = peer.issuerCertificate;
  }
  const verdict: PeerVerdict = {
    frontProxy: requestHeader
      ? frontProxyRejection(chain, socket.authorized, requestHeader, now)
      : 'the requestheader CA is not known yet',
    x509: clientCa
      ? clientCertUser(chain, socket.authorized, clientCa, now)
      : { rejection: 'client-ca-file is not known yet' },
  };
  peerVerdicts.set(socket, { requestHeader, clientCa, atMs: now, verdict });
  return verdict;
}

/** Kubernetes' order (apiserver authenticatorfactory/delegating.go): front proxy, x509, bearer token. */
async function authenticate(
  req: IncomingMessage,
  opts: ServerOptions,
): Promise<{ user: UserInfo } | { rejection: string }> {
  const requestHeader = opts.requestHeader();
  const peer = peerVerdict(req.socket as TLSSocket, requestHeader, opts.clientCa());
  let frontProxy = peer.frontProxy;
  if (!frontProxy && requestHeader) {
    const user = userFromHeaders(req.headersDistinct as Record<string, string[]>, requestHeader);
    if (user) return { user: withAuthenticatedGroup(user) };
    frontProxy = 'the front proxy named no user';
  }
  if ('user' in peer.x509) return { user: withAuthenticatedGroup(peer.x509.user) };
  const token = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  let bearer = 'no bearer token';
  if (token) {
    try {
      const verdict = await opts.authenticateToken(token);
      if ('user' in verdict) return { user: withAuthenticatedGroup(verdict.user) };
      bearer = verdict.rejection;
    } catch (e) {
      bearer = `the token could not be reviewed: ${(e as Error).message}`;
    }
  }
  return {
    rejection: `front proxy: ${frontProxy}; client certificate: ${peer.x509.rejection}; bearer token: ${bearer}`,
  };
}

function withAuthenticatedGroup(user: UserInfo): UserInfo {
  return user.groups.includes('system:authenticated')
    ? user
    : { ...user, groups: [...user.groups, 'system:authenticated'] };
}

/** Connections answered by answerMalformed, still draining. */
const refusedConnections = new WeakSet<Duplex>();

/**
 * A request Node's HTTP parser refused (headers too large, a method or header it cannot read) gets a
 * Status like any other error, not Node's bare status line; the connection then closes.
 */
function answerMalformed(err: Error & { code?: string }, socket: Duplex): void {
  // Node's parser reports its error again for every later chunk of the same connection (the rest of
  // a long header or of a body the client is still sending); destroying the socket then would reset
  // it under a client still writing, which loses the answer already sent (a proxy in front, such as
  // the aggregator, gets "write: connection reset by peer" and answers 503 instead).
  if (refusedConnections.has(socket)) return;
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  refusedConnections.add(socket);
  const [code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [
          431,
          'the request line and headers exceed the 16 KiB this server reads: send a shorter URL or fewer headers',
        ]
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'the request was not received in time']
        : [400, `malformed HTTP request (${err.code ?? err.message}): send a well-formed HTTP/1.1 GET`];
  const text = JSON.stringify(statusBody(code, message));
  // Read (and drop) what the client is still sending, for a while: closing with unread data would
  // reset the connection and lose the answer.
  socket.resume();
  setTimeout(() => socket.destroy(), 5000).unref();
  socket.end(
    `HTTP/1.1 ${code} ${STATUS_CODES[code]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
  );
}

/** Writes `body` as JSON; returns the code, for the caller to count. */
function send(
  res: ServerResponse,
  code: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
): number {
  // Encoded once: Buffer.byteLength and then end(text) would each walk a 200 KB answer.
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(code, {
    'content-type': 'application/json',
    'content-length': bytes.length,
    ...headers,
  });
  res.end(bytes);
  return code;
}
