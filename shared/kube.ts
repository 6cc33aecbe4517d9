// Raw REST calls to the Kubernetes API with the credentials of a kubeconfig (or in-cluster), for the
// paths client-node has no typed call for (metrics groups, discovery). client-node reads the config
// and authenticates; undici carries the requests.
import type https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { Agent, request } from 'undici';

interface KubeTarget {
  kubeconfig?: string | undefined;
  context?: string | undefined;
}

export function loadKubeConfig(target: KubeTarget = {}): KubeConfig {
  const kc = new KubeConfig();
  if (target.kubeconfig) kc.loadFromFile(target.kubeconfig);
  else kc.loadFromDefault();
  if (target.context) kc.setCurrentContext(target.context);
  return kc;
}

export class KubeApiError extends Error {
  readonly code: number;
  readonly status: KubeStatus | undefined;
  constructor(message: string, code: number, status?: KubeStatus) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

export interface KubeStatus {
  kind: 'Status';
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
}

export class KubeRest {
  readonly kc: KubeConfig;
  readonly server: string;
  private agent: Agent | undefined;
  private readonly timeoutMs: number;

  constructor(kc: KubeConfig, timeoutMs = 30_000) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster; pass --kubeconfig or --context');
    this.kc = kc;
    this.server = cluster.server.replace(/\/$/, '');
    this.timeoutMs = timeoutMs;
  }

  async get<T>(path: string, query?: Record<string, string | undefined>): Promise<T> {
    return this.call<T>('GET', path, query);
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', path, undefined, body);
  }

  async call<T>(
    method: string,
    path: string,
    query?: Record<string, string | undefined>,
    body?: unknown,
  ): Promise<T> {
    const opts: https.RequestOptions = { headers: {} };
    await this.kc.applyToHTTPSOptions(opts);
    this.agent ??= new Agent({
      connect: {
        ca: opts.ca as string | undefined,
        cert: opts.cert as string | undefined,
        key: opts.key as string | undefined,
        rejectUnauthorized: opts.rejectUnauthorized !== false,
        ...(opts.servername ? { servername: opts.servername } : {}),
      },
      keepAliveTimeout: 30_000,
    });
    const qs = query
      ? new URLSearchParams(
          Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined),
        ).toString()
      : '';
    const url = `${this.server}${path}${qs ? `?${qs}` : ''}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    for (const [k, v] of Object.entries(opts.headers ?? {}))
      if (typeof v === 'string') headers[k.toLowerCase()] = v;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(url, {
        method: method as 'GET',
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new KubeApiError(`cannot reach the Kubernetes API at ${this.server}: ${(e as Error).message}`, 0);
    }
    const text = await res.body.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (res.statusCode >= 400) {
      const status =
        (parsed as KubeStatus | undefined)?.kind === 'Status' ? (parsed as KubeStatus) : undefined;
      const message = status?.message ?? (text.trim().slice(0, 300) || `HTTP ${res.statusCode}`);
      throw new KubeApiError(message, res.statusCode, status);
    }
    return parsed as T;
  }

  async close(): Promise<void> {
    await this.agent?.close();
  }
}
