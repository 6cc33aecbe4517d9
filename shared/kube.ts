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
  private watchAgent: https.Agent | undefined;
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
    if (res.statusCode >= 400) throw apiError(res.statusCode, res.text);
    return parseJson(res.text) as T;
  }

  /** One request: its status and body, whatever the status; one that gets no answer rejects as it failed. */
  async send(method: string, path: string): Promise<Answer> {
    return (await this.prepare(method, path))();
  }

  /**
   * A watch (`?watch=1`): each line of the answer, one event, to `onLine` as it arrives. Resolves when
   * the server ends the answer (its timeoutSeconds); rejects when the connection fails, `onLine`
   * throws, `signal` aborts or no byte came for `idleMs`; a status of 400 or more rejects with a
   * KubeApiError.
   */
  async watch(
    path: string,
    query: Record<string, string>,
    onLine: (line: string) => void,
    opts: { signal: AbortSignal; idleMs: number },
  ): Promise<void> {
    const { client, url, headers, agent } = await this.target(path, query, true);
    await new Promise<void>((resolve, reject) => {
      const req = client.request(url, { method: 'GET', headers, agent, signal: opts.signal }, (response) => {
        const code = response.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let partial = '';
        response.on('data', (c: Buffer) => {
          if (code >= 400) return void chunks.push(c);
          const lines = (partial + c.toString('utf8')).split('\n');
          partial = lines.pop() ?? '';
          try {
            for (const line of lines) if (line) onLine(line);
          } catch (e) {
            req.destroy(e as Error);
          }
        });
        response.on('error', reject);
        response.on('close', () => {
          if (!response.complete) reject(new Error('the watch connection closed'));
        });
        response.on('end', () => {
          if (code < 400) return resolve();
          const text = Buffer.concat(chunks).toString('utf8');
          reject(apiError(code, text));
        });
      });
      req.setTimeout(opts.idleMs, () =>
        req.destroy(new Error(`the watch sent nothing for ${Math.round(opts.idleMs / 1000)} s`)),
      );
      req.on('error', reject);
      req.end();
    });
  }

  /** The request with the kubeconfig's credentials, to send. */
  private async prepare(
    method: string,
    path: string,
    query?: Record<string, string | undefined>,
    body?: unknown,
  ): Promise<() => Promise<Answer>> {
    const { client, url, headers, agent } = await this.target(path, query, false);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) headers['content-type'] = 'application/json';
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

  /**
   * Where a request goes and with what: the URL, the kubeconfig's headers, and an agent holding its
   * TLS material. Watches get an agent of their own: a watch holds its connection for minutes, and
   * the kept-alive agent's 30 s socket timeout is for idle connections.
   */
  private async target(path: string, query: Record<string, string | undefined> | undefined, watch: boolean) {
    const opts: RequestCredentials = { headers: {} };
    await this.kc.applyToHTTPSOptions(opts);
    const secure = this.server.startsWith('https:');
    // Loaded on the first request: commands that make none (version, help) start without them.
    const client = secure ? await import('node:https') : await import('node:http');
    const agentOf = (agentOpts: http.AgentOptions): https.Agent =>
      secure
        ? new (client as typeof https).Agent({
            ...agentOpts,
            ca: opts.ca,
            cert: opts.cert,
            key: opts.key,
            rejectUnauthorized: opts.rejectUnauthorized !== false,
            ...(opts.servername ? { servername: opts.servername } : {}),
          })
        : (new client.Agent(agentOpts) as https.Agent);
    // Idle connections close after 30 s, well before kube-apiserver's (90 s: k8s.io/apiserver
    // pkg/server/secure_serving.go), so a kept one is never reused as the server closes it.
    if (watch) this.watchAgent ??= agentOf({ keepAlive: false });
    else this.agent ??= agentOf({ keepAlive: true, timeout: 30_000 });
    const agent = watch ? this.watchAgent : this.agent;
    const qs = query
      ? new URLSearchParams(
          Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined),
        ).toString()
      : '';
    const url = `${this.server}${path}${qs ? `?${qs}` : ''}`;
    const headers: http.OutgoingHttpHeaders = { accept: 'application/json' };
    for (const [k, v] of Object.entries(opts.headers ?? {}))
      if (typeof v === 'string' || Array.isArray(v)) headers[k.toLowerCase()] = v;
    return { client, url, headers, agent };
  }

  async close(): Promise<void> {
    this.agent?.destroy();
    this.watchAgent?.destroy();
  }
}

/** A failed answer as an error: its Status' message, else the start of its text. */
function apiError(code: number, text: string): KubeApiError {
  const parsed = parseJson(text);
  const status = (parsed as KubeStatus | undefined)?.kind === 'Status' ? (parsed as KubeStatus) : undefined;
  const message = status?.message ?? (text.trim().slice(0, 300) || `HTTP ${code}`);
  return new KubeApiError(message, code, status);
}

/** The answer's JSON, or undefined for an empty or unparsable one. */
function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
