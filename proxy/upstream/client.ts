// An upstream metrics API server (KEDA's, another adapter's) that answers the metrics no rule
// serves. It is called directly, with the proxy's own credentials, after the proxy has authorized
// the original user; its answers and its Status errors are passed on, and its discovery is kept
// from the last time it answered, so the proxy's discovery lists its metrics too.
import type { Pool } from 'undici';
import {
  type APIResource,
  CUSTOM_GROUP,
  CUSTOM_VERSIONS,
  EXTERNAL_GROUP,
  EXTERNAL_VERSIONS,
} from '../../shared/api-types.ts';
import { headersWith, isTimeout, outboundPool } from '../outbound.ts';
import type { UpstreamRoute } from '../rules/upstreams.ts';
import type { UpstreamObserver } from './metrics.ts';

/** A failed upstream call, with the code the proxy answers (the upstream's own when it sent a Status). */
export class UpstreamError extends Error {
  readonly code: number;
  constructor(message: string, code: number) {
    super(message);
    this.code = code;
  }
}

export interface UpstreamAnswer {
  body: unknown;
  /** The upstream's `Warning` header texts. */
  warnings: string[];
}

interface UpstreamOptions {
  /** The upstream's own timeout, or the proxy's default. */
  timeoutMs: number;
  /** The proxy's own ServiceAccount token, when the upstream names no bearerTokenFile. */
  defaultTokenFile?: string;
  observer?: UpstreamObserver;
}

const VERSIONS: Record<string, readonly string[]> = {
  [CUSTOM_GROUP]: CUSTOM_VERSIONS,
  [EXTERNAL_GROUP]: EXTERNAL_VERSIONS,
};

/** What the metrics APIs ask of an upstream: whether it serves a metric, its answer, its discovery. */
export interface MetricsUpstream extends UpstreamRoute {
  get(path: string, query: string): Promise<UpstreamAnswer>;
  resources(groupVersion: string): readonly APIResource[];
}

export class UpstreamClient implements MetricsUpstream {
  readonly upstream: UpstreamRoute['upstream'];
  readonly serves: UpstreamRoute['serves'];
  private readonly pool: Pool;
  private readonly headers: () => Record<string, string>;
  private readonly timeoutMs: number;
  private readonly observer: UpstreamObserver | undefined;
  /** The resources of each group version, from the upstream's last discovery answer. */
  private readonly discovered = new Map<string, APIResource[]>();

  constructor(route: UpstreamRoute, opts: UpstreamOptions) {
    const u = route.upstream;
    this.upstream = u;
    this.serves = route.serves;
    this.timeoutMs = opts.timeoutMs;
    this.observer = opts.observer;
    const tokenFile = u.bearerTokenFile || (u.tls.certFile ? '' : (opts.defaultTokenFile ?? ''));
    this.headers = headersWith(
      { accept: 'application/json' },
      tokenFile ? { bearerTokenFile: tokenFile } : {},
    );
    this.pool = outboundPool(new URL(u.url).origin, this.timeoutMs, u.tls);
  }

  /** GETs `path` (with its query) from the upstream; throws UpstreamError when it does not answer 2xx. */
  async get(path: string, query: string): Promise<UpstreamAnswer> {
    const started = performance.now();
    let code = 'error';
    try {
      let res: Awaited<ReturnType<Pool['request']>>;
      let text: string;
      try {
        res = await this.pool.request({
          method: 'GET',
          path: query ? `${path}?${query}` : path,
          headers: this.headers(),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        text = await res.body.text();
      } catch (e) {
        code = isTimeout(e) ? 'timeout' : 'unreachable';
        if (code === 'timeout')
          throw new UpstreamError(`${this.what()} did not answer within ${this.timeoutMs / 1000} s`, 504);
        throw new UpstreamError(`${this.what()} is unreachable: ${(e as Error).message}`, 503);
      }
      code = String(res.statusCode);
      const body = parseJson(text);
      if (res.statusCode < 200 || res.statusCode > 299) {
        const status = body as { kind?: unknown; message?: unknown } | undefined;
        const message =
          status?.kind === 'Status' && typeof status.message === 'string'
            ? status.message
            : `HTTP ${res.statusCode} ${text.trim().slice(0, 200)}`;
        // A 5xx of its own stays a 5xx; the codes a client acts on (403, 404, 400) are passed on as they are.
        throw new UpstreamError(`${this.what()}: ${message}`, res.statusCode >= 500 ? 502 : res.statusCode);
      }
      if (body === undefined)
        throw new UpstreamError(
          `${this.what()} answered ${res.statusCode} with a body that is not JSON: ${text.slice(0, 200)}`,
          502,
        );
      return { body, warnings: warningTexts(res.headers.warning) };
    } finally {
      this.observer?.observe(this.upstream.name, (performance.now() - started) / 1000, code);
    }
  }

  /** Asks the upstream for the resources of each group version it serves; keeps the last answer of each. */
  async refreshDiscovery(): Promise<string[]> {
    const problems: string[] = [];
    const groupVersions = this.upstream.groups.flatMap((g) => (VERSIONS[g] ?? []).map((v) => `${g}/${v}`));
    await Promise.all(
      groupVersions.map(async (gv) => {
        try {
          const { body } = await this.get(`/apis/${gv}`, '');
          const resources = (body as { resources?: unknown }).resources;
          if (!Array.isArray(resources))
            throw new UpstreamError(`${this.what()}: /apis/${gv} lists no resources`, 502);
          this.discovered.set(gv, resources.filter(isResource));
        } catch (e) {
          // An upstream that does not serve a version (404) lists nothing for it.
          if (e instanceof UpstreamError && e.code === 404) this.discovered.set(gv, []);
          else problems.push((e as Error).message);
        }
      }),
    );
    return problems;
  }

  /** What the upstream listed for `groupVersion` the last time it answered. */
  resources(groupVersion: string): readonly APIResource[] {
    return this.discovered.get(groupVersion) ?? [];
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private what(): string {
    return `upstream ${this.upstream.name} (${this.upstream.url})`;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isResource(r: unknown): r is APIResource {
  return typeof r === 'object' && r !== null && typeof (r as { name?: unknown }).name === 'string';
}

/** `299 - "text"` (RFC 7234 §5.5, as k8s.io/apiserver pkg/warning writes it) → `text`. */
function warningTexts(header: string | string[] | undefined): string[] {
  const values = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return values.flatMap((v) =>
    [...v.matchAll(/\d{3} \S+ "((?:[^"\\]|\\.)*)"/g)].map((m) => (m[1] ?? '').replace(/\\(.)/g, '$1')),
  );
}
