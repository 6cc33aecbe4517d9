// Outbound HTTP(S) to the servers a configuration names (Prometheus backends, upstream metrics
// servers): one keep-alive undici pool per server, TLS material read from files, and credentials
// read again when their file changes (projected ServiceAccount tokens rotate; client-go's
// transport/token_source.go cachingTokenSource re-reads the file the same way).
import { readFileSync, statSync } from 'node:fs';
import { Pool } from 'undici';

export interface OutboundTls {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  serverName?: string;
  insecureSkipVerify?: boolean;
}

export interface OutboundCredentials {
  bearerTokenFile?: string;
  basicAuth?: { username: string; passwordFile: string };
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

/**
 * A keep-alive pool to `origin`; `timeoutMs` bounds the headers and the body of each answer. An
 * empty file or name in `tls` is none, as the configuration writes an unset field.
 */
export function outboundPool(origin: string, timeoutMs: number, tls: OutboundTls = {}): Pool {
  return new Pool(origin, {
    connections: 32,
    keepAliveTimeout: 30_000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
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

/** The headers of every request: fixed ones, and the bearer token or basic auth read now. */
export function headersWith(
  fixed: Record<string, string>,
  credentials: OutboundCredentials,
): () => Record<string, string> {
  if (credentials.bearerTokenFile) {
    const token = new WatchedFile(credentials.bearerTokenFile);
    return () => ({ ...fixed, authorization: `Bearer ${token.read()}` });
  }
  if (credentials.basicAuth) {
    const { username, passwordFile } = credentials.basicAuth;
    const password = new WatchedFile(passwordFile);
    return () => ({
      ...fixed,
      authorization: `Basic ${Buffer.from(`${username}:${password.read()}`).toString('base64')}`,
    });
  }
  return () => fixed;
}

/** Whether a transport failure is a deadline passed rather than a connection that failed. */
export function isTimeout(e: unknown): boolean {
  const err = e as Error & { code?: string };
  return (
    err.name === 'TimeoutError' ||
    err.name === 'AbortError' ||
    err.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    err.code === 'UND_ERR_BODY_TIMEOUT'
  );
}
