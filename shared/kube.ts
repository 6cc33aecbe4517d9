// Raw REST calls to the Kubernetes API with the credentials of a kubeconfig: client-node's KubeConfig
// (the proxy's, in-cluster or a file) or shared/kubeconfig.ts's (the plugin's). node:https carries
// the requests on kept-alive connections: undici cost the plugin's Bun executable about 90 ms of every
// run that made a request (docs/performance.md).
import type http from 'node:http';
import type https from 'node:https';

/** What a kubeconfig gives a request: TLS material and headers. */
export interface RequestCredentials {
  ca?: string | Buffer | undefined;
  cert?: string | Buffer | undefined;
  key?: string | Buffer | undefined;
  rejectUnauthorized?: boolean | undefined;
  servername?: string | undefined;
  headers?: http.OutgoingHttpHeaders | undefined;
}

/** What KubeRest needs of a kubeconfig; client-node's KubeConfig has it too. */
export interface KubeCredentials {
  getCurrentCluster(): { server: string } | null;
  /** TLS material and headers for the next request (an exec plugin's token may have been renewed). */
  applyToHTTPSOptions(opts: RequestCredentials): Promise<void>;
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

/** An answer as it came: its status and its body as text. */
interface Answer {
  statusCode: number;
  text: string;
}

export class KubeRest {
  readonly server: string;
  private readonly kc: KubeCredentials;
  private agent: https.Agent | undefined;
  private readonly timeoutMs: number;

  constructor(kc: KubeCredentials, timeoutMs = 30_000) {
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
    const request = await this.prepare(method, path, query, body);
    let res: Answer;
    try {
      res = await request();
    } catch (e) {
      throw new KubeApiError(`cannot reach the Kubernetes API at ${this.server}: ${(e as Error).message}`, 0);
    }
    const { text } = res;
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

  /** One request: its status and body, whatever the status; one that gets no answer rejects as it failed. */
  async send(method: string, path: string): Promise<Answer> {
    return (await this.prepare(method, path))();
  }

  /** The request with the kubeconfig's credentials, to send. */
  private async prepare(
    method: string,
    path: string,
    query?: Record<string, string | undefined>,
    body?: unknown,
  ): Promise<() => Promise<Answer>> {
    const opts: RequestCredentials = { headers: {} };
    await this.kc.applyToHTTPSOptions(opts);
    const secure = this.server.startsWith('https:');
    // Loaded on the first request: commands that make none (version, help) start without them.
    const client = secure ? await import('node:https') : await import('node:http');
    // Idle connections close after 30 s, well before kube-apiserver's (90 s: k8s.io/apiserver
    // pkg/server/secure_serving.go), so a kept one is never reused as the server closes it.
    const keepAlive = { keepAlive: true, timeout: 30_000 };
    this.agent ??= secure
      ? new (client as typeof https).Agent({
          ...keepAlive,
          ca: opts.ca,
          cert: opts.cert,
          key: opts.key,
          rejectUnauthorized: opts.rejectUnauthorized !== false,
          ...(opts.servername ? { servername: opts.servername } : {}),
        })
      : (new client.Agent(keepAlive) as https.Agent);
    const qs = query
      ? new URLSearchParams(
          Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined),
        ).toString()
      : '';
    const url = `${this.server}${path}${qs ? `?${qs}` : ''}`;
    const headers: http.OutgoingHttpHeaders = { accept: 'application/json' };
    for (const [k, v] of Object.entries(opts.headers ?? {}))
      if (typeof v === 'string' || Array.isArray(v)) headers[k.toLowerCase()] = v;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const agent = this.agent;
    return async () => {
      const signal = AbortSignal.timeout(this.timeoutMs);
      try {
        return await new Promise((resolve, reject) => {
          const req = client.request(url, { method, headers, agent, signal }, (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (c: Buffer) => chunks.push(c));
            response.on('error', reject);
            response.on('close', () => {
              if (!response.complete)
                reject(new Error('the connection closed before the answer was complete'));
            });
            response.on('end', () =>
              resolve({ statusCode: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
            );
          });
          req.on('error', reject);
          req.end(payload);
        });
      } catch (e) {
        // A timeout aborts with the signal's reason ("The operation was aborted due to timeout").
        throw signal.aborted ? (signal.reason as Error) : e;
      }
    };
  }

  async close(): Promise<void> {
    this.agent?.destroy();
  }
}
